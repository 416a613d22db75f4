//! [`TimelineStore`]: what contributors add to an article after it is republished: updates,
//! the files attached to them, and their moderation.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::{
    ArticleId, Attachment, AttachmentId, Hidden, NewAttachment, NewAuditEntry, NewUpdate, TimelineEntry,
    Update, UpdateId, UserId,
};

/// Article timelines (updates and attachments), behind use-case shaped, atomic calls.
#[async_trait]
pub trait TimelineStore: Send + Sync {
    /// Posts an update with its attachments in one transaction;
    /// [`StoreError::Missing`] when the article or the author is gone.
    async fn insert_update_with_attachments(
        &self,
        update: NewUpdate,
        attachments: Vec<NewAttachment>,
    ) -> Result<(Update, Vec<Attachment>), StoreError>;
    /// Bytes of files a user has attached to updates since `since` (for the daily quota).
    async fn upload_bytes_since(&self, user: UserId, since: DateTime<Utc>) -> Result<i64, StoreError>;
    /// An article's timeline, newest first.
    async fn timeline_for_article(&self, id: ArticleId) -> Result<Vec<TimelineEntry>, StoreError>;
    /// The timelines of several articles in one read (indexing them), each newest first.
    async fn timelines_for_articles(&self, ids: &[ArticleId]) -> Result<Vec<TimelineEntry>, StoreError>;
    /// An attachment with these bytes (by sha256), to share its stored object.
    async fn attachment_by_sha256(&self, sha256: &str) -> Result<Option<Attachment>, StoreError>;
    /// Which of `keys` an attachment uses, as its file or its preview (the rest are objects no
    /// update holds: left by an upload cut short, free to remove once old enough).
    async fn referenced_object_keys(
        &self,
        keys: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError>;
    /// An attachment by id.
    async fn attachment_by_id(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError>;
    /// An update with its author's name and files.
    async fn update_by_id(&self, id: UpdateId) -> Result<Option<TimelineEntry>, StoreError>;
    /// Replaces an update's text and marks it edited; `false` when there is no such update or
    /// an editor has hidden it.
    async fn edit_update(&self, id: UpdateId, body: String, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Removes an update and its attachment rows, records `audit` with it, and returns the
    /// object keys no remaining attachment uses (the caller removes those files).
    async fn delete_update(&self, id: UpdateId, audit: NewAuditEntry) -> Result<Vec<String>, StoreError>;
    /// Hides an update with a reason (or shows it again with `None`) and records the act, in
    /// one transaction; `false` when there is no such update.
    async fn set_update_hidden(
        &self,
        id: UpdateId,
        hidden: Option<Hidden>,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError>;
}
