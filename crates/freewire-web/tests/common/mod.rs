//! The harness the web tests share: a real server on an ephemeral loopback port over a real
//! SQLite file and upload folder, and a cookie-aware HTTP client.
#![allow(dead_code, unused_imports, reason = "each test binary uses part of the harness")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

pub use std::net::SocketAddr;
pub use std::path::{Path, PathBuf};
pub use std::sync::Arc;

pub use chrono::{DateTime, Duration, TimeZone, Utc};
pub use freewire_core::model::{InsertOutcome, NewArticle, NewRetrieval, NewSource, NewUser, Role};
pub use freewire_core::password::hash_password;
pub use freewire_core::store::prelude::*;
pub use freewire_core::{Article, ArticleId, Licence, Store};
pub use freewire_store::{ObjectBlobStore, SqlStore};
pub use freewire_web::{AppState, Application, WebConfig};
pub use reqwest::StatusCode;
pub use reqwest::multipart::{Form, Part};

pub const PASSWORD: &str = "a long enough password";

/// A 2×2 PNG.
pub const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x12\x49\x44\x41\x54\x78\x9c\x63\x38\xa0\xa0\xa0\x90\x70\x80\x01\x42\x01\x00\x1e\xce\x04\x81\x55\x4a\xef\xe2\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

pub struct TestApp {
    pub base: String,
    pub store: Arc<SqlStore>,
    pub dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut WebConfig)) -> Self {
        Self::spawn_full(configure, None).await
    }

    /// With a search index in the test's folder, followed as `freewire serve` follows it.
    pub async fn spawn_searchable() -> Self {
        Self::spawn_inner(|_| {}, None, true).await
    }

    /// With `blobs` instead of a local upload folder.
    pub async fn spawn_full(
        configure: impl FnOnce(&mut WebConfig),
        blobs: Option<Arc<dyn freewire_core::BlobStore>>,
    ) -> Self {
        Self::spawn_inner(configure, blobs, false).await
    }

    /// Over the database at `url` (a fresh PostgreSQL one, say) instead of a SQLite file.
    pub async fn spawn_on(url: &str) -> Self {
        Self::spawn_database(|_| {}, None, false, Some(url.to_owned())).await
    }

    /// With a search index, over the database at `url` (SQLite's file in the test's folder with
    /// `None`).
    pub async fn spawn_searchable_on(url: Option<&str>, configure: impl FnOnce(&mut WebConfig)) -> Self {
        Self::spawn_database(configure, None, true, url.map(str::to_owned)).await
    }

    /// Over the database at `url`, configured by `configure`.
    pub async fn spawn_on_with(url: &str, configure: impl FnOnce(&mut WebConfig)) -> Self {
        Self::spawn_database(configure, None, false, Some(url.to_owned())).await
    }

    async fn spawn_inner(
        configure: impl FnOnce(&mut WebConfig),
        blobs: Option<Arc<dyn freewire_core::BlobStore>>,
        search: bool,
    ) -> Self {
        Self::spawn_database(configure, blobs, search, None).await
    }

    async fn spawn_database(
        configure: impl FnOnce(&mut WebConfig),
        blobs: Option<Arc<dyn freewire_core::BlobStore>>,
        search: bool,
        database: Option<String>,
    ) -> Self {
        Self::spawn_prepared(configure, blobs, search, database, |_, _| {}).await
    }

    /// Over the database at `url` (SQLite in the test's folder with `None`), with `prepare`
    /// given the state and the store before serving (to attach what `freewire serve` attaches).
    pub async fn spawn_prepared_on(
        url: Option<&str>,
        configure: impl FnOnce(&mut WebConfig),
        prepare: impl FnOnce(&AppState, &Arc<SqlStore>),
    ) -> Self {
        Self::spawn_prepared(configure, None, false, url.map(str::to_owned), prepare).await
    }

    async fn spawn_prepared(
        configure: impl FnOnce(&mut WebConfig),
        blobs: Option<Arc<dyn freewire_core::BlobStore>>,
        search: bool,
        database: Option<String>,
        prepare: impl FnOnce(&AppState, &Arc<SqlStore>),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url =
            database.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("freewire.db").display()));
        let store = Arc::new(SqlStore::connect(&url).await.unwrap());
        let blobs =
            blobs.unwrap_or_else(|| Arc::new(ObjectBlobStore::local(&dir.path().join("uploads")).unwrap()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let mut config = WebConfig {
            site_name: "Test Wire".into(),
            base_url: url::Url::parse(&base).unwrap(),
            images: freewire_web::ImageConfig {
                cache_dir: dir.path().join("image-cache"),
                ..freewire_web::ImageConfig::default()
            },
            ..WebConfig::default()
        };
        configure(&mut config);
        let state = AppState::new(store.clone(), blobs, config);
        if search {
            let index = Arc::new(freewire_search::SearchIndex::open(&dir.path().join("search")).unwrap());
            let indexer =
                Arc::new(freewire_search::Indexer::new(store.clone(), index, freewire_ingest::html_to_text));
            state.attach_search(indexer.clone());
            // Rounds as `freewire serve` runs them; the task ends with the test's runtime.
            tokio::spawn(indexer.follow(std::time::Duration::from_millis(200), std::future::pending()));
        }
        prepare(&state, &store);
        let app = Application::from_listener(state, listener).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run(async move {
            let _ = rx.await;
        }));
        TestApp { base, store, dir, _shutdown: tx }
    }

    /// `/api/search?q=…` answered, as JSON.
    pub async fn search(&self, q: &str) -> serde_json::Value {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("q", q).finish();
        let res = Self::client().get(self.url(&format!("/api/search?{query}"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "search for {q:?}");
        res.json().await.unwrap()
    }

    /// The titles `/api/search?q=…` finds once `done` holds of them, waiting up to five seconds
    /// for the index to catch up.
    /// The page at `path`, as a visitor who is not signed in gets it, once it shows `wanted`: a
    /// change written to the database directly, as another process writes it, reaches a kept
    /// page when the search follower reads it.
    pub async fn page_showing(&self, path: &str, wanted: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let res = Self::client().get(self.url(path)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "GET {path}");
            let body = res.text().await.unwrap();
            if body.contains(wanted) {
                return body;
            }
            assert!(std::time::Instant::now() < deadline, "GET {path} never showed {wanted:?}: {body}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn search_until(&self, q: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let found = self.search(q).await;
            let titles: Vec<String> = found["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["title"].as_str().unwrap().to_owned())
                .collect();
            if done(&titles) || std::time::Instant::now() > deadline {
                return titles;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn client() -> reqwest::Client {
        // The HTTP client is built without a default TLS provider; the binary installs ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn add_user(&self, name: &str, role: Role) {
        self.store
            .insert_user(NewUser {
                username: name.into(),
                email: None,
                password_hash: hash_password(PASSWORD).unwrap(),
                role,
            })
            .await
            .unwrap();
    }

    /// The tests' usual source (CC BY 4.0), made the first time it is asked for.
    pub async fn harbour_gazette(&self) -> freewire_core::Source {
        match self.store.source_by_name("Harbour Gazette").await.unwrap() {
            Some(s) => s,
            None => self
                .store
                .insert_source(NewSource {
                    name: "Harbour Gazette".into(),
                    homepage: Some("https://harbour.example/".into()),
                    licence: Licence::CcBy4,
                    credit: None,
                })
                .await
                .unwrap(),
        }
    }

    pub async fn add_articles(&self, items: &[(&str, DateTime<Utc>, Option<&str>)]) -> Vec<Article> {
        let source = self.harbour_gazette().await;
        let batch = items
            .iter()
            .map(|(title, at, author)| {
                let mut article = fixture_article(
                    source.id,
                    title,
                    *at,
                    &format!("<p>Body of {title} — “quoted” …</p>"),
                    &format!("https://harbour.example/{title}"),
                );
                article.author = author.map(str::to_owned);
                (article, fixture_retrieval())
            })
            .collect();
        self.insert_new(batch).await
    }

    /// Stores articles that must all be new, as given (no cleaning), and returns them.
    pub async fn insert_new(&self, batch: Vec<(NewArticle, NewRetrieval)>) -> Vec<Article> {
        self.store
            .insert_articles_with_retrieval(batch)
            .await
            .unwrap()
            .into_iter()
            .map(|o| match o {
                InsertOutcome::Inserted(a) => *a,
                other => panic!("fixture articles are new: {other:?}"),
            })
            .collect()
    }

    pub async fn article(&self) -> Article {
        self.add_articles(&[(
            "Ferry Talks Resume",
            Utc.with_ymd_and_hms(2024, 3, 5, 7, 30, 0).unwrap(),
            None,
        )])
        .await
        .remove(0)
    }

    /// Two outlets' reports of one event (written for these tests) and an unrelated article,
    /// stored and grouped into stories as `freewire serve` groups them.
    pub async fn add_story(&self) -> Vec<Article> {
        let day = |h| Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap();
        let reports = [
            (
                "Harbour Gazette",
                "Council sets out plan to rescue island ferry",
                day(8),
                "The Saltmere council published a letter proposing a bridging grant to keep the island ferry running through winter. Council leader Ines Varga wrote to the operator's board.",
            ),
            (
                "Valley Dispatch",
                "Ferry winter crossings hang on Varga's grant offer",
                day(15),
                "A letter from Saltmere council leader Ines Varga offers the island ferry operator a bridging grant so that winter crossings continue, with a shared timetable and a review of fares.",
            ),
            (
                "Valley Dispatch",
                "Orchard harvest best in a decade",
                day(10),
                "Apple growers in the valley reported their largest crop since 2016 after a mild spring.",
            ),
        ];
        let mut out = Vec::new();
        for (outlet, title, at, text) in reports {
            let source = match self.store.source_by_name(outlet).await.unwrap() {
                Some(s) => s,
                None => self
                    .store
                    .insert_source(NewSource {
                        name: outlet.into(),
                        homepage: Some(format!(
                            "https://{}.example/",
                            outlet.to_lowercase().replace(' ', "-")
                        )),
                        licence: Licence::CcBy4,
                        credit: None,
                    })
                    .await
                    .unwrap(),
            };
            let original = format!("https://{}.example/{}", source.id, freewire_core::slugify(title));
            let article = fixture_article(source.id, title, at, &format!("<p>{text}</p>"), &original);
            let retrieval = fixture_retrieval();
            match self
                .store
                .insert_articles_with_retrieval(vec![(article, retrieval)])
                .await
                .unwrap()
                .remove(0)
            {
                InsertOutcome::Inserted(a) => out.push(*a),
                other => panic!("fixture articles are new: {other:?}"),
            }
        }
        freewire_app::stories::group_new(
            self.store.as_ref(),
            &mut freewire_app::stories::Grouping::default(),
        )
        .await
        .unwrap();
        let mut grouped = Vec::new();
        for a in out {
            grouped.push(self.store.article_by_id(a.id).await.unwrap().unwrap().article);
        }
        grouped
    }

    pub fn page_path(a: &Article) -> String {
        format!("/{}/", a.permalink.path())
    }

    pub async fn login(&self, client: &reqwest::Client, name: &str, password: &str) -> reqwest::Response {
        let page = client.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let token = form_token(&page);
        client
            .post(self.url("/login"))
            .form(&[("username", name), ("password", password), ("csrf", &token), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    pub async fn signed_in(&self, name: &str) -> reqwest::Client {
        self.add_user(name, Role::Contributor).await;
        let client = Self::client();
        let res = self.login(&client, name, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in should redirect");
        client
    }

    pub fn stored_files(&self) -> Vec<PathBuf> {
        files_under(&self.dir.path().join("uploads"))
    }

    /// An article's public address on this server.
    pub fn permalink_url(&self, a: &Article) -> String {
        freewire_core::SiteUrl::new(&url::Url::parse(&self.base).unwrap()).permalink(&a.permalink)
    }

    pub async fn timeline_len(&self, id: ArticleId) -> usize {
        self.store.timeline_for_article(id).await.unwrap().len()
    }
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

/// The value of the first `csrf` field on a page.
/// An article as a feed would bring it, for fixtures: English, CC BY 4.0, no tags.
pub fn fixture_article(
    source_id: freewire_core::SourceId,
    title: &str,
    at: DateTime<Utc>,
    body_html: &str,
    original_url: &str,
) -> NewArticle {
    NewArticle {
        source_id,
        feed_id: None,
        guid: format!("guid-{title}"),
        original_url: Some(original_url.to_owned()),
        title: title.to_owned(),
        author: None,
        summary: None,
        body_html: body_html.to_owned(),
        language: Some("en".into()),
        published_at: at,
        updated_at: None,
        licence: Licence::CcBy4,
        normalized_url: None,
        simhash: None,
        media: Vec::new(),
        tags: Vec::new(),
    }
}

/// The retrieval record of a fixture article.
pub use freewire_store::testing::fixture_retrieval;

/// Posts an update through the page's own form; returns the update's id.
pub async fn post_update(
    app: &TestApp,
    client: &reqwest::Client,
    a: &Article,
    note: &str,
    files: Vec<(&str, Vec<u8>, &str)>,
) -> i64 {
    let page = client.get(app.url(&TestApp::page_path(a))).send().await.unwrap().text().await.unwrap();
    let res = client
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(Some(&form_token(&page)), note, files))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    location.rsplit("#update-").next().unwrap().parse().unwrap()
}

pub fn form_token(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a form token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub fn upload_form(token: Option<&str>, note: &str, files: Vec<(&str, Vec<u8>, &str)>) -> Form {
    let mut form = Form::new();
    if let Some(t) = token {
        form = form.text("csrf", t.to_owned());
    }
    form = form.text("note", note.to_owned());
    for (name, bytes, mime) in files {
        form = form.part("files", Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap());
    }
    form
}

// ------------------------------------------------------------------------------------------
