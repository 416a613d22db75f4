//! After posting: authors edit or delete their own updates within the edit window; editors
//! hide any update with a reason (it stays on the timeline, shown as hidden) or show it again.
//! Every moderation act and every removal goes to the audit log, which editors read.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use freewire_app::{Actor, updates};
use freewire_core::{PageRequest, TimelineEntry, UpdateId};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::frame::Frame;
use crate::guard::TokenForm;
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::views::TimeView;

/// The edit form.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    csrf: String,
    note: String,
}

/// Back to the update on its article's page.
async fn back_to(state: &AppState, entry: &TimelineEntry, anchor: &str) -> Result<Response, WebError> {
    let article = state.store().article_by_id(entry.update.article_id).await?.ok_or(WebError::NotFound)?;
    let path = format!("/{}/#{anchor}", article.article.permalink.path());
    // Only this article's timeline changed: other articles' kept pages stay.
    let changed = vec![crate::page_cache::Changed::Article(article.article.id.0)];
    Ok(crate::page_cache::ChangedOnly::mark(changed, Redirect::to(&state.link(&path)).into_response()))
}

/// POST /updates/{id}/edit — the author, within the edit window.
pub async fn edit_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    let found =
        updates::edit_update(state.store(), &state.config().updates, &who.user, UpdateId(id), &form.note)
            .await?;
    back_to(&state, &found, &format!("update-{id}")).await
}

/// POST /updates/{id}/delete — the author, within the edit window.
pub async fn delete_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::signed_in_form(&state, viewer, &headers, &form.csrf)?;
    let found = updates::delete_update(
        state.store(),
        state.blobs().as_ref(),
        &state.config().updates,
        &who.user,
        UpdateId(id),
    )
    .await?;
    back_to(&state, &found, "updates").await
}

/// The hide form.
#[derive(Debug, Deserialize)]
pub struct HideForm {
    csrf: String,
    reason: String,
}

/// POST /updates/{id}/hide — editors only, with a reason.
pub async fn hide_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<HideForm>,
) -> Result<Response, WebError> {
    let who =
        crate::guard::editor_form(&state, viewer, &headers, &form.csrf, "Only editors can hide updates.")?;
    let found =
        updates::set_update_hidden(state.store(), Actor::User(&who.user), UpdateId(id), Some(&form.reason))
            .await?;
    back_to(&state, &found, &format!("update-{id}")).await
}

/// POST /updates/{id}/unhide — editors only.
pub async fn unhide_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor_form(
        &state,
        viewer,
        &headers,
        &form.csrf,
        "Only editors can show hidden updates again.",
    )?;
    let found = updates::set_update_hidden(state.store(), Actor::User(&who.user), UpdateId(id), None).await?;
    back_to(&state, &found, &format!("update-{id}")).await
}

#[derive(Serialize)]
struct AuditRow {
    at: TimeView,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

#[derive(Serialize)]
struct AuditPage {
    frame: Frame,
    rows: Vec<AuditRow>,
    page: u64,
    page_count: u64,
}

/// `?page=N`
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    page: Option<u64>,
}

/// GET /admin/audit — editors read the log of moderation acts.
pub async fn show_audit(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can read the audit log.")?;
    let page = state.store().list_audit(PageRequest::new(q.page.unwrap_or(1), 50)).await?;
    let ctx = AuditPage {
        frame: Frame::new(&state, Some(&who), "Audit log"),
        page: page.number,
        page_count: page.page_count(),
        rows: page
            .items
            .into_iter()
            .map(|e| AuditRow {
                at: TimeView::new(e.at),
                actor: e.actor,
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
    };
    Ok(Html(state.templates().render("admin_audit.html", ctx)?).into_response())
}
