//! Errors as `application/problem+json` (RFC 9457): every refusal of the API, whatever raised
//! it (a use case, a bad cursor, a malformed body, a missing token), has one shape.

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use freewire_app::AppError;
use freewire_core::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::WebError;

/// A problem detail (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The status's own words ("Not Found").
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time, and what would do.
    pub detail: String,
}

/// A refusal, answered as a [`Problem`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    /// The `WWW-Authenticate: Bearer` challenge's parameters (RFC 6750 §3), when one is owed:
    /// empty for a call that came without a token.
    challenge: Option<String>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// A problem with this status and detail.
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError { status, detail: detail.into(), challenge: None, retry_after: None }
    }

    /// 400.
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 404.
    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 401 with a challenge: `None` when no token came, `invalid_token` when a bad one did.
    pub(crate) fn unauthorized(detail: impl Into<String>, error: Option<&'static str>) -> Self {
        let challenge = error.map_or_else(String::new, |e| format!("error=\"{e}\""));
        ApiError { challenge: Some(challenge), ..Self::new(StatusCode::UNAUTHORIZED, detail) }
    }

    /// 400 for an `Authorization` header that is not `Bearer <token>` (RFC 6750 `invalid_request`).
    pub(crate) fn malformed_credentials(detail: impl Into<String>) -> Self {
        ApiError {
            challenge: Some("error=\"invalid_request\"".to_owned()),
            ..Self::new(StatusCode::BAD_REQUEST, detail)
        }
    }

    /// 403 for a token whose scope is narrower than the call's (RFC 6750 `insufficient_scope`).
    pub(crate) fn insufficient_scope(needed: freewire_core::TokenScope, detail: impl Into<String>) -> Self {
        ApiError {
            challenge: Some(format!("error=\"insufficient_scope\", scope=\"{needed}\"")),
            ..Self::new(StatusCode::FORBIDDEN, detail)
        }
    }

    /// 429 with how long to wait.
    pub(crate) fn too_many(wait_secs: u64) -> Self {
        ApiError {
            retry_after: Some(wait_secs.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many requests; try again in {} seconds.", wait_secs.max(1)),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = %self.status, detail = %self.detail, "API call failed");
        }
        let detail = if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            // The cause is in the log; the caller learns only that it was ours.
            "The server could not complete this call. Please try again later.".to_owned()
        } else {
            self.detail
        };
        let problem = Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(params) = self.challenge {
            let challenge = if params.is_empty() {
                "Bearer realm=\"freewire\"".to_owned()
            } else {
                format!("Bearer realm=\"freewire\", {params}")
            };
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        if let AppError::Store(store @ (StoreError::Unreachable { .. } | StoreError::Full { .. })) = e {
            return store.into();
        }
        if let AppError::Blob(freewire_core::BlobError::Full { context, message }) = &e {
            crate::error::log_disk_full("file storage", context, message);
            return Self::new(StatusCode::INSUFFICIENT_STORAGE, crate::error::DISK_FULL);
        }
        if let AppError::Blob(freewire_core::BlobError::Backend { context, message }) = &e {
            tracing::error!(context, %message, "file storage failed");
            return Self::new(StatusCode::SERVICE_UNAVAILABLE, crate::error::STORAGE_DOWN);
        }
        let status = match &e {
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self::new(status, e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if let StoreError::Full { context, message } = &e {
            crate::error::log_disk_full("database", context, message);
            return Self::new(StatusCode::INSUFFICIENT_STORAGE, crate::error::DISK_FULL);
        }
        if let StoreError::Unreachable { context, message } = &e {
            tracing::error!(context, %message, "the database cannot be reached");
            return Self::new(StatusCode::SERVICE_UNAVAILABLE, crate::error::DATABASE_DOWN);
        }
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        let status = e.status();
        let detail = match e {
            WebError::NotFound => "There is nothing at this address.".to_owned(),
            other => other.to_string(),
        };
        Self::new(status, detail)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        Self::new(e.status(), format!("The body could not be read as this call's JSON: {}", e.body_text()))
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(e: MultipartRejection) -> Self {
        Self::new(e.status(), format!("The body must be multipart/form-data: {}", e.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        Self::bad_request(format!("The query could not be read: {}", e.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> Self {
        Self::new(
            if e.status() == StatusCode::INTERNAL_SERVER_ERROR { e.status() } else { StatusCode::NOT_FOUND },
            format!("There is nothing at this address: {}", e.body_text()),
        )
    }
}

/// The body of a call, read as JSON; refusals are problems.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The query of a call; refusals are problems.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// The path's parameters; refusals are problems.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// A `multipart/form-data` body, read as it arrives; refusals are problems.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Multipart(axum::extract::Multipart::from_request(request, state).await?))
    }
}
