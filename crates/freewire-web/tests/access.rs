//! Who may do what, checked against the README's own permission table ("Accounts and roles"):
//! every route the site and the API serve, with every method, is called through the real
//! server by a visitor, a contributor, an editor, an administrator and a contributor acting on
//! another contributor's update, and each answer is compared with the table. The routes are
//! read from the router's source and from the served OpenAPI description, so a route added
//! without a line here fails the test. Every state-changing form is also sent without its
//! form token, and must be refused.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

mod common;

use std::collections::BTreeSet;

use common::*;
use freewire_core::password::{random_token, token_hash};
use freewire_core::{Session, TokenScope, User};
use reqwest::Method;

/// The README's permission table: each row's text and its ✓ per [`Persona`], in their order.
fn permission_table() -> Vec<(String, [bool; 5])> {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let start = readme
        .find("| may … | visitor | contributor | editor | admin | another's update |")
        .expect("the table is in the README");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 6, "a row with a cell per person: {line}");
            let may = |i: usize| cells[i] == "✓";
            (cells[0].to_owned(), [may(1), may(2), may(3), may(4), may(5)])
        })
        .collect()
}

/// The people every route is tried by, in the table's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Visitor,
    Contributor,
    Editor,
    Admin,
    /// A contributor acting on an update another contributor posted.
    Other,
}

const PERSONAS: [Persona; 5] =
    [Persona::Visitor, Persona::Contributor, Persona::Editor, Persona::Admin, Persona::Other];

/// Whether a refused form without its token is expected: every form of ours carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Csrf {
    /// A form anyone may send (sign-in, registration): refused without its token, for all.
    Form,
    /// A form of a session: refused without its token, for the signed-in.
    Session,
    /// Not a browser form: API calls (a bearer token, never the cookie), WebSub (a protocol
    /// between servers), reads.
    None,
}

/// What a let-through answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// 2xx or 3xx.
    Done,
    /// Exactly this status (the same for everyone the table lets through).
    Status(u16),
}

/// One thing to try: a route and method, the README row that governs it, and how it is
/// called (`variant` tells apart two tries of one route, e.g. a visible and a hidden file).
struct Case {
    method: &'static str,
    route: &'static str,
    variant: &'static str,
    row: &'static str,
    csrf: Csrf,
    outcome: Outcome,
}

const READ: &str = "read articles";
const SIGN: &str = "sign in";
const HEALTH: &str = "up and ready";
const WEBSUB: &str = "WebSub hub";
const POST: &str = "post updates";
const OWN: &str = "their own updates";
const ACCOUNT: &str = "manage their password";
const HIDDEN: &str = "see hidden updates";
const HIDE: &str = "hide or show any update";
const FEEDS: &str = "poll feeds";
const SOURCES: &str = "add a source";
const WITHDRAW: &str = "withdraw and reinstate";
const STORIES: &str = "rename, merge and split stories";
const INVITE: &str = "invite contributors";
const INVITE_EDITORS: &str = "invite editors";
const METRICS: &str = "read the metrics";

const fn case(method: &'static str, route: &'static str, row: &'static str, csrf: Csrf) -> Case {
    Case { method, route, variant: "", row, csrf, outcome: Outcome::Done }
}

const fn read(route: &'static str) -> Case {
    case("GET", route, READ, Csrf::None)
}

/// Every route and method the server answers, and the row of the table that says who may.
#[expect(clippy::too_many_lines, reason = "every route on one screen, as the router lists them")]
fn cases() -> Vec<Case> {
    use Csrf::{Form, None, Session};
    let api = |method: &'static str, route: &'static str, row: &'static str| case(method, route, row, None);
    vec![
        read("/"),
        read("/about"),
        read("/search"),
        read("/api/search"),
        read("/source/{slug}/"),
        read("/source/{slug}/{file}"),
        read("/story/{segment}/"),
        read("/story/{segment}/{file}"),
        read("/tag/{slug}/"),
        read("/tag/{slug}/{file}"),
        read("/{year}/"),
        read("/{year}/{month}/"),
        read("/{year}/{month}/{day}/"),
        read("/{year}/{month}/{day}/{slug}/"),
        read("/{year}/{month}/{day}/{slug}"),
        read("/{year}/{month}/{day}/{slug}/updates.atom"),
        read("/{year}/{month}/{day}/{slug}/revisions/"),
        read("/feed.xml"),
        read("/feed.atom"),
        read("/feed.json"),
        read("/sitemap.xml"),
        read("/news-sitemap.xml"),
        read("/robots.txt"),
        read("/cite/{file}"),
        read("/static/style.css"),
        read("/static/upload.js"),
        read("/static/site.js"),
        read("/files/{id}/{name}"),
        read("/thumbnails/{id}"),
        Case { variant: "hidden", ..case("GET", "/files/{id}/{name}", HIDDEN, None) },
        Case { variant: "hidden", ..case("GET", "/thumbnails/{id}", HIDDEN, None) },
        // The picture's outlet is not reachable from a test: the proxy answers that it could
        // not fetch it, for everyone alike (a forged signature is tested in images.rs).
        Case { outcome: Outcome::Status(502), ..read("/img/{signature}/{address}") },
        case("POST", "/story/{id}/rename", STORIES, Session),
        case("POST", "/story/{id}/merge", STORIES, Session),
        case("POST", "/admin/articles/{id}/story", STORIES, Session),
        case("POST", "/admin/articles/{id}/split", STORIES, Session),
        case("GET", "/login", SIGN, None),
        case("POST", "/login", SIGN, Form),
        case("POST", "/logout", SIGN, Session),
        case("GET", "/register", SIGN, None),
        case("POST", "/register", SIGN, Form),
        // Without a half-finished sign-in there is nothing to answer: back to the sign-in form.
        // The code form's own token is tried in web.rs, with a half-signed-in session.
        case("GET", "/login/second-factor", SIGN, None),
        case("POST", "/login/second-factor", SIGN, None),
        case("GET", "/account", ACCOUNT, None),
        case("POST", "/account/password", ACCOUNT, Session),
        case("POST", "/account/sessions/revoke", ACCOUNT, Session),
        case("POST", "/account/tokens", ACCOUNT, Session),
        case("POST", "/account/tokens/revoke", ACCOUNT, Session),
        case("POST", "/account/totp/setup", ACCOUNT, Session),
        case("POST", "/account/totp/confirm", ACCOUNT, Session),
        case("POST", "/account/totp/disable", ACCOUNT, Session),
        case("POST", "/articles/{id}/updates", POST, Session),
        case("POST", "/updates/{id}/edit", OWN, Session),
        case("POST", "/updates/{id}/delete", OWN, Session),
        case("POST", "/updates/{id}/hide", HIDE, Session),
        case("POST", "/updates/{id}/unhide", HIDE, Session),
        case("GET", "/admin/audit", HIDE, None),
        case("GET", "/admin/feeds", FEEDS, None),
        case("POST", "/admin/feeds", FEEDS, Session),
        case("POST", "/admin/feeds/{id}/enabled", FEEDS, Session),
        case("POST", "/admin/feeds/{id}/poll", FEEDS, Session),
        case("GET", "/admin/sources", SOURCES, None),
        case("POST", "/admin/sources/{id}", SOURCES, Session),
        case("GET", "/admin/withdrawn", WITHDRAW, None),
        case("POST", "/admin/articles/{id}/withdraw", WITHDRAW, Session),
        case("POST", "/admin/articles/{id}/reinstate", WITHDRAW, Session),
        case("GET", "/admin/invites", INVITE, None),
        case("POST", "/admin/invites", INVITE, Session),
        Case { variant: "editor", ..case("POST", "/admin/invites", INVITE_EDITORS, Session) },
        // A subscription request that names no callback is refused for what it is, whoever
        // sends it; an unknown subscription's callback is not there for anyone.
        Case { outcome: Outcome::Status(400), ..case("POST", "/websub", WEBSUB, None) },
        Case {
            outcome: Outcome::Status(404),
            ..case("GET", "/websub/callback/{feed}/{token}", WEBSUB, None)
        },
        Case {
            outcome: Outcome::Status(404),
            ..case("POST", "/websub/callback/{feed}/{token}", WEBSUB, None)
        },
        case("GET", "/metrics", METRICS, None),
        case("GET", "/healthz", HEALTH, None),
        case("GET", "/readyz", HEALTH, None),
        read("/api/v1/openapi.json"),
        read("/api/v1/docs"),
        read("/api/v1/articles"),
        read("/api/v1/articles/{id}"),
        read("/api/v1/articles/{id}/revisions"),
        read("/api/v1/articles/{id}/updates"),
        read("/api/v1/stories"),
        read("/api/v1/stories/{id}"),
        read("/api/v1/sources"),
        read("/api/v1/sources/{id}"),
        read("/api/v1/search"),
        api("POST", "/api/v1/articles/{id}/updates", POST),
        api("PATCH", "/api/v1/updates/{id}", OWN),
        api("DELETE", "/api/v1/updates/{id}", OWN),
        api("POST", "/api/v1/updates/{id}/hide", HIDE),
        api("POST", "/api/v1/updates/{id}/unhide", HIDE),
        api("GET", "/api/v1/audit", HIDE),
        api("GET", "/api/v1/me", ACCOUNT),
        api("POST", "/api/v1/sources", SOURCES),
        api("PATCH", "/api/v1/sources/{id}", SOURCES),
        api("GET", "/api/v1/feeds", FEEDS),
        api("POST", "/api/v1/feeds", FEEDS),
        api("PATCH", "/api/v1/feeds/{id}", FEEDS),
        api("POST", "/api/v1/feeds/{id}/poll", FEEDS),
    ]
}

/// The site's routes as its source declares them (`.route("…", get(…).post(…))`), as
/// (method, path) pairs; the API's nested routes get its prefix.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeSet::new();
    for file in files_under(&src) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file.strip_prefix(&src).unwrap();
        // The metrics listener (health.rs) is a server of its own, on an internal address.
        if relative == std::path::Path::new("health.rs") {
            continue;
        }
        let prefix = if relative.starts_with("api") { "/api/v1" } else { "" };
        for chunk in text.split(".route(").skip(1) {
            let chunk = chunk.split(".nest(").next().unwrap().split(".fallback(").next().unwrap();
            let path = chunk.split('"').nth(1).expect("a route's path is a string literal");
            for method in ["get", "post", "put", "patch", "delete"] {
                let called = |m: &str| {
                    chunk.contains(&format!(" {m}("))
                        || chunk.contains(&format!("({m}("))
                        || chunk.contains(&format!(".{m}("))
                        || chunk.contains(&format!("::{m}("))
                };
                if called(method) {
                    found.insert((method.to_uppercase(), format!("{prefix}{path}")));
                }
            }
        }
    }
    found
}

/// The API's operations as its served description lists them (generated from the handlers
/// the router mounts).
async fn routes_in_openapi(app: &TestApp) -> BTreeSet<(String, String)> {
    let doc: serde_json::Value =
        TestApp::client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut found = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            found.insert((method.to_uppercase(), format!("/api/v1{path}")));
        }
    }
    found
}

/// The server with the search index and the WebSub hub attached as `freewire serve` attaches
/// them, open registration, metrics on the site and no API rate to speak of; and the index's
/// folder, kept while the server runs.
async fn spawn_app() -> (TestApp, tempfile::TempDir) {
    let index_dir = tempfile::tempdir().unwrap();
    let index_path = index_dir.path().join("search");
    let configure = |c: &mut WebConfig| {
        c.registration = freewire_core::Registration::Open;
        c.api.requests_per_minute = 100_000;
        c.websub.enabled = true;
        c.metrics =
            freewire_web::MetricsConfig { on_site: true, token: Some("a metrics token for tests".into()) };
    };
    let app = TestApp::spawn_prepared_on(None, configure, move |state, store| {
        let index = Arc::new(freewire_search::SearchIndex::open(&index_path).unwrap());
        let indexer =
            Arc::new(freewire_search::Indexer::new(store.clone(), index, freewire_ingest::html_to_text));
        state.attach_search(indexer.clone());
        tokio::spawn(indexer.follow(std::time::Duration::from_millis(200), std::future::pending()));
        let fetcher =
            freewire_ingest::fetch::Fetcher::new(freewire_ingest::fetch::FetchConfig::default()).unwrap();
        state.attach_websub(freewire_web::websub::WebSubRuntime { fetcher, poller: None });
    })
    .await;
    (app, index_dir)
}

/// A tagged article with a picture, for the tag pages and the image proxy: the picture's
/// proxied path.
async fn pictured_article(app: &TestApp, source: freewire_core::SourceId) -> String {
    let mut pictured = fixture_article(
        source,
        "Lighthouse keeper retires",
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
        "<p>After forty years.</p><figure><img src=\"https://images.example/keeper.png\" alt=\"The keeper\"></figure>",
        "https://harbour.example/lighthouse",
    );
    pictured.tags = vec![freewire_core::Tag::new("Lighthouses").unwrap()];
    let pictured = app.insert_new(vec![(pictured, fixture_retrieval())]).await.remove(0);
    let page = TestApp::client()
        .get(app.url(&TestApp::page_path(&pictured)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    page.split("<img src=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .find(|s| s.starts_with("/img/"))
        .expect("the article's picture goes through the proxy")
}

/// The world the routes are tried in.
struct World {
    app: TestApp,
    _index: tempfile::TempDir,
    blobs: Arc<dyn freewire_core::BlobStore>,
    cora: User,
    dora: User,
    eddie: User,
    ada: User,
    /// API tokens: cora's (write; a contributor can hold no more), eddie's and ada's (admin).
    tokens: [String; 3],
    article: Article,
    story: String,
    story_id: i64,
    source: freewire_core::Source,
    feed: i64,
    /// An update of dora's with a PNG attached: (attachment id, file name).
    file: (i64, String),
    /// The same, hidden by an editor.
    hidden_file: i64,
    image_path: String,
    serial: std::sync::atomic::AtomicUsize,
}

/// A signed-in browser: its client (holding the session cookie) and the session's form token.
struct Browser {
    client: reqwest::Client,
    csrf: String,
    session_hash: String,
}

impl World {
    async fn build() -> World {
        let (app, index_dir) = spawn_app().await;
        let blobs: Arc<dyn freewire_core::BlobStore> =
            Arc::new(ObjectBlobStore::local(&app.dir.path().join("uploads")).unwrap());
        for (name, role) in [
            ("cora", Role::Contributor),
            ("dora", Role::Contributor),
            ("eddie", Role::Editor),
            ("ada", Role::Admin),
        ] {
            app.add_user(name, role).await;
        }
        let user = |n: &'static str| {
            let store = app.store.clone();
            async move { store.user_by_name(n).await.unwrap().unwrap() }
        };
        let (cora, dora, eddie, ada) =
            (user("cora").await, user("dora").await, user("eddie").await, user("ada").await);
        let mut tokens = Vec::new();
        for (holder, scope) in
            [(&cora, TokenScope::Write), (&eddie, TokenScope::Admin), (&ada, TokenScope::Admin)]
        {
            let issued = freewire_app::tokens::create_token(
                app.store.as_ref(),
                freewire_app::Actor::Operator,
                holder,
                "access test",
                scope,
            )
            .await
            .unwrap();
            tokens.push(issued.secret);
        }
        let stories = app.add_story().await;
        let article = stories[0].clone();
        let story_id = article.story_id.unwrap().0;
        let story = app.store.story_by_id(freewire_core::StoryId(story_id)).await.unwrap().unwrap();
        let source = app.store.source_by_id(article.source_id).await.unwrap().unwrap();
        let feed = app
            .store
            .insert_feed(freewire_core::NewFeed {
                source_id: source.id,
                url: "https://harbour.example/feed.xml".into(),
                title: None,
            })
            .await
            .unwrap()
            .id
            .0;
        let image_path = pictured_article(&app, source.id).await;

        let mut world = World {
            app,
            _index: index_dir,
            blobs,
            cora,
            dora,
            eddie,
            ada,
            tokens: tokens.try_into().unwrap(),
            article,
            story: format!("{story_id}-{}", story.slug),
            story_id,
            source,
            feed,
            file: (0, String::new()),
            hidden_file: 0,
            image_path,
            serial: std::sync::atomic::AtomicUsize::new(0),
        };
        world.add_files().await;
        world
    }

    /// Two updates of dora's with a picture each, the second hidden by an editor.
    async fn add_files(&mut self) {
        let dora = self.browser_of(&self.dora.clone()).await;
        let article = self.article.clone();
        let mut files = Vec::new();
        for note in ["A picture", "A picture, later hidden"] {
            let id = post_update(
                &self.app,
                &dora.client,
                &article,
                note,
                vec![("pier.png", PNG.to_vec(), "image/png")],
            )
            .await;
            let entry = self.app.store.update_by_id(freewire_core::UpdateId(id)).await.unwrap().unwrap();
            files.push((id, entry.attachments[0].id.0, entry.attachments[0].file_name.clone()));
        }
        self.file = (files[0].1, files[0].2.clone());
        self.hidden_file = files[1].1;
        freewire_app::updates::set_update_hidden(
            self.app.store.as_ref(),
            freewire_app::Actor::User(&self.eddie),
            freewire_core::UpdateId(files[1].0),
            Some("A test of hidden files"),
        )
        .await
        .unwrap();
    }

    fn next(&self) -> usize {
        self.serial.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The account `who` acts as (none for a visitor).
    fn acting(&self, who: Persona) -> Option<&User> {
        match who {
            Persona::Visitor => None,
            Persona::Contributor | Persona::Other => Some(&self.cora),
            Persona::Editor => Some(&self.eddie),
            Persona::Admin => Some(&self.ada),
        }
    }

    /// Whose update `who` acts on: their own, or (a visitor, the other contributor) dora's.
    fn owner(&self, who: Persona) -> &User {
        match who {
            Persona::Visitor | Persona::Other => &self.dora,
            Persona::Contributor => &self.cora,
            Persona::Editor => &self.eddie,
            Persona::Admin => &self.ada,
        }
    }

    fn api_token(&self, who: Persona) -> Option<&str> {
        match who {
            Persona::Visitor => None,
            Persona::Contributor | Persona::Other => Some(&self.tokens[0]),
            Persona::Editor => Some(&self.tokens[1]),
            Persona::Admin => Some(&self.tokens[2]),
        }
    }

    /// A new session of `user`'s, made in the store as a sign-in makes one, in a browser
    /// of its own: whatever one call does to its session, the next starts afresh.
    async fn browser_of(&self, user: &User) -> Browser {
        let token = random_token();
        let now = Utc::now();
        let session = Session {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token(),
            created_at: now,
            expires_at: now + Duration::hours(1),
            user_agent: Some("access test".into()),
            pending_second_factor: false,
        };
        self.app.store.insert_session(session.clone()).await.unwrap();
        let jar = Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(
            &format!("{}={token}; Path=/", freewire_web::account::SESSION_COOKIE),
            &url::Url::parse(&self.app.base).unwrap(),
        );
        let client = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { client, csrf: session.csrf_token, session_hash: session.token_hash }
    }

    async fn browser(&self, who: Persona) -> Browser {
        match self.acting(who) {
            Some(user) => self.browser_of(&user.clone()).await,
            None => Browser { client: TestApp::client(), csrf: String::new(), session_hash: String::new() },
        }
    }

    /// A fresh note by `author` under the usual article, posted as the use case posts it.
    async fn fresh_update(&self, author: &User) -> i64 {
        let article =
            freewire_app::updates::postable_article(self.app.store.as_ref(), self.article.id).await.unwrap();
        freewire_app::updates::post_update(
            self.app.store.as_ref(),
            &self.blobs,
            &freewire_app::updates::UpdateRules::default(),
            author,
            &article,
            freewire_app::updates::NewPost { note: format!("Note {}", self.next()), files: Vec::new() },
        )
        .await
        .unwrap()
        .id
        .0
    }

    /// A fresh hidden note of dora's.
    async fn fresh_hidden_update(&self) -> i64 {
        let id = self.fresh_update(&self.dora).await;
        freewire_app::updates::set_update_hidden(
            self.app.store.as_ref(),
            freewire_app::Actor::User(&self.eddie),
            freewire_core::UpdateId(id),
            Some("A test of roles"),
        )
        .await
        .unwrap();
        id
    }

    /// A fresh published article with a story of its own: (article id, story id).
    async fn fresh_article(&self) -> (i64, i64) {
        let n = self.next();
        let words = ["quince", "zephyr", "marzipan", "obsidian", "trombone", "glacier", "saffron", "cobalt"];
        let title = format!("Item {n} {} {}", words[n % words.len()], words[(n * 3 + 1) % words.len()]);
        let article = fixture_article(
            self.source.id,
            &title,
            Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
                + Duration::minutes(i64::try_from(n).unwrap()),
            &format!("<p>Unrelated text number {n}: {title}.</p>"),
            &format!("https://harbour.example/item-{n}"),
        );
        let article = self.app.insert_new(vec![(article, fixture_retrieval())]).await.remove(0);
        freewire_app::stories::group_new(
            self.app.store.as_ref(),
            &mut freewire_app::stories::Grouping::default(),
        )
        .await
        .unwrap();
        let found = self.app.store.article_by_id(article.id).await.unwrap().unwrap().article;
        (found.id.0, found.story_id.expect("every new article gets a story").0)
    }

    /// A fresh story of two articles: (the second article's id, the story's id).
    async fn fresh_pair(&self) -> (i64, i64) {
        let (_, story) = self.fresh_article().await;
        let (second, own) = self.fresh_article().await;
        freewire_app::stories::edit_story(
            self.app.store.as_ref(),
            freewire_app::Actor::User(&self.eddie),
            freewire_core::StoryEdit::Merge {
                from: freewire_core::StoryId(own),
                into: freewire_core::StoryId(story),
            },
        )
        .await
        .unwrap();
        (second, story)
    }

    async fn fresh_withdrawn(&self) -> i64 {
        let (article, _) = self.fresh_article().await;
        freewire_app::articles::withdraw_article(
            self.app.store.as_ref(),
            freewire_app::Actor::User(&self.eddie),
            ArticleId(article),
            "A test of roles",
        )
        .await
        .unwrap();
        article
    }

    /// Calls `case` as `who`, with the form token or (`with_token` false) a wrong one: the
    /// answer.
    #[expect(clippy::too_many_lines, reason = "one arm per route, on one screen")]
    async fn call(&self, case: &Case, who: Persona, with_token: bool) -> StatusCode {
        let app = &self.app;
        let page = TestApp::page_path(&self.article);
        let browser = self.browser(who).await;
        // Without its token, a form carries one that is not this session's: what a page
        // elsewhere could put in a form it makes the browser send.
        let token = if with_token { browser.csrf.clone() } else { random_token() };
        let form = |path: String, fields: Vec<(&str, String)>| {
            let mut all: Vec<(String, String)> = vec![("csrf".into(), token.clone())];
            all.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
            browser.client.post(app.url(&path)).form(&all)
        };
        let api = |method: Method, path: String| {
            let request = browser.client.request(method, app.url(&format!("/api/v1{path}")));
            match self.api_token(who) {
                Some(t) => request.bearer_auth(t),
                None => request,
            }
        };
        let n = self.next();
        let (year, rest) = page.trim_matches('/').split_once('/').unwrap();
        let (month, rest) = rest.split_once('/').unwrap();
        let (day, _) = rest.split_once('/').unwrap();
        let request = match (case.method, case.route, case.variant) {
            ("GET", "/source/{slug}/", _) => browser
                .client
                .get(app.url(&format!("/source/{}/", freewire_core::slugify(&self.source.name)))),
            ("GET", "/source/{slug}/{file}", _) => browser
                .client
                .get(app.url(&format!("/source/{}/feed.atom", freewire_core::slugify(&self.source.name)))),
            ("GET", "/story/{segment}/", _) => {
                browser.client.get(app.url(&format!("/story/{}/", self.story)))
            }
            ("GET", "/story/{segment}/{file}", _) => {
                browser.client.get(app.url(&format!("/story/{}/feed.json", self.story)))
            }
            ("GET", "/tag/{slug}/", _) => browser.client.get(app.url("/tag/lighthouses/")),
            ("GET", "/tag/{slug}/{file}", _) => browser.client.get(app.url("/tag/lighthouses/feed.xml")),
            ("GET", "/{year}/", _) => browser.client.get(app.url(&format!("/{year}/"))),
            ("GET", "/{year}/{month}/", _) => browser.client.get(app.url(&format!("/{year}/{month}/"))),
            ("GET", "/{year}/{month}/{day}/", _) => {
                browser.client.get(app.url(&format!("/{year}/{month}/{day}/")))
            }
            ("GET", "/{year}/{month}/{day}/{slug}/", _) => browser.client.get(app.url(&page)),
            ("GET", "/{year}/{month}/{day}/{slug}", _) => {
                browser.client.get(app.url(page.trim_end_matches('/')))
            }
            ("GET", "/{year}/{month}/{day}/{slug}/updates.atom", _) => {
                browser.client.get(app.url(&format!("{page}updates.atom")))
            }
            ("GET", "/{year}/{month}/{day}/{slug}/revisions/", _) => {
                browser.client.get(app.url(&format!("{page}revisions/")))
            }
            ("GET", "/cite/{file}", _) => {
                browser.client.get(app.url(&format!("/cite/{}.bib", self.article.id)))
            }
            ("GET", "/files/{id}/{name}", "") => {
                browser.client.get(app.url(&format!("/files/{}/{}", self.file.0, self.file.1)))
            }
            ("GET", "/thumbnails/{id}", "") => {
                browser.client.get(app.url(&format!("/thumbnails/{}", self.file.0)))
            }
            ("GET", "/files/{id}/{name}", "hidden") => {
                browser.client.get(app.url(&format!("/files/{}/pier.png", self.hidden_file)))
            }
            ("GET", "/thumbnails/{id}", "hidden") => {
                browser.client.get(app.url(&format!("/thumbnails/{}", self.hidden_file)))
            }
            ("GET", "/img/{signature}/{address}", _) => browser.client.get(app.url(&self.image_path)),
            ("POST", "/story/{id}/rename", _) => {
                let (_, story) = self.fresh_article().await;
                form(format!("/story/{story}/rename"), vec![("title", format!("Renamed {n}"))])
            }
            ("POST", "/story/{id}/merge", _) => {
                let (_, from) = self.fresh_article().await;
                let (_, into) = self.fresh_article().await;
                form(format!("/story/{from}/merge"), vec![("into", into.to_string())])
            }
            ("POST", "/admin/articles/{id}/story", _) => {
                let (article, _) = self.fresh_pair().await;
                let (_, to) = self.fresh_article().await;
                form(format!("/admin/articles/{article}/story"), vec![("story", to.to_string())])
            }
            ("POST", "/admin/articles/{id}/split", _) => {
                let (article, _) = self.fresh_pair().await;
                form(format!("/admin/articles/{article}/split"), vec![])
            }
            ("POST", "/login" | "/register", _) => {
                // These forms are for browsers not signed in yet (a signed-in one is sent on
                // from them): a fresh browser fetches the form, whose token is a cookie the
                // form echoes, and signs in as the person (registers a newcomer).
                let fresh = TestApp::client();
                let path = case.route;
                let html = fresh.get(app.url(path)).send().await.unwrap().text().await.unwrap();
                let csrf = if with_token { form_token(&html) } else { random_token() };
                let name = if path == "/login" {
                    self.acting(who).map_or("dora", |u| u.username.as_str()).to_owned()
                } else {
                    format!("newcomer{n}")
                };
                let fields = [
                    ("csrf", csrf.as_str()),
                    ("username", name.as_str()),
                    ("password", PASSWORD),
                    ("repeat", PASSWORD),
                    ("next", "/"),
                ];
                return fresh.post(app.url(path)).form(&fields).send().await.unwrap().status();
            }
            ("POST", "/logout", _) => form("/logout".into(), vec![]),
            ("POST", "/login/second-factor", _) => {
                form("/login/second-factor".into(), vec![("code", "000000".into()), ("next", "/".into())])
            }
            ("POST", "/account/password", _) => form(
                "/account/password".into(),
                vec![("current", PASSWORD.into()), ("new", PASSWORD.into()), ("repeat", PASSWORD.into())],
            ),
            ("POST", "/account/sessions/revoke", _) => {
                let reference: String = browser.session_hash.chars().take(16).collect();
                let reference = if reference.is_empty() { "0123456789abcdef".to_owned() } else { reference };
                form("/account/sessions/revoke".into(), vec![("session", reference)])
            }
            ("POST", "/account/tokens", _) => form(
                "/account/tokens".into(),
                vec![
                    ("label", format!("token {n}")),
                    ("scope", "read".into()),
                    ("password", PASSWORD.into()),
                ],
            ),
            ("POST", "/account/tokens/revoke", _) => {
                let holder = self.acting(who).unwrap_or(&self.dora);
                let issued = freewire_app::tokens::create_token(
                    app.store.as_ref(),
                    freewire_app::Actor::Operator,
                    holder,
                    &format!("to revoke {n}"),
                    TokenScope::Read,
                )
                .await
                .unwrap();
                form("/account/tokens/revoke".into(), vec![("token", issued.token.id.0.to_string())])
            }
            ("POST", "/account/totp/setup", _) => form("/account/totp/setup".into(), vec![]),
            ("POST", "/account/totp/confirm", _) => {
                let secret = freewire_core::totp::generate_secret();
                let now = u64::try_from(Utc::now().timestamp()).unwrap();
                let code = freewire_core::totp::code_at(&secret, now).unwrap();
                let code = format!("{code:0>6}");
                let response = form("/account/totp/confirm".into(), vec![("secret", secret), ("code", code)])
                    .send()
                    .await
                    .unwrap()
                    .status();
                // Off again, so that the next call signs the same people in without a code.
                for user in [&self.cora, &self.eddie, &self.ada] {
                    app.store.disable_totp(user.id).await.unwrap();
                }
                return response;
            }
            ("POST", "/account/totp/disable", _) => {
                form("/account/totp/disable".into(), vec![("password", PASSWORD.into())])
            }
            ("POST", "/articles/{id}/updates", _) => browser
                .client
                .post(app.url(&format!("/articles/{}/updates", self.article.id)))
                .multipart(upload_form(Some(&token), &format!("Posted {n}"), vec![])),
            ("POST", "/updates/{id}/edit", _) => {
                let id = self.fresh_update(self.owner(who)).await;
                form(format!("/updates/{id}/edit"), vec![("note", "Changed".into())])
            }
            ("POST", "/updates/{id}/delete", _) => {
                let id = self.fresh_update(self.owner(who)).await;
                form(format!("/updates/{id}/delete"), vec![])
            }
            ("POST", "/updates/{id}/hide", _) => {
                let id = self.fresh_update(&self.dora).await;
                form(format!("/updates/{id}/hide"), vec![("reason", "A test of roles".into())])
            }
            ("POST", "/updates/{id}/unhide", _) => {
                let id = self.fresh_hidden_update().await;
                form(format!("/updates/{id}/unhide"), vec![])
            }
            ("POST", "/admin/feeds", _) => form(
                "/admin/feeds".into(),
                vec![
                    ("url", format!("https://harbour.example/feed-{n}.xml")),
                    ("source", self.source.name.clone()),
                ],
            ),
            ("POST", "/admin/feeds/{id}/enabled", _) => {
                form(format!("/admin/feeds/{}/enabled", self.feed), vec![("enabled", "true".into())])
            }
            ("POST", "/admin/feeds/{id}/poll", _) => form(format!("/admin/feeds/{}/poll", self.feed), vec![]),
            ("POST", "/admin/sources/{id}", _) => form(
                format!("/admin/sources/{}", self.source.id),
                vec![
                    ("name", self.source.name.clone()),
                    ("licence", "CC-BY-4.0".into()),
                    ("index_policy", "ours".into()),
                ],
            ),
            ("POST", "/admin/articles/{id}/withdraw", _) => {
                let (article, _) = self.fresh_article().await;
                form(
                    format!("/admin/articles/{article}/withdraw"),
                    vec![("reason", "A test of roles".into())],
                )
            }
            ("POST", "/admin/articles/{id}/reinstate", _) => {
                let article = self.fresh_withdrawn().await;
                form(format!("/admin/articles/{article}/reinstate"), vec![])
            }
            ("POST", "/admin/invites", "") => {
                form("/admin/invites".into(), vec![("role", "contributor".into())])
            }
            ("POST", "/admin/invites", "editor") => {
                form("/admin/invites".into(), vec![("role", "editor".into())])
            }
            ("POST", "/websub", _) => {
                browser.client.post(app.url("/websub")).form(&[("hub.mode", "subscribe")])
            }
            ("GET", "/websub/callback/{feed}/{token}", _) => browser
                .client
                .get(app.url(&format!("/websub/callback/{}/not-a-token?hub.mode=subscribe", self.feed))),
            ("POST", "/websub/callback/{feed}/{token}", _) => browser
                .client
                .post(app.url(&format!("/websub/callback/{}/not-a-token", self.feed)))
                .body("<feed/>"),
            ("GET", "/api/v1/articles/{id}", _) => api(Method::GET, format!("/articles/{}", self.article.id)),
            ("GET", "/api/v1/articles/{id}/revisions", _) => {
                api(Method::GET, format!("/articles/{}/revisions", self.article.id))
            }
            ("GET", "/api/v1/articles/{id}/updates", _) => {
                api(Method::GET, format!("/articles/{}/updates", self.article.id))
            }
            ("GET", "/api/v1/stories/{id}", _) => api(Method::GET, format!("/stories/{}", self.story_id)),
            ("GET", "/api/v1/sources/{id}", _) => api(Method::GET, format!("/sources/{}", self.source.id)),
            ("GET", "/api/v1/search", _) => api(Method::GET, "/search?q=ferry".into()),
            ("POST", "/api/v1/articles/{id}/updates", _) => {
                api(Method::POST, format!("/articles/{}/updates", self.article.id))
                    .multipart(Form::new().text("note", format!("By the API {n}")))
            }
            ("PATCH", "/api/v1/updates/{id}", _) => {
                let id = self.fresh_update(self.owner(who)).await;
                api(Method::PATCH, format!("/updates/{id}")).json(&serde_json::json!({"note": "Changed"}))
            }
            ("DELETE", "/api/v1/updates/{id}", _) => {
                let id = self.fresh_update(self.owner(who)).await;
                api(Method::DELETE, format!("/updates/{id}"))
            }
            ("POST", "/api/v1/updates/{id}/hide", _) => {
                let id = self.fresh_update(&self.dora).await;
                api(Method::POST, format!("/updates/{id}/hide"))
                    .json(&serde_json::json!({"reason": "A test"}))
            }
            ("POST", "/api/v1/updates/{id}/unhide", _) => {
                let id = self.fresh_hidden_update().await;
                api(Method::POST, format!("/updates/{id}/unhide"))
            }
            ("POST", "/api/v1/sources", _) => api(Method::POST, "/sources".into()).json(&serde_json::json!({
                "name": format!("Outlet {n}"),
                "homepage": format!("https://outlet-{n}.example/"),
                "licence": "CC-BY-4.0",
            })),
            ("PATCH", "/api/v1/sources/{id}", _) => {
                api(Method::PATCH, format!("/sources/{}", self.source.id))
                    .json(&serde_json::json!({"credit": format!("Credit {n}")}))
            }
            ("POST", "/api/v1/feeds", _) => api(Method::POST, "/feeds".into()).json(&serde_json::json!({
                "url": format!("https://harbour.example/api-feed-{n}.xml"),
                "source": self.source.name,
            })),
            ("PATCH", "/api/v1/feeds/{id}", _) => api(Method::PATCH, format!("/feeds/{}", self.feed))
                .json(&serde_json::json!({"enabled": true})),
            ("POST", "/api/v1/feeds/{id}/poll", _) => api(Method::POST, format!("/feeds/{}/poll", self.feed)),
            ("GET", route, _) if route.starts_with("/api/v1/") => {
                assert!(!route.contains('{'), "a route with parameters needs its own arm: {route}");
                api(Method::GET, route.trim_start_matches("/api/v1").to_owned())
            }
            ("GET", route, _) => {
                assert!(!route.contains('{'), "a route with parameters needs its own arm: {route}");
                browser.client.get(app.url(route))
            }
            (method, route, variant) => panic!("no way to call {method} {route} {variant:?}"),
        };
        request.send().await.unwrap().status()
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_readme_table_says() {
    let world = World::build().await;
    let table = permission_table();
    let cases = cases();

    // Every route the server has is tried, and every route tried is one it has.
    let mut served = routes_in_source();
    let api = routes_in_openapi(&world.app).await;
    assert!(api.len() >= 20, "the API's description lists its operations: {api:?}");
    served.extend(api);
    let tried: BTreeSet<(String, String)> =
        cases.iter().map(|c| (c.method.to_owned(), c.route.to_owned())).collect();
    let untried: Vec<_> = served.difference(&tried).collect();
    assert!(untried.is_empty(), "routes the access test does not try; add them to cases(): {untried:?}");
    let unknown: Vec<_> = tried.difference(&served).collect();
    assert!(unknown.is_empty(), "routes the access test tries that the server does not have: {unknown:?}");

    // Every row of the table governs at least one route, and every route one row.
    for (row, _) in &table {
        assert!(cases.iter().any(|c| row.contains(c.row)), "no route tries the README's row {row:?}");
    }

    let mut attempts = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let rows: Vec<_> = table.iter().filter(|(row, _)| row.contains(case.row)).collect();
        assert_eq!(rows.len(), 1, "{:?} names one row of the table: {rows:?}", case.row);
        let (row, allowed) = rows[0];
        let hidden = case.row == HIDDEN;
        for (i, who) in PERSONAS.into_iter().enumerate() {
            let status = world.call(case, who, true).await;
            attempts += 1;
            let what = format!("{} {} {} as {who:?}", case.method, case.route, case.variant);
            let refused = matches!(status.as_u16(), 401 | 403) || (hidden && status == StatusCode::NOT_FOUND);
            if allowed[i] {
                let expected = match case.outcome {
                    Outcome::Done => status.is_success() || status.is_redirection(),
                    Outcome::Status(code) => status.as_u16() == code,
                };
                if refused || !expected {
                    failures.push(format!("{what}: {status}, but the table lets them ({row:?})"));
                }
                if case.csrf == Csrf::Form || (case.csrf == Csrf::Session && who != Persona::Visitor) {
                    let without = world.call(case, who, false).await;
                    attempts += 1;
                    if without != StatusCode::FORBIDDEN {
                        failures.push(format!("{what} with a wrong form token: {without}, not 403"));
                    }
                }
            } else if !refused {
                failures.push(format!("{what}: {status}, but the table refuses them ({row:?})"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {attempts} tries differ from the README:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(attempts > 400, "every route by every person: {attempts}");
}

#[tokio::test]
async fn the_route_list_is_read_from_the_source_and_the_api_description() {
    let routes = routes_in_source();
    // Routes declared on one line, over several lines, and with several methods.
    for (method, path) in [
        ("GET", "/"),
        ("POST", "/articles/{id}/updates"),
        ("GET", "/login/second-factor"),
        ("POST", "/login/second-factor"),
        ("POST", "/websub/callback/{feed}/{token}"),
        ("GET", "/api/v1/openapi.json"),
    ] {
        assert!(routes.contains(&(method.to_owned(), path.to_owned())), "{method} {path} in {routes:?}");
    }
    assert!(!routes.iter().any(|(_, p)| p.contains("/api/v1/api/v1")), "the API's prefix is added once");
}
