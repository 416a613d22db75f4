//! Faults injected through the real server: the S3-compatible file storage going away behind a
//! switch (a loopback relay the test cuts and restores in front of the real storage server),
//! the database unreachable the same way, and the upload folder's disk full (a small tmpfs of
//! its own, grown afterwards). Uploads are refused with a message and nothing half-stored,
//! pages go on being served, `/readyz` names the storage, and everything works again once it
//! is back.
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

/// Text of `len` bytes a test can recognise: numbered lines.
fn text_file(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut n = 0;
    while out.len() < len {
        out.extend_from_slice(format!("Line {n} of the council's published minutes.\n").as_bytes());
        n += 1;
    }
    out.truncate(len);
    out
}

/// Files left in the upload folder, apart from the test's own filler: stored objects and
/// `object_store`'s temporary files (`name#1`) alike.
fn stored(uploads: &Path) -> Vec<PathBuf> {
    files_under(uploads).into_iter().filter(|p| !p.ends_with("filler")).collect()
}

/// Waits up to five seconds for the upload folder to hold nothing but the filler.
async fn settles_empty(uploads: &Path) -> Vec<PathBuf> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left = stored(uploads);
        if left.is_empty() || std::time::Instant::now() > deadline {
            return left;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_upload_disk_full_uploads_are_refused_with_507_nothing_half_stored_and_all_resumes_after() {
    let work = tempfile::tempdir().unwrap();
    let uploads = work.path().join("uploads");
    // A 2 MiB disk of its own under the upload folder; declared after `work`, so it is
    // unmounted first.
    let Some(disk) = freewire_store::testing::SmallDisk::mount(&uploads, "2m") else { return };
    let blobs = Arc::new(ObjectBlobStore::local(&uploads).unwrap());
    let app = TestApp::spawn_full(|_| {}, Some(blobs)).await;
    let a = app.article().await;
    let ada = app.signed_in("ada").await;
    let refused = |note: &'static str, file: Vec<u8>| {
        let (app, ada, a) = (&app, &ada, &a);
        async move {
            let page = ada.get(app.url(&TestApp::page_path(a))).send().await.unwrap().text().await.unwrap();
            let res = ada
                .post(app.url(&format!("/articles/{}/updates", a.id)))
                .multipart(upload_form(
                    Some(&form_token(&page)),
                    note,
                    vec![("minutes.txt", file, "text/plain")],
                ))
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.text().await.unwrap())
        }
    };

    // A file larger than the disk: written in parts until the disk refuses one.
    let large = text_file(3 * 1024 * 1024);
    let (status, body) = refused("The minutes in full", large.clone()).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert!(body.contains("disk is full") && body.contains("nothing was saved"), "{body}");
    assert!(body.contains("free some space"), "says what has to happen: {body}");
    assert!(app.store.timeline_for_article(a.id).await.unwrap().is_empty(), "no update stored");
    let left = settles_empty(&uploads).await;
    assert!(left.is_empty(), "no object and no temporary file left: {left:?}");

    // A small file on a disk filled to the last byte: refused at its one write.
    let filler = disk.fill(0);
    let (status, body) = refused("The agenda", text_file(40 * 1024)).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert!(body.contains("disk is full"), "{body}");
    assert!(app.store.timeline_for_article(a.id).await.unwrap().is_empty(), "no update stored");
    let left = settles_empty(&uploads).await;
    assert!(left.is_empty(), "no object and no temporary file left: {left:?}");

    // Readers are not affected.
    let status = TestApp::client().get(app.url(&TestApp::page_path(&a))).send().await.unwrap().status();
    assert_eq!(status, StatusCode::OK);

    // The operator grows the disk: the same uploads go through, without a restart.
    disk.resize("64m");
    let id = post_update(
        &app,
        &ada,
        &a,
        "The minutes in full",
        vec![("minutes.txt", large.clone(), "text/plain")],
    )
    .await;
    post_update(&app, &ada, &a, "The agenda", vec![("agenda.txt", text_file(40 * 1024), "text/plain")]).await;
    let timeline = app.store.timeline_for_article(a.id).await.unwrap();
    assert_eq!(timeline.len(), 2);
    let entry = timeline.iter().find(|e| e.update.id.0 == id).unwrap();
    let file = &entry.attachments[0];
    let res = ada.get(app.url(&format!("/files/{}/{}", file.id, file.file_name))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().as_ref() == large.as_slice(), "the stored file is whole");
    assert_eq!(stored(&uploads).len(), 2, "one object per file, nothing else");
    assert!(filler.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_upload_disk_full_the_api_answers_507_as_a_problem() {
    let work = tempfile::tempdir().unwrap();
    let uploads = work.path().join("uploads");
    let Some(disk) = freewire_store::testing::SmallDisk::mount(&uploads, "1m") else { return };
    let _filler = disk.fill(0);
    let blobs = Arc::new(ObjectBlobStore::local(&uploads).unwrap());
    let app = TestApp::spawn_full(|_| {}, Some(blobs)).await;
    let a = app.article().await;
    app.add_user("ada", Role::Contributor).await;
    let ada = app.store.user_by_name("ada").await.unwrap().unwrap();
    let token = freewire_app::tokens::create_token(
        app.store.as_ref(),
        freewire_app::Actor::Operator,
        &ada,
        "uploads",
        freewire_core::TokenScope::Write,
    )
    .await
    .unwrap();
    let res = TestApp::client()
        .post(app.url(&format!("/api/v1/articles/{}/updates", a.id)))
        .bearer_auth(&token.secret)
        .multipart(upload_form(None, "The agenda", vec![("agenda.txt", text_file(40 * 1024), "text/plain")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = res.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("disk is full"), "{problem}");
    assert!(app.store.timeline_for_article(a.id).await.unwrap().is_empty());
    assert!(settles_empty(&uploads).await.is_empty());
}
