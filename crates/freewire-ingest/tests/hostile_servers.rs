//! Feed servers that misbehave on purpose, on loopback: one that never answers, one that
//! trickles a byte at a time, one that never closes, one that sends more than the size limit,
//! and one that trickles its headers. Every fetch ends within the fetch limits with a reason an
//! editor can act on, and a poll of such a feed marks it failing while the others go on.
#![expect(clippy::unwrap_used, reason = "tests stop at the first failure")]

use std::time::{Duration, Instant};

use freewire_ingest::fetch::{FetchConfig, FetchError, Fetcher, Validators};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a test server treats each connection.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Reads the request and never answers.
    Silent,
    /// Sends headers, then one byte of the body every 200 ms, for ever.
    Trickle,
    /// Sends headers without a length and part of a feed, then keeps the connection open.
    NeverCloses,
    /// Announces and sends far more than the size limit, as fast as it can.
    Flood,
    /// Sends its status line and headers one byte every 200 ms.
    SlowHeaders,
    /// Answers with a small, good feed.
    Good,
}

/// A feed written for this test.
const GOOD_FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Steady Post</title><link>https://steady.example/</link><item><guid>s-1</guid><title>Ferry timetable holds through winter</title><link>https://steady.example/ferry</link><pubDate>Tue, 01 Dec 2026 08:00:00 +0000</pubDate><description>&lt;p&gt;The winter timetable stays as it is, the operator said.&lt;/p&gt;</description></item></channel></rss>"#;

async fn read_request(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

async fn misbehave(mut stream: TcpStream, how: Behaviour) {
    read_request(&mut stream).await;
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n";
    let result: std::io::Result<()> = async {
        match how {
            Behaviour::Silent => tokio::time::sleep(Duration::from_hours(1)).await,
            Behaviour::Trickle => {
                stream.write_all(format!("{head}Content-Length: 100000\r\n\r\n").as_bytes()).await?;
                loop {
                    stream.write_all(b" ").await?;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            Behaviour::NeverCloses => {
                stream.write_all(format!("{head}Connection: keep-alive\r\n\r\n<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>").as_bytes()).await?;
                tokio::time::sleep(Duration::from_hours(1)).await;
            }
            Behaviour::Flood => {
                stream.write_all(format!("{head}Content-Length: 1000000000\r\n\r\n").as_bytes()).await?;
                let chunk = vec![b' '; 64 * 1024];
                loop {
                    stream.write_all(&chunk).await?;
                }
            }
            Behaviour::Good => {
                let answer = format!("{head}Content-Length: {}\r\nConnection: close\r\n\r\n{GOOD_FEED}", GOOD_FEED.len());
                stream.write_all(answer.as_bytes()).await?;
            }
            Behaviour::SlowHeaders => {
                for byte in format!("{head}Content-Length: 10\r\n\r\n").bytes() {
                    stream.write_all(&[byte]).await?;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        Ok(())
    }
    .await;
    // The client hanging up is how these end.
    drop(result);
}

async fn server(how: Behaviour) -> url::Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(misbehave(stream, how));
        }
    });
    url::Url::parse(&format!("http://{addr}/feed.xml")).unwrap()
}

fn fetcher() -> Fetcher {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Fetcher::new(FetchConfig {
        allow_private: true,
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        max_body_bytes: 1024 * 1024,
        ..FetchConfig::default()
    })
    .unwrap()
}

/// Fetches from a server behaving as `how`; the error and how long it took.
async fn fetch(how: Behaviour) -> (FetchError, Duration) {
    let url = server(how).await;
    let started = Instant::now();
    // A bound of our own around the fetcher's, so a failure here is a failed test, not a hang.
    let outcome = tokio::time::timeout(Duration::from_secs(30), fetcher().get(&url, &Validators::default()))
        .await
        .unwrap_or_else(|_| panic!("the fetch was not bounded by its limits"));
    match outcome {
        Ok(_) => panic!("a misbehaving server's answer was taken"),
        Err(e) => (e, started.elapsed()),
    }
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_at_the_time_limit() {
    let (error, took) = fetch(Behaviour::Silent).await;
    assert!(matches!(error, FetchError::Timeout(2)), "{error}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(error.to_string(), "no complete answer within 2 s");
}

#[tokio::test]
async fn a_trickling_body_is_given_up_at_the_time_limit() {
    let (error, took) = fetch(Behaviour::Trickle).await;
    assert!(matches!(error, FetchError::Timeout(_)), "{error}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn a_connection_that_never_closes_is_given_up_at_the_time_limit() {
    let (error, took) = fetch(Behaviour::NeverCloses).await;
    assert!(matches!(error, FetchError::Timeout(_)), "{error}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn trickled_headers_are_given_up_at_the_time_limit() {
    let (error, took) = fetch(Behaviour::SlowHeaders).await;
    assert!(matches!(error, FetchError::Timeout(_)), "{error}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn a_flood_is_cut_off_at_the_size_limit() {
    let (error, took) = fetch(Behaviour::Flood).await;
    assert!(matches!(error, FetchError::TooLarge { limit: 1_048_576 }), "{error}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn misbehaving_feeds_fail_with_their_reason_while_the_others_are_stored() {
    use freewire_core::store::prelude::*;
    use freewire_ingest::poll::{PollConfig, PollOutcome, Poller};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("freewire.db").display());
    let store = std::sync::Arc::new(freewire_store::SqlStore::connect(&url).await.unwrap());
    let source = store
        .insert_source(freewire_core::NewSource {
            name: "Steady Post".into(),
            homepage: None,
            licence: freewire_core::Licence::CcBy4,
            credit: None,
        })
        .await
        .unwrap();
    let mut feeds = Vec::new();
    for how in [Behaviour::Silent, Behaviour::Trickle, Behaviour::Flood, Behaviour::Good] {
        let feed =
            freewire_core::NewFeed { source_id: source.id, url: server(how).await.to_string(), title: None };
        feeds.push(store.insert_feed(feed).await.unwrap().id);
    }
    let config = PollConfig { full_text: false, ..PollConfig::default() };
    let poller = Poller::new(store.clone(), fetcher(), config);
    let started = Instant::now();
    let reports = tokio::time::timeout(Duration::from_secs(30), poller.poll_due()).await.unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(15), "fetched side by side, each within its limit");
    assert_eq!(reports.len(), 4);
    let outcome = |id| reports.iter().find(|r| r.feed_id == id).map(|r| r.outcome.clone()).unwrap();
    for id in &feeds[..3] {
        assert!(matches!(outcome(*id), PollOutcome::Failed(_)), "{:?}", outcome(*id));
        let stored = store.feed_by_id(*id).await.unwrap().unwrap();
        assert_eq!(stored.state(), freewire_core::FeedState::Failing);
        assert!(!stored.last_error.unwrap_or_default().is_empty(), "a reason is kept");
    }
    assert!(matches!(outcome(feeds[3]), PollOutcome::Updated { new: 1, .. }), "{:?}", outcome(feeds[3]));
    let stored = store.feed_by_id(feeds[0]).await.unwrap().unwrap();
    assert_eq!(stored.last_error.as_deref(), Some("no complete answer within 2 s"));
    let flooded = store.feed_by_id(feeds[2]).await.unwrap().unwrap();
    assert!(flooded.last_error.unwrap().contains("larger than"), "the size limit named");
}
