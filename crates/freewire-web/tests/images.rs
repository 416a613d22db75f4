//! The image proxy against a real image server on loopback: article pages and feeds link
//! `/img/…` and never the outlet; the proxy serves raster images with caching headers, keeps
//! them on disk within a bound, answers `If-None-Match`, refuses SVG, HTML dressed as PNG,
//! oversized and slow images and tampered signatures; by default (private addresses refused)
//! the loopback server is never reached; with the switch off, bodies keep the outlets'
//! addresses. On SQLite and PostgreSQL.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

mod common;

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;

/// The image size cap in these tests; `/huge.png` is larger.
const MAX_IMAGE_BYTES: u64 = 100_000;

/// An outlet's image server on loopback that counts what it is asked for.
struct ImageServer {
    host: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    requests: Arc<Mutex<Vec<HeaderMap>>>,
}

impl ImageServer {
    async fn start() -> Self {
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let requests: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
        let (h, r) = (hits.clone(), requests.clone());
        let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let (hits, requests) = (h.clone(), r.clone());
            async move {
                let path = request.uri().path().to_owned();
                *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                requests.lock().unwrap().push(request.headers().clone());
                answer(&path).await
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        ImageServer { host, hits, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.host)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

async fn answer(path: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let png = |bytes: Vec<u8>| ([(axum::http::header::CONTENT_TYPE, "image/png")], bytes).into_response();
    match path {
        "/photo.png" | "/a.png" | "/b.png" | "/c.png" => png(PNG.to_vec()),
        "/wait.png" => {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            png(PNG.to_vec())
        }
        "/slow.png" => {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            png(PNG.to_vec())
        }
        "/huge.png" => {
            let mut big = PNG.to_vec();
            big.resize(MAX_IMAGE_BYTES as usize * 2, 0);
            png(big)
        }
        "/disguised.png" => png(b"<html><body><script>alert(document.domain)</script></body></html>".to_vec()),
        "/drawing.svg" => (
            [(axum::http::header::CONTENT_TYPE, "image/svg+xml")],
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect width=\"1\" height=\"1\"/></svg>",
        )
            .into_response(),
        _ => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// Private addresses allowed (the image server is on loopback), a 1 s limit, a small cap.
fn allow_loopback(c: &mut WebConfig) {
    c.images.fetch.allow_private = true;
    c.images.fetch.timeout = std::time::Duration::from_secs(1);
    c.images.fetch.max_body_bytes = MAX_IMAGE_BYTES;
}

/// Stores an article whose body shows these images (as the sanitiser would have stored it),
/// and returns its page's path.
async fn article_with_images(app: &TestApp, server: &ImageServer, paths: &[&str]) -> String {
    let source = app.harbour_gazette().await;
    let images: Vec<String> = paths
        .iter()
        .map(|p| format!("<figure><img src=\"{}\" alt=\"Picture {p}\"></figure>", server.url(p)))
        .collect();
    let images = images.concat();
    let article = fixture_article(
        source.id,
        "Ferry Returns To Service",
        Utc.with_ymd_and_hms(2024, 3, 5, 7, 30, 0).unwrap(),
        &format!("<p>The ferry is back.</p>{images}"),
        "https://harbour.example/ferry",
    );
    let stored = app.insert_new(vec![(article, fixture_retrieval())]).await.remove(0);
    TestApp::page_path(&stored)
}

/// The page at `path`, with its headers.
async fn page(app: &TestApp, path: &str) -> (HeaderMap, String) {
    let res = TestApp::client().get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    (res.headers().clone(), res.text().await.unwrap())
}

/// Every `<img src>` on a page, in order.
fn image_sources(html: &str) -> Vec<String> {
    html.split("<img src=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().replace("&amp;", "&"))
        .collect()
}

async fn get(app: &TestApp, src: &str) -> reqwest::Response {
    TestApp::client().get(app.url(src)).send().await.unwrap()
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers().get(name).map_or("", |v| v.to_str().unwrap())
}

/// What every image answer carries, whatever its status.
fn assert_sandboxed(res: &reqwest::Response) {
    assert_eq!(header(res, "x-content-type-options"), "nosniff");
    assert_eq!(header(res, "content-security-policy"), "default-src 'none'; sandbox");
}

async fn images_are_served_from_the_site_and_kept(app: TestApp) {
    let server = ImageServer::start().await;
    let path = article_with_images(&app, &server, &["/photo.png"]).await;
    let (headers, html) = page(&app, &path).await;
    assert!(!html.contains(&server.host), "the outlet's image address never reaches the page: {html}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("img-src 'self';"), "pages take images from the site only: {csp}");
    let sources = image_sources(&html);
    assert_eq!(sources.len(), 1, "{html}");
    let src = &sources[0];
    assert!(src.starts_with("/img/"), "{src}");
    assert!(
        app.store.setting_by_key("image_proxy_key").await.unwrap().is_some(),
        "the signing key is a site setting"
    );

    // The reader's referrer, cookies and address stay with the site.
    let res = TestApp::client()
        .get(app.url(src))
        .header("referer", app.url(&path))
        .header("cookie", "reader=secret")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_sandboxed(&res);
    assert_eq!(header(&res, "content-type"), "image/png");
    assert_eq!(header(&res, "cache-control"), "public, max-age=2592000, immutable");
    let etag = header(&res, "etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert_eq!(server.hits("/photo.png"), 1);
    let sent = server.requests.lock().unwrap()[0].clone();
    for private in ["referer", "cookie", "x-forwarded-for", "forwarded", "x-real-ip"] {
        assert!(!sent.contains_key(private), "{private} reached the outlet: {sent:?}");
    }
    assert!(sent["user-agent"].to_str().unwrap().starts_with("freewire/"), "{sent:?}");

    // Again: from the cache; with the tag: 304.
    let again = get(&app, src).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.bytes().await.unwrap().as_ref(), PNG);
    let revalidated =
        TestApp::client().get(app.url(src)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&revalidated, "etag"), etag);
    assert_eq!(server.hits("/photo.png"), 1, "the image was fetched once");

    // Feeds are read elsewhere: they link the proxy by its absolute address.
    let (_, rss) = page(&app, "/feed.xml").await;
    assert!(!rss.contains(&server.host), "{rss}");
    assert!(rss.contains(&format!("{}/img/", app.base)), "{rss}");
}

#[tokio::test]
async fn images_are_served_from_the_site_and_kept_on_sqlite() {
    images_are_served_from_the_site_and_kept(TestApp::spawn_with(allow_loopback).await).await;
}

#[tokio::test]
async fn images_are_served_from_the_site_and_kept_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    let app = TestApp::spawn_on_with(&url, allow_loopback).await;
    images_are_served_from_the_site_and_kept(app).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}

#[tokio::test]
async fn svg_html_oversized_and_slow_images_are_refused() {
    let app = TestApp::spawn_with(allow_loopback).await;
    let server = ImageServer::start().await;
    let paths = ["/drawing.svg", "/disguised.png", "/huge.png", "/slow.png", "/missing.png"];
    let (_, html) = page(&app, &article_with_images(&app, &server, &paths).await).await;
    let sources = image_sources(&html);
    assert_eq!(sources.len(), paths.len(), "{html}");
    let expected = [
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not a raster image (unrecognised bytes labelled image/svg+xml)",
        ),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not a raster image (text/html)"),
        (StatusCode::BAD_GATEWAY, "larger than the 100000-byte limit"),
        (StatusCode::GATEWAY_TIMEOUT, "did not answer in time"),
        (StatusCode::BAD_GATEWAY, "HTTP 404"),
    ];
    for (src, (status, text)) in sources.iter().zip(expected) {
        let res = get(&app, src).await;
        assert_eq!(res.status(), status, "{src}");
        assert_sandboxed(&res);
        assert_eq!(header(&res, "cache-control"), "no-store");
        assert!(!header(&res, "content-type").starts_with("image/"), "{src}");
        let body = res.text().await.unwrap();
        assert!(body.contains(text), "{src}: {body}");
        assert!(!body.contains("<svg") && !body.contains("<script"), "nothing of the outlet's is passed on");
    }
    // A failure is remembered: the outlet is not asked again at the next page view.
    let res = get(&app, &sources[0]).await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for path in paths {
        assert_eq!(server.hits(path), 1, "{path}");
    }
    assert!(files_under(&app.dir.path().join("image-cache")).is_empty(), "nothing refused is kept");
}

#[tokio::test]
async fn a_tampered_signature_is_refused_before_anything_is_fetched() {
    let app = TestApp::spawn_with(allow_loopback).await;
    let server = ImageServer::start().await;
    let (_, html) = page(&app, &article_with_images(&app, &server, &["/photo.png"]).await).await;
    let src = image_sources(&html).remove(0);
    let (signature, address) = src.trim_start_matches("/img/").split_once('/').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let other = URL_SAFE_NO_PAD.encode(server.url("/a.png"));
    let forged_key = URL_SAFE_NO_PAD.encode([7u8; 32]);
    for bad in [
        format!("/img/{flipped}{}/{address}", &signature[1..]),
        format!("/img/{signature}/{other}"),
        format!("/img/{forged_key}/{address}"),
        format!("/img//{address}"),
        format!("/img/{signature}/{address}x"),
    ] {
        let res = get(&app, &bad).await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&res.status()),
            "{bad}: {}",
            res.status()
        );
    }
    assert_eq!(server.total_hits(), 0, "no request reached the outlet");
    assert_eq!(get(&app, &src).await.status(), StatusCode::OK, "the signed address still works");
}

#[tokio::test]
async fn the_cache_stays_within_its_bound_dropping_the_least_recently_used() {
    let app = TestApp::spawn_with(|c| {
        allow_loopback(c);
        // Room for two images and a half.
        c.images.cache_max_bytes = (PNG.len() * 5 / 2) as u64;
    })
    .await;
    let server = ImageServer::start().await;
    let (_, html) =
        page(&app, &article_with_images(&app, &server, &["/a.png", "/b.png", "/c.png"]).await).await;
    let sources = image_sources(&html);
    for src in &sources {
        assert_eq!(get(&app, src).await.status(), StatusCode::OK);
        // File times tell the order of use.
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    let kept = files_under(&app.dir.path().join("image-cache"));
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept.iter().map(|p| std::fs::metadata(p).unwrap().len()).sum::<u64>() <= (PNG.len() * 5 / 2) as u64
    );
    // c and b are kept; a, used least recently, went and is fetched again.
    assert_eq!(get(&app, &sources[2]).await.status(), StatusCode::OK);
    assert_eq!(get(&app, &sources[0]).await.status(), StatusCode::OK);
    assert_eq!((server.hits("/a.png"), server.hits("/b.png"), server.hits("/c.png")), (2, 1, 1));
}

#[tokio::test]
async fn readers_asking_at_once_cause_one_fetch() {
    let app = TestApp::spawn_with(allow_loopback).await;
    let server = ImageServer::start().await;
    let (_, html) = page(&app, &article_with_images(&app, &server, &["/wait.png"]).await).await;
    let src = image_sources(&html).remove(0);
    let asks: Vec<_> = (0..6).map(|_| get(&app, &src)).collect();
    for res in futures_util::future::join_all(asks).await {
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    }
    assert_eq!(server.hits("/wait.png"), 1);
}

#[tokio::test]
async fn private_addresses_are_refused_by_default_and_never_reached() {
    let app = TestApp::spawn().await;
    let server = ImageServer::start().await;
    let (_, html) = page(&app, &article_with_images(&app, &server, &["/photo.png"]).await).await;
    assert!(!html.contains(&server.host), "{html}");
    let src = image_sources(&html).remove(0);
    let res = get(&app, &src).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_sandboxed(&res);
    assert!(res.text().await.unwrap().contains("not one this site fetches from"));
    assert_eq!(server.total_hits(), 0, "the loopback server saw no request");
}

#[tokio::test]
async fn with_the_proxy_off_bodies_keep_the_outlets_images() {
    let app = TestApp::spawn_with(|c| {
        allow_loopback(c);
        c.images.proxy = false;
    })
    .await;
    let server = ImageServer::start().await;
    let (headers, html) = page(&app, &article_with_images(&app, &server, &["/photo.png"]).await).await;
    assert_eq!(image_sources(&html), vec![server.url("/photo.png")]);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("img-src 'self' https: data:"), "{csp}");
    let forged = format!(
        "/img/{}/{}",
        URL_SAFE_NO_PAD.encode([1u8; 32]),
        URL_SAFE_NO_PAD.encode(server.url("/photo.png"))
    );
    assert_eq!(get(&app, &forged).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(server.total_hits(), 0);
    assert_eq!(app.store.setting_by_key("image_proxy_key").await.unwrap(), None, "no key is made");
}
