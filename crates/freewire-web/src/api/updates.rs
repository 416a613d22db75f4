//! The timeline under an article: list it, post a note with files (multipart, the same use case
//! as the page's form), edit or delete one's own within the edit window, and hide or show one
//! (editors).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use freewire_app::Actor;
use freewire_app::updates::NewPost;
use freewire_core::{Role, TimelineEntry, TokenScope, UpdateId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::articles::published;
use super::auth::Caller;
use super::problem::{ApiError, Json, Multipart, Path, Problem};
use crate::state::AppState;
use crate::views::{AttachmentView, render_markdown};

/// A file on the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    /// Its id.
    pub id: i64,
    /// Where it is downloaded.
    pub url: String,
    /// A preview of an image, when there is one.
    pub thumbnail_url: Option<String>,
    /// The name it was uploaded with.
    pub name: String,
    /// Its type, decided from its bytes.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// An editor's hiding of an update.
#[derive(Debug, Serialize, ToSchema)]
pub struct HiddenView {
    /// When.
    pub at: DateTime<Utc>,
    /// Why, as readers see it.
    pub reason: String,
}

/// An update on an article's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateView {
    /// Its id.
    pub id: i64,
    /// The article it is under.
    pub article_id: i64,
    /// Who posted it.
    pub author: String,
    /// The note as written (Markdown); empty when hidden, except to editors.
    pub note: String,
    /// The note as HTML; empty when hidden, except to editors.
    pub note_html: String,
    /// When it was posted.
    pub created: DateTime<Utc>,
    /// When its author last changed it.
    pub edited: Option<DateTime<Utc>>,
    /// Set when an editor hid it.
    pub hidden: Option<HiddenView>,
    /// Its files; none when hidden, except to editors.
    pub files: Vec<FileView>,
}

impl UpdateView {
    pub(crate) fn new(state: &AppState, e: &TimelineEntry, editor: bool) -> Self {
        let visible = e.update.hidden.is_none() || editor;
        UpdateView {
            id: e.update.id.0,
            article_id: e.update.article_id.0,
            author: e.author.clone(),
            note: if visible { e.update.body.clone() } else { String::new() },
            note_html: if visible { render_markdown(&e.update.body) } else { String::new() },
            created: e.update.created_at,
            edited: e.update.edited_at,
            hidden: e.update.hidden.as_ref().map(|h| HiddenView { at: h.at, reason: h.reason.clone() }),
            files: if visible {
                e.attachments
                    .iter()
                    .map(|a| {
                        let view = AttachmentView::new(state, a);
                        FileView {
                            id: a.id.0,
                            url: state.urls().absolute(&AttachmentView::path(a)),
                            thumbnail_url: view
                                .thumbnail_url
                                .map(|_| state.urls().absolute(&format!("/thumbnails/{}", a.id))),
                            name: a.file_name.clone(),
                            media_type: a.media_type.clone(),
                            size: a.size,
                            sha256: a.sha256.clone(),
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// An article's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateList {
    /// Oldest first.
    pub items: Vec<UpdateView>,
}

/// List an article's updates
///
/// The timeline under an article, oldest first. Hidden updates show their reason only, except
/// to editors.
#[utoipa::path(
    get, path = "/articles/{id}/updates", tag = "updates",
    params(("id" = i64, Path, description = "The article's id")),
    responses(
        (status = 200, description = "The timeline", body = UpdateList),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_updates(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<UpdateList>, ApiError> {
    let found = published(&state, id).await?;
    let editor = caller.is_editor();
    let entries = state.store().timeline_for_article(found.article.id).await?;
    Ok(axum::Json(UpdateList { items: entries.iter().map(|e| UpdateView::new(&state, e, editor)).collect() }))
}

/// What a post sends, as `multipart/form-data`.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "documents the form the handler reads field by field")]
pub struct UpdateForm {
    /// The note (Markdown); may be empty when files come.
    note: Option<String>,
    /// Files: letters, transcripts, translations, pictures.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Option<Vec<Vec<u8>>>,
}

/// Post an update
///
/// A note and files under an article, as the page's form posts them. Needs `write`.
#[utoipa::path(
    post, path = "/articles/{id}/updates", tag = "updates",
    params(("id" = i64, Path, description = "The article's id")),
    request_body(content = UpdateForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Posted", body = UpdateView),
        (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's scope is read", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A file too large, or past the daily allowance", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A file of a kind the site does not take", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty or too long note", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn post_update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Multipart(form): Multipart,
) -> Result<Response, ApiError> {
    let author = caller.require(TokenScope::Write)?.clone();
    let article =
        freewire_app::updates::postable_article(state.store(), freewire_core::ArticleId(id)).await?;
    if let Err(wait) = state.limits().upload(state.store(), author.id.0).await? {
        return Err(ApiError::too_many(wait.0.as_secs()));
    }
    let (mut note, mut files) = (String::new(), Vec::new());
    let posted = match crate::updates::read_form(&state, None, form, &mut note, &mut files).await {
        Ok(()) => {
            let post = NewPost { note, files };
            let rules = &state.config().updates;
            freewire_app::updates::post_update(state.store(), state.blobs(), rules, &author, &article, post)
                .await
        }
        Err(e) => {
            freewire_app::updates::discard_all(files).await;
            Err(e)
        }
    }?;
    let entry = state
        .store()
        .update_by_id(posted.id)
        .await?
        .ok_or_else(|| ApiError::not_found("The update was removed at once."))?;
    let created = (StatusCode::CREATED, axum::Json(UpdateView::new(&state, &entry, caller.is_editor())));
    // Only this article's timeline changed: other articles' kept pages stay.
    let changed = vec![crate::page_cache::Changed::Article(article.article.id.0)];
    Ok(crate::page_cache::ChangedOnly::mark(changed, created.into_response()))
}

async fn entry(state: &AppState, id: UpdateId, editor: bool) -> Result<UpdateView, ApiError> {
    let entry = state
        .store()
        .update_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no update {id}.")))?;
    Ok(UpdateView::new(state, &entry, editor))
}

/// A new note.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteEdit {
    /// The note (Markdown).
    pub note: String,
}

/// Edit an update
///
/// Replaces the note of one's own update, within the edit window. Needs `write`.
#[utoipa::path(
    patch, path = "/updates/{id}", tag = "updates",
    params(("id" = i64, Path, description = "The update's id")),
    request_body = NoteEdit,
    responses(
        (status = 200, description = "Changed", body = UpdateView),
        (status = 403, description = "Not the author, or past the edit window", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such update", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn edit_update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(edit): Json<NoteEdit>,
) -> Result<axum::Json<UpdateView>, ApiError> {
    let who = caller.require(TokenScope::Write)?;
    freewire_app::updates::edit_update(state.store(), &state.config().updates, who, UpdateId(id), &edit.note)
        .await?;
    Ok(axum::Json(entry(&state, UpdateId(id), caller.is_editor()).await?))
}

/// Delete an update
///
/// Deletes one's own update, within the edit window, with the files no other update shares.
/// Needs `write`.
#[utoipa::path(
    delete, path = "/updates/{id}", tag = "updates",
    params(("id" = i64, Path, description = "The update's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the author, or past the edit window", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such update", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn delete_update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let who = caller.require(TokenScope::Write)?;
    freewire_app::updates::delete_update(
        state.store(),
        state.blobs().as_ref(),
        &state.config().updates,
        who,
        UpdateId(id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hides an update with `reason`, or shows it again (`None`): editors with a `write` token.
async fn moderate(
    state: &AppState,
    caller: &Caller,
    id: UpdateId,
    reason: Option<&str>,
) -> Result<axum::Json<UpdateView>, ApiError> {
    let refusal = if reason.is_some() {
        "Only editors can hide updates."
    } else {
        "Only editors can show hidden updates again."
    };
    let who = caller.require_role(TokenScope::Write, Role::Editor, refusal)?;
    freewire_app::updates::set_update_hidden(state.store(), Actor::User(who), id, reason).await?;
    Ok(axum::Json(entry(state, id, true).await?))
}

/// Why an update is hidden.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HideRequest {
    /// Readers see it in the update's place.
    pub reason: String,
}

/// Hide an update
///
/// Hides an update with a reason readers see. Editors, `write`; audited.
#[utoipa::path(
    post, path = "/updates/{id}/hide", tag = "updates",
    params(("id" = i64, Path, description = "The update's id")),
    request_body = HideRequest,
    responses(
        (status = 200, description = "Hidden", body = UpdateView),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn hide_update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(hide): Json<HideRequest>,
) -> Result<axum::Json<UpdateView>, ApiError> {
    moderate(&state, &caller, UpdateId(id), Some(&hide.reason)).await
}

/// Show a hidden update again
///
/// Editors, `write`; audited.
#[utoipa::path(
    post, path = "/updates/{id}/unhide", tag = "updates",
    params(("id" = i64, Path, description = "The update's id")),
    responses(
        (status = 200, description = "Shown again", body = UpdateView),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn unhide_update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<UpdateView>, ApiError> {
    moderate(&state, &caller, UpdateId(id), None).await
}
