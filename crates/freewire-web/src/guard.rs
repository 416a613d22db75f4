//! The checks every state-changing handler for signed-in people starts with: who is asking,
//! whether they may, and whether the form came from our page.

use axum::http::HeaderMap;
use freewire_core::Role;
use serde::Deserialize;

use crate::error::WebError;
use crate::security::{same_origin, tokens_match};
use crate::state::AppState;
use crate::viewer::SignedIn;

/// A form with only its token (buttons that act on what their address names).
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    pub(crate) csrf: String,
}

/// The signed-in person, or a refusal asking them to sign in.
pub(crate) fn signed_in(viewer: Option<SignedIn>) -> Result<SignedIn, WebError> {
    viewer.ok_or_else(|| WebError::Forbidden("Please log in first.".into()))
}

/// An editor or administrator; `refusal` says what others may not do.
pub(crate) fn editor(viewer: Option<SignedIn>, refusal: &str) -> Result<SignedIn, WebError> {
    match viewer {
        Some(v) if v.user.role >= Role::Editor => Ok(v),
        _ => Err(WebError::Forbidden(refusal.to_owned())),
    }
}

/// An editor or administrator who sent a form of ours: [`editor`] then [`check_form`].
pub(crate) fn editor_form(
    state: &AppState,
    viewer: Option<SignedIn>,
    headers: &HeaderMap,
    token: &str,
    refusal: &str,
) -> Result<SignedIn, WebError> {
    let who = editor(viewer, refusal)?;
    check_form(state, &who, headers, token)?;
    Ok(who)
}

/// A signed-in person who sent a form of ours: [`signed_in`] then [`check_form`].
pub(crate) fn signed_in_form(
    state: &AppState,
    viewer: Option<SignedIn>,
    headers: &HeaderMap,
    token: &str,
) -> Result<SignedIn, WebError> {
    let who = signed_in(viewer)?;
    check_form(state, &who, headers, token)?;
    Ok(who)
}

/// The form came from one of our pages in this session: same origin, right token.
pub(crate) fn check_form(
    state: &AppState,
    who: &SignedIn,
    headers: &HeaderMap,
    token: &str,
) -> Result<(), WebError> {
    if same_origin(state, headers) && tokens_match(&who.session.csrf_token, token) {
        Ok(())
    } else {
        Err(WebError::Forbidden("This form had expired. Please reload the page and try again.".into()))
    }
}

/// Whether `who` moderates (editors and administrators).
pub(crate) fn is_editor(who: Option<&SignedIn>) -> bool {
    who.is_some_and(|w| w.user.role >= Role::Editor)
}
