//! The signed-in user's own page: change the password, see every session (browser, when it
//! started) and end any of them, and make, see and revoke API tokens.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use freewire_app::tokens::IssuedToken;
use freewire_app::{Actor, AppError, accounts, tokens};
use freewire_core::password::{MIN_PASSWORD_LEN, verify_password};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::frame::Frame;
use crate::guard::signed_in;
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};
use crate::views::TimeView;

/// How much of a session's hash identifies it on the page: enough to be unique, and no help
/// to anyone (the hash cannot sign in; only the cookie's token can).
const SESSION_REF_LEN: usize = 16;

#[derive(Serialize)]
struct SessionRow {
    reference: String,
    started: TimeView,
    expires: TimeView,
    browser: String,
    current: bool,
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    label: String,
    scope: &'static str,
    prefix: String,
    created: TimeView,
    last_used: Option<TimeView>,
    revoked: Option<TimeView>,
}

/// A token just made, shown this once.
#[derive(Serialize)]
struct NewToken<'a> {
    label: &'a str,
    secret: &'a str,
}

#[derive(Serialize)]
struct AccountPage<'a> {
    frame: Frame,
    username: String,
    role: String,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    new_token: Option<NewToken<'a>>,
    may_admin_scope: bool,
    min_password: usize,
    totp_on: bool,
    error: Option<&'a str>,
    notice: Option<&'a str>,
}

async fn account_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    error: Option<&str>,
    notice: Option<&str>,
) -> Result<Response, WebError> {
    render_account(state, who, status, error, notice, None).await
}

async fn render_account(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    error: Option<&str>,
    notice: Option<&str>,
    issued: Option<&IssuedToken>,
) -> Result<Response, WebError> {
    let sessions = state.store().sessions_for_user(who.user.id, Utc::now()).await?;
    let tokens = state.store().api_tokens_for_user(who.user.id).await?;
    let ctx = AccountPage {
        frame: Frame::new(state, Some(who), "Your account"),
        username: who.user.username.clone(),
        role: who.user.role.to_string(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionRow {
                reference: s.token_hash.chars().take(SESSION_REF_LEN).collect(),
                started: TimeView::new(s.created_at),
                expires: TimeView::new(s.expires_at),
                browser: s.user_agent.unwrap_or_else(|| "unknown browser".to_owned()),
                current: s.token_hash == who.session.token_hash,
            })
            .collect(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id.0,
                label: t.label,
                scope: t.scope.as_str(),
                prefix: t.prefix,
                created: TimeView::new(t.created_at),
                last_used: t.last_used_at.map(TimeView::new),
                revoked: t.revoked_at.map(TimeView::new),
            })
            .collect(),
        new_token: issued.map(|i| NewToken { label: &i.token.label, secret: &i.secret }),
        may_admin_scope: who.user.role >= freewire_core::Role::Editor,
        min_password: MIN_PASSWORD_LEN,
        totp_on: who.user.totp_secret.is_some(),
        error,
        notice,
    };
    Ok((status, Html(state.templates().render("account.html", ctx)?)).into_response())
}

/// GET /account
pub async fn show_account(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
) -> Result<Response, WebError> {
    let who = signed_in(viewer)?;
    account_page(&state, &who, StatusCode::OK, None, None).await
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

/// POST /account/password — needs the current password; ends every other session.
pub async fn change_password(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    let refuse = |msg: &'static str| account_page(&state, &who, StatusCode::BAD_REQUEST, Some(msg), None);
    if form.new != form.repeat {
        return refuse("The new password and its repetition differ.").await;
    }
    if !password_is_right(&who, form.current).await? {
        return refuse("The current password is not right.").await;
    }
    match accounts::set_password(state.store(), who.user.id, form.new, Some(&who.session.token_hash)).await {
        Err(AppError::Invalid(why)) => {
            account_page(&state, &who, StatusCode::BAD_REQUEST, Some(&why), None).await
        }
        Err(e) => Err(e.into()),
        Ok(ended) => {
            tracing::info!(username = %who.user.username, ended, "password changed");
            account_page(
                &state,
                &who,
                StatusCode::OK,
                None,
                Some("Your password is changed. Your other sessions have ended."),
            )
            .await
        }
    }
}

/// The revoke button.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf: String,
    session: String,
}

/// POST /account/sessions/revoke — ends one of the user's own sessions.
pub async fn revoke_session(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    let sessions = state.store().sessions_for_user(who.user.id, Utc::now()).await?;
    let target = sessions
        .into_iter()
        .find(|s| form.session.len() == SESSION_REF_LEN && s.token_hash.starts_with(&form.session))
        .ok_or(WebError::NotFound)?;
    state.store().delete_session(&target.token_hash).await?;
    if target.token_hash == who.session.token_hash {
        return Ok(Redirect::to(&state.link("/")).into_response());
    }
    Ok(Redirect::to(&state.link("/account")).into_response())
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    csrf: String,
    label: String,
    scope: String,
    /// The account's password: a token outlives the session, so the session alone (a cookie
    /// someone else got hold of) does not make one.
    password: String,
}

/// Whether `password` is the signed-in person's, checked off the async threads.
async fn password_is_right(who: &SignedIn, password: String) -> Result<bool, WebError> {
    let phc = who.user.password_hash.clone();
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| WebError::Internal(format!("password check interrupted: {e}")))
}

/// POST /account/tokens — makes an API token and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    let scope = form.scope.parse().map_err(WebError::BadRequest)?;
    if !password_is_right(&who, form.password).await? {
        let message = "The password is not right; no token was made.";
        return render_account(&state, &who, StatusCode::BAD_REQUEST, Some(message), None, None).await;
    }
    match tokens::create_token(state.store(), Actor::User(&who.user), &who.user, &form.label, scope).await {
        Ok(issued) => {
            let notice = "Your token is made. Copy it now: it is shown only this once.";
            let mut response =
                render_account(&state, &who, StatusCode::OK, None, Some(notice), Some(&issued)).await?;
            // The page holds a secret: never kept by a cache or the browser's history cache.
            response
                .headers_mut()
                .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::TooLarge(_))) => {
            let message = e.to_string();
            render_account(&state, &who, StatusCode::BAD_REQUEST, Some(&message), None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The revoke-token button.
#[derive(Debug, Deserialize)]
pub struct RevokeTokenForm {
    csrf: String,
    token: i64,
}

/// POST /account/tokens/revoke — revokes one of the user's own tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<RevokeTokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    tokens::revoke_token(
        state.store(),
        Actor::User(&who.user),
        &who.user,
        freewire_core::ApiTokenId(form.token),
    )
    .await?;
    Ok(Redirect::to(&state.link("/account")).into_response())
}
