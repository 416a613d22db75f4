//! Headers that protect every response, and the form-token checks behind CSRF protection.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

use crate::state::AppState;

/// Pages with the image proxy on: our own stylesheet, images from the site only (bodies'
/// pictures come through `/img/…`, update previews from `/thumbnails/…`; no page writes a
/// `data:` image, and stored bodies cannot hold one: the sanitiser keeps `http`, `https` and
/// `mailto` addresses only), no scripts but our own, never framed.
const PAGE_CSP: &str = "default-src 'self'; img-src 'self'; media-src 'self' https:; \
     style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// The same with the image proxy off: images from anywhere over HTTPS, as bodies then link the
/// outlets' pictures directly.
const PAGE_CSP_OUTLET_IMAGES: &str = "default-src 'self'; img-src 'self' https: data:; \
     media-src 'self' https:; style-src 'self'; script-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Sets the protective headers on every response that has not set its own.
pub(crate) async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = if state.config().images.proxy { PAGE_CSP } else { PAGE_CSP_OUTLET_IMAGES };
    let defaults: [(HeaderName, &str); 5] = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
    ];
    for (name, value) in defaults {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if state.secure_cookies() {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// Whether a submitted form token matches the expected one, compared in constant time.
#[must_use]
pub(crate) fn tokens_match(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && expected.as_bytes().ct_eq(submitted.as_bytes()).into()
}

/// Whether a state-changing request comes from our own pages. Browsers send `Origin` on
/// every cross-site POST; when it is there it must be ours. The form token is checked
/// besides, for clients that send no `Origin`.
#[must_use]
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let ours = state.urls().origin();
    if origin == ours {
        return true;
    }
    // Reached directly (a test, a local demo) rather than through the public address.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
}

pub(crate) use freewire_core::password::{random_token, token_hash};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_match_exactly_and_not_be_empty() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
        assert!(!tokens_match("", ""));
    }

    #[test]
    fn random_tokens_differ_and_hash_to_hex() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
