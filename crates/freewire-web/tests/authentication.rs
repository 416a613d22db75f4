//! Signing in and staying signed in, against OWASP ASVS 4.0.3 level 2 (see SECURITY.md):
//! what a new password must be, the session cookie's attributes over HTTPS, and how long a
//! session lasts used and unused.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

mod common;

use common::*;
use freewire_core::password::{random_token, token_hash};
use freewire_core::{Session, User};

/// ASVS 2.1.1, 2.1.2, 2.1.7: at least 12 characters, at most 128, none of the leaked ones
/// guessers try first; at registration and at a change alike.
#[tokio::test]
async fn new_passwords_must_be_twelve_to_128_characters_and_not_well_known() {
    let app = TestApp::spawn_with(|c| c.registration = freewire_core::Registration::Open).await;
    let register = |password: String| {
        let app = &app;
        async move {
            let client = TestApp::client();
            let html = client.get(app.url("/register")).send().await.unwrap().text().await.unwrap();
            let csrf = form_token(&html);
            let res = client
                .post(app.url("/register"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "newcomer"),
                    ("password", &password),
                    ("repeat", &password),
                ])
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let (status, page) = register("elevenchars".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("at least 12 characters"), "{page}");
    let (status, page) = register("Password1234".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("among the first that attackers guess"), "{page}");
    let (status, page) = register("x".repeat(129)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("at most 128 characters"), "{page}");
    assert!(app.store.user_by_name("newcomer").await.unwrap().is_none(), "no account was made");
    let (status, _) =
        register("a passphrase of exactly sixty-four characters, spaces and all...".into()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a long passphrase is welcome");

    let client = app.signed_in("cora").await;
    let html = client.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = form_token(&html);
    let res = client
        .post(app.url("/account/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", PASSWORD),
            ("new", "qwertyuiop123"),
            ("repeat", "qwertyuiop123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("among the first that attackers guess"));
    assert_eq!(
        app.login(&TestApp::client(), "cora", "qwertyuiop123").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// The `Set-Cookie` header of `response` for the cookie `name`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// ASVS 3.4.1 to 3.4.5: over HTTPS the session cookie is `Secure`, `HttpOnly`, `SameSite`,
/// for the whole site and no other host (`__Host-`), and only that name signs anyone in.
#[tokio::test]
async fn over_https_the_session_cookie_is_host_only_secure_and_unreadable_by_scripts() {
    let app = TestApp::spawn_with(|c| c.base_url = url::Url::parse("https://news.example/").unwrap()).await;
    app.add_user("cora", Role::Contributor).await;
    // A client that keeps no cookies: a `Secure` cookie is sent back by hand over the test's HTTP.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(app.url("/login")).send().await.unwrap();
    let login_cookie = set_cookie(&form, "fw_login_csrf").expect("the sign-in form sets its token");
    let login_cookie = login_cookie.split(';').next().unwrap().to_owned();
    let html = form.text().await.unwrap();
    let res = client
        .post(app.url("/login"))
        .header("cookie", &login_cookie)
        .form(&[("username", "cora"), ("password", PASSWORD), ("csrf", &form_token(&html)), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(set_cookie(&res, "fw_session"), None, "not under the plain name");
    let cookie = set_cookie(&res, "__Host-fw_session").expect("the session cookie is host-prefixed");
    let attributes: Vec<String> = cookie.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
    for wanted in ["secure", "httponly", "samesite=lax", "path=/"] {
        assert!(attributes.iter().any(|a| a == wanted), "{wanted} in {cookie}");
    }
    assert!(!attributes.iter().any(|a| a.starts_with("domain=")), "no domain: this host only: {cookie}");

    let pair = cookie.split(';').next().unwrap().to_owned();
    let token = pair.split_once('=').unwrap().1.to_owned();
    let account = client.get(app.url("/account")).header("cookie", &pair).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK, "the session signs in under its name");
    let plain =
        client.get(app.url("/account")).header("cookie", format!("fw_session={token}")).send().await.unwrap();
    assert_eq!(
        plain.status(),
        StatusCode::FORBIDDEN,
        "a cookie planted under the plain name counts for nothing"
    );
}

/// A session of `user`'s made in the store, as if signed in at `created_at` and last moved on
/// to end at `expires_at`: its cookie's token.
async fn stored_session(
    app: &TestApp,
    user: &User,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> String {
    let token = random_token();
    app.store
        .insert_session(Session {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token(),
            created_at,
            expires_at,
            user_agent: None,
            pending_second_factor: false,
        })
        .await
        .unwrap();
    token
}

/// ASVS 3.3.2: a sign-in left alone ends after the idle period (30 minutes unless configured);
/// one in use is moved on each time, but never past its absolute end (`session_days`).
#[tokio::test]
async fn a_session_ends_when_left_idle_and_in_any_case_after_its_days() {
    let app = TestApp::spawn().await;
    let _browser = app.signed_in("cora").await;
    let cora = app.store.user_by_name("cora").await.unwrap().unwrap();
    let signed_in = app.store.sessions_for_user(cora.id, Utc::now()).await.unwrap();
    let left = signed_in[0].expires_at - Utc::now();
    assert!(
        left <= Duration::minutes(30) && left > Duration::minutes(29),
        "a new sign-in lasts 30 idle minutes: {left}"
    );

    let account = |token: String| {
        let app = &app;
        async move {
            reqwest::Client::new()
                .get(app.url("/account"))
                .header("cookie", format!("fw_session={token}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let ends = |token: String| {
        let app = &app;
        async move {
            app.store
                .session_by_token_hash(&token_hash(&token), Utc::now())
                .await
                .unwrap()
                .unwrap()
                .0
                .expires_at
        }
    };
    let now = Utc::now();
    // Used 20 minutes after its last request: another 30 minutes from now.
    let active = stored_session(&app, &cora, now - Duration::hours(3), now + Duration::minutes(10)).await;
    assert_eq!(account(active.clone()).await, StatusCode::OK);
    assert!(ends(active).await - Utc::now() > Duration::minutes(29), "a session in use is moved on");
    // Near its absolute end: used, it still ends then.
    let created = now - Duration::days(30) + Duration::minutes(5);
    let old = stored_session(&app, &cora, created, now + Duration::minutes(3)).await;
    assert_eq!(account(old.clone()).await, StatusCode::OK);
    let end = ends(old).await;
    assert!(
        end > now + Duration::minutes(4) && end <= created + Duration::days(30),
        "never past 30 days: {end}"
    );
    // Left alone past its idle period: over, whenever it began.
    let idle = stored_session(&app, &cora, now - Duration::hours(1), now - Duration::seconds(1)).await;
    assert_eq!(account(idle).await, StatusCode::FORBIDDEN);
}
