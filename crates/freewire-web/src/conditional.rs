//! HTTP caching for the public pages and feeds: a strong `ETag` over the body, answered with
//! `304 Not Modified` when the client has it already; `Last-Modified` where a handler knows
//! when its content last changed; `Cache-Control` that lets shared caches keep anonymous pages
//! briefly but never a signed-in reader's page (it carries their name and form token).

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// Bodies larger than this are sent without an `ETag` (hashing them would mean holding them).
const MAX_HASHED_BYTES: usize = 16 * 1024 * 1024;

/// How long an anonymous page may be reused without asking again.
const PUBLIC_MAX_AGE: &str = "public, max-age=60";
/// Signed-in pages: only the browser keeps them, and checks each time.
const PRIVATE: &str = "private, no-cache";

/// The `Last-Modified` value for a time (IMF-fixdate).
#[must_use]
pub(crate) fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A `Last-Modified` header for a response.
pub(crate) fn last_modified(t: DateTime<Utc>) -> (header::HeaderName, String) {
    (header::LAST_MODIFIED, http_date(t))
}

/// The strong `ETag` of a body: its 128-bit XXH3, quoted. A tag only has to tell this
/// address's versions apart, with no secret to keep and nothing to gain by forging one (a
/// client that did would only keep its own stale copy), so a fast non-cryptographic hash
/// serves: SHA-256 of every signed-in page was a twentieth of its time. The same body gives
/// the same tag in every process, as a load balancer across many needs.
#[must_use]
pub(crate) fn etag_of(body: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(body))
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value).ok().map(|t| t.with_timezone(&Utc))
}

/// Whether the response is one the middleware validates: a successful GET of a page or feed.
fn cacheable(method: &Method, response: &Response) -> bool {
    if (method != Method::GET && method != Method::HEAD) || response.status() != StatusCode::OK {
        return false;
    }
    let Some(kind) = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    ["text/html", "application/xml", "application/rss+xml", "application/atom+xml", "application/feed+json"]
        .iter()
        .any(|t| kind.starts_with(t))
        || kind.starts_with("text/plain")
        || kind.starts_with("application/json")
        || kind.starts_with("application/x-bibtex")
        || kind.starts_with("application/x-research-info-systems")
        || kind.starts_with("application/vnd.citationstyles.csl+json")
}

/// Adds validators and `Cache-Control` to public responses and answers conditional requests.
pub(crate) async fn conditional_get(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let signed_in = request.extensions().get::<crate::viewer::Viewer>().is_some_and(|v| v.0.is_some());
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let if_modified_since = request
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    let response = next.run(request).await;
    if !cacheable(&method, &response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // A kept page comes with its tag; anything else is hashed here.
    let existing = parts.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (etag, body) = if let Some(etag) = existing {
        (etag, body)
    } else {
        let Ok(bytes) = axum::body::to_bytes(body, MAX_HASHED_BYTES).await else {
            // Too large to hash: it was streamed through untouched up to the limit, so it cannot
            // be sent now; this only happens for bodies we never produce on these routes.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let etag = etag_of(&bytes);
        if let Ok(value) = HeaderValue::from_str(&etag) {
            parts.headers.insert(header::ETAG, value);
        }
        (etag, Body::from(bytes))
    };
    parts.headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(if signed_in {
        PRIVATE
    } else {
        PUBLIC_MAX_AGE
    }));
    // The same address shows a signed-in reader their name and form: caches keep them apart.
    parts.headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    let not_modified = match (if_none_match, if_modified_since) {
        (Some(tags), _) => tags.to_str().is_ok_and(|tags| {
            tags.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag)
        }),
        (None, Some(since)) => parts
            .headers
            .get(header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
            .is_some_and(|modified| modified <= since),
        (None, None) => false,
    };
    if not_modified {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn http_dates_round_trip() {
        let t = Utc.with_ymd_and_hms(2021, 3, 8, 1, 13, 26).unwrap();
        assert_eq!(http_date(t), "Mon, 08 Mar 2021 01:13:26 GMT");
        assert_eq!(parse_http_date(&http_date(t)), Some(t));
    }
}
