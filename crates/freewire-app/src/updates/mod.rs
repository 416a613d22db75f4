//! The timeline under each article: signed-in readers post a note and files; authors edit or
//! delete their own within the edit window; editors hide any with a reason or show it again.
//! Every removal and moderation act is audited.
//!
//! Posting: the files arrive first ([`files::receive_file`], streamed into object storage),
//! then [`post_update`] checks the allowance, shares objects whose bytes are stored already,
//! makes previews of images, and stores the update with its attachments in one transaction.
//! Until that commits, every object written for the update is provisional: an error, or the
//! request going away, removes them.

pub mod files;
pub mod sweep;
pub mod thumbnail;

use std::sync::Arc;

use bytes::Bytes;
use chrono::{Duration, Utc};
use freewire_core::{
    ArticleId, ArticleStatus, ArticleWithSource, BlobStore, Hidden, NewAttachment, NewUpdate, Role, Store,
    TimelineEntry, Update, UpdateId, User,
};

use files::{Provisional, is_inline};
pub use files::{ReceivedFile, discard_all, human_size, receive_file};
use freewire_core::xml::strip_forbidden_chars;

use crate::{Actor, AppError};

/// Files one update may carry.
pub const MAX_FILES_PER_UPDATE: usize = 10;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 20_000;
/// The longest hiding reason kept.
pub const MAX_REASON_CHARS: usize = 500;
/// Images larger than this get no preview: decoding one means reading it whole.
pub const MAX_PREVIEW_SOURCE_BYTES: u64 = 16 * 1024 * 1024;

/// The site's rules for updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateRules {
    /// The largest file one upload may carry, in bytes.
    pub max_upload_bytes: u64,
    /// How many bytes of files one user may upload in 24 hours.
    pub daily_upload_quota_bytes: u64,
    /// How long after posting authors may edit or delete their own updates, in minutes.
    pub edit_window_minutes: i64,
}

impl Default for UpdateRules {
    fn default() -> Self {
        UpdateRules {
            max_upload_bytes: 25 * 1024 * 1024,
            daily_upload_quota_bytes: 500 * 1024 * 1024,
            edit_window_minutes: 60,
        }
    }
}

impl UpdateRules {
    /// Whether `who` may still edit or delete `entry`: their own, within the window, not hidden.
    #[must_use]
    pub fn may_amend(&self, who: Option<&User>, entry: &TimelineEntry) -> bool {
        who.is_some_and(|w| w.id == entry.update.author_id)
            && entry.update.hidden.is_none()
            && Utc::now() - entry.update.created_at <= Duration::minutes(self.edit_window_minutes)
    }
}

/// What a post carries.
#[derive(Debug)]
pub struct NewPost {
    /// The note, Markdown.
    pub note: String,
    /// Files already received for it.
    pub files: Vec<ReceivedFile>,
}

/// A note as stored: trimmed, and without the characters XML forbids (a note goes into the
/// article's `updates.atom`). Tabs and line breaks stay.
fn clean_note(note: &str) -> String {
    strip_forbidden_chars(note).trim().to_owned()
}

/// Refuses a note that is too long.
pub fn check_note(note: &str) -> Result<(), AppError> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::Invalid(format!(
            "The note is longer than {MAX_NOTE_CHARS} characters. Nothing was saved."
        )));
    }
    Ok(())
}

/// A published article, as found: what an update may be posted under. Only
/// [`postable_article`] makes one, so holding one means the check was made.
#[derive(Debug, Clone)]
pub struct PostableArticle(ArticleWithSource);

impl PostableArticle {
    /// The article itself.
    #[must_use]
    pub fn into_inner(self) -> ArticleWithSource {
        self.0
    }
}

impl std::ops::Deref for PostableArticle {
    type Target = ArticleWithSource;
    fn deref(&self) -> &ArticleWithSource {
        &self.0
    }
}

/// The published article an update may be posted under.
pub async fn postable_article(store: &dyn Store, id: ArticleId) -> Result<PostableArticle, AppError> {
    store
        .article_by_id(id)
        .await?
        .filter(|a| a.article.status == ArticleStatus::Published)
        .map(PostableArticle)
        .ok_or_else(|| AppError::NotFound(format!("There is no article {id}.")))
}

/// Posts an update under a postable article: the files must have been received; the
/// author's daily allowance is checked, identical bytes share one object, images get previews,
/// and the update is stored with its attachments in one transaction. On any error nothing
/// remains: neither rows nor the objects written for it (removed before this returns).
pub async fn post_update(
    store: &dyn Store,
    blobs: &Arc<dyn BlobStore>,
    rules: &UpdateRules,
    author: &User,
    article: &PostableArticle,
    post: NewPost,
) -> Result<Update, AppError> {
    // Every object written for the post, and whether the update keeps it.
    let mut objects: Vec<(Provisional, bool)> = Vec::new();
    let outcome = store_post(store, blobs, rules, author, article, post, &mut objects).await;
    for (object, kept) in objects {
        if kept && outcome.is_ok() {
            object.keep();
        } else {
            object.discard().await;
        }
    }
    if let Ok(update) = &outcome {
        tracing::info!(author = %author.username, update = update.id.0, "update posted");
    }
    outcome
}

/// [`post_update`]'s work; every object it receives or writes goes into `objects`, marked
/// `false` where the update does not keep it (a copy of bytes stored already).
async fn store_post(
    store: &dyn Store,
    blobs: &Arc<dyn BlobStore>,
    rules: &UpdateRules,
    author: &User,
    article: &PostableArticle,
    post: NewPost,
    objects: &mut Vec<(Provisional, bool)>,
) -> Result<Update, AppError> {
    let NewPost { note, files } = post;
    let incoming: u64 = files.iter().map(|f| f.size).sum();
    let count = files.len();
    let mut received = Vec::with_capacity(count);
    for ReceivedFile { object, name, size, sha256, media_type } in files {
        received.push((name, size, sha256, media_type));
        objects.push((object, true));
    }
    if count > MAX_FILES_PER_UPDATE {
        return Err(AppError::Invalid(format!(
            "An update can carry at most {MAX_FILES_PER_UPDATE} files. Nothing was saved."
        )));
    }
    let note = clean_note(&note);
    check_note(&note)?;
    if note.is_empty() && count == 0 {
        return Err(AppError::Invalid("Write a note or choose a file to upload.".into()));
    }
    check_allowance(store, rules, author, incoming).await?;
    let mut attachments = Vec::with_capacity(count);
    for (i, (name, size, sha256, media_type)) in received.into_iter().enumerate() {
        let key = objects[i].0.key().to_owned();
        // Identical bytes are stored once: a file someone uploaded before shares its object,
        // and the copy just received is removed.
        let (object_key, thumbnail_key) = if let Some(same) = store.attachment_by_sha256(&sha256).await? {
            objects[i].1 = false;
            (same.object_key, same.thumbnail_key)
        } else {
            let thumbnail = preview(blobs, &key, media_type, size).await?;
            let thumbnail_key = thumbnail.as_ref().map(|t| t.key().to_owned());
            objects.extend(thumbnail.map(|t| (t, true)));
            (key, thumbnail_key)
        };
        attachments.push(NewAttachment {
            object_key,
            file_name: name,
            media_type: media_type.to_owned(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            sha256,
            thumbnail_key,
        });
    }
    let bytes: u64 = attachments.iter().map(|a| u64::try_from(a.size).unwrap_or(0)).sum();
    let new = NewUpdate { article_id: article.article.id, author_id: author.id, body: note };
    let (update, _) = store.insert_update_with_attachments(new, attachments).await?;
    metrics::counter!("freewire_updates_posted_total").increment(1);
    metrics::counter!("freewire_upload_bytes_total").increment(bytes);
    Ok(update)
}

/// Refuses files that would take the author past the daily allowance.
pub async fn check_allowance(
    store: &dyn Store,
    rules: &UpdateRules,
    author: &User,
    incoming: u64,
) -> Result<(), AppError> {
    if incoming == 0 {
        return Ok(());
    }
    let since = Utc::now() - Duration::hours(24);
    let used = u64::try_from(store.upload_bytes_since(author.id, since).await?).unwrap_or(0);
    let quota = rules.daily_upload_quota_bytes;
    if used + incoming > quota {
        return Err(AppError::TooLarge(format!(
            "These files would take you past your upload allowance of {} a day ({} used in the last 24 hours). Nothing was saved.",
            human_size(quota),
            human_size(used)
        )));
    }
    Ok(())
}

/// A JPEG preview of a raster image, stored beside it; `None` for other files and for images
/// too large or broken to decode (the file itself is kept either way).
async fn preview(
    blobs: &Arc<dyn BlobStore>,
    key: &str,
    media_type: &str,
    size: u64,
) -> Result<Option<Provisional>, AppError> {
    if !is_inline(media_type) || size > MAX_PREVIEW_SOURCE_BYTES {
        return Ok(None);
    }
    let bytes = blobs.get(key).await?;
    let jpeg = tokio::task::spawn_blocking(move || thumbnail::make_thumbnail(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("making a preview was interrupted: {e}")))?;
    let Some(jpeg) = jpeg else { return Ok(None) };
    let thumb = format!("{key}.thumb.jpg");
    blobs.put(&thumb, Bytes::from(jpeg)).await?;
    Ok(Some(Provisional::new(blobs.clone(), thumb)))
}

/// An update by id.
async fn entry(store: &dyn Store, id: UpdateId) -> Result<TimelineEntry, AppError> {
    store.update_by_id(id).await?.ok_or_else(|| AppError::NotFound(format!("There is no update {id}.")))
}

/// The author's own update, still within the edit window; `verb` names the act refused.
async fn own_update(
    store: &dyn Store,
    rules: &UpdateRules,
    who: &User,
    id: UpdateId,
    verb: &str,
) -> Result<TimelineEntry, AppError> {
    let found = entry(store, id).await?;
    if !rules.may_amend(Some(who), &found) {
        return Err(AppError::Forbidden(format!(
            "Only the author can {verb} an update, within {} minutes of posting it.",
            rules.edit_window_minutes
        )));
    }
    Ok(found)
}

/// Replaces the note of the author's own update, within the edit window. Returns the update
/// as it was.
pub async fn edit_update(
    store: &dyn Store,
    rules: &UpdateRules,
    who: &User,
    id: UpdateId,
    note: &str,
) -> Result<TimelineEntry, AppError> {
    let found = own_update(store, rules, who, id, "change").await?;
    let note = clean_note(note);
    let note = note.as_str();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::Invalid(format!("A note can be at most {MAX_NOTE_CHARS} characters.")));
    }
    if note.is_empty() && found.attachments.is_empty() {
        return Err(AppError::Invalid("An update without files needs a note; delete it instead.".into()));
    }
    if !store.edit_update(found.update.id, note.to_owned(), Utc::now()).await? {
        return Err(AppError::Forbidden(
            "This update was hidden by an editor and can no longer be changed.".into(),
        ));
    }
    Ok(found)
}

/// Deletes the author's own update, within the edit window, with the files no other update
/// shares. Audited. Returns the update as it was.
pub async fn delete_update(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    rules: &UpdateRules,
    who: &User,
    id: UpdateId,
) -> Result<TimelineEntry, AppError> {
    let found = own_update(store, rules, who, id, "delete").await?;
    let article = store
        .article_by_id(found.update.article_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no article {}.", found.update.article_id)))?;
    let audit = freewire_core::NewAuditEntry {
        actor_id: who.id,
        action: "update.delete".into(),
        target: format!("update {} on {}", found.update.id, article.article.permalink.path()),
        detail: format!("{} file(s)", found.attachments.len()),
    };
    let keys = store.delete_update(found.update.id, audit).await?;
    for key in keys {
        if let Err(e) = blobs.delete(&key).await {
            // The row is gone; a leftover file is unreachable and only costs space.
            tracing::warn!(%key, error = %e, "could not remove a deleted update's file");
        }
    }
    Ok(found)
}

/// Hides an update with a reason readers see (`Some`), or shows it again (`None`). Editors,
/// audited. Returns the update as it was.
pub async fn set_update_hidden(
    store: &dyn Store,
    actor: Actor<'_>,
    id: UpdateId,
    reason: Option<&str>,
) -> Result<TimelineEntry, AppError> {
    let (Actor::User(who), true) = (actor, actor.has(Role::Editor)) else {
        return Err(AppError::Forbidden(
            if reason.is_some() {
                "Only editors can hide updates."
            } else {
                "Only editors can show hidden updates again."
            }
            .into(),
        ));
    };
    let reason = match reason {
        Some(r) => {
            let r: String = strip_forbidden_chars(r).trim().chars().take(MAX_REASON_CHARS).collect();
            if r.is_empty() {
                return Err(AppError::Invalid(
                    "Give a reason for hiding the update; readers will see it.".into(),
                ));
            }
            Some(r)
        }
        None => None,
    };
    let found = entry(store, id).await?;
    let audit = freewire_core::NewAuditEntry {
        actor_id: who.id,
        action: if reason.is_some() { "update.hide" } else { "update.unhide" }.into(),
        target: format!("update {} by {}", found.update.id, found.author),
        detail: reason.clone().unwrap_or_default(),
    };
    let hidden = reason.map(|reason| Hidden { at: Utc::now(), by: who.id, reason });
    store.set_update_hidden(found.update.id, hidden, audit).await?;
    Ok(found)
}
