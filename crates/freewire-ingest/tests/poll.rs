//! Polling against a real HTTP server on a loopback port (the feeds and pages it serves are
//! fixtures), a real SQLite store, and the request log the server keeps: conditional GET,
//! backoff, Retry-After, redirects, the per-host limit, the private-network guard, full text,
//! and duplicates across feeds.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use freewire_core::store::prelude::*;
use freewire_core::{Feed, FeedState, Licence, NewFeed, NewSource, PageRequest, SourceId};
use freewire_ingest::fetch::{FetchConfig, Fetcher};
use freewire_ingest::poll::{PollConfig, PollOutcome, Poller};
use freewire_store::SqlStore;

#[derive(Clone, Default)]
struct Route {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Route {
    fn ok(body: impl Into<Vec<u8>>) -> Route {
        Route { status: 200, body: body.into(), ..Route::default() }
    }
    fn status(status: u16) -> Route {
        Route { status, ..Route::default() }
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Route {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Debug, Clone)]
struct Hit {
    path: String,
    if_none_match: Option<String>,
    user_agent: Option<String>,
    /// The status answered.
    status: u16,
}

#[derive(Clone, Default)]
struct Fixture {
    routes: Arc<Mutex<HashMap<String, Route>>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
}

async fn handle(State(fx): State<Fixture>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let headers: &HeaderMap = req.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let if_none_match = text("if-none-match");
    let user_agent = text("user-agent");
    let now = fx.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    fx.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let route = fx.routes.lock().unwrap().get(&path).cloned();
    let response = match route {
        None => Response::builder().status(404).body(Body::empty()).unwrap(),
        Some(route) => {
            tokio::time::sleep(route.delay).await;
            let etag = route.headers.iter().find(|(n, _)| *n == "etag").map(|(_, v)| v.clone());
            let mut b = Response::builder();
            for (n, v) in &route.headers {
                b = b.header(*n, v);
            }
            if etag.is_some() && etag == if_none_match {
                b.status(304).body(Body::empty()).unwrap()
            } else {
                b.status(route.status).body(Body::from(route.body)).unwrap()
            }
        }
    };
    fx.in_flight.fetch_sub(1, Ordering::SeqCst);
    fx.hits.lock().unwrap().push(Hit { path, if_none_match, user_agent, status: response.status().as_u16() });
    response
}

struct Site {
    addr: SocketAddr,
    fx: Fixture,
    store: Arc<SqlStore>,
    _dir: tempfile::TempDir,
}

impl Site {
    /// The published articles, newest first (the tests store fewer than ten).
    async fn stored(&self) -> Vec<freewire_core::ArticleWithSource> {
        self.store
            .list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 10))
            .await
            .unwrap()
            .items
    }

    async fn start() -> Site {
        let fx = Fixture::default();
        let app = axum::Router::new().fallback(handle).with_state(fx.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            SqlStore::connect(&format!("sqlite://{}", dir.path().join("f.db").display())).await.unwrap(),
        );
        Site { addr, fx, store, _dir: dir }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn route(&self, path: &str, route: Route) {
        self.fx.routes.lock().unwrap().insert(path.to_owned(), route);
    }

    fn hits(&self, path: &str) -> Vec<Hit> {
        self.fx.hits.lock().unwrap().iter().filter(|h| h.path == path).cloned().collect()
    }

    fn all_hits(&self) -> usize {
        self.fx.hits.lock().unwrap().len()
    }

    async fn source(&self, name: &str) -> SourceId {
        if let Some(s) = self.store.source_by_name(name).await.unwrap() {
            return s.id;
        }
        self.store
            .insert_source(NewSource {
                name: name.into(),
                homepage: None,
                licence: Licence::CcBy4,
                credit: None,
            })
            .await
            .unwrap()
            .id
    }

    async fn feed(&self, source: &str, url: &str) -> Feed {
        let src = self.source(source).await;
        self.store.insert_feed(NewFeed { source_id: src, url: url.to_owned(), title: None }).await.unwrap()
    }

    fn poller(&self, allow_private: bool) -> Poller {
        let fetch = FetchConfig { allow_private, timeout: Duration::from_secs(10), ..FetchConfig::default() };
        let config = PollConfig { min_interval: Duration::from_mins(1), ..PollConfig::default() };
        Poller::new(self.store.clone(), Fetcher::new(fetch).unwrap(), config)
    }

    async fn reload(&self, feed: &Feed) -> Feed {
        self.store.feed_by_id(feed.id).await.unwrap().unwrap()
    }

    /// Makes a feed due now again (as an editor re-enabling it does).
    async fn make_due(&self, feed: &Feed) {
        // Keep the error count: set_feed_enabled(true) resets it, so record a due time directly.
        let f = self.reload(feed).await;
        let update = freewire_core::FeedPollUpdate {
            new_url: None,
            title: None,
            etag: f.etag.clone(),
            last_modified: f.last_modified.clone(),
            polled_at: f.last_polled_at.unwrap_or_else(Utc::now),
            next_poll_at: Utc::now() - chrono::Duration::seconds(1),
            poll_interval_secs: f.poll_interval_secs,
            error_count: f.error_count,
            last_error: f.last_error.clone(),
            success: f.error_count == 0,
            last_status: f.last_status,
        };
        self.store.update_feed_after_poll(f.id, None, update).await.unwrap();
    }
}

fn rss(items: &[(&str, &str, &str)]) -> String {
    // Full text in content:encoded, so no article page is fetched.
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Fixture</title><link>https://fixture.example/</link>",
    );
    for (guid, title, body) in items {
        let _ = write!(
            xml,
            "<item><guid>{guid}</guid><title>{title}</title><link>https://fixture.example/{guid}</link><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate><content:encoded><![CDATA[{body}]]></content:encoded></item>"
        );
    }
    xml.push_str("</channel></rss>");
    xml
}

async fn article_count(store: &SqlStore) -> u64 {
    store.list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 1)).await.unwrap().total
}

#[tokio::test]
async fn an_unchanged_feed_costs_a_304_and_stores_nothing_new() {
    let site = Site::start().await;
    site.route(
        "/feed",
        Route::ok(rss(&[("a", "First", "<p>One.</p>"), ("b", "Second", "<p>Two.</p>")]))
            .header("etag", "\"v1\"")
            .header("last-modified", "Mon, 01 Jan 2024 10:00:00 GMT"),
    );
    let feed = site.feed("Fixture", &site.url("/feed")).await;
    let poller = site.poller(true);
    let first = poller.poll_due().await.unwrap();
    assert!(matches!(first[0].outcome, PollOutcome::Updated { new: 2, .. }), "{:?}", first[0].outcome);
    let stored = site.reload(&feed).await;
    assert_eq!(stored.etag.as_deref(), Some("\"v1\""));
    assert_eq!(stored.state(), FeedState::Ok);
    assert!(stored.next_poll_at > Utc::now(), "scheduled for later");
    assert!(poller.poll_due().await.unwrap().is_empty(), "nothing is due right after a poll");

    site.make_due(&feed).await;
    let second = poller.poll_due().await.unwrap();
    assert_eq!(second[0].outcome, PollOutcome::NotModified);
    let hits = site.hits("/feed");
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].if_none_match, None);
    assert_eq!(hits[1].if_none_match.as_deref(), Some("\"v1\""), "the second request was conditional");
    assert!(hits[0].user_agent.as_deref().unwrap().starts_with("freewire/"), "{:?}", hits[0].user_agent);
    assert_eq!(article_count(&site.store).await, 2);
    assert_eq!(site.reload(&feed).await.last_status, Some(304));
}

#[tokio::test]
async fn failures_back_off_and_retry_after_is_honoured() {
    let site = Site::start().await;
    site.route("/broken", Route::status(500));
    site.route("/busy", Route::status(429).header("retry-after", "600"));
    let broken = site.feed("Fixture", &site.url("/broken")).await;
    let busy = site.feed("Other", &site.url("/busy")).await;
    let poller = site.poller(true);
    let before = Utc::now();
    poller.poll_due().await.unwrap();

    let b1 = site.reload(&broken).await;
    assert_eq!(b1.state(), FeedState::Failing);
    assert_eq!(b1.error_count, 1);
    assert_eq!(b1.last_error.as_deref(), Some("HTTP 500"));
    let wait1 = (b1.next_poll_at - before).num_seconds();
    assert!((55..=75).contains(&wait1), "first backoff is the shortest interval: {wait1} s");

    let r = site.reload(&busy).await;
    assert!(r.last_error.as_deref().unwrap().contains("HTTP 429"), "{:?}", r.last_error);
    let wait = (r.next_poll_at - before).num_seconds();
    assert!((595..=615).contains(&wait), "Retry-After: 600 s is honoured: {wait} s");

    site.make_due(&broken).await;
    let before = Utc::now();
    poller.poll_due().await.unwrap();
    let b2 = site.reload(&broken).await;
    assert_eq!(b2.error_count, 2);
    let wait2 = (b2.next_poll_at - before).num_seconds();
    assert!((115..=135).contains(&wait2), "the second backoff doubles: {wait2} s");
    assert_eq!(site.hits("/broken").len(), 2);

    // Recovery clears the failure.
    site.route("/broken", Route::ok(rss(&[("x", "Back", "<p>Back.</p>")])));
    site.make_due(&broken).await;
    poller.poll_due().await.unwrap();
    let b3 = site.reload(&broken).await;
    assert_eq!((b3.state(), b3.error_count, b3.last_error), (FeedState::Ok, 0, None));
}

#[tokio::test]
async fn a_permanent_redirect_moves_the_stored_address() {
    let site = Site::start().await;
    site.route("/old", Route::status(301).header("location", "/new"));
    site.route("/temp", Route::status(302).header("location", "/new"));
    site.route("/new", Route::ok(rss(&[("a", "A", "<p>a</p>")])));
    let moved = site.feed("One", &site.url("/old")).await;
    let temporary = site.feed("Two", &site.url("/temp")).await;
    site.poller(true).poll_due().await.unwrap();
    assert_eq!(site.reload(&moved).await.url, site.url("/new"));
    assert_eq!(
        site.reload(&temporary).await.url,
        site.url("/temp"),
        "a temporary redirect keeps the address"
    );

    site.route("/loop", Route::status(302).header("location", "/loop"));
    let looping = site.feed("Three", &site.url("/loop")).await;
    site.poller(true).poll_due().await.unwrap();
    let l = site.reload(&looping).await;
    assert!(l.last_error.unwrap().contains("more than 5 redirects"));
    assert_eq!(site.hits("/loop").len(), 6, "the first request and five redirects, no more");
}

#[tokio::test]
async fn no_host_sees_more_than_two_requests_at_once_across_200_feeds() {
    let site = Site::start().await;
    for i in 0..200 {
        let path = format!("/f/{i}");
        site.route(
            &path,
            Route {
                delay: Duration::from_millis(15),
                ..Route::ok(rss(&[(&format!("g{i}"), "T", "<p>x</p>")]))
            },
        );
        site.feed(&format!("Outlet {i}"), &site.url(&path)).await;
    }
    let reports = site.poller(true).poll_due().await.unwrap();
    assert_eq!(reports.len(), 200);
    assert!(reports.iter().all(|r| matches!(r.outcome, PollOutcome::Updated { .. })));
    let most = site.fx.most_in_flight.load(Ordering::SeqCst);
    assert!(most <= 2, "per-host limit exceeded: {most} at once");
    assert_eq!(most, 2, "the limit is used, not serialised to one");
}

#[tokio::test]
async fn private_and_local_addresses_are_refused_by_default() {
    let site = Site::start().await;
    site.route("/feed", Route::ok(rss(&[("a", "A", "<p>a</p>")])));
    let port = site.addr.port();
    let targets = [
        format!("http://127.0.0.1:{port}/feed"),
        format!("http://localhost:{port}/feed"),
        format!("http://[::1]:{port}/feed"),
        "http://10.0.0.1/feed".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ];
    let mut feeds = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        feeds.push(site.feed(&format!("S{i}"), t).await);
    }
    let reports = site.poller(false).poll_due().await.unwrap();
    assert_eq!(reports.len(), targets.len());
    for f in &feeds {
        let f = site.reload(f).await;
        let err = f.last_error.clone().unwrap_or_default();
        assert!(err.starts_with("refused to fetch"), "{}: {err}", f.url);
    }
    assert_eq!(site.all_hits(), 0, "no request reached the loopback server");

    // With private addresses allowed (as for an intranet), a redirect to the cloud metadata
    // address is still refused, hop by hop.
    site.route(
        "/to-metadata",
        Route::status(302).header("location", "http://169.254.169.254/latest/meta-data/"),
    );
    let f = site.feed("Redirector", &site.url("/to-metadata")).await;
    site.poller(true).poll_due().await.unwrap();
    let err = site.reload(&f).await.last_error.unwrap();
    assert!(err.contains("refused to fetch http://169.254.169.254/"), "{err}");
}

#[tokio::test]
async fn the_same_story_through_two_feeds_is_one_article() {
    let site = Site::start().await;
    let story = "<p>".to_owned()
        + &"The harbour board voted on Tuesday to delay the dredging of the inner harbour after divers found the timbers of an old trading ship buried in the silt near the north quay. "
            .repeat(3)
        + "</p>";
    let feed_a = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>A</title><item><guid>a-1</guid><title>Dredging Delayed</title><link>https://wire.example/story?utm_source=a&amp;id=7#top</link><description><![CDATA[{story}]]></description></item></channel></rss>"
    );
    let feed_b = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>B</title><item><guid>b-9</guid><title>Wreck Halts Harbour Work</title><link>https://wire.example/story?id=7&amp;fbclid=xyz</link><description><![CDATA[{story}]]></description></item><item><guid>b-10</guid><title>Harbour Work Halted by Wreck</title><link>https://outlet-b.example/harbour</link><description><![CDATA[<p>Dredging news:</p>{story}]]></description></item></channel></rss>"
    );
    site.route("/a", Route::ok(feed_a));
    site.route("/b", Route::ok(feed_b));
    site.feed("Outlet A", &site.url("/a")).await;
    site.feed("Outlet B", &site.url("/b")).await;
    let mut reports = site.poller(true).poll_due().await.unwrap();
    reports.sort_by_key(|r| r.feed_id);
    assert!(matches!(reports[0].outcome, PollOutcome::Updated { new: 1, .. }), "{:?}", reports[0].outcome);
    assert!(
        matches!(reports[1].outcome, PollOutcome::Updated { new: 0, duplicates: 1, near_duplicates: 1, .. }),
        "same URL → duplicate; same text elsewhere → near-duplicate: {:?}",
        reports[1].outcome
    );
    assert_eq!(article_count(&site.store).await, 1, "the story is republished once");
}

#[tokio::test]
async fn a_summary_only_item_gets_the_article_page_text_where_robots_allow() {
    let site = Site::start().await;
    let base = site.url("");
    let page = |title: &str| {
        format!(
            "<html><head><title>{title}</title></head><body><nav><a href=\"/\">Home</a> <a href=\"/sport\">Sport</a></nav>\
             <article><h1>{title}</h1>{}</article><footer>Copyright, subscribe, cookie settings</footer></body></html>",
            "<p>The island ferry will keep running through the winter after the council agreed a bridging grant with the operator on Thursday evening, ending weeks of uncertainty for the 1,900 people who depend on the crossing.</p>".repeat(4)
        )
    };
    site.route(
        "/news/open",
        Route::ok(page("Ferry Saved")).header("content-type", "text/html; charset=utf-8"),
    );
    site.route(
        "/private/closed",
        Route::ok(page("Hidden")).header("content-type", "text/html; charset=utf-8"),
    );
    site.route("/robots.txt", Route::ok("User-agent: *\nDisallow: /private/\n"));
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>S</title>\
         <item><guid>1</guid><title>Ferry Saved</title><link>{base}/news/open</link><description>Short summary one.</description></item>\
         <item><guid>2</guid><title>Hidden</title><link>{base}/private/closed</link><description>Short summary two.</description></item>\
         </channel></rss>"
    );
    site.route("/feed", Route::ok(feed));
    let followed = site.feed("Summaries", &site.url("/feed")).await;
    site.poller(true).poll_due().await.unwrap();
    let items = site.stored().await;
    let body = |t: &str| items.iter().find(|a| a.article.title == t).unwrap().article.clone();
    let open = body("Ferry Saved");
    assert!(open.body_html.contains("bridging grant"), "full text from the page: {}", open.body_html);
    assert!(
        !open.body_html.contains("cookie settings") && !open.body_html.contains("Sport"),
        "{}",
        open.body_html
    );
    assert_eq!(open.summary.as_deref(), Some("Short summary one."), "the feed's summary is kept too");
    let retrievals = site.store.retrievals_for_article(open.id).await.unwrap();
    assert_eq!(retrievals[0].location, site.url("/news/open"), "the retrieval names the page");
    assert_eq!(retrievals[0].http_status, Some(200));
    let closed = body("Hidden");
    assert!(closed.body_html.contains("Short summary two."), "{}", closed.body_html);
    assert!(site.hits("/private/closed").is_empty(), "robots.txt was obeyed");
    assert_eq!(site.hits("/robots.txt").len(), 1, "robots.txt is fetched once per site");

    // Polled again: the stored full text is not replaced by the feed's summary, and the page
    // is not fetched again.
    site.make_due(&followed).await;
    site.poller(true).poll_due().await.unwrap();
    let again = site.store.article_by_id(open.id).await.unwrap().unwrap().article;
    assert!(again.body_html.contains("bridging grant"), "{}", again.body_html);
    assert!(site.store.revisions_for_article(open.id).await.unwrap().is_empty(), "no phantom revision");
    assert_eq!(site.hits("/news/open").len(), 1);
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one page's month, told in order: seen, 304, edit, re-layout, end")]
async fn edited_pages_are_reread_on_a_decaying_schedule_and_their_edits_kept() {
    use chrono::Duration as Span;
    use freewire_core::model::Recheck;
    use freewire_ingest::recheck::{Visit, VisitReport};

    let site = Site::start().await;
    let base = site.url("");
    let paragraphs = [
        "The island ferry will keep running through the winter after the council agreed a bridging grant with the operator on Thursday evening, ending weeks of uncertainty for the 1,900 people who depend on the crossing.",
        "Councillors voted seven to two for the grant, which covers the operator's losses until the new vessel arrives from the yard in the spring and the timetable returns to its summer pattern.",
        "The operator said the older boat would be inspected again in January and that sailings could be cut back at short notice if the weather turned or the inspectors asked for repairs.",
        "Islanders had collected more than four thousand signatures in a fortnight, and the harbour master said the decision had come just in time for the school term and the lambing season.",
    ];
    let page = |paragraphs: &[String], etag: &str| {
        let text = paragraphs.iter().fold(String::new(), |mut text, p| {
            let _ = writeln!(text, "<p>{p}</p>");
            text
        });
        Route::ok(format!(
            "<html><head><title>Ferry Saved</title></head><body><nav><a href=\"/\">Home</a> <a href=\"/sport\">Sport</a></nav>\
             <article><h1>Ferry Saved</h1>{text}</article><footer>Copyright, subscribe, cookie settings</footer></body></html>"
        ))
        .header("content-type", "text/html; charset=utf-8")
        .header("etag", etag)
    };
    let original: Vec<String> = paragraphs.iter().map(|p| (*p).to_owned()).collect();
    site.route("/news/ferry", page(&original, "\"v1\""));
    site.route("/private/memo", page(&original, "\"m1\""));
    site.route("/robots.txt", Route::ok("User-agent: *\nDisallow: /private/\n"));
    site.route(
        "/feed",
        Route::ok(format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>S</title>\
             <item><guid>ferry</guid><title>Ferry Saved</title><link>{base}/news/ferry</link><description>Ferry to keep running.</description></item>\
             <item><guid>memo</guid><title>Ferry Memo</title><link>{base}/private/memo</link><description>A memo.</description></item>\
             </channel></rss>"
        )),
    );
    site.feed("Island News", &site.url("/feed")).await;
    let poller = site.poller(true);
    poller.poll_due().await.unwrap();
    let items = site.stored().await;
    let find = |t: &str| items.iter().find(|a| a.article.title == t).unwrap().article.clone();
    let (ferry, memo) = (find("Ferry Saved"), find("Ferry Memo"));
    assert!(ferry.body_html.contains("1,900 people"), "the page's text: {}", ferry.body_html);
    let pages = |site: &Site| site.hits("/news/ferry");
    assert_eq!(pages(&site).len(), 1);

    // Stored from its page: its page is re-read, first 15 minutes on.
    let first = site.store.recheck_for_article(ferry.id).await.unwrap().expect("a recheck is scheduled");
    let t0 = first.changed_at;
    assert_eq!(first.url, site.url("/news/ferry"));
    assert_eq!(first.due_at, t0 + Span::minutes(15));
    assert_eq!(first.until, t0 + Span::days(30));
    assert_eq!(first.etag.as_deref(), Some("\"v1\""));
    assert!(first.page_key.is_some(), "the page's text is recorded to compare with");
    assert_eq!(first.checks, 0);
    assert_eq!(
        site.store.recheck_for_article(memo.id).await.unwrap(),
        None,
        "a page robots.txt keeps us from is not re-read: its text never came from there"
    );
    // Even a recheck recorded for such a page (robots.txt may change after scheduling) never
    // fetches it.
    site.store
        .schedule_recheck(Recheck {
            article_id: memo.id,
            url: site.url("/private/memo"),
            page_key: None,
            etag: None,
            ..first.clone()
        })
        .await
        .unwrap();
    let of = |reports: &[VisitReport], id| reports.iter().find(|r| r.article_id == id).cloned();

    // Not due yet: nothing is fetched.
    let reports = poller.recheck_due_at(t0 + Span::minutes(10)).await.unwrap();
    assert!(reports.is_empty(), "{reports:?}");
    assert_eq!(pages(&site).len(), 1, "no request before the first visit is due");

    // Due: a conditional request, answered 304; nothing changes.
    let reports = poller.recheck_due_at(t0 + Span::minutes(16)).await.unwrap();
    let visit = of(&reports, ferry.id).unwrap();
    assert_eq!(visit.outcome, Visit::Unchanged);
    assert_eq!(visit.next, Some(t0 + Span::minutes(31)), "every 15 minutes for the first 3 hours");
    assert_eq!(of(&reports, memo.id).unwrap().outcome, Visit::Unreadable);
    let hits = pages(&site);
    assert_eq!(hits.len(), 2);
    assert_eq!((hits[1].if_none_match.as_deref(), hits[1].status), (Some("\"v1\""), 304));
    assert!(site.store.revisions_for_article(ferry.id).await.unwrap().is_empty(), "no revision");
    let after_304 = site.store.recheck_for_article(ferry.id).await.unwrap().unwrap();
    assert_eq!((after_304.due_at, after_304.checks, after_304.changed_at), (t0 + Span::minutes(31), 1, t0));
    assert_eq!(after_304.page_key, first.page_key);

    // The outlet edits the article.
    let mut edited = original.clone();
    edited[0] = edited[0].replace("1,900 people", "2,100 people");
    site.route("/news/ferry", page(&edited, "\"v2\""));
    let t1 = after_304.due_at;
    let reports = poller.recheck_due_at(t1).await.unwrap();
    let visit = of(&reports, ferry.id).unwrap();
    assert_eq!(visit.outcome, Visit::Edited);
    assert_eq!(visit.next, Some(t1 + Span::minutes(15)), "the schedule starts again from the edit");
    let hits = pages(&site);
    assert_eq!(hits.len(), 3);
    assert_eq!((hits[2].if_none_match.as_deref(), hits[2].status), (Some("\"v1\""), 200));
    let now = site.store.article_by_id(ferry.id).await.unwrap().unwrap().article;
    assert!(now.body_html.contains("2,100 people"), "the article shows the edit: {}", now.body_html);
    assert!(!now.body_html.contains("1,900 people"), "{}", now.body_html);
    assert_eq!((now.title.as_str(), now.permalink.clone()), ("Ferry Saved", ferry.permalink.clone()));
    assert_eq!(now.updated_at, Some(t1));
    let revisions = site.store.revisions_for_article(ferry.id).await.unwrap();
    assert_eq!(revisions.len(), 2, "the original and the edit: {revisions:?}");
    assert_eq!(revisions[0].body_html, ferry.body_html, "the text as first republished");
    assert_eq!(revisions[1].body_html, now.body_html);
    let retrievals = site.store.retrievals_for_article(ferry.id).await.unwrap();
    assert_eq!(
        revisions.iter().map(|r| r.retrieval_id).collect::<Vec<_>>(),
        retrievals.iter().map(|r| Some(r.id)).collect::<Vec<_>>()
    );
    assert_eq!(retrievals[1].location, site.url("/news/ferry"), "the edit's retrieval names the page");
    assert_eq!((retrievals[1].retrieved_at, retrievals[1].http_status), (t1, Some(200)));
    let after_edit = site.store.recheck_for_article(ferry.id).await.unwrap().unwrap();
    assert_eq!(after_edit.changed_at, t1);
    assert_eq!(after_edit.due_at, t1 + Span::minutes(15));
    assert_eq!(
        after_edit.until,
        t1 + Span::days(30),
        "visits stop 30 days after the edit, not the first sight"
    );
    assert_eq!(after_edit.etag.as_deref(), Some("\"v2\""));
    assert_ne!(after_edit.page_key, first.page_key);

    // A re-laid-out page with the same words: read, but no revision.
    let relaid: Vec<String> =
        edited.iter().map(|p| format!("\n   {}  ", p.replace(", ", ",\n    "))).collect();
    site.route("/news/ferry", page(&relaid, "\"v3\""));
    let t2 = after_edit.due_at;
    let reports = poller.recheck_due_at(t2).await.unwrap();
    assert_eq!(of(&reports, ferry.id).unwrap().outcome, Visit::Unchanged);
    let hits = pages(&site);
    assert_eq!(hits.len(), 4);
    assert_eq!((hits[3].if_none_match.as_deref(), hits[3].status), (Some("\"v2\""), 200), "read in full");
    assert_eq!(site.store.revisions_for_article(ferry.id).await.unwrap().len(), 2, "white space is no edit");
    assert_eq!(site.store.article_by_id(ferry.id).await.unwrap().unwrap().article.body_html, now.body_html);
    let after_relayout = site.store.recheck_for_article(ferry.id).await.unwrap().unwrap();
    assert_eq!(after_relayout.changed_at, t1, "the schedule is not restarted");
    assert_eq!(after_relayout.due_at, t2 + Span::minutes(15));
    assert_eq!(after_relayout.etag.as_deref(), Some("\"v3\""));

    // 31 days after the last change: no visit, and the recheck is gone.
    let reports = poller.recheck_due_at(t1 + Span::days(31)).await.unwrap();
    let visit = of(&reports, ferry.id).unwrap();
    assert_eq!((visit.outcome, visit.next), (Visit::Expired, None));
    assert_eq!(pages(&site).len(), 4, "no request after the schedule ran out");
    assert_eq!(site.store.recheck_for_article(ferry.id).await.unwrap(), None);
    assert_eq!(site.store.recheck_for_article(memo.id).await.unwrap(), None);
    assert!(poller.recheck_due_at(t1 + Span::days(400)).await.unwrap().is_empty());
    assert_eq!(site.store.revisions_for_article(ferry.id).await.unwrap().len(), 2);

    // Every page request stayed within robots.txt, read once.
    assert!(site.hits("/private/memo").is_empty(), "robots.txt was obeyed on every visit");
    assert_eq!(site.hits("/robots.txt").len(), 1);
}

/// The shared corpus beside the repository, or `None` outside CI when it is absent.
fn corpus_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !freewire_store::testing::is_ci(),
        "the shared corpus is missing at {} and CI=true forbids skipping",
        dir.display()
    );
    eprintln!("skipping: no corpus at {}", dir.display());
    None
}

fn files_in(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_in(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_corpus_feed_served_over_http_is_polled_as_the_parser_reads_it() {
    let Some(corpus) = corpus_dir() else { return };
    let site = Site::start().await;
    let mut files = Vec::new();
    files_in(&corpus.join("feeds"), &mut files);
    files.retain(|p| !matches!(p.file_name().and_then(|n| n.to_str()), Some("README.md" | "manifest.json")));
    files.sort();
    assert!(files.len() >= 70, "the corpus has its 75 feeds: {}", files.len());
    let mut expected = HashMap::new();
    for (i, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file).unwrap();
        let direct =
            freewire_ingest::parse::parse_feed(&bytes, None).map(|f| f.items.len()).map_err(|e| e.reason);
        let path = format!("/corpus/{i}");
        site.route(&path, Route::ok(bytes).header("content-type", "application/xml"));
        let feed = site.feed(&format!("Corpus {i}"), &site.url(&path)).await;
        expected.insert(feed.id, (file.clone(), direct));
    }
    let started = std::time::Instant::now();
    let reports = site.poller(true).poll_due().await.unwrap();
    assert_eq!(reports.len(), files.len());
    let mut failed = Vec::new();
    for r in &reports {
        let (file, direct) = &expected[&r.feed_id];
        match (&r.outcome, direct) {
            (PollOutcome::Updated { items, .. }, Ok(n)) => assert_eq!(items, n, "{}", file.display()),
            (PollOutcome::Failed(reason), Err(why)) => {
                assert!(reason.contains(why.as_str()), "{}: {reason} / {why}", file.display());
                let f = site.store.feed_by_id(r.feed_id).await.unwrap().unwrap();
                assert_eq!(f.state(), FeedState::Failing, "a feed that cannot be read is marked failing");
                assert_eq!(f.last_error.as_deref(), Some(reason.as_str()), "with its reason");
                failed.push(file.strip_prefix(&corpus).unwrap().display().to_string());
            }
            (outcome, direct) => panic!("{}: polled {outcome:?}, parsed directly {direct:?}", file.display()),
        }
    }
    eprintln!(
        "{} corpus feeds polled in {:?}; failing as expected: {failed:?}",
        files.len(),
        started.elapsed()
    );
    assert!(article_count(&site.store).await > 1000, "the readable feeds were stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_documents_over_http_end_quickly_and_leak_nothing() {
    let Some(corpus) = corpus_dir() else { return };
    let hostile = corpus.join("hostile");
    let gen_dir = tempfile::tempdir().unwrap();
    let mut docs: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(&hostile).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if std::path::Path::new(&name).extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) {
            docs.push((name, std::fs::read(entry.path()).unwrap()));
        }
    }
    let generated: [(&str, &[&str]); 5] = [
        ("gen-deep-nesting.py", &[]),
        ("gen-deep-nesting.py", &["--mode", "unclosed"]),
        ("gen-quadratic-blowup.py", &[]),
        ("gen-large-feed.py", &[]),
        ("gen-many-items.py", &["--items", "2000", "--dup-every", "10"]),
    ];
    for (i, (script, args)) in generated.iter().enumerate() {
        let out = gen_dir.path().join(format!("gen-{i}.xml"));
        let status = std::process::Command::new("python3")
            .arg(hostile.join(script))
            .args(*args)
            .arg("-o")
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("python3 runs the corpus generators");
        assert!(status.success(), "{script} {args:?}");
        docs.push((format!("{script} {}", args.join(" ")), std::fs::read(&out).unwrap()));
    }
    let site = Site::start().await;
    let mut names = HashMap::new();
    for (i, (name, bytes)) in docs.into_iter().enumerate() {
        let path = format!("/hostile/{i}");
        site.route(&path, Route::ok(bytes));
        let feed = site.feed(&format!("Hostile {i}"), &site.url(&path)).await;
        names.insert(feed.id, name);
    }
    let poller = site.poller(true);
    let started = std::time::Instant::now();
    let reports = tokio::time::timeout(Duration::from_mins(2), poller.poll_due())
        .await
        .expect("hostile documents never hang the poller")
        .unwrap();
    assert_eq!(reports.len(), names.len());
    for r in &reports {
        let name = &names[&r.feed_id];
        match &r.outcome {
            PollOutcome::Failed(reason) => assert!(!reason.is_empty(), "{name}"),
            PollOutcome::Updated { .. } => {}
            PollOutcome::NotModified => panic!("{name}: nothing to be unchanged from"),
        }
        if name.starts_with("gen-large-feed") {
            assert!(
                matches!(&r.outcome, PollOutcome::Failed(reason) if reason.contains("larger than")),
                "the 50 MiB feed stops at the 10 MiB fetch cap: {:?}",
                r.outcome
            );
        }
        if name.starts_with("gen-many-items") {
            assert!(
                matches!(r.outcome, PollOutcome::Updated { items: 2000, new: 1800, duplicates: 200, .. }),
                "{:?}",
                r.outcome
            );
        }
    }
    let page = site
        .store
        .list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 200))
        .await
        .unwrap();
    for a in &page.items {
        let text = format!("{} {}", a.article.title, a.article.body_html);
        assert!(!text.contains("root:x:0:0"), "a local file leaked into {}", a.article.title);
        assert!(
            !text.contains("<script") && !text.contains("onerror"),
            "active markup survived in {}",
            a.article.title
        );
        assert!(!text.contains("lollollollollollollollol"), "an entity was expanded in {}", a.article.title);
    }
    eprintln!("{} hostile documents polled in {:?}", reports.len(), started.elapsed());
}

#[tokio::test]
async fn article_pages_at_private_addresses_are_refused_before_any_connection() {
    // Article pages go through the same guarded client as feeds; with the default
    // configuration none of these is ever contacted.
    let site = Site::start().await;
    site.route("/page", Route::ok("<html><body><p>secret</p></body></html>"));
    let port = site.addr.port();
    let fetcher = Fetcher::new(FetchConfig::default()).unwrap();
    for target in [
        format!("http://127.0.0.1:{port}/page"),
        format!("http://localhost:{port}/page"),
        format!("http://[::1]:{port}/page"),
        "http://10.0.0.1/page".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let url = url::Url::parse(&target).unwrap();
        let result = fetcher.get(&url, &freewire_ingest::fetch::Validators::default()).await;
        assert!(
            matches!(result, Err(freewire_ingest::fetch::FetchError::Refused { .. })),
            "{target}: {result:?}"
        );
    }
    assert_eq!(site.all_hits(), 0);

    // And a feed whose item links to such a page keeps its summary rather than fetching it.
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>S</title>\
         <item><guid>1</guid><title>Inside</title><link>http://169.254.169.254/latest/meta-data/</link><description>Only a summary.</description></item>\
         </channel></rss>";
    site.route("/feed", Route::ok(feed));
    site.feed("Probe", &site.url("/feed")).await;
    site.poller(true).poll_due().await.unwrap();
    let items = site.stored().await;
    assert_eq!(items.len(), 1);
    assert!(items[0].article.body_html.contains("Only a summary."));
}

#[tokio::test]
async fn a_feed_of_items_nothing_can_read_fails_with_its_reason_while_an_atom_0_3_feed_is_read() {
    let site = Site::start().await;
    let fixture = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats").join(name),
        )
        .unwrap()
    };
    site.route("/unknown", Route::ok(fixture("unknown-ns.xml")));
    site.route("/atom03", Route::ok(fixture("atom03.xml")));
    let unreadable = site.feed("Wire", &site.url("/unknown")).await;
    let old = site.feed("Old Atom", &site.url("/atom03")).await;
    site.poller(true).poll_due().await.unwrap();
    let unreadable = site.reload(&unreadable).await;
    assert_eq!(unreadable.state(), FeedState::Failing, "an empty reading is a failure, not an empty feed");
    let reason = unreadable.last_error.unwrap_or_default();
    assert!(reason.contains("no items could be read") && reason.contains("x:item"), "{reason}");
    let old = site.reload(&old).await;
    assert_eq!((old.state(), old.last_error), (FeedState::Ok, None));
    assert_eq!(article_count(&site.store).await, 3, "the Atom 0.3 feed's three entries are stored");
}
