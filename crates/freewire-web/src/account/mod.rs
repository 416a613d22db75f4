//! Signing in and out, and knowing who is signed in.
//!
//! A session is a random token in an `HttpOnly`, `SameSite=Lax` cookie (`Secure`, and named
//! with the `__Host-` prefix, when the site is served over HTTPS from its root); the store keeps
//! only its sha256 with the session's form token, so a copy of the database lets no one in. The sign-in form, which has no session yet, is
//! protected by a double-submit token: a random cookie the form must echo.

pub mod register;
pub mod second_factor;
pub mod settings;

use std::sync::LazyLock;

use axum::Form;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{Duration, Utc};
use freewire_core::password::{generate_password, hash_password, verify_password};
use freewire_core::{Session, User};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::frame::Frame;
use crate::security::{random_token, same_origin, token_hash, tokens_match};
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};
use crate::views::url_encode;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fw_session";
/// Its name over HTTPS at the site's root: browsers take a `__Host-` cookie only when it is
/// `Secure`, has `Path=/` and names no domain, so neither a sibling subdomain nor a plain-HTTP
/// page can plant or overwrite it (OWASP ASVS 3.4.4).
pub const HOST_SESSION_COOKIE: &str = "__Host-fw_session";

/// The session cookie's name on this site.
pub(crate) fn session_cookie_name(state: &AppState) -> &'static str {
    if state.secure_cookies() && state.urls().prefix().is_empty() {
        HOST_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
/// The sign-in form's double-submit cookie.
const LOGIN_CSRF_COOKIE: &str = "fw_login_csrf";

/// How long a session looked up is taken as it was, without asking the store again.
const SESSION_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(2);
/// Sessions kept at most (one per reader active in the last seconds).
const SESSIONS_KEPT: usize = 16_384;

/// Sessions looked up in the last [`SESSION_KEPT_FOR`], by their token's hash, stamped with
/// the changes made through this process (`PageCache::local_changes`).
///
/// A signed-in reader's page would otherwise ask the store twice (the session, its user)
/// before anything else. Anything changed through this process (a sign-out, a new password,
/// a role: every successful form post) moves the stamp, so every kept session is out of date
/// at once, as the kept pages are; a change made by another process (another replica, the
/// command line) is seen here within [`SESSION_KEPT_FOR`].
pub(crate) type KeptSessions =
    quick_cache::sync::Cache<String, std::sync::Arc<crate::page_cache::Kept<SignedIn>>>;

/// No sessions kept yet.
pub(crate) fn kept_sessions() -> KeptSessions {
    quick_cache::sync::Cache::new(SESSIONS_KEPT)
}

/// Looks up the session a request's cookie names, if it is live, and keeps it alive for
/// another idle period (see [`session_end`]).
pub(crate) async fn viewer_of(state: &AppState, headers: &HeaderMap) -> Option<SignedIn> {
    let jar = CookieJar::from_headers(headers);
    let token = jar.get(session_cookie_name(state))?.value();
    let hash = token_hash(token);
    let now = Utc::now();
    // Stamped before the store is asked: a change made meanwhile leaves what it finds out of date.
    let stamp = state.pages().local_changes();
    if let Some(kept) =
        crate::page_cache::fresh(state.sessions(), &hash, stamp, SESSION_KEPT_FOR, state.pages().touched())
        && kept.value().session.expires_at > now
    {
        return Some(kept.value().clone());
    }
    let mut signed_in = match state.store().session_by_token_hash(&hash, now).await {
        Ok(found) => found.map(|(session, user)| SignedIn { session, user })?,
        Err(e) => {
            // A store failure must not sign anyone in; the visitor sees the site anonymously.
            tracing::error!(error = %e, "looking up a session failed");
            return None;
        }
    };
    let session = &mut signed_in.session;
    let end = session_end(state, session.created_at, now);
    // A half-signed-in session keeps its few minutes; a full one is moved on at most once a
    // minute, so that a page with many requests writes once.
    if !session.pending_second_factor && end - session.expires_at >= Duration::minutes(1) {
        match state.store().touch_session(&session.token_hash, end).await {
            Ok(_) => session.expires_at = end,
            // The session stays valid until its old end; it is not worth refusing the page.
            Err(e) => tracing::warn!(error = %e, "keeping a session alive failed"),
        }
    }
    state.sessions().insert(hash, crate::page_cache::Kept::new(stamp, signed_in.clone()));
    Some(signed_in)
}

/// When a session used at `now` ends unless used again: an idle period on, but never past
/// its absolute end (OWASP ASVS 3.3.2: a sign-in ends when left alone, and in any case).
fn session_end(
    state: &AppState,
    created_at: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
) -> chrono::DateTime<Utc> {
    let config = state.config();
    (now + Duration::minutes(config.session_idle_minutes))
        .min(created_at + Duration::days(config.session_days))
}

/// Someone whose password was right and who still owes the second factor.
#[derive(Debug, Clone)]
pub struct PendingSignIn(pub SignedIn);

/// Resolves the visitor once per request, for the handlers and the error pages. A session
/// still waiting for its second factor signs no one in.
pub(crate) async fn load_viewer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match viewer_of(&state, request.headers()).await {
        Some(half) if half.session.pending_second_factor => {
            request.extensions_mut().insert(PendingSignIn(half));
            request.extensions_mut().insert(Viewer(None));
        }
        viewer => {
            request.extensions_mut().insert(Viewer(viewer));
        }
    }
    next.run(request).await
}

/// Starts a session for `user` (a new token: a session id planted before sign-in is worth
/// nothing) and ends the one the browser had.
pub(crate) async fn start_session(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    user: &User,
    pending_second_factor: bool,
) -> Result<CookieJar, WebError> {
    if let Some(old) = jar.get(session_cookie_name(state)) {
        state.store().delete_session(&token_hash(old.value())).await?;
    }
    let token = random_token();
    let now = Utc::now();
    // A half-signed-in session lasts only as long as typing a code takes; a full one, an idle
    // period at first (each use moves it on), and its cookie as long as it could last.
    let (expires_at, lifetime) = if pending_second_factor {
        (now + Duration::minutes(10), Duration::minutes(10))
    } else {
        (session_end(state, now, now), Duration::days(state.config().session_days))
    };
    state
        .store()
        .insert_session(Session {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token(),
            created_at: now,
            expires_at,
            user_agent: headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect()),
            pending_second_factor,
        })
        .await?;
    Ok(jar.add(session_cookie(state, token, lifetime)))
}

fn session_cookie(state: &AppState, value: String, max_age: Duration) -> Cookie<'static> {
    let path =
        if state.urls().prefix().is_empty() { "/".to_owned() } else { state.urls().prefix().to_owned() };
    Cookie::build((session_cookie_name(state), value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies())
        .path(path)
        .max_age(cookie::time::Duration::seconds(max_age.num_seconds()))
        .build()
}

/// `?next=` on the sign-in page: where to go afterwards. Only paths on this site are
/// followed, so the form cannot be used to send people elsewhere.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub(crate) next: Option<String>,
}

pub(crate) fn local_next(state: &AppState, next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would be "//evil…".
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => state.link("/"),
    }
}

#[derive(Serialize)]
struct LoginPage<'a> {
    frame: Frame,
    csrf: &'a str,
    next: &'a str,
    username: &'a str,
    error: Option<&'a str>,
}

fn login_page(
    state: &AppState,
    jar: CookieJar,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let token = random_token();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies())
        .path(state.link("/login"))
        .build();
    let html = state.templates().render(
        "login.html",
        LoginPage { frame: Frame::new(state, None, "Log in"), csrf: &token, next, username, error },
    )?;
    Ok((status, jar.add(cookie), Html(html)).into_response())
}

/// GET /login
pub async fn show_login(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let next = local_next(&state, q.next.as_deref());
    if viewer.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    login_page(&state, jar, StatusCode::OK, &next, "", None)
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// A hash to verify against when the username is unknown, so that a wrong name takes as long
/// to refuse as a wrong password and names cannot be probed by timing.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&generate_password()).unwrap_or_default());

/// POST /login
pub async fn submit_login(
    State(state): State<AppState>,
    crate::client::ClientAddress(client): crate::client::ClientAddress,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = local_next(&state, form.next.as_deref());
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !same_origin(&state, &headers) || !tokens_match(&expected, &form.csrf) {
        return login_page(
            &state,
            jar,
            StatusCode::FORBIDDEN,
            &next,
            &form.username,
            Some("This form had expired. Please try again."),
        );
    }
    let username = form.username.trim().to_owned();
    if let Err(wait) = state.limits().sign_in(state.store(), client, &username).await? {
        tracing::warn!(%username, address = %client, "sign-in rate limit");
        let secs = wait.0.as_secs().max(1);
        let mut response = login_page(
            &state,
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            &username,
            Some(&format!("Too many sign-in attempts. Please wait {secs} seconds and try again.")),
        )?;
        if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let user = state.store().user_by_name(&username).await?;
    let phc = user.as_ref().map_or_else(|| DECOY_HASH.clone(), |u| u.password_hash.clone());
    let password = form.password;
    // argon2 is deliberately slow and memory-hungry: keep it off the async threads, and run
    // only as many at once as there are cores, so a flood of attempts queues, not balloons.
    let _slot = state
        .hashing()
        .acquire()
        .await
        .map_err(|e| WebError::Internal(format!("password check unavailable: {e}")))?;
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| WebError::Internal(format!("password check interrupted: {e}")))?;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!(%username, "failed sign-in");
        return login_page(
            &state,
            jar,
            StatusCode::UNAUTHORIZED,
            &next,
            &username,
            Some("Wrong username or password."),
        );
    };

    let jar = jar.remove(Cookie::build(LOGIN_CSRF_COOKIE).path(state.link("/login")));
    if user.totp_secret.is_some() {
        let jar = start_session(&state, jar, &headers, &user, true).await?;
        let to = format!("{}?next={}", state.link("/login/second-factor"), url_encode(&next));
        return Ok((jar, Redirect::to(&to)).into_response());
    }
    let jar = start_session(&state, jar, &headers, &user, false).await?;
    tracing::info!(username = %user.username, "signed in");
    Ok((jar, Redirect::to(&next)).into_response())
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// POST /logout
pub async fn submit_logout(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response, WebError> {
    let Some(signed_in) = viewer else {
        return Ok(Redirect::to(&state.link("/")).into_response());
    };
    if !same_origin(&state, &headers) || !tokens_match(&signed_in.session.csrf_token, &form.csrf) {
        return Err(WebError::Forbidden(
            "This form had expired. Please reload the page and try again.".into(),
        ));
    }
    state.store().delete_session(&signed_in.session.token_hash).await?;
    let jar = jar.add(session_cookie(&state, String::new(), Duration::zero()));
    Ok((jar, Redirect::to(&state.link("/"))).into_response())
}
