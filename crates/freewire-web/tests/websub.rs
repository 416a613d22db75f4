//! WebSub end to end on loopback, both ways, on SQLite and PostgreSQL. As a hub: a test
//! subscriber (a small axum server) subscribes to our feeds, is asked to confirm, receives
//! signed content when articles arrive or updates are posted, is retried when it fails, and
//! stops receiving after unsubscribing or when its lease ends. As a subscriber: a test hub and
//! feed server; the poller subscribes, our callback confirms, signed pushes are stored as
//! polls store feeds, forged ones are not, leases are renewed, and a quiet hub hands the feed
//! back to polling.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests stop at the first failure")]

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration as StdDuration;

use axum::extract::{Path as AxPath, Query, State};
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::routing::{get, post};
use common::*;
use freewire_core::{ArticleFilter, FeedId, NewFeed, PageRequest};
use freewire_ingest::fetch::{FetchConfig, Fetcher};
use freewire_ingest::poll::{PollConfig, Poller};
use freewire_ingest::websub::SubscriberConfig;
use freewire_web::websub::{Distributor, WebSubRuntime};
use hmac::{Hmac, KeyInit as _, Mac as _};

fn hmac_sha256_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2_for_hmac::Sha256>>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn private_fetcher() -> Fetcher {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Fetcher::new(FetchConfig {
        allow_private: true,
        timeout: StdDuration::from_secs(5),
        ..FetchConfig::default()
    })
    .unwrap()
}

/// Waits up to ten seconds for `check` to hold.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + StdDuration::from_secs(10);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------------
// Our hub.

#[derive(Debug, Clone)]
struct Push {
    name: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A callback's name and the query a verification brought.
type Verification = (String, HashMap<String, String>);

#[derive(Clone, Default)]
struct TestSubscriber {
    pushes: Arc<Mutex<Vec<Push>>>,
    verified: Arc<Mutex<Vec<Verification>>>,
    /// Failures to answer before succeeding, per callback name.
    failures: Arc<Mutex<HashMap<String, usize>>>,
    tries: Arc<Mutex<HashMap<String, usize>>>,
}

impl TestSubscriber {
    fn pushes_to(&self, name: &str) -> Vec<Push> {
        self.pushes.lock().unwrap().iter().filter(|p| p.name == name).cloned().collect()
    }
    fn asked(&self, name: &str, mode: &str) -> bool {
        self.verified.lock().unwrap().iter().any(|(n, q)| n == name && q["hub.mode"] == mode)
    }
}

async fn confirm(
    State(s): State<TestSubscriber>,
    AxPath(name): AxPath<String>,
    Query(q): Query<HashMap<String, String>>,
) -> (AxStatus, String) {
    s.verified.lock().unwrap().push((name.clone(), q.clone()));
    if name.starts_with("bad") {
        return (AxStatus::OK, "not the challenge".to_owned());
    }
    (AxStatus::OK, q.get("hub.challenge").cloned().unwrap_or_default())
}

async fn take(
    State(s): State<TestSubscriber>,
    AxPath(name): AxPath<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AxStatus {
    *s.tries.lock().unwrap().entry(name.clone()).or_default() += 1;
    if let Some(left) = s.failures.lock().unwrap().get_mut(&name)
        && *left > 0
    {
        *left -= 1;
        return AxStatus::INTERNAL_SERVER_ERROR;
    }
    s.pushes.lock().unwrap().push(Push { name, headers, body: body.to_vec() });
    AxStatus::OK
}

async fn hub_app(url: Option<&str>) -> TestApp {
    TestApp::spawn_prepared_on(
        url,
        |c| {
            c.websub.lease_min = StdDuration::from_secs(1);
            c.websub.retry_base = StdDuration::from_millis(100);
            c.websub.attempts = 5;
        },
        |state, _| {
            state.attach_websub(WebSubRuntime { fetcher: private_fetcher(), poller: None });
            tokio::spawn(Distributor::run(
                state.clone(),
                StdDuration::from_millis(100),
                std::future::pending(),
            ));
        },
    )
    .await
}

async fn subscribe(
    app: &TestApp,
    mode: &str,
    topic: &str,
    callback: &str,
    extra: &[(&str, &str)],
) -> StatusCode {
    let mut form = vec![("hub.mode", mode), ("hub.topic", topic), ("hub.callback", callback)];
    form.extend_from_slice(extra);
    TestApp::client().post(app.url("/websub")).form(&form).send().await.unwrap().status()
}

#[expect(clippy::too_many_lines, reason = "one walk through the hub's side of the protocol, step by step")]
async fn hub_flow(url: Option<&str>) {
    let app = hub_app(url).await;
    let sub = TestSubscriber::default();
    sub.failures.lock().unwrap().insert("flaky".into(), 2);
    let router = axum::Router::new().route("/cb/{name}", get(confirm).post(take)).with_state(sub.clone());
    let cb_base = serve(router).await;
    let cb = |name: &str| format!("{cb_base}/cb/{name}");
    let first = app.article().await;

    // Discovery: every feed names the hub and itself, in the document and the Link header.
    let hub = app.url("/websub");
    let site_topic = app.url("/feed.atom");
    let source_topic = app.url("/source/harbour-gazette/feed.xml");
    let res = TestApp::client().get(&site_topic).send().await.unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains(&format!("<{hub}>; rel=\"hub\"")), "{link}");
    assert!(link.contains(&format!("<{site_topic}>; rel=\"self\"")), "{link}");
    let atom = res.text().await.unwrap();
    roxmltree::Document::parse(&atom).expect("the Atom feed stays well-formed");
    assert!(
        atom.contains(&format!("href=\"{hub}\" rel=\"hub\""))
            || atom.contains(&format!("rel=\"hub\" href=\"{hub}\"")),
        "{atom}"
    );
    let rss = TestApp::client().get(&source_topic).send().await.unwrap().text().await.unwrap();
    roxmltree::Document::parse(&rss).expect("the RSS feed stays well-formed");
    assert!(rss.contains("rel=\"hub\""), "{rss}");
    let json: serde_json::Value =
        TestApp::client().get(app.url("/feed.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(json["hubs"][0]["type"], "WebSub");
    assert_eq!(json["hubs"][0]["url"], hub.as_str());
    assert_eq!(json["feed_url"], app.url("/feed.json").as_str());

    // Topics that are not ours are refused.
    for topic in [
        "https://elsewhere.example/feed.xml".to_owned(),
        app.url("/nowhere/feed.xml"),
        app.url("/tag/none/feed.xml"),
    ] {
        assert_eq!(
            subscribe(&app, "subscribe", &topic, &cb("site"), &[]).await,
            StatusCode::BAD_REQUEST,
            "{topic}"
        );
    }
    assert_eq!(subscribe(&app, "follow", &site_topic, &cb("site"), &[]).await, StatusCode::BAD_REQUEST);
    let long_secret = "x".repeat(200);
    assert_eq!(
        subscribe(&app, "subscribe", &site_topic, &cb("site"), &[("hub.secret", &long_secret)]).await,
        StatusCode::BAD_REQUEST
    );

    // Subscriptions are accepted, then verified; a wrong echo leaves none.
    let accepted = StatusCode::ACCEPTED;
    assert_eq!(
        subscribe(&app, "subscribe", &site_topic, &cb("site"), &[("hub.secret", "s1")]).await,
        accepted
    );
    assert_eq!(
        subscribe(&app, "subscribe", &source_topic, &cb("source"), &[("hub.secret", "s2")]).await,
        accepted
    );
    assert_eq!(subscribe(&app, "subscribe", &site_topic, &cb("bad"), &[]).await, accepted);
    assert_eq!(subscribe(&app, "subscribe", &site_topic, &cb("flaky"), &[]).await, accepted);
    let store = app.store.clone();
    for (topic, name) in [(&site_topic, "site"), (&source_topic, "source"), (&site_topic, "flaky")] {
        let (store, topic, callback) = (store.clone(), topic.clone(), cb(name));
        eventually("a verified subscription", || {
            let (store, topic, callback) = (store.clone(), topic.clone(), callback.clone());
            async move { store.hub_subscription(&topic, &callback).await.unwrap().is_some() }
        })
        .await;
    }
    eventually("the bad subscriber to be asked", || async { sub.asked("bad", "subscribe") }).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(
        store.hub_subscription(&site_topic, &cb("bad")).await.unwrap().is_none(),
        "a wrong echo verifies nothing"
    );
    let q = sub.verified.lock().unwrap().iter().find(|(n, _)| n == "site").unwrap().1.clone();
    assert_eq!(q["hub.topic"], site_topic);
    assert!(!q["hub.challenge"].is_empty());
    assert_eq!(q["hub.lease_seconds"], "864000", "the default lease, ten days");

    // A new article: every subscriber of the feeds it is in gets the feed, signed.
    app.add_articles(&[("Second Crossing Opens", Utc::now(), None)]).await;
    eventually("content at the site's subscriber", || async { !sub.pushes_to("site").is_empty() }).await;
    eventually("content at the source's subscriber", || async { !sub.pushes_to("source").is_empty() }).await;
    let push = sub.pushes_to("site").remove(0);
    assert!(String::from_utf8_lossy(&push.body).contains("Second Crossing Opens"));
    assert!(push.headers["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let signature = push.headers["x-hub-signature"].to_str().unwrap();
    assert_eq!(signature, format!("sha256={}", hmac_sha256_hex("s1", &push.body)));
    let link = push.headers["link"].to_str().unwrap();
    assert!(
        link.contains(&format!("<{hub}>; rel=\"hub\""))
            && link.contains(&format!("<{site_topic}>; rel=\"self\"")),
        "{link}"
    );
    let push = sub.pushes_to("source").remove(0);
    assert!(push.headers["content-type"].to_str().unwrap().starts_with("application/rss+xml"));
    assert_eq!(
        push.headers["x-hub-signature"].to_str().unwrap(),
        format!("sha256={}", hmac_sha256_hex("s2", &push.body))
    );
    assert!(sub.pushes_to("bad").is_empty());

    // A failing subscriber is retried with backoff until it takes the content.
    eventually("the flaky subscriber to take it at the third try", || async {
        sub.pushes_to("flaky").len() == 1
    })
    .await;
    assert_eq!(sub.tries.lock().unwrap()["flaky"], 3);
    eventually("the queue to empty", || async { store.list_hub_deliveries().await.unwrap().is_empty() })
        .await;

    // An update posted under an article: its feeds' subscribers get content again.
    let client = app.signed_in("reporter").await;
    let (site_before, source_before) = (sub.pushes_to("site").len(), sub.pushes_to("source").len());
    post_update(&app, &client, &first, "Timetable confirmed by the council.", vec![]).await;
    eventually("content after an update", || async {
        sub.pushes_to("site").len() > site_before && sub.pushes_to("source").len() > source_before
    })
    .await;

    // Unsubscribing is verified too, and stops deliveries.
    assert_eq!(subscribe(&app, "unsubscribe", &site_topic, &cb("site"), &[]).await, accepted);
    eventually("the unsubscription", || async {
        store.hub_subscription(&site_topic, &cb("site")).await.unwrap().is_none()
    })
    .await;
    assert!(sub.asked("site", "unsubscribe"));

    // A short lease ends deliveries when it runs out.
    assert_eq!(
        subscribe(&app, "subscribe", &site_topic, &cb("short"), &[("hub.lease_seconds", "1")]).await,
        accepted
    );
    eventually("the short lease", || async {
        store.hub_subscription(&site_topic, &cb("short")).await.unwrap().is_some()
    })
    .await;
    tokio::time::sleep(StdDuration::from_millis(1300)).await;
    let (site_before, source_before) = (sub.pushes_to("site").len(), sub.pushes_to("source").len());
    app.add_articles(&[("Third Ferry Named", Utc::now(), None)]).await;
    eventually("content to the source's subscriber", || async {
        sub.pushes_to("source").len() > source_before
    })
    .await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(sub.pushes_to("site").len(), site_before, "nothing after unsubscribing");
    assert!(sub.pushes_to("short").is_empty(), "nothing after the lease ended");
}

#[tokio::test]
async fn our_hub_verifies_distributes_signed_retries_and_stops_on_sqlite() {
    hub_flow(None).await;
}

#[tokio::test]
async fn our_hub_verifies_distributes_signed_retries_and_stops_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    hub_flow(Some(&url)).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}

// ---------------------------------------------------------------------------------------------
// Our subscriptions at an outlet's hub.

#[derive(Debug, Clone)]
struct HubRequestSeen {
    form: HashMap<String, String>,
    echoed: Option<bool>,
}

#[derive(Clone, Default)]
struct TestHub {
    base: Arc<Mutex<String>>,
    requests: Arc<Mutex<Vec<HubRequestSeen>>>,
    feed_hits: Arc<Mutex<Vec<std::time::Instant>>>,
}

fn outlet_feed(base: &str, titles: &[&str]) -> String {
    let now = Utc::now();
    let mut items = String::new();
    for (i, t) in titles.iter().enumerate() {
        let at = (now - Duration::seconds(i64::try_from(i).unwrap())).to_rfc2822();
        let n = t.len();
        let _ = write!(
            items,
            "<item><title>{t}</title><link>https://outlet.example/{i}-{n}</link><guid>{t}</guid><pubDate>{at}</pubDate><description>&lt;p&gt;{t}, reported in full.&lt;/p&gt;</description></item>"
        );
    }
    format!(
        r#"<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Outlet</title><link>https://outlet.example/</link><description>d</description><atom:link rel="hub" href="{base}/hub"/><atom:link rel="self" href="{base}/feed.xml"/>{items}</channel></rss>"#
    )
}

async fn hub_feed(State(h): State<TestHub>) -> ([(&'static str, &'static str); 1], String) {
    h.feed_hits.lock().unwrap().push(std::time::Instant::now());
    let base = h.base.lock().unwrap().clone();
    ([("content-type", "application/rss+xml")], outlet_feed(&base, &["Harbour Report", "Quay Notes"]))
}

async fn hub_subscribe(
    State(h): State<TestHub>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> AxStatus {
    let index = {
        let mut requests = h.requests.lock().unwrap();
        requests.push(HubRequestSeen { form: form.clone(), echoed: None });
        requests.len() - 1
    };
    tokio::spawn(async move {
        tokio::time::sleep(StdDuration::from_millis(50)).await;
        let mut callback = url::Url::parse(&form["hub.callback"]).unwrap();
        callback
            .query_pairs_mut()
            .append_pair("hub.mode", &form["hub.mode"])
            .append_pair("hub.topic", &form["hub.topic"])
            .append_pair("hub.challenge", "ch4llenge")
            .append_pair("hub.lease_seconds", &form["hub.lease_seconds"]);
        let res = reqwest::get(callback).await.unwrap();
        let echoed = res.status().is_success() && res.text().await.unwrap() == "ch4llenge";
        h.requests.lock().unwrap()[index].echoed = Some(echoed);
    });
    AxStatus::ACCEPTED
}

async fn titles(store: &SqlStore) -> Vec<String> {
    store
        .list_articles(&ArticleFilter::default(), PageRequest::new(1, 50))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.article.title)
        .collect()
}

#[expect(
    clippy::too_many_lines,
    reason = "one walk through the subscriber's side of the protocol, step by step"
)]
async fn subscriber_flow(url: Option<&str>) {
    let hub = TestHub::default();
    let router = axum::Router::new()
        .route("/feed.xml", get(hub_feed))
        .route("/hub", post(hub_subscribe))
        .with_state(hub.clone());
    let outlet = serve(router).await;
    hub.base.lock().unwrap().clone_from(&outlet);
    let made: Arc<std::sync::OnceLock<Arc<Poller>>> = Arc::default();
    let slot = made.clone();
    let app = TestApp::spawn_prepared_on(
        url,
        |_| {},
        move |state, store| {
            let config = PollConfig {
                min_interval: StdDuration::from_secs(1),
                max_interval: StdDuration::from_hours(1),
                full_text: false,
                ..PollConfig::default()
            };
            let callback_base = url::Url::parse(&state.urls().absolute("/websub/callback/")).unwrap();
            let poller =
                Poller::new(store.clone(), private_fetcher(), config).with_subscriber(SubscriberConfig {
                    lease: StdDuration::from_secs(4),
                    quiet_factor: 3,
                    retry_after: StdDuration::from_secs(1),
                    ..SubscriberConfig::new(callback_base)
                });
            let poller = Arc::new(poller);
            state.attach_websub(WebSubRuntime { fetcher: private_fetcher(), poller: Some(poller.clone()) });
            let _ = slot.set(poller);
        },
    )
    .await;
    let poller = made.get().unwrap().clone();
    let store = app.store.clone();
    let source = store
        .insert_source(NewSource {
            name: "Outlet".into(),
            homepage: Some("https://outlet.example/".into()),
            licence: Licence::CcBy4,
            credit: None,
        })
        .await
        .unwrap();
    let feed = store
        .insert_feed(NewFeed { source_id: source.id, url: format!("{outlet}/feed.xml"), title: None })
        .await
        .unwrap();

    // A poll finds the hub and subscribes; the hub's challenge is echoed by our callback.
    poller.poll_due().await.unwrap();
    eventually("the hub's verification", || async {
        hub.requests.lock().unwrap().first().is_some_and(|r| r.echoed == Some(true))
    })
    .await;
    let asked = hub.requests.lock().unwrap()[0].form.clone();
    assert_eq!(asked["hub.mode"], "subscribe");
    assert_eq!(asked["hub.topic"], format!("{outlet}/feed.xml"));
    assert_eq!(asked["hub.lease_seconds"], "4");
    let callback = asked["hub.callback"].clone();
    assert!(callback.starts_with(&app.url(&format!("/websub/callback/{}/", feed.id.0))), "{callback}");
    let secret = asked["hub.secret"].clone();
    let subscription = store.feed_subscription(FeedId(feed.id.0)).await.unwrap().unwrap();
    assert_eq!(subscription.state, freewire_core::store::FeedSubscriptionState::Active);
    assert!(titles(&store).await.contains(&"Harbour Report".to_owned()));

    // Verification for anything we did not ask for is refused.
    let forged = format!(
        "{}?hub.mode=subscribe&hub.topic=x&hub.challenge=c",
        app.url(&format!("/websub/callback/{}/nope", feed.id.0))
    );
    assert_eq!(TestApp::client().get(forged).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let wrong_topic =
        format!("{callback}?hub.mode=subscribe&hub.topic=https%3A%2F%2Fother.example%2F&hub.challenge=c");
    assert_eq!(TestApp::client().get(wrong_topic).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // A signed push is stored as a poll stores it; a forged one is acknowledged and dropped.
    let pushed = outlet_feed(&outlet, &["Pushed Story"]);
    let res = TestApp::client()
        .post(&callback)
        .header("content-type", "application/rss+xml")
        .header("x-hub-signature", format!("sha256={}", hmac_sha256_hex(&secret, pushed.as_bytes())))
        .body(pushed.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let pushed_at = std::time::Instant::now();
    assert!(titles(&store).await.contains(&"Pushed Story".to_owned()));
    let forged = outlet_feed(&outlet, &["Forged Story"]);
    for signature in [Some(format!("sha256={}", hmac_sha256_hex("not the secret", forged.as_bytes()))), None]
    {
        let mut request = TestApp::client().post(&callback).body(forged.clone());
        if let Some(s) = signature {
            request = request.header("x-hub-signature", s);
        }
        assert_eq!(request.send().await.unwrap().status(), StatusCode::OK, "acknowledged, as the spec asks");
    }
    assert!(!titles(&store).await.contains(&"Forged Story".to_owned()));

    // While pushes arrive the feed is polled slowly: the next poll waits for the quiet mark
    // (the last push + 3 × its 1 s interval), not the usual second.
    assert!(store.set_feed_due(feed.id, Utc::now()).await.unwrap());
    let report = poller.poll_due().await.unwrap().remove(0);
    let wait = report.next_poll_at - Utc::now();
    assert!(wait > Duration::milliseconds(1500), "polled slowly while the hub pushes: {wait}");

    // When the hub goes quiet, the feed is polled as usual again.
    let hits_before = hub.feed_hits.lock().unwrap().len();
    tokio::time::sleep(
        StdDuration::from_secs(3).saturating_sub(pushed_at.elapsed()) + StdDuration::from_millis(300),
    )
    .await;
    let reports = poller.poll_due().await.unwrap();
    assert_eq!(reports.len(), 1, "the quiet hub's feed is due again");
    assert!(hub.feed_hits.lock().unwrap().len() > hits_before);
    let wait = reports[0].next_poll_at - Utc::now();
    assert!(wait <= Duration::milliseconds(1100), "back to the usual interval: {wait}");

    // The subscription is renewed before its four-second lease ends.
    tokio::spawn(poller.clone().run(StdDuration::from_millis(200), std::future::pending()));
    eventually("a renewal", || async { hub.requests.lock().unwrap().len() >= 2 }).await;
    let renewal = hub.requests.lock().unwrap()[1].form.clone();
    assert_eq!(renewal["hub.callback"], callback, "renewed at the same callback");
    assert_eq!(renewal["hub.mode"], "subscribe");
}

#[tokio::test]
async fn followed_feeds_with_a_hub_are_subscribed_pushed_renewed_and_polled_when_quiet_on_sqlite() {
    subscriber_flow(None).await;
}

#[tokio::test]
async fn followed_feeds_with_a_hub_are_subscribed_pushed_renewed_and_polled_when_quiet_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    subscriber_flow(Some(&url)).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}
