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

#[tokio::test]
async fn metrics_count_requests_by_route_template_polls_and_uploads() {
    assert!(freewire_web::health::recorder().is_some(), "this test process records metrics");
    let app = TestApp::spawn_searchable().await;
    let article = app.article().await;
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

    let res = TestApp::client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let metrics = res.text().await.unwrap();
    let page =
        r#"freewire_http_requests_total{method="GET",route="/{year}/{month}/{day}/{slug}/",status="200"}"#;
    assert_eq!(value(&metrics, page), Some(4.0), "three views and the one the form came from: {metrics}");
    assert!(
        metrics.contains(r#"freewire_http_requests_total{method="GET",route="unmatched",status="404"}"#),
        "an unknown address is one series, not one per path"
    );
    assert!(!metrics.contains("/no/such/page"), "paths never become labels");
    assert!(metrics.contains(r#"freewire_http_request_duration_seconds_bucket{method="GET",route="/{year}/{month}/{day}/{slug}/",le="0.005"}"#));
    assert_eq!(value(&metrics, r#"freewire_polls_total{outcome="failed"}"#), Some(1.0), "{metrics}");
    assert_eq!(
        value(&metrics, "freewire_upload_bytes_total "),
        Some(f64::from(u32::try_from(PNG.len()).unwrap()))
    );
    assert_eq!(value(&metrics, "freewire_updates_posted_total "), Some(1.0));
    assert!(value(&metrics, "freewire_feeds_due ").is_some());
    assert!(value(&metrics, "freewire_search_index_lag ").is_some());
    assert_eq!(
        value(&metrics, r#"freewire_db_pool_connections{state="max"}"#),
        Some(1.0),
        "SQLite's one writer"
    );
    assert!(metrics.contains("# HELP freewire_polls_total"), "described");
}

#[tokio::test]
async fn metrics_can_ask_for_a_token_or_be_served_elsewhere() {
    let guarded = TestApp::spawn_with(|c| c.metrics.token = Some("a-long-metrics-token".into())).await;
    let res = TestApp::client().get(guarded.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = TestApp::client()
        .get(guarded.url("/metrics"))
        .bearer_auth("a-long-metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = TestApp::client()
        .get(guarded.url("/metrics"))
        .bearer_auth("a-long-metrics-tokeN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let elsewhere = TestApp::spawn_with(|c| c.metrics.on_site = false).await;
    assert_eq!(text(&elsewhere, "/metrics").await.0, StatusCode::NOT_FOUND);
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
