//! Who calls: the account an `Authorization: Bearer` token stands for, with the token's scope.
//! The API never reads the session cookie: a browser's cookies cannot make a call on a reader's
//! behalf, so the API needs no form tokens.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use freewire_core::{ApiToken, Role, TokenScope, User};

use super::problem::ApiError;
use crate::state::AppState;

/// The caller: a token's account, or nobody (public reads).
#[derive(Debug, Clone)]
pub struct Caller(Option<(ApiToken, User)>);

impl Caller {
    /// The account, if a token came.
    #[must_use]
    pub fn user(&self) -> Option<&User> {
        self.0.as_ref().map(|(_, u)| u)
    }

    /// The account of a token with at least `scope`: 401 without a token, 403 when its scope is
    /// narrower.
    pub fn require(&self, scope: TokenScope) -> Result<&User, ApiError> {
        let Some((token, user)) = &self.0 else {
            return Err(ApiError::unauthorized(
                "This call needs an API token: send `Authorization: Bearer <token>`. Make one on your \
                 account page or with `freewire user token`.",
                None,
            ));
        };
        if token.scope < scope {
            return Err(ApiError::insufficient_scope(
                scope,
                format!("This token's scope is {}; this call needs {scope}.", token.scope),
            ));
        }
        Ok(user)
    }

    /// [`Caller::require`], and an account of at least `role`.
    pub fn require_role(&self, scope: TokenScope, role: Role, refusal: &str) -> Result<&User, ApiError> {
        let user = self.require(scope)?;
        if user.role < role {
            return Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, refusal));
        }
        Ok(user)
    }

    /// Whether the caller's account moderates (sees hidden updates' notes).
    #[must_use]
    pub fn is_editor(&self) -> bool {
        self.user().is_some_and(|u| u.role >= Role::Editor)
    }
}

/// The secret of an `Authorization: Bearer` header; `Err` for another scheme.
fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().unwrap_or_default().trim();
    match value.split_once(' ') {
        Some((scheme, secret)) if scheme.eq_ignore_ascii_case("bearer") && !secret.trim().is_empty() => {
            Ok(Some(secret.trim()))
        }
        _ => Err(ApiError::malformed_credentials("The Authorization header must be `Bearer <token>`.")),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let Some(secret) = bearer(parts)? else {
            return Ok(Caller(None));
        };
        let found = freewire_app::tokens::authenticate(state.store(), secret).await?;
        let Some(found) = found else {
            return Err(ApiError::unauthorized(
                "This token is not valid: it may have been revoked, or mistyped.",
                Some("invalid_token"),
            ));
        };
        let caller = Caller(Some(found));
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}
