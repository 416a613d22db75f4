//! What operators watch, through the real server: `/metrics` in the Prometheus text format with
//! route templates for labels and the counters the site records (requests, polls, uploads), its
//! token and its switch; `/healthz`; `/readyz` naming the part that is down (file storage
//! unreachable, the PostgreSQL database gone).
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

mod common;

use common::*;

async fn text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = TestApp::client().get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The value of the series whose line starts with `series` (name and labels), if any.
fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

const METRICS_TOKEN: &str = "a-long-metrics-token";

fn scraped(c: &mut WebConfig) {
    c.metrics = freewire_web::MetricsConfig { on_site: true, token: Some(METRICS_TOKEN.into()) };
}

/// `/metrics` as a scraper with the token reads it.
async fn scrape(app: &TestApp) -> String {
    let res = TestApp::client().get(app.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    res.text().await.unwrap()
}

/// How much a series grew between two scrapes (the recorder is the process's: other tests in
/// the same process count too, so only the difference is this test's).
fn grew(before: &str, after: &str, series: &str) -> i64 {
    (value(after, series).unwrap_or(0.0) - value(before, series).unwrap_or(0.0)).round() as i64
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_polls_and_uploads() {
    assert!(freewire_web::health::recorder().is_some(), "this test process records metrics");
    let app = TestApp::spawn_searchable_on(None, scraped).await;
    let article = app.article().await;
    let before = scrape(&app).await;
    for _ in 0..3 {
        assert_eq!(text(&app, &TestApp::page_path(&article)).await.0, StatusCode::OK);
    }
    assert_eq!(text(&app, "/no/such/page/at/all/").await.0, StatusCode::NOT_FOUND);
    // An upload, through the form.
    let client = app.signed_in("cora").await;
    common::post_update(
        &app,
        &client,
        &article,
        "The letter.",
        vec![("letter.png", PNG.to_vec(), "image/png")],
    )
    .await;
    // A poll that fails (nothing listens there).
    let source = app.store.source_by_name("Harbour Gazette").await.unwrap().unwrap();
    let feed = app
        .store
        .insert_feed(freewire_core::NewFeed {
            source_id: source.id,
            url: "http://127.0.0.1:9/feed.xml".into(),
            title: None,
        })
        .await
        .unwrap();
    let fetcher = freewire_ingest::fetch::Fetcher::new(freewire_ingest::fetch::FetchConfig {
        allow_private: true,
        ..Default::default()
    })
    .unwrap();
    let poller = freewire_ingest::poll::Poller::new(
        app.store.clone(),
        fetcher,
        freewire_ingest::poll::PollConfig::default(),
    );
    poller.poll_feed(feed).await;

    let metrics = scrape(&app).await;
    let page =
        r#"freewire_http_requests_total{method="GET",route="/{year}/{month}/{day}/{slug}/",status="200"}"#;
    assert_eq!(grew(&before, &metrics, page), 4, "three views and the one the form came from: {metrics}");
    assert!(
        metrics.contains(r#"freewire_http_requests_total{method="GET",route="unmatched",status="404"}"#),
        "an unknown address is one series, not one per path"
    );
    assert!(!metrics.contains("/no/such/page"), "paths never become labels");
    assert!(metrics.contains(r#"freewire_http_request_duration_seconds_bucket{method="GET",route="/{year}/{month}/{day}/{slug}/",le="0.005"}"#));
    assert_eq!(grew(&before, &metrics, r#"freewire_polls_total{outcome="failed"}"#), 1, "{metrics}");
    assert_eq!(grew(&before, &metrics, "freewire_upload_bytes_total "), i64::try_from(PNG.len()).unwrap());
    assert_eq!(grew(&before, &metrics, "freewire_updates_posted_total "), 1);
    assert!(value(&metrics, "freewire_feeds_due ").is_some());
    assert!(value(&metrics, "freewire_search_index_lag_changes ").is_some());
    assert_eq!(value(&metrics, "freewire_db_pool_max_connections "), Some(1.0), "SQLite's one writer");
    assert!(metrics.contains("# HELP freewire_polls_total"), "described");
    // A made-up method is one series, however many are tried.
    for method in ["BREW", "WHEN"] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        TestApp::client().request(m, app.url("/about")).send().await.unwrap();
    }
    let metrics = scrape(&app).await;
    assert!(!metrics.contains("BREW") && metrics.contains(r#"method="OTHER""#), "{metrics}");
}

#[tokio::test]
async fn metrics_need_their_token_on_the_sites_address() {
    let by_default = TestApp::spawn().await;
    assert_eq!(text(&by_default, "/metrics").await.0, StatusCode::NOT_FOUND, "not for every visitor");
    let guarded = TestApp::spawn_with(scraped).await;
    let res = TestApp::client().get(guarded.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(scrape(&guarded).await.contains("freewire_http_requests_total"));
    let wrong =
        TestApp::client().get(guarded.url("/metrics")).bearer_auth("a-long-metrics-tokeN").send().await;
    assert_eq!(wrong.unwrap().status(), StatusCode::UNAUTHORIZED);
    let elsewhere = TestApp::spawn_with(|c| {
        scraped(c);
        c.metrics.on_site = false;
    })
    .await;
    assert_eq!(
        text(&elsewhere, "/metrics").await.0,
        StatusCode::NOT_FOUND,
        "served on its own address instead"
    );
}

#[tokio::test]
async fn healthz_answers_and_readyz_checks_every_part() {
    let app = TestApp::spawn_searchable().await;
    assert_eq!(text(&app, "/healthz").await, (StatusCode::OK, "ok\n".into()));
    let (status, body) = text(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(
        (
            ready["database"]["ok"].as_bool(),
            ready["storage"]["ok"].as_bool(),
            ready["search"]["ok"].as_bool()
        ),
        (Some(true), Some(true), Some(true))
    );
}

#[tokio::test]
async fn readyz_names_unreachable_file_storage() {
    // An S3 endpoint where nothing listens.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let settings = freewire_store::S3Settings {
        access_key_id: Some("k".into()),
        secret_access_key: Some("s".into()),
        region: "us-east-1".into(),
        endpoint: Some(format!("http://127.0.0.1:{port}")),
    };
    let blobs: Arc<dyn freewire_core::BlobStore> =
        Arc::new(ObjectBlobStore::s3("s3://nowhere", &settings).unwrap());
    let app = TestApp::spawn_full(|_| {}, Some(blobs)).await;
    let (status, body) = text(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "unavailable");
    assert_eq!(ready["database"]["ok"], true);
    assert_eq!(ready["storage"]["ok"], false);
    assert!(!ready["storage"]["error"].as_str().unwrap().is_empty());
    assert_eq!(text(&app, "/healthz").await.0, StatusCode::OK, "alive all the same");
}

#[tokio::test]
async fn readyz_names_a_database_that_went_away() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    let app = TestApp::spawn_on(&url).await;
    assert_eq!(text(&app, "/readyz").await.0, StatusCode::OK);
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
    let (status, body) = text(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (ready["database"]["ok"].as_bool(), ready["storage"]["ok"].as_bool()),
        (Some(false), Some(true))
    );
}
