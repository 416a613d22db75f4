//! The REST API through the real server, on SQLite and on PostgreSQL: every operation the
//! OpenAPI description documents is called (the test fails if one is left out or one is called
//! that is not documented), with tokens of each scope and accounts of each role; cursors,
//! `ETag`s, problem details, rate limits, CORS, and tokens made and revoked on the account page.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

mod common;

use std::collections::BTreeSet;
use std::sync::Mutex;

use common::*;
use freewire_core::TokenScope;
use reqwest::Method;
use serde_json::{Value, json};

/// Calls the API and notes which documented operation each call was.
struct Api<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    called: Mutex<BTreeSet<(String, String)>>,
}

impl<'a> Api<'a> {
    fn new(app: &'a TestApp) -> Self {
        Api { app, client: TestApp::client(), called: Mutex::new(BTreeSet::new()) }
    }

    /// `template` as documented (`/articles/{id}`), `args` filling its `{…}` in order.
    fn request(
        &self,
        method: Method,
        template: &str,
        args: &[i64],
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        self.called
            .lock()
            .unwrap()
            .insert((method.as_str().to_lowercase(), template.split('?').next().unwrap().to_owned()));
        let mut path = template.to_owned();
        for arg in args {
            let start = path.find('{').unwrap();
            let end = path[start..].find('}').unwrap() + start;
            path.replace_range(start..=end, &arg.to_string());
        }
        let mut builder = self.client.request(method, self.app.url(&format!("/api/v1{path}")));
        if let Some(token) = token {
            builder = builder.bearer_auth(token);
        }
        builder
    }

    async fn call(
        &self,
        method: Method,
        template: &str,
        args: &[i64],
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut builder = self.request(method, template, args, token);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        let res = builder.send().await.unwrap();
        json_of(res).await
    }
}

async fn json_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = res.text().await.unwrap();
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(kind, "application/problem+json", "a refusal is a problem: {status} {text}");
    }
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if status.is_client_error() {
        assert_eq!(value["status"], status.as_u16(), "{value}");
        assert!(!value["detail"].as_str().unwrap().is_empty(), "{value}");
    }
    (status, value)
}

async fn token(app: &TestApp, user: &str, role: Role, scope: TokenScope) -> String {
    if app.store.user_by_name(user).await.unwrap().is_none() {
        app.add_user(user, role).await;
    }
    let holder = app.store.user_by_name(user).await.unwrap().unwrap();
    let label = format!("{scope} for tests");
    freewire_app::tokens::create_token(
        app.store.as_ref(),
        freewire_app::Actor::Operator,
        &holder,
        &label,
        scope,
    )
    .await
    .unwrap()
    .secret
}

/// The documented operations, as (method, path template).
async fn documented(app: &TestApp) -> BTreeSet<(String, String)> {
    let doc: Value =
        TestApp::client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"), "OpenAPI 3.1");
    assert_eq!(doc["servers"][0]["url"], format!("{}/api/v1", app.base));
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert((method.clone(), path.clone()));
        }
    }
    assert!(ops.len() >= 20, "{ops:?}");
    ops
}

/// The tokens of the test's accounts.
struct Tokens {
    writer: String,
    reader: String,
    editor: String,
    admin: String,
}

async fn every_operation(app: TestApp) {
    let stories = app.add_story().await;
    let tokens = Tokens {
        writer: token(&app, "cora", Role::Contributor, TokenScope::Write).await,
        reader: token(&app, "rita", Role::Contributor, TokenScope::Read).await,
        editor: token(&app, "ed", Role::Editor, TokenScope::Write).await,
        admin: token(&app, "ada", Role::Admin, TokenScope::Admin).await,
    };
    let api = Api::new(&app);
    articles(&api, &stories[0]).await;
    updates(&api, &stories[0], &tokens).await;
    story(&api, &stories[1]).await;
    catalog(&api, &tokens).await;
    search_me_and_audit(&api, &tokens).await;
    // A bad token is refused even where none is needed; unknown calls are problems too.
    let (status, _) = api.call(Method::GET, "/sources", &[], Some("fw_not-a-token"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let res = TestApp::client().get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(json_of(res).await.0, StatusCode::NOT_FOUND);

    let app = api.app;
    let documented = documented(app).await;
    let called = api.called.into_inner().unwrap();
    assert_eq!(called, documented, "every documented operation is called, and nothing else");
    let docs = TestApp::client().get(app.url("/api/v1/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    let docs = docs.text().await.unwrap();
    for (method, path) in &documented {
        assert!(
            docs.contains(&format!("{} {path}", method.to_uppercase())),
            "the docs page lists {method} {path}"
        );
    }
}

/// Articles: newest first, by cursor, with no repeats; `ETag` and 304; one article in full.
async fn articles(api: &Api<'_>, gazette: &Article) {
    let app = api.app;
    let (status, page) = api.call(Method::GET, "/articles", &[], None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert!(page["next_cursor"].is_null());
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/articles?limit=1&cursor={c}"),
            None => "/articles?limit=1".into(),
        };
        let res = api.request(Method::GET, &path, &[], None).send().await.unwrap();
        let link = res.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
        let (status, page) = json_of(res).await;
        assert_eq!(status, StatusCode::OK);
        seen.push(page["items"][0]["title"].as_str().unwrap().to_owned());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert!(
                    link.unwrap().contains(&format!("cursor={next}")),
                    "the Link header names the next page"
                );
                cursor = Some(next.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "Ferry winter crossings hang on Varga's grant offer",
            "Orchard harvest best in a decade",
            "Council sets out plan to rescue island ferry"
        ]
    );
    let res = api.request(Method::GET, "/articles", &[], None).send().await.unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let again =
        api.request(Method::GET, "/articles", &[], None).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let (status, _) = api.call(Method::GET, "/articles?cursor=nonsense", &[], None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, filtered) = api
        .call(
            Method::GET,
            &format!("/articles?source={}&from=2026-12-01&until=2026-12-01T12:00:00Z", gazette.source_id.0),
            &[],
            None,
            None,
        )
        .await;
    let titles: Vec<&str> =
        filtered["items"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Council sets out plan to rescue island ferry"]);

    let (status, one) = api.call(Method::GET, "/articles/{id}", &[gazette.id.0], None, None).await;
    assert_eq!(status, StatusCode::OK);
    let url = format!("{}/{}/", app.base, gazette.permalink.path());
    assert_eq!(one["url"], url);
    assert_eq!(one["source"]["name"], "Harbour Gazette");
    assert_eq!(one["licence"]["id"], "CC-BY-4.0");
    assert_eq!(
        one["citations"]["site"],
        format!(
            "Test Wire | Test Wire (2026-12-01T08:00:00+00:00) Council sets out plan to rescue island ferry. Retrieved from {url}"
        )
    );
    assert!(one["citations"]["apa"].as_str().unwrap().contains("Council sets out plan"));
    assert!(one["citations"]["bibtex"].as_str().unwrap().starts_with("@online"));
    assert_eq!(one["revisions"], json!([]));
    let (status, _) = api.call(Method::GET, "/articles/{id}", &[999_999], None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, revisions) =
        api.call(Method::GET, "/articles/{id}/revisions", &[gazette.id.0], None, None).await;
    assert_eq!((status, revisions["items"].clone()), (StatusCode::OK, json!([])));
}

/// Updates: posting needs a write token; the note and a file arrive as on the page.
async fn updates(api: &Api<'_>, gazette: &Article, tokens: &Tokens) {
    let Tokens { writer, reader, editor, .. } = tokens;
    let form = || {
        Form::new()
            .text("note", "The council's letter, in full.")
            .part("files", Part::bytes(PNG.to_vec()).file_name("letter.png").mime_str("image/png").unwrap())
    };
    let res = api
        .request(Method::POST, "/articles/{id}/updates", &[gazette.id.0], None)
        .multipart(form())
        .send()
        .await
        .unwrap();
    assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(json_of(res).await.0, StatusCode::UNAUTHORIZED);
    let res = api
        .request(Method::POST, "/articles/{id}/updates", &[gazette.id.0], Some(reader))
        .multipart(form())
        .send()
        .await
        .unwrap();
    let (status, refusal) = json_of(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refusal["detail"].as_str().unwrap().contains("needs write"), "{refusal}");
    let res = api
        .request(Method::POST, "/articles/{id}/updates", &[gazette.id.0], Some(writer))
        .multipart(form())
        .send()
        .await
        .unwrap();
    let (status, posted) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    assert_eq!(
        (posted["author"].as_str(), posted["files"][0]["media_type"].as_str()),
        (Some("cora"), Some("image/png"))
    );
    let file = TestApp::client().get(posted["files"][0]["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(file.bytes().await.unwrap().as_ref(), PNG, "the file is downloadable");
    let update = posted["id"].as_i64().unwrap();
    let (status, edited) = api
        .call(
            Method::PATCH,
            "/updates/{id}",
            &[update],
            Some(writer),
            Some(json!({"note": "The council's letter, corrected."})),
        )
        .await;
    assert_eq!((status, edited["note"].as_str()), (StatusCode::OK, Some("The council's letter, corrected.")));
    let (status, _) = api
        .call(Method::PATCH, "/updates/{id}", &[update], Some(editor), Some(json!({"note": "not mine"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the author edits");
    let (status, _) =
        api.call(Method::PATCH, "/updates/{id}", &[update], Some(writer), Some(json!({"text": 1}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a body of the wrong shape");
    let (status, _) = api
        .call(Method::POST, "/updates/{id}/hide", &[update], Some(writer), Some(json!({"reason": "no"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "contributors do not hide");
    let (status, hidden) = api
        .call(
            Method::POST,
            "/updates/{id}/hide",
            &[update],
            Some(editor),
            Some(json!({"reason": "Names a private person."})),
        )
        .await;
    assert_eq!(
        (status, hidden["hidden"]["reason"].as_str()),
        (StatusCode::OK, Some("Names a private person."))
    );
    let (_, timeline) = api.call(Method::GET, "/articles/{id}/updates", &[gazette.id.0], None, None).await;
    assert_eq!(timeline["items"][0]["note"], "", "a hidden note is not shown to the public");
    assert_eq!(timeline["items"][0]["files"], json!([]));
    let (_, timeline) =
        api.call(Method::GET, "/articles/{id}/updates", &[gazette.id.0], Some(editor), None).await;
    assert_eq!(timeline["items"][0]["note"], "The council's letter, corrected.", "editors see it");
    let (status, shown) = api.call(Method::POST, "/updates/{id}/unhide", &[update], Some(editor), None).await;
    assert_eq!((status, shown["hidden"].clone()), (StatusCode::OK, Value::Null));
    let (status, _) = api.call(Method::DELETE, "/updates/{id}", &[update], Some(writer), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, timeline) = api.call(Method::GET, "/articles/{id}/updates", &[gazette.id.0], None, None).await;
    assert_eq!(timeline["items"], json!([]));
}

async fn story(api: &Api<'_>, dispatch: &Article) {
    let (status, list) = api.call(Method::GET, "/stories", &[], None, None).await;
    assert_eq!(status, StatusCode::OK);
    let story = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["article_count"] == 2)
        .expect("the ferry story")
        .clone();
    let (status, one) =
        api.call(Method::GET, "/stories/{id}", &[story["id"].as_i64().unwrap()], None, None).await;
    assert_eq!(status, StatusCode::OK);
    let outlets: BTreeSet<&str> =
        one["reports"].as_array().unwrap().iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(outlets, BTreeSet::from(["Harbour Gazette", "Valley Dispatch"]));
    assert_eq!(one["reports"][0]["article_id"], dispatch.id.0, "newest report first");
}

/// Sources and feeds: editors only, through the same use cases, audited.
async fn catalog(api: &Api<'_>, tokens: &Tokens) {
    let app = api.app;
    let Tokens { writer, editor, .. } = tokens;
    let (status, sources) = api.call(Method::GET, "/sources", &[], None, None).await;
    assert_eq!((status, sources["items"].as_array().unwrap().len()), (StatusCode::OK, 2));
    let new_source =
        json!({"name": "Coast Courier", "homepage": "https://coast.example/", "licence": "CC-BY-4.0"});
    let (status, _) = api.call(Method::POST, "/sources", &[], Some(writer), Some(new_source.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "contributors do not add sources");
    let (status, made) =
        api.call(Method::POST, "/sources", &[], Some(editor), Some(new_source.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (status, _) = api.call(Method::POST, "/sources", &[], Some(editor), Some(new_source)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let source_id = made["id"].as_i64().unwrap();
    let (status, got) = api.call(Method::GET, "/sources/{id}", &[source_id], None, None).await;
    assert_eq!(
        (status, got["url"].as_str()),
        (StatusCode::OK, Some(format!("{}/source/coast-courier/", app.base).as_str()))
    );
    let (status, renamed) = api
        .call(
            Method::PATCH,
            "/sources/{id}",
            &[source_id],
            Some(editor),
            Some(json!({"name": "Coast Courier Weekly", "credit": "With reporting by the Coast Desk"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(
        (renamed["name"].as_str(), renamed["credit"].as_str(), renamed["licence"]["id"].as_str()),
        (Some("Coast Courier Weekly"), Some("With reporting by the Coast Desk"), Some("CC-BY-4.0"))
    );
    let (status, _) = api
        .call(Method::PATCH, "/sources/{id}", &[source_id], Some(editor), Some(json!({"licence": "GPL"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = api.call(Method::GET, "/feeds", &[], Some(writer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, feed) = api
        .call(
            Method::POST,
            "/feeds",
            &[],
            Some(editor),
            Some(json!({"url": "https://coast.example/feed.xml", "source": "Coast Courier Weekly"})),
        )
        .await;
    assert_eq!((status, feed["state"].as_str()), (StatusCode::CREATED, Some("new")), "{feed}");
    let feed_id = feed["id"].as_i64().unwrap();
    let (status, feeds) = api.call(Method::GET, "/feeds", &[], Some(editor), None).await;
    assert_eq!(
        (status, feeds["items"][0]["url"].as_str()),
        (StatusCode::OK, Some("https://coast.example/feed.xml"))
    );
    let (status, off) = api
        .call(Method::PATCH, "/feeds/{id}", &[feed_id], Some(editor), Some(json!({"enabled": false})))
        .await;
    assert_eq!((status, off["state"].as_str()), (StatusCode::OK, Some("disabled")));
    let (status, _) = api.call(Method::POST, "/feeds/{id}/poll", &[feed_id], Some(editor), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a feed switched off is not polled");
    api.call(Method::PATCH, "/feeds/{id}", &[feed_id], Some(editor), Some(json!({"enabled": true}))).await;
    let before = chrono::Utc::now();
    let (status, due) = api.call(Method::POST, "/feeds/{id}/poll", &[feed_id], Some(editor), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let next: chrono::DateTime<Utc> = due["next_poll"].as_str().unwrap().parse().unwrap();
    assert!(next <= chrono::Utc::now() && next >= before - chrono::Duration::seconds(1), "due now: {next}");
}

/// Search, the caller, the audit log.
async fn search_me_and_audit(api: &Api<'_>, tokens: &Tokens) {
    let Tokens { reader, editor, admin, .. } = tokens;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let hits = loop {
        let (status, hits) = api.call(Method::GET, "/search?q=ferry&limit=1", &[], None, None).await;
        assert_eq!(status, StatusCode::OK);
        if hits["total"].as_u64() == Some(2) || std::time::Instant::now() > deadline {
            break hits;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(hits["total"], 2, "{hits}");
    assert!(hits["next_cursor"].is_string(), "a second page");
    let (status, _) = api.call(Method::GET, "/search", &[], None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no query");
    let (status, me) = api.call(Method::GET, "/me", &[], Some(reader), None).await;
    assert_eq!(
        (status, me["username"].as_str(), me["role"].as_str()),
        (StatusCode::OK, Some("rita"), Some("contributor"))
    );
    let (status, _) = api.call(Method::GET, "/me", &[], None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = api.call(Method::GET, "/audit", &[], Some(editor), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the audit log needs an admin token");
    let (status, log) = api.call(Method::GET, "/audit?limit=100", &[], Some(admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> =
        log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for wanted in [
        "token.create",
        "source.add",
        "source.edit",
        "feed.add",
        "feed.disable",
        "update.hide",
        "update.unhide",
        "update.delete",
    ] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
}

#[tokio::test]
async fn every_documented_operation_works_on_sqlite() {
    every_operation(TestApp::spawn_searchable_on(None, |_| {}).await).await;
}

#[tokio::test]
async fn every_documented_operation_works_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    every_operation(TestApp::spawn_searchable_on(Some(&url), |_| {}).await).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}

#[tokio::test]
async fn calls_past_the_rate_are_refused_with_when_to_retry() {
    let app = TestApp::spawn_with(|c| c.api.requests_per_minute = 60).await;
    let token = token(&app, "cora", Role::Contributor, TokenScope::Read).await;
    let client = TestApp::client();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = client.get(app.url("/api/v1/sources")).bearer_auth(&token).send().await.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
        }
        statuses.push(res.status());
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    // Another caller (no token: by address) has a rate of its own.
    let anonymous = client.get(app.url("/api/v1/sources")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::OK);
}

#[tokio::test]
async fn cors_is_off_unless_configured() {
    let preflight = |app: &TestApp| {
        TestApp::client()
            .request(Method::OPTIONS, app.url("/api/v1/articles"))
            .header("origin", "https://newsroom.example")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let closed = TestApp::spawn().await;
    let res = preflight(&closed).await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let open = TestApp::spawn_with(|c| c.api.cors_origins = vec!["https://newsroom.example".into()]).await;
    let res = preflight(&open).await.unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "https://newsroom.example");
    let other = TestApp::client()
        .get(open.url("/api/v1/articles"))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none(), "only the configured origin");
}

#[tokio::test]
async fn tokens_are_made_shown_once_used_and_revoked_on_the_account_page() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("cora").await;
    let page = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("You have no tokens."));
    assert!(!page.contains("<option value=\"admin\">"), "a contributor is not offered the admin scope");
    let made = browser
        .post(app.url("/account/tokens"))
        .form(&[
            ("csrf", form_token(&page).as_str()),
            ("label", "newsroom bot"),
            ("scope", "write"),
            ("password", "not the password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::BAD_REQUEST, "the session alone does not make a token");
    assert!(made.text().await.unwrap().contains("no token was made"));
    let made = browser
        .post(app.url("/account/tokens"))
        .form(&[
            ("csrf", form_token(&page).as_str()),
            ("label", "newsroom bot"),
            ("scope", "write"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::OK);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let shown = made.text().await.unwrap();
    let start = shown.find("value=\"fw_").expect("the token is shown") + "value=\"".len();
    let secret = shown[start..].split('"').next().unwrap().to_owned();
    let later = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(!later.contains(&secret), "shown only once");
    assert!(later.contains("newsroom bot") && later.contains(">never<"), "listed, never used");
    let me = TestApp::client().get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let later = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(!later.contains(">never<"), "its last use is shown");
    let id = app
        .store
        .api_tokens_for_user(app.store.user_by_name("cora").await.unwrap().unwrap().id)
        .await
        .unwrap()[0]
        .id;
    // Another reader cannot revoke it.
    let other = app.signed_in("mallory").await;
    let theirs = other.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let refused = other
        .post(app.url("/account/tokens/revoke"))
        .form(&[("csrf", form_token(&theirs).as_str()), ("token", &id.0.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let revoked = browser
        .post(app.url("/account/tokens/revoke"))
        .form(&[("csrf", form_token(&later).as_str()), ("token", &id.0.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let me = TestApp::client().get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "a revoked token no longer works");
    assert!(me.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    let listed = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("revoked"), "{listed}");
    let stored = app
        .store
        .api_tokens_for_user(app.store.user_by_name("cora").await.unwrap().unwrap().id)
        .await
        .unwrap();
    assert_ne!(stored[0].prefix.len(), secret.len(), "only a prefix is kept");
    let dump = std::fs::read(app.dir.path().join("freewire.db")).unwrap();
    assert!(
        !dump.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the secret is not in the database file"
    );
}

/// The Python that has `openapi-spec-validator`: `FREEWIRE_TEST_PYTHON` (set by `.ci/run`), else
/// `python3` if it has it.
fn python_with_validator() -> Option<String> {
    let candidate = std::env::var("FREEWIRE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&candidate)
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(candidate)
}

#[tokio::test]
async fn the_openapi_description_is_valid_openapi_3_1() {
    let Some(python) = python_with_validator() else {
        assert!(
            !freewire_store::testing::is_ci(),
            "CI must provide Python with openapi-spec-validator (FREEWIRE_TEST_PYTHON)"
        );
        eprintln!("skipped: no Python with openapi-spec-validator; set FREEWIRE_TEST_PYTHON");
        return;
    };
    let app = TestApp::spawn().await;
    let doc =
        TestApp::client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().text().await.unwrap();
    let path = app.dir.path().join("openapi.json");
    std::fs::write(&path, &doc).unwrap();
    let script = "import json, sys\n\
        from openapi_spec_validator import validate\n\
        from openapi_spec_validator.validation import OpenAPIV31SpecValidator\n\
        spec = json.load(open(sys.argv[1]))\n\
        validate(spec, cls=OpenAPIV31SpecValidator)\n\
        print('valid', spec['openapi'], len(spec['paths']))\n";
    let out = std::process::Command::new(&python)
        .args(["-c", script, &path.display().to_string()])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "openapi-spec-validator refused the description:\n{stdout}\n{stderr}");
    assert!(stdout.starts_with("valid 3.1"), "{stdout}");
    // And a broken description is refused, so the check can fail.
    let mut broken: Value = serde_json::from_str(&doc).unwrap();
    broken["paths"]["/articles"]["get"]["responses"] = json!("none");
    std::fs::write(&path, broken.to_string()).unwrap();
    let out = std::process::Command::new(&python)
        .args(["-c", script, &path.display().to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken description must be refused");
}

#[tokio::test]
async fn refusals_are_problems_and_token_holders_answers_stay_private() {
    let app = TestApp::spawn().await;
    let article = app.article().await;
    let editor = token(&app, "ed", Role::Editor, TokenScope::Read).await;
    let writer = token(&app, "cora", Role::Contributor, TokenScope::Write).await;
    let client = TestApp::client();
    let url = |path: &str| app.url(&format!("/api/v1{path}"));

    // What a token holder is shown is private to them; a visitor's answer may be shared.
    let res = client
        .get(url(&format!("/articles/{}/updates", article.id)))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    let vary: Vec<&str> = res.headers().get_all("vary").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(vary.contains(&"Authorization"), "{vary:?}");
    let res = client.get(url(&format!("/articles/{}/updates", article.id))).send().await.unwrap();
    assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("public"));

    // RFC 6750: a header that is not Bearer is a bad request; a narrow token names the scope.
    let res = client.get(url("/me")).header("authorization", "Basic YTpi").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().contains("invalid_request"));
    let res = client.get(url("/audit")).bearer_auth(&editor).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("insufficient_scope") && challenge.contains("scope=\"admin\""), "{challenge}");

    // Wrong method, broken JSON, a form that is not multipart: problems, every one.
    let res = client.delete(url("/articles")).send().await.unwrap();
    assert_eq!(json_of(res).await.0, StatusCode::METHOD_NOT_ALLOWED);
    let source = app.harbour_gazette().await;
    let res = client
        .patch(url(&format!("/sources/{}", source.id)))
        .bearer_auth(&writer)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(res).await.0, StatusCode::BAD_REQUEST);
    let res = client
        .post(url(&format!("/articles/{}/updates", article.id)))
        .bearer_auth(&writer)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(res).await.0, StatusCode::BAD_REQUEST);

    // A file larger than a plain request may be: the upload limit is the site's, as on the form.
    let mut big = pdf();
    big.resize(3 * 1024 * 1024, b' ');
    let form = Form::new()
        .text("note", "The full report.")
        .part("files", Part::bytes(big.clone()).file_name("report.pdf").mime_str("application/pdf").unwrap());
    let res = client
        .post(url(&format!("/articles/{}/updates", article.id)))
        .bearer_auth(&writer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, posted) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    assert_eq!(posted["files"][0]["size"], big.len());
}

#[tokio::test]
async fn a_flood_of_bad_tokens_is_slowed_by_address_before_any_lookup() {
    let app = TestApp::spawn_with(|c| c.api.requests_per_minute = 60).await;
    let client = TestApp::client();
    let mut statuses = Vec::new();
    for i in 0..40 {
        let res =
            client.get(app.url("/api/v1/articles")).bearer_auth(format!("fw_guess{i}")).send().await.unwrap();
        statuses.push(res.status());
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

/// How many of `calls` anonymous API calls, each claiming to be forwarded for the address
/// `forwarded(i)`, are refused for the rate.
async fn refused_calls(app: &TestApp, calls: usize, forwarded: impl Fn(usize) -> String) -> usize {
    let client = TestApp::client();
    let mut refused = 0;
    for i in 0..calls {
        let res = client
            .get(app.url("/api/v1/sources"))
            .header("x-forwarded-for", forwarded(i))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    refused
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_the_rate_counts_and_nobody_else_does() {
    // Nobody trusted: a client naming itself anew each call is still one address.
    let app = TestApp::spawn_with(|c| c.api.requests_per_minute = 60).await;
    assert!(refused_calls(&app, 40, |i| format!("203.0.113.{i}")).await > 0, "the header is not believed");
    // Behind our proxy: each forwarded client has its own rate, and one client is still held.
    let proxied = TestApp::spawn_with(|c| {
        c.api.requests_per_minute = 60;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    assert_eq!(refused_calls(&proxied, 40, |i| format!("203.0.113.{i}")).await, 0, "forty clients");
    assert!(refused_calls(&proxied, 40, |_| "198.51.100.1".into()).await > 0, "one client, forty calls");
    // A client that writes the header itself gains nothing: the proxy's hop is the one counted.
    let spoofed = refused_calls(&proxied, 40, |i| format!("192.0.2.{i}, 198.51.100.2")).await;
    assert!(spoofed > 0, "its own words come first and are not read");
}
