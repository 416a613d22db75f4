//! Faults injected through the real server: the S3-compatible file storage going away behind a
//! switch (a loopback relay the test cuts and restores in front of the real storage server).
//! Uploads are refused with a message and nothing half-stored, pages go on being served,
//! `/readyz` names the storage, and everything works again once it is back.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

mod common;

use common::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A relay to `upstream` that can be cut: while off, new connections are closed at once and
/// those open are dropped.
async fn relay(upstream: String) -> (String, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (on, _) = watch::channel(true);
    let switch = on.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let mut state = switch.subscribe();
            if !*state.borrow() {
                continue; // dropped: the connection is refused
            }
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(&upstream).await else { return };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    () = async { while state.changed().await.is_ok() && *state.borrow() {} } => {}
                }
            });
        }
    });
    (format!("http://{addr}"), on)
}

#[tokio::test(flavor = "multi_thread")]
async fn with_file_storage_down_uploads_are_refused_pages_served_and_all_resumes_after() {
    let Some((bucket, mut settings)) = freewire_store::testing::s3_test_server() else { return };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let upstream =
        settings.endpoint.clone().unwrap().trim_start_matches("http://").trim_end_matches('/').to_owned();
    let (endpoint, switch) = relay(upstream).await;
    settings.endpoint = Some(endpoint);
    let prefix = freewire_store::testing::unique_prefix();
    let blobs = Arc::new(ObjectBlobStore::s3(&format!("s3://{bucket}/{prefix}"), &settings).unwrap());
    let app = TestApp::spawn_full(|_| {}, Some(blobs)).await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    assert_eq!(TestApp::client().get(app.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);

    switch.send_replace(false);
    let page = ada.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let started = std::time::Instant::now();
    let refused = ada
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(
            Some(&form_token(&page)),
            "The letter",
            vec![("letter.pdf", pdf(), "application/pdf")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "refused promptly, not after minutes of retries"
    );
    let body = refused.text().await.unwrap();
    assert!(body.contains("file storage cannot be reached") && body.contains("nothing was saved"), "{body}");
    assert!(app.store.timeline_for_article(a.id).await.unwrap().is_empty(), "nothing half-stored");
    // Readers are not affected; the load balancer is told.
    let status = TestApp::client().get(app.url(&TestApp::page_path(&a))).send().await.unwrap().status();
    assert_eq!(status, StatusCode::OK);
    let ready = TestApp::client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(
        (ready["database"]["ok"].as_bool(), ready["storage"]["ok"].as_bool()),
        (Some(true), Some(false))
    );

    // Back: the same upload goes through, without restarting anything.
    switch.send_replace(true);
    let id =
        common::post_update(&app, &ada, &a, "The letter", vec![("letter.pdf", pdf(), "application/pdf")])
            .await;
    let entry = app
        .store
        .timeline_for_article(a.id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.update.id.0 == id)
        .unwrap();
    let file = &entry.attachments[0];
    let res = ada.get(app.url(&format!("/files/{}/{}", file.id, file.file_name))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf().as_slice());
    assert_eq!(TestApp::client().get(app.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_database_unreachable_requests_fail_fast_with_503_and_all_resumes_after() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    let mut through = url::Url::parse(&url).unwrap();
    let upstream = format!("{}:{}", through.host_str().unwrap(), through.port().unwrap_or(5432));
    let (relayed, switch) = relay(upstream).await;
    let relayed = url::Url::parse(&relayed).unwrap();
    through.set_port(relayed.port()).unwrap();
    let app =
        TestApp::spawn_on_with(through.as_str(), |c| c.keep_pages_for = std::time::Duration::ZERO).await;
    let articles = app
        .add_articles(&[
            ("Ferry Talks Resume", Utc.with_ymd_and_hms(2024, 3, 5, 7, 30, 0).unwrap(), None),
            ("Harbour Dues Rise", Utc.with_ymd_and_hms(2024, 3, 6, 7, 30, 0).unwrap(), None),
        ])
        .await;
    let page = TestApp::page_path(&articles[0]);
    let client = TestApp::client();
    assert_eq!(client.get(app.url(&page)).send().await.unwrap().status(), StatusCode::OK);

    switch.send_replace(false);
    let started = std::time::Instant::now();
    let res = client.get(app.url(&page)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.text().await.unwrap().contains("database cannot be reached"));
    let res = client.get(app.url(&format!("/api/v1/articles/{}", articles[1].id))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "failed fast: {:?}", started.elapsed());
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(client.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK, "alive");

    // Back: the same process serves again; nothing was lost.
    switch.send_replace(true);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let status = client.get(app.url(&page)).send().await.unwrap().status();
        if status == StatusCode::OK {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never came back: {status}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let res = client.get(app.url(&format!("/api/v1/articles/{}", articles[1].id))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(client.get(app.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    drop(app);
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}
