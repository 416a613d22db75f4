//! Two-factor sign-in: turning it on (a secret for the authenticator app, confirmed by a
//! first code, then recovery codes shown once), asking for the code after the password, and
//! turning it off (with the password).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use freewire_core::password::verify_password;
use freewire_core::totp;
use serde::{Deserialize, Serialize};

use super::{NextQuery, PendingSignIn, local_next, start_session};
use crate::error::WebError;
use crate::frame::Frame;
use crate::guard::TokenForm;
use crate::security::{same_origin, tokens_match};
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

#[derive(Serialize)]
struct CodePage<'a> {
    frame: Frame,
    csrf: &'a str,
    next: &'a str,
    error: Option<&'a str>,
}

fn code_page(
    state: &AppState,
    pending: &SignedIn,
    next: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let ctx = CodePage {
        frame: Frame::new(state, None, "Two-factor sign-in"),
        csrf: &pending.session.csrf_token,
        next,
        error,
    };
    Ok((status, Html(state.templates().render("second_factor.html", ctx)?)).into_response())
}

/// GET /login/second-factor
pub async fn show_code_form(
    State(state): State<AppState>,
    pending: Option<axum::Extension<PendingSignIn>>,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let next = local_next(&state, q.next.as_deref());
    let Some(axum::Extension(PendingSignIn(pending))) = pending else {
        return Ok(Redirect::to(&state.link("/login")).into_response());
    };
    code_page(&state, &pending, &next, StatusCode::OK, None)
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
    next: Option<String>,
}

/// POST /login/second-factor — a code from the app, or a recovery code.
pub async fn submit_code(
    State(state): State<AppState>,
    pending: Option<axum::Extension<PendingSignIn>>,
    crate::client::ClientAddress(client): crate::client::ClientAddress,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let next = local_next(&state, form.next.as_deref());
    let Some(axum::Extension(PendingSignIn(pending))) = pending else {
        return Ok(Redirect::to(&state.link("/login")).into_response());
    };
    if !same_origin(&state, &headers) || !tokens_match(&pending.session.csrf_token, &form.csrf) {
        return Err(WebError::Forbidden("This form had expired. Please sign in again.".into()));
    }
    // Codes are guessable in a million tries: the same limits as passwords apply.
    if let Err(wait) = state.limits().sign_in(state.store(), client, &pending.user.username).await? {
        let msg =
            format!("Too many attempts. Please wait {} seconds and try again.", wait.0.as_secs().max(1));
        return code_page(&state, &pending, &next, StatusCode::TOO_MANY_REQUESTS, Some(&msg));
    }
    let code = form.code.trim();
    let by_app =
        pending.user.totp_secret.as_deref().is_some_and(|secret| totp::verify(secret, code, unix_now()));
    let by_recovery = !by_app
        && code.contains('-')
        && state.store().use_recovery_code(pending.user.id, &totp::hash_recovery_code(code)).await?;
    if !(by_app || by_recovery) {
        tracing::info!(username = %pending.user.username, "wrong second factor");
        return code_page(&state, &pending, &next, StatusCode::UNAUTHORIZED, Some("That code is not right."));
    }
    let jar = start_session(&state, jar, &headers, &pending.user, false).await?;
    tracing::info!(username = %pending.user.username, recovery = by_recovery, "signed in with a second factor");
    Ok((jar, Redirect::to(&next)).into_response())
}

#[derive(Serialize)]
struct SetupPage<'a> {
    frame: Frame,
    secret: &'a str,
    otpauth: String,
    error: Option<&'a str>,
    recovery_codes: Vec<String>,
}

fn setup_page(
    state: &AppState,
    who: &SignedIn,
    secret: &str,
    status: StatusCode,
    error: Option<&str>,
    recovery_codes: Vec<String>,
) -> Result<Response, WebError> {
    let ctx = SetupPage {
        frame: Frame::new(state, Some(who), "Two-factor sign-in"),
        otpauth: totp::otpauth_uri(&state.config().site_name, &who.user.username, secret),
        secret,
        error,
        recovery_codes,
    };
    Ok((status, Html(state.templates().render("totp_setup.html", ctx)?)).into_response())
}

/// POST /account/totp/setup — a new secret to enter in the app.
pub async fn start_setup(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    setup_page(&state, &who, &totp::generate_secret(), StatusCode::OK, None, Vec::new())
}

/// The confirmation form: the secret being set up and the app's first code.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    secret: String,
    code: String,
}

/// POST /account/totp/confirm — turns two-factor sign-in on once the app's code matches, and
/// shows the recovery codes, once.
pub async fn confirm_setup(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    if !totp::verify(&form.secret, &form.code, unix_now()) {
        return setup_page(
            &state,
            &who,
            &form.secret,
            StatusCode::BAD_REQUEST,
            Some("That code does not match. Check the app's clock and try the next code."),
            Vec::new(),
        );
    }
    let codes = totp::generate_recovery_codes();
    let hashes = codes.iter().map(|c| totp::hash_recovery_code(c)).collect();
    state.store().enable_totp(who.user.id, form.secret.clone(), hashes).await?;
    tracing::info!(username = %who.user.username, "two-factor sign-in turned on");
    setup_page(&state, &who, "", StatusCode::OK, None, codes)
}

/// The form that turns it off.
#[derive(Debug, Deserialize)]
pub struct DisableForm {
    csrf: String,
    password: String,
}

/// POST /account/totp/disable — needs the password.
pub async fn disable(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<DisableForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    let phc = who.user.password_hash.clone();
    let password = form.password;
    let _slot = state.hashing().acquire().await.map_err(|e| WebError::Internal(e.to_string()))?;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| WebError::Internal(format!("password check interrupted: {e}")))?;
    if !ok {
        return Err(WebError::Forbidden("The password is not right; two-factor sign-in stays on.".into()));
    }
    state.store().disable_totp(who.user.id).await?;
    Ok(Redirect::to(&state.link("/account")).into_response())
}
