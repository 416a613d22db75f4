//! Who the token is, and the audit log.

use axum::extract::{OriginalUri, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use freewire_core::{PageRequest, Role, TokenScope};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::paging::{self, Cursor};
use super::problem::{ApiError, Problem, Query};
use super::reading::PageQuery;
use crate::state::AppState;

/// The account a token stands for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The username.
    pub username: String,
    /// `contributor`, `editor` or `admin`.
    pub role: String,
}

/// Who am I
///
/// The account the token stands for. Any token.
#[utoipa::path(
    get, path = "/me", tag = "account",
    responses(
        (status = 200, description = "The token's account", body = Me),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn me(caller: Caller) -> Result<axum::Json<Me>, ApiError> {
    let user = caller.require(TokenScope::Read)?;
    Ok(axum::Json(Me { username: user.username.clone(), role: user.role.to_string() }))
}

/// One act in the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`operator` for the command line).
    pub actor: String,
    /// What (`update.hide`, `source.edit`, `token.create` …).
    pub action: String,
    /// To what.
    pub target: String,
    /// The reason or the change.
    pub detail: String,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<AuditView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Read the audit log
///
/// What editors and administrators did, newest first. Editors and administrators, `admin`.
#[utoipa::path(
    get, path = "/audit", tag = "account", params(PageQuery),
    responses(
        (status = 200, description = "A page of the log", body = AuditPage),
        (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token, or not an editor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    caller.require_role(
        TokenScope::Admin,
        Role::Editor,
        "Only editors and administrators read the audit log.",
    )?;
    let limit = paging::limit(q.limit)?;
    let number = Cursor::page(q.cursor.as_deref())?;
    let page = state.store().list_audit(PageRequest::new(number, limit)).await?;
    let next_cursor = Cursor::after_page(number, number < page.page_count());
    let body = AuditPage {
        items: page
            .items
            .into_iter()
            .map(|e| AuditView {
                at: e.at,
                actor: if e.actor_id == freewire_core::UserId::OPERATOR {
                    "operator".to_owned()
                } else {
                    e.actor
                },
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
        next_cursor,
    };
    Ok(paging::answer(&uri, &body, body.next_cursor.as_deref()))
}
