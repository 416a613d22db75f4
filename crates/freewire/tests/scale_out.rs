//! Many machines, one site: two `serve` replicas and two `freewire worker`s on one PostgreSQL
//! database and one S3-protocol object store, all the real binary, with outlets' feeds served
//! on loopback by a server that notes every request.
//!
//! Shown: a worker killed with SIGKILL while it holds feeds loses them to another within two
//! lease periods; no feed is ever fetched by two workers at once, and the per-host request limit
//! holds across the workers together; an update posted through one replica (with a file) is on
//! the other's pages (including the page it keeps for visitors), search and downloads within
//! two seconds; and sign-in attempts are counted once for the whole site, so a second replica
//! does not double the guesses allowed.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use freewire_store::testing;

mod common;
use common::{Running, browser as client, form_token as token};

const PASSWORD: &str = "a long enough password";
/// Feeds followed, all on one host.
const FEEDS: usize = 6;
/// How long the feed server takes to answer, so overlapping fetches would show.
const ANSWER_DELAY: Duration = Duration::from_millis(400);
/// The workers' lease on a claimed feed.
const LEASE_SECS: u64 = 6;
/// Requests to one host at once, across every worker.
const PER_HOST: usize = 2;

/// What the feed server saw.
#[derive(Default)]
struct Seen {
    /// Requests in progress, per path and in all.
    in_flight: HashMap<String, usize>,
    total_in_flight: usize,
    /// The most ever in progress for one path at once, and for the host.
    most_per_path: usize,
    most_total: usize,
    /// Every request's path and when it arrived.
    log: Vec<(String, Instant)>,
}

/// Counts a request in progress until dropped (also when the client goes away mid-answer).
struct InFlight {
    seen: Arc<Mutex<Seen>>,
    path: String,
}

impl InFlight {
    fn start(seen: &Arc<Mutex<Seen>>, path: &str) -> InFlight {
        let mut s = seen.lock().unwrap();
        let here = s.in_flight.entry(path.to_owned()).or_default();
        *here += 1;
        let here = *here;
        s.total_in_flight += 1;
        s.most_per_path = s.most_per_path.max(here);
        s.most_total = s.most_total.max(s.total_in_flight);
        s.log.push((path.to_owned(), Instant::now()));
        InFlight { seen: seen.clone(), path: path.to_owned() }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.seen.lock().unwrap();
        if let Some(n) = s.in_flight.get_mut(&self.path) {
            *n -= 1;
        }
        s.total_in_flight -= 1;
    }
}

fn feed_xml(n: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Coast Wire {n}</title><link>https://coast.example/{n}/</link>
<item><guid>coast-{n}</guid><title>Tide Gauge Number {n} Repaired</title><link>https://coast.example/{n}/gauge</link>
<pubDate>Wed, 06 Mar 2024 09:00:00 +0000</pubDate>
<description><![CDATA[<p>Engineers repaired tide gauge number {n} on the north quay, the harbour office said.</p>]]></description></item>
</channel></rss>"#
    )
}

/// The outlets' server: `/feeds/{n}.xml`, each answered after [`ANSWER_DELAY`].
async fn feed_server(seen: Arc<Mutex<Seen>>) -> String {
    let app = axum::Router::new().route(
        "/feeds/{name}",
        axum::routing::get(move |axum::extract::Path(name): axum::extract::Path<String>| {
            let seen = seen.clone();
            async move {
                let _counted = InFlight::start(&seen, &name);
                tokio::time::sleep(ANSWER_DELAY).await;
                let n: usize = name.trim_end_matches(".xml").parse().unwrap_or(0);
                ([("content-type", "application/rss+xml")], feed_xml(n))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Where every process of the site keeps its things.
struct Site {
    database: String,
    bucket: String,
    s3: freewire_store::S3Settings,
    prefix: String,
}

impl Site {
    /// One `freewire` invocation of this site, in a data folder of its own.
    fn command(&self, dir: &std::path::Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_freewire"));
        cmd.args(args)
            .env("FREEWIRE_DATA_DIR", dir)
            .env("FREEWIRE_DATABASE_URL", &self.database)
            .env("FREEWIRE_STORAGE_URL", format!("s3://{}/{}", self.bucket, self.prefix))
            .env("AWS_ACCESS_KEY_ID", self.s3.access_key_id.as_deref().unwrap_or_default())
            .env("AWS_SECRET_ACCESS_KEY", self.s3.secret_access_key.as_deref().unwrap_or_default())
            .env("AWS_REGION", &self.s3.region)
            .env("AWS_ENDPOINT_URL", self.s3.endpoint.as_deref().unwrap_or_default())
            .env("FREEWIRE_FETCH__ALLOW_PRIVATE", "true")
            .env("FREEWIRE_FETCH__TIMEOUT_SECS", "3")
            .env("FREEWIRE_POLL__ENABLED", "false")
            .env("FREEWIRE_POLL__EVERY_SECS", "1")
            .env("FREEWIRE_POLL__MIN_INTERVAL_SECS", "1")
            .env("FREEWIRE_POLL__MAX_INTERVAL_SECS", "2")
            .env("FREEWIRE_POLL__LEASE_SECS", LEASE_SECS.to_string())
            .env("FREEWIRE_POLL__PER_HOST", PER_HOST.to_string())
            .env("FREEWIRE_POLL__FULL_TEXT", "false")
            .env("FREEWIRE_POLL__RECHECK_SCHEDULE_SECS", "[]")
            .env("FREEWIRE_LOG", "warn");
        cmd
    }

    fn run(&self, dir: &std::path::Path, args: &[&str], stdin: &str) -> String {
        let mut child = self
            .command(dir, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "freewire {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts a long-running command; waits for the line that says it is up.
    fn start(&self, args: &[&str], ready: &str) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let cmd = self.command(dir.path(), args);
        Running::start(cmd, dir, ready)
    }
}

async fn text(c: &reqwest::Client, url: &str) -> String {
    c.get(url).send().await.unwrap().text().await.unwrap()
}

/// Polls `check` every 50 ms for up to `within`; how long it took, or what it last saw.
async fn within<F, Fut>(within: Duration, mut check: F) -> Result<Duration, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    loop {
        match check().await {
            Ok(()) => return Ok(started.elapsed()),
            Err(last) if started.elapsed() >= within => return Err(last),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A sign-in with a wrong password: its status.
async fn wrong_sign_in(node: &Running, name: &str) -> reqwest::StatusCode {
    let c = client();
    let page = text(&c, &node.url("/login")).await;
    c.post(node.url("/login"))
        .form(&[("username", name), ("password", "not the password"), ("csrf", &token(&page)), ("next", "/")])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_and_two_workers_on_postgres_and_s3_act_as_one_site() {
    let Some(admin) = testing::postgres_admin_url() else { return };
    let Some((bucket, s3)) = testing::s3_test_server() else { return };
    let site = Site {
        database: testing::create_postgres_database(&admin).await,
        bucket,
        s3,
        prefix: testing::unique_prefix(),
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let outlets = feed_server(seen.clone()).await;
    let work = tempfile::tempdir().unwrap();
    site.run(work.path(), &["user", "add", "ed", "--role", "editor"], PASSWORD);
    site.run(
        work.path(),
        &["source", "add", "Coast Wire", "--homepage", "https://coast.example/", "--licence", "CC-BY-4.0"],
        "",
    );
    for n in 0..FEEDS {
        site.run(
            work.path(),
            &["feed", "add", &format!("{outlets}/feeds/{n}.xml"), "--source", "Coast Wire"],
            "",
        );
    }

    let workers = workers_share_the_feeds(&site, &seen).await;

    // Two serving replicas on the same database and object store.
    let a = site.start(&["serve", "--listen", "127.0.0.1:0"], "is serving");
    let b = site.start(&["serve", "--listen", "127.0.0.1:0"], "is serving");
    let article = "/2024/03/06/tide-gauge-number-3-repaired/";
    let visitor = client();
    let ready = within(Duration::from_secs(20), || {
        let (visitor, url) = (visitor.clone(), b.url(article));
        async move {
            let status = visitor.get(&url).send().await.unwrap().status();
            if status.is_success() { Ok(()) } else { Err(format!("{url}: {status}")) }
        }
    })
    .await;
    ready.unwrap();
    // The visitor's page is now kept by replica B.
    assert!(!text(&visitor, &b.url(article)).await.contains("lighthouse keeper"));

    an_update_through_one_replica_reaches_the_other(&a, &b, article, &visitor).await;
    sign_in_attempts_count_for_the_site(&a, &b).await;

    drop((a, b, workers));
    testing::drop_postgres_database(&admin, &site.database).await;
}

/// A worker killed while it holds every feed loses them to another within two leases; then two
/// workers poll side by side, never fetching one feed together and never more than the host's
/// limit at once. Returns the two workers, still running.
async fn workers_share_the_feeds(site: &Site, seen: &Arc<Mutex<Seen>>) -> (Running, Running) {
    // One worker claims every feed, and is killed while its first fetches are answered.
    let mut first = site.start(&["worker"], "freewire worker");
    let started = Instant::now();
    while seen.lock().unwrap().log.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "the worker never fetched");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.sigkill();
    let killed = Instant::now();
    let before_kill = seen.lock().unwrap().log.len();
    // Another worker takes them over once the lease runs out.
    let second = site.start(&["worker"], "freewire worker");
    let two_leases = Duration::from_secs(LEASE_SECS * 2);
    let taken_over = within(two_leases.saturating_sub(killed.elapsed()), || {
        let log = seen.lock().unwrap().log[before_kill..].iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        async move {
            let fetched: std::collections::HashSet<_> = log.into_iter().collect();
            if fetched.len() == FEEDS { Ok(()) } else { Err(format!("fetched again: {fetched:?}")) }
        }
    })
    .await;
    if let Err(last) = taken_over {
        panic!("the killed worker's feeds were not all fetched again within two leases: {last}");
    }
    eprintln!(
        "SIGKILLed worker's {FEEDS} feeds all fetched again {:.1} s after the kill (lease {LEASE_SECS} s)",
        killed.elapsed().as_secs_f64()
    );

    // Two workers side by side for a while: feeds are due every second, each answer takes 400 ms.
    let third = site.start(&["worker"], "freewire worker");
    let from = seen.lock().unwrap().log.len();
    tokio::time::sleep(Duration::from_secs(8)).await;
    {
        let s = seen.lock().unwrap();
        let fetches = s.log.len() - from;
        eprintln!(
            "two workers: {fetches} fetches in 8 s; most at once for one feed {}, for the host {}",
            s.most_per_path, s.most_total
        );
        assert!(fetches >= FEEDS * 2, "both workers kept polling: {fetches} fetches");
        assert_eq!(s.most_per_path, 1, "a feed was fetched by two workers at once");
        assert!(s.most_total <= PER_HOST, "{} requests to one host at once, limit {PER_HOST}", s.most_total);
        assert_eq!(s.most_total, PER_HOST, "the limit was reached, so the check above means something");
    }

    (second, third)
}

/// An update with a file posted through replica `a`: on `b`'s page for visitors (which `b`
/// keeps), in its search and its downloads within two seconds, and downloadable from both.
async fn an_update_through_one_replica_reaches_the_other(
    a: &Running,
    b: &Running,
    article: &str,
    visitor: &reqwest::Client,
) {
    // An update with a file posted through replica A.
    let ed = client();
    let page = text(&ed, &a.url("/login")).await;
    let res = ed
        .post(a.url("/login"))
        .form(&[("username", "ed"), ("password", PASSWORD), ("csrf", &token(&page)), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "signed in");
    let page = text(&ed, &a.url(article)).await;
    let id = page.split("/articles/").nth(1).and_then(|s| s.split('/').next()).expect("an upload form");
    let letter = b"The lighthouse keeper's letter about the gauge, in full.".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("csrf", token(&page))
        .text("note", "A letter from the lighthouse keeper about the repaired gauge.")
        .part(
            "files",
            reqwest::multipart::Part::bytes(letter.clone())
                .file_name("keeper.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let res = ed.post(a.url(&format!("/articles/{id}/updates"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "posted");
    let posted = Instant::now();

    let on_page = within(Duration::from_secs(2), || {
        let (visitor, url) = (visitor.clone(), b.url(article));
        async move {
            let body = text(&visitor, &url).await;
            if body.contains("lighthouse keeper") { Ok(()) } else { Err("not on the kept page yet".into()) }
        }
    })
    .await
    .unwrap_or_else(|last| panic!("replica B's page for visitors lacks the update after 2 s: {last}"));
    let in_search = within(Duration::from_secs(2).saturating_sub(posted.elapsed()), || {
        let (visitor, url) = (visitor.clone(), b.url("/api/search?q=lighthouse"));
        async move {
            let body = text(&visitor, &url).await;
            if body.contains("Tide Gauge Number 3") { Ok(()) } else { Err(body) }
        }
    })
    .await
    .unwrap_or_else(|last| panic!("replica B's search lacks the update 2 s after it was posted: {last}"));
    eprintln!(
        "update posted through replica A: on B's kept page after {:.0} ms, in B's search after {:.0} ms",
        on_page.as_secs_f64() * 1000.0,
        (on_page + in_search).as_secs_f64() * 1000.0
    );
    // The page escapes `/` in attributes as `&#x2f;`.
    let page_b = text(visitor, &b.url(article)).await.replace("&#x2f;", "/");
    let file_path = page_b
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("/files/") && href.contains("keeper"))
        .unwrap_or_else(|| {
            let at = page_b.find("lighthouse keeper").unwrap_or(0);
            panic!(
                "no link to the file near the note: {}",
                &page_b[at.saturating_sub(200)..(at + 1500).min(page_b.len())]
            )
        })
        .to_owned();
    let file_path = file_path.trim_start_matches(b.base.as_str());
    for node in [&a, &b] {
        let res = visitor.get(node.url(file_path)).send().await.unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK, "the file from {}", node.base);
        assert_eq!(res.bytes().await.unwrap().as_ref(), letter.as_slice());
    }
}

/// Sign-in attempts are counted in the database, once for the site.
async fn sign_in_attempts_count_for_the_site(a: &Running, b: &Running) {
    // Sign-in attempts count for the site: one account's allowance is ten attempts. Its sign-in
    // above was one; nine wrong passwords spread over both replicas use the rest up on both
    // (counted per replica, each would still allow some).
    for i in 0..9 {
        let node = if i % 2 == 0 { &a } else { &b };
        assert_eq!(
            wrong_sign_in(node, "ed").await,
            reqwest::StatusCode::UNAUTHORIZED,
            "attempt {i} is judged"
        );
    }
    for node in [&a, &b] {
        assert_eq!(
            wrong_sign_in(node, "ed").await,
            reqwest::StatusCode::TOO_MANY_REQUESTS,
            "the eleventh attempt through {} is refused",
            node.base
        );
    }
}
