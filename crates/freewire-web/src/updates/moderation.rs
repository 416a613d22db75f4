//! After posting: authors edit or delete their own updates within the edit window; editors
//! hide any update with a reason (it stays on the timeline, shown as hidden) or show it again.
//! Every moderation act and every removal goes to the audit log, which editors read.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use freewire_core::{Hidden, NewAuditEntry, PageRequest, Role, TimelineEntry, UpdateId};
use serde::{Deserialize, Serialize};

use crate::account::{SignedIn, Viewer};
use crate::error::WebError;
use crate::frame::Frame;
use crate::guard::{check_form, signed_in};
use crate::site::TimeView;
use crate::state::AppState;

/// The longest hiding reason kept.
const MAX_REASON_CHARS: usize = 500;

/// Whether `who` may still edit or delete `entry`: their own, within the window, not hidden.
pub(crate) fn can_amend(state: &AppState, who: Option<&SignedIn>, entry: &TimelineEntry) -> bool {
    let window = Duration::minutes(state.config().edit_window_minutes);
    who.is_some_and(|w| w.user.id == entry.update.author_id)
        && entry.update.hidden.is_none()
        && Utc::now() - entry.update.created_at <= window
}

/// Whether `who` moderates.
pub(crate) fn is_editor(who: Option<&SignedIn>) -> bool {
    who.is_some_and(|w| w.user.role >= Role::Editor)
}

/// Back to the update on its article's page.
async fn back_to(state: &AppState, entry: &TimelineEntry) -> Result<Response, WebError> {
    let article = state.store().article_by_id(entry.update.article_id).await?.ok_or(WebError::NotFound)?;
    let path = format!("/{}/#update-{}", article.article.permalink.path(), entry.update.id);
    Ok(Redirect::to(&state.link(&path)).into_response())
}

async fn entry(state: &AppState, id: i64) -> Result<TimelineEntry, WebError> {
    state.store().update_by_id(UpdateId(id)).await?.ok_or(WebError::NotFound)
}

/// The signed-in author's own update, still within the edit window, from a form of ours;
/// `verb` names the refused act.
async fn own_update(
    state: &AppState,
    viewer: Option<SignedIn>,
    headers: &HeaderMap,
    token: &str,
    id: i64,
    verb: &str,
) -> Result<(SignedIn, TimelineEntry), WebError> {
    let who = signed_in(viewer)?;
    check_form(state, &who, headers, token)?;
    let found = entry(state, id).await?;
    if !can_amend(state, Some(&who), &found) {
        return Err(WebError::Forbidden(format!(
            "Only the author can {verb} an update, within {} minutes of posting it.",
            state.config().edit_window_minutes
        )));
    }
    Ok((who, found))
}

/// The edit form.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    csrf: String,
    note: String,
}

/// POST /updates/{id}/edit
pub async fn edit_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    let (_who, found) = own_update(&state, viewer, &headers, &form.csrf, id, "change").await?;
    let note = form.note.trim();
    if note.chars().count() > super::MAX_NOTE_CHARS {
        return Err(WebError::BadRequest(format!(
            "A note can be at most {} characters.",
            super::MAX_NOTE_CHARS
        )));
    }
    if note.is_empty() && found.attachments.is_empty() {
        return Err(WebError::BadRequest("An update without files needs a note; delete it instead.".into()));
    }
    if !state.store().edit_update(found.update.id, note.to_owned(), Utc::now()).await? {
        return Err(WebError::Forbidden(
            "This update was hidden by an editor and can no longer be changed.".into(),
        ));
    }
    back_to(&state, &found).await
}

/// A form that carries only its token.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    csrf: String,
}

/// POST /updates/{id}/delete
pub async fn delete_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let (who, found) = own_update(&state, viewer, &headers, &form.csrf, id, "delete").await?;
    let article = state.store().article_by_id(found.update.article_id).await?.ok_or(WebError::NotFound)?;
    let audit = NewAuditEntry {
        actor_id: who.user.id,
        action: "update.delete".into(),
        target: format!("update {} on {}", found.update.id, article.article.permalink.path()),
        detail: format!("{} file(s)", found.attachments.len()),
    };
    let keys = state.store().delete_update(found.update.id, audit).await?;
    for key in keys {
        if let Err(e) = state.blobs().delete(&key).await {
            // The row is gone; a leftover file is unreachable and only costs space.
            tracing::warn!(%key, error = %e, "could not remove a deleted update's file");
        }
    }
    let path = format!("/{}/#updates", article.article.permalink.path());
    Ok(Redirect::to(&state.link(&path)).into_response())
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
    let who = crate::guard::editor(viewer, "Only editors can hide updates.")?;
    check_form(&state, &who, &headers, &form.csrf)?;
    let reason: String = form.reason.trim().chars().take(MAX_REASON_CHARS).collect();
    if reason.is_empty() {
        return Err(WebError::BadRequest("Give a reason for hiding the update; readers will see it.".into()));
    }
    let found = entry(&state, id).await?;
    let hidden = Hidden { at: Utc::now(), by: who.user.id, reason: reason.clone() };
    let audit = NewAuditEntry {
        actor_id: who.user.id,
        action: "update.hide".into(),
        target: format!("update {} by {}", found.update.id, found.author),
        detail: reason,
    };
    state.store().set_update_hidden(found.update.id, Some(hidden), audit).await?;
    back_to(&state, &found).await
}

/// POST /updates/{id}/unhide — editors only.
pub async fn unhide_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can show hidden updates again.")?;
    check_form(&state, &who, &headers, &form.csrf)?;
    let found = entry(&state, id).await?;
    let audit = NewAuditEntry {
        actor_id: who.user.id,
        action: "update.unhide".into(),
        target: format!("update {} by {}", found.update.id, found.author),
        detail: String::new(),
    };
    state.store().set_update_hidden(found.update.id, None, audit).await?;
    back_to(&state, &found).await
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
