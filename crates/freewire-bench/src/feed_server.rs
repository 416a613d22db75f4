//! A loopback server of many small feeds for the poll-cycle benchmark. Feed `n` answers its
//! first request with three items and an `ETag`; afterwards, when asked with that `ETag`, nine
//! feeds in ten answer `304 Not Modified` and every tenth has a new item each time.

use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Items in a feed's first version.
const FIRST_ITEMS: u32 = 3;

struct Feeds {
    /// The version each feed is at (0: never asked).
    versions: Vec<AtomicU32>,
}

fn document(n: usize, version: u32) -> String {
    let items: Vec<String> = (0..FIRST_ITEMS + version - 1)
        .map(|i| {
            format!(
                "<item><guid>feed-{n}-item-{i}</guid><title>Notice {i} of outlet {n}</title>\
                 <link>https://outlet-{n}.example/notice-{i}</link>\
                 <pubDate>Thu, 01 Jan 2026 0{}:00:00 +0000</pubDate>\
                 <description>&lt;p&gt;The harbour board of outlet {n} posted notice {i}.&lt;/p&gt;</description></item>",
                i % 10
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Outlet {n}</title>\
         <link>https://outlet-{n}.example/</link>{}</channel></rss>",
        items.concat()
    )
}

async fn feed(State(feeds): State<Arc<Feeds>>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(n) = file.strip_suffix(".xml").and_then(|n| n.parse::<usize>().ok()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(version) = feeds.versions.get(n) else { return StatusCode::NOT_FOUND.into_response() };
    let current = version.load(Ordering::Relaxed);
    let asked = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    let unchanged = current > 0 && asked == Some(format!("\"v{current}\"").as_str());
    if unchanged && n % 10 != 0 {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let next = current + 1;
    version.store(next, Ordering::Relaxed);
    let etag = HeaderValue::from_str(&format!("\"v{next}\"")).unwrap_or(HeaderValue::from_static("\"v\""));
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/rss+xml")), (header::ETAG, etag)],
        document(n, next),
    )
        .into_response()
}

/// Serves `feeds` feeds at `/feed/{n}.xml` on `hosts` loopback addresses (127.0.1.1, 127.0.1.2,
/// …: outlets live on many hosts, and a poller limits each host separately) until killed;
/// prints one base address per line. Every host serves every feed.
pub async fn run(feeds: usize, hosts: u8, port: u16) -> anyhow::Result<()> {
    let state = Arc::new(Feeds { versions: (0..feeds).map(|_| AtomicU32::new(0)).collect() });
    let app = axum::Router::new().route("/feed/{file}", axum::routing::get(feed)).with_state(state);
    let mut servers = tokio::task::JoinSet::new();
    for host in 1..=hosts.clamp(1, 254) {
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::new(127, 0, 1, host), port))
            .await
            .with_context(|| format!("listening on 127.0.1.{host}:{port}"))?;
        println!("http://{}", listener.local_addr()?);
        servers.spawn(axum::serve(listener, app.clone()).into_future());
    }
    while let Some(done) = servers.join_next().await {
        done??;
    }
    Ok(())
}
