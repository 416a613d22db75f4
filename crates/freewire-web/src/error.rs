//! The web layer's error policy. Each variant says what status it answers with. Internal
//! errors are logged with their cause under an error id; the visitor sees only the id.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use freewire_core::{BlobError, StoreError};
use serde::Serialize;

use crate::frame::Frame;
use crate::state::AppState;

/// What went wrong with a request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 404: no such page.
    #[error("not found")]
    NotFound,
    /// 301: the page is now at this address (a renamed source's page, say).
    #[error("moved to {0}")]
    Moved(String),
    /// 410: the page was here and has been withdrawn; the notice says when and why.
    #[error("gone")]
    Gone(String),
    /// 400: the request makes no sense; the message says why.
    #[error("{0}")]
    BadRequest(String),
    /// 403: not allowed (no sign-in, a missing or stale form token).
    #[error("{0}")]
    Forbidden(String),
    /// 409: it exists already; the message says what.
    #[error("{0}")]
    Conflict(String),
    /// 413: too large (a file over the limit, past the daily allowance).
    #[error("{0}")]
    TooLarge(String),
    /// 415: a file of a kind the site does not take.
    #[error("{0}")]
    Unsupported(String),
    /// 503: a part of the site is not running here; the message says which.
    #[error("{0}")]
    Unavailable(String),
    /// 507: the server's disk is full, so what was sent could not be stored. 507 (RFC 4918:
    /// "unable to store the representation needed to complete the request", a condition
    /// "considered to be temporary") rather than 503: it names the cause, so a client knows
    /// to try later and an operator's alert says "free some space", not "restart something";
    /// and readiness stays with `/readyz`, so a full disk does not take a node off a load
    /// balancer that keeps on serving pages.
    #[error("{0}")]
    InsufficientStorage(String),
    /// 500: our fault; details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a reader is told when the database cannot be reached.
pub(crate) const DATABASE_DOWN: &str =
    "The site's database cannot be reached just now, so nothing was changed. Please try again in a moment.";

/// What a reader is told when the server's disk is full.
pub(crate) const DISK_FULL: &str = "The server's disk is full, so nothing was saved. Please try again later; \
     the site's administrators need to free some space first.";

/// Logs a full disk for the operator, with what was being written.
pub(crate) fn log_disk_full(part: &str, context: &str, message: &str) {
    tracing::error!(
        part,
        context,
        %message,
        "the disk is full: nothing was saved; free space under the data folder (or the storage's volume)"
    );
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        if let StoreError::Full { context, message } = &e {
            log_disk_full("database", context, message);
            return WebError::InsufficientStorage(DISK_FULL.to_owned());
        }
        if let StoreError::Unreachable { context, message } = &e {
            tracing::error!(context, %message, "the database cannot be reached");
            return WebError::Unavailable(DATABASE_DOWN.to_owned());
        }
        WebError::Internal(e.to_string())
    }
}

/// What a reader is told when the file storage cannot be reached.
pub(crate) const STORAGE_DOWN: &str =
    "The file storage cannot be reached just now, so nothing was saved. Please try again in a few minutes.";

impl From<freewire_app::AppError> for WebError {
    fn from(e: freewire_app::AppError) -> Self {
        use freewire_app::AppError;
        match e {
            AppError::Forbidden(m) => WebError::Forbidden(m),
            AppError::NotFound(_) => WebError::NotFound,
            AppError::Invalid(m) => WebError::BadRequest(m),
            AppError::Conflict(m) => WebError::Conflict(m),
            AppError::TooLarge(m) => WebError::TooLarge(m),
            AppError::Unsupported(m) => WebError::Unsupported(m),
            AppError::Store(e @ (StoreError::Unreachable { .. } | StoreError::Full { .. })) => e.into(),
            AppError::Blob(freewire_core::BlobError::Full { context, message }) => {
                log_disk_full("file storage", context, &message);
                WebError::InsufficientStorage(DISK_FULL.to_owned())
            }
            AppError::Blob(freewire_core::BlobError::Backend { context, message }) => {
                tracing::error!(context, %message, "file storage failed");
                WebError::Unavailable(STORAGE_DOWN.to_owned())
            }
            e @ (AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_)) => {
                WebError::Internal(e.to_string())
            }
        }
    }
}

impl WebError {
    /// The status this error answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Moved(_) => StatusCode::MOVED_PERMANENTLY,
            WebError::Gone(_) => StatusCode::GONE,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<BlobError> for WebError {
    fn from(e: BlobError) -> Self {
        if let BlobError::Full { context, message } = &e {
            log_disk_full("file storage", context, message);
            return WebError::InsufficientStorage(DISK_FULL.to_owned());
        }
        WebError::Internal(e.to_string())
    }
}

impl From<minijinja::Error> for WebError {
    fn from(e: minijinja::Error) -> Self {
        // The cause chain of a template error names the template and line.
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        WebError::Internal(msg)
    }
}

/// Carried on an error response until [`render_error_pages`] gives it a page.
#[derive(Debug, Clone)]
struct ErrorPage {
    heading: &'static str,
    message: String,
    error_id: Option<String>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (heading, message, error_id) = match self {
            // 301 rather than 308: every feed reader knows it, and only GETs are sent on. Kept a
            // day, not for ever: a source renamed back takes its old address again.
            WebError::Moved(to) => {
                let headers = [
                    (axum::http::header::LOCATION, to),
                    (axum::http::header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
                ];
                return (StatusCode::MOVED_PERMANENTLY, headers).into_response();
            }
            WebError::NotFound => (
                "Page not found",
                "There is no page at this address. It may have been mistyped.".to_owned(),
                None,
            ),
            WebError::Gone(notice) => ("Withdrawn", notice, None),
            WebError::BadRequest(m)
            | WebError::Conflict(m)
            | WebError::TooLarge(m)
            | WebError::Unsupported(m) => ("That did not work", m, None),
            WebError::Forbidden(m) => ("Not allowed", m, None),
            WebError::Unavailable(m) => ("Not available", m, None),
            WebError::InsufficientStorage(m) => ("Not saved", m, None),
            WebError::Internal(cause) => {
                let id = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(error_id = %id, %cause, "request failed");
                (
                    "Something went wrong",
                    "The server could not complete this request. Please try again; if it keeps \
                     happening, tell the site's administrators the error id below."
                        .to_owned(),
                    Some(id),
                )
            }
        };
        let mut response = (status, message.clone()).into_response();
        response.extensions_mut().insert(ErrorPage { heading, message, error_id });
        response
    }
}

#[derive(Serialize)]
struct ErrorContext<'a> {
    frame: Frame,
    heading: &'a str,
    message: &'a str,
    error_id: Option<&'a str>,
    status: u16,
}

/// Gives error responses the site's page, with its navigation and stylesheet.
pub(crate) async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let viewer = request.extensions().get::<crate::viewer::Viewer>().and_then(|v| v.0.clone());
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let status = response.status();
    let ctx = ErrorContext {
        frame: Frame::new(&state, viewer.as_ref(), page.heading),
        heading: page.heading,
        message: &page.message,
        error_id: page.error_id.as_deref(),
        status: status.as_u16(),
    };
    match state.templates().render("error.html", ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the error page itself failed to render");
            (status, page.message).into_response()
        }
    }
}
