//! Who is asking: the signed-in reader a request's session names, or an anonymous visitor.
//! `account::load_viewer` puts a [`Viewer`] on every request; handlers and middleware take it
//! from there.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use freewire_core::{Session, User};

/// A signed-in visitor.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Their session (with its form token).
    pub session: Session,
    /// Who they are.
    pub user: User,
}

/// Who is asking: a signed-in user, or an anonymous visitor (`None`).
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<SignedIn>);

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Viewer>().cloned().unwrap_or(Viewer(None)))
    }
}
