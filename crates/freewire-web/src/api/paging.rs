//! Cursor pagination: a list answers a page and an opaque `next_cursor` for the one after (also
//! as a `Link: <…>; rel="next"` header). Article lists page by the last article's place in the
//! newest-first order, so new articles arriving meanwhile neither repeat nor skip any; the
//! shorter lists (stories, the audit log, search hits) carry a page number in their cursor.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use freewire_core::ArticleId;
use serde::Serialize;

use super::problem::ApiError;

/// Items a page holds unless the call asks for another number.
pub(crate) const DEFAULT_LIMIT: u64 = 20;
/// The most a page holds.
pub(crate) const MAX_LIMIT: u64 = 100;

/// Where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// After this article in the newest-first order.
    After(DateTime<Utc>, ArticleId),
    /// Page number, from 1.
    Page(u64),
}

impl Cursor {
    /// The opaque form callers pass back.
    pub(crate) fn encode(self) -> String {
        let plain = match self {
            Cursor::After(at, id) => format!("a.{}.{}", at.timestamp_micros(), id.0),
            Cursor::Page(n) => format!("p.{n}"),
        };
        URL_SAFE_NO_PAD.encode(plain)
    }

    /// Reads a cursor this API gave out.
    pub(crate) fn decode(raw: &str) -> Result<Cursor, ApiError> {
        let bad =
            || ApiError::bad_request("The cursor is not one this API gave out; start again without it.");
        let plain = URL_SAFE_NO_PAD
            .decode(raw.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(bad)?;
        let parts: Vec<&str> = plain.split('.').collect();
        match parts.as_slice() {
            ["a", micros, id] => {
                let at =
                    micros.parse::<i64>().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad)?;
                Ok(Cursor::After(at, ArticleId(id.parse().map_err(|_| bad())?)))
            }
            ["p", n] => match n.parse::<u64>() {
                Ok(n) if (1..=freewire_core::PageRequest::MAX_NUMBER).contains(&n) => Ok(Cursor::Page(n)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }

    /// The cursor of the page after page `number` of a page-numbered list, if `more` follow.
    pub(crate) fn after_page(number: u64, more: bool) -> Option<String> {
        more.then(|| Cursor::Page(number + 1).encode())
    }

    /// The page number a page-numbered list starts at.
    pub(crate) fn page(cursor: Option<&str>) -> Result<u64, ApiError> {
        match cursor.map(Cursor::decode).transpose()? {
            None => Ok(1),
            Some(Cursor::Page(n)) => Ok(n),
            Some(Cursor::After(..)) => Err(ApiError::bad_request("This cursor belongs to another list.")),
        }
    }
}

/// A page size as asked for, within bounds.
pub(crate) fn limit(asked: Option<u64>) -> Result<u64, ApiError> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_request(format!("limit must be 1 to {MAX_LIMIT}, not {n}."))),
    }
}

/// A page as answered: the JSON, and a `Link` header to the next page (this call's address with
/// `next_cursor`) when there is one.
pub(crate) fn answer<T: Serialize>(uri: &axum::http::Uri, body: &T, next_cursor: Option<&str>) -> Response {
    let mut response = axum::Json(body).into_response();
    if let Some(cursor) = next_cursor
        && let Ok(value) =
            HeaderValue::from_str(&format!("<{}>; rel=\"next\"", next_link(uri.path(), uri.query(), cursor)))
    {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// The address of the next page: this call's own address with `cursor` replaced.
pub(crate) fn next_link(path: &str, query: Option<&str>, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.push(("cursor".to_owned(), cursor.to_owned()));
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{path}?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let at = DateTime::from_timestamp_micros(1_615_165_206_123_456).unwrap();
        for c in [Cursor::After(at, ArticleId(42)), Cursor::Page(3)] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
        for bad in ["", "x", "cC4w", &URL_SAFE_NO_PAD.encode("a.1.x"), &URL_SAFE_NO_PAD.encode("p.0")] {
            assert!(Cursor::decode(bad).is_err(), "{bad:?}");
        }
        assert!(Cursor::page(Some(&Cursor::After(at, ArticleId(1)).encode())).is_err());
        assert_eq!(Cursor::page(None).unwrap(), 1);
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
        assert!(limit(Some(0)).is_err() && limit(Some(MAX_LIMIT + 1)).is_err());
        assert_eq!(
            next_link("/api/v1/articles", Some("tag=a&cursor=old"), "new"),
            "/api/v1/articles?tag=a&cursor=new"
        );
    }
}
