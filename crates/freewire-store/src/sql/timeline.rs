//! Article timelines: the [`TimelineStore`] part of [`SqlStore`]. Updates with their
//! attachments, the daily upload allowance, files shared by their bytes, and moderation
//! (edits, hiding, removal, each audited and joining the change sequence).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::model::{
    ArticleId, Attachment, AttachmentId, Hidden, NewAttachment, NewAuditEntry, NewUpdate, TimelineEntry,
    Update, UpdateId, UserId,
};
use freewire_core::{StoreError, TimelineStore};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use super::audit::audit_row;
use super::changes::record_change;
use super::{SqlStore, db_err, ts};
use crate::entity::{attachment, update, user};

fn update_from(row: update::Model) -> Update {
    Update {
        id: UpdateId(row.id),
        article_id: ArticleId(row.article_id),
        author_id: UserId(row.author_id),
        body: row.body,
        created_at: row.created_at,
        edited_at: row.edited_at,
        hidden: match (row.hidden_at, row.hidden_by) {
            (Some(at), Some(by)) => {
                Some(Hidden { at, by: UserId(by), reason: row.hidden_reason.unwrap_or_default() })
            }
            _ => None,
        },
    }
}

fn attachment_from(row: attachment::Model) -> Attachment {
    Attachment {
        id: AttachmentId(row.id),
        update_id: UpdateId(row.update_id),
        object_key: row.object_key,
        file_name: row.file_name,
        media_type: row.media_type,
        size: row.size,
        sha256: row.sha256,
        created_at: row.created_at,
        thumbnail_key: row.thumbnail_key,
    }
}

/// The article an update belongs to.
async fn article_of_update(txn: &impl ConnectionTrait, id: UpdateId) -> Result<Option<i64>, StoreError> {
    update::Entity::find_by_id(id.0)
        .select_only()
        .column(update::Column::ArticleId)
        .into_tuple::<i64>()
        .one(txn)
        .await
        .map_err(db_err("reading an update's article"))
}

#[async_trait]
impl TimelineStore for SqlStore {
    async fn insert_update_with_attachments(
        &self,
        new: NewUpdate,
        files: Vec<NewAttachment>,
    ) -> Result<(Update, Vec<Attachment>), StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let now = ts(Utc::now());
        let row = update::ActiveModel {
            article_id: Set(new.article_id.0),
            author_id: Set(new.author_id.0),
            body: Set(new.body),
            created_at: Set(now),
            edited_at: Set(None),
            hidden_at: Set(None),
            hidden_by: Set(None),
            hidden_reason: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match db_err("update")(e) {
            StoreError::Missing(_) => StoreError::Missing("the article or the author".to_owned()),
            other @ (StoreError::Conflict(_)
            | StoreError::Backend { .. }
            | StoreError::Unreachable { .. }
            | StoreError::Full { .. }) => other,
        })?;
        let mut stored = Vec::with_capacity(files.len());
        for file in files {
            let a = attachment::ActiveModel {
                update_id: Set(row.id),
                object_key: Set(file.object_key),
                file_name: Set(file.file_name),
                media_type: Set(file.media_type),
                size: Set(file.size),
                sha256: Set(file.sha256),
                created_at: Set(now),
                thumbnail_key: Set(file.thumbnail_key),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(db_err("an attachment with this object key"))?;
            stored.push(attachment_from(a));
        }
        record_change(&txn, row.article_id).await?;
        txn.commit().await.map_err(db_err("committing an update"))?;
        Ok((update_from(row), stored))
    }

    async fn referenced_object_keys(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        // In chunks: SQLite takes a bounded number of parameters per statement.
        for chunk in keys.chunks(400) {
            let rows: Vec<(String, Option<String>)> = attachment::Entity::find()
                .select_only()
                .column(attachment::Column::ObjectKey)
                .column(attachment::Column::ThumbnailKey)
                .filter(
                    sea_orm::Condition::any()
                        .add(attachment::Column::ObjectKey.is_in(chunk.iter().cloned()))
                        .add(attachment::Column::ThumbnailKey.is_in(chunk.iter().cloned())),
                )
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_err("finding the files attachments use"))?;
            found.extend(rows.into_iter().flat_map(|(object, thumb)| std::iter::once(object).chain(thumb)));
        }
        let asked: HashSet<&str> = keys.iter().map(String::as_str).collect();
        found.retain(|k| asked.contains(k.as_str()));
        Ok(found)
    }

    async fn upload_bytes_since(&self, user: UserId, since: DateTime<Utc>) -> Result<i64, StoreError> {
        let updates = Query::select()
            .column(update::Column::Id)
            .from(update::Entity)
            .and_where(update::Column::AuthorId.eq(user.0))
            .to_owned();
        let sizes: Vec<i64> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::Size)
            .filter(attachment::Column::CreatedAt.gte(ts(since)))
            .filter(attachment::Column::UpdateId.in_subquery(updates))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err("adding up uploads"))?;
        Ok(sizes.into_iter().sum())
    }

    async fn timeline_for_article(&self, id: ArticleId) -> Result<Vec<TimelineEntry>, StoreError> {
        self.timelines_for_articles(&[id]).await
    }

    async fn timelines_for_articles(&self, ids: &[ArticleId]) -> Result<Vec<TimelineEntry>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let updates = update::Entity::find()
            .filter(update::Column::ArticleId.is_in(ids.iter().map(|id| id.0)))
            .order_by_desc(update::Column::CreatedAt)
            .order_by_desc(update::Column::Id)
            .all(self.reader())
            .await
            .map_err(db_err("reading a timeline"))?;
        self.entries(updates).await
    }

    async fn attachment_by_sha256(&self, sha256: &str) -> Result<Option<Attachment>, StoreError> {
        Ok(attachment::Entity::find()
            .filter(attachment::Column::Sha256.eq(sha256))
            .order_by_asc(attachment::Column::Id)
            .one(&self.db)
            .await
            .map_err(db_err("looking for identical files"))?
            .map(attachment_from))
    }

    async fn attachment_by_id(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        Ok(attachment::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading an attachment"))?
            .map(attachment_from))
    }

    async fn update_by_id(&self, id: UpdateId) -> Result<Option<TimelineEntry>, StoreError> {
        let rows: Vec<update::Model> = update::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading an update"))?
            .into_iter()
            .collect();
        Ok(self.entries(rows).await?.pop())
    }

    async fn edit_update(&self, id: UpdateId, body: String, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let result = update::Entity::update_many()
            .col_expr(update::Column::Body, Expr::value(body))
            .col_expr(update::Column::EditedAt, Expr::value(Some(ts(at))))
            .filter(update::Column::Id.eq(id.0))
            // A hide that lands between the author's check and this write wins.
            .filter(update::Column::HiddenAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_err("editing an update"))?;
        if result.rows_affected == 0 {
            return Ok(false);
        }
        if let Some(article_id) = article_of_update(&txn, id).await? {
            record_change(&txn, article_id).await?;
        }
        txn.commit().await.map_err(db_err("committing an edit"))?;
        Ok(true)
    }

    async fn delete_update(&self, id: UpdateId, audit: NewAuditEntry) -> Result<Vec<String>, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let objects: Vec<(String, Option<String>)> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::ObjectKey)
            .column(attachment::Column::ThumbnailKey)
            .filter(attachment::Column::UpdateId.eq(id.0))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_err("reading an update's files"))?;
        if let Some(article_id) = article_of_update(&txn, id).await? {
            record_change(&txn, article_id).await?;
        }
        attachment::Entity::delete_many()
            .filter(attachment::Column::UpdateId.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_err("removing an update's files"))?;
        let gone =
            update::Entity::delete_by_id(id.0).exec(&txn).await.map_err(db_err("removing an update"))?;
        if gone.rows_affected == 0 {
            return Err(StoreError::Missing(format!("update {id}")));
        }
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        // Objects another attachment still uses stay in object storage, with their previews.
        let keys: Vec<String> = objects.iter().map(|(k, _)| k.clone()).collect();
        let still_used: Vec<String> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::ObjectKey)
            .filter(attachment::Column::ObjectKey.is_in(keys))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_err("checking shared files"))?;
        txn.commit().await.map_err(db_err("committing a removal"))?;
        let mut freed = Vec::new();
        for (key, thumbnail) in objects {
            if still_used.contains(&key) || freed.contains(&key) {
                continue;
            }
            freed.push(key);
            freed.extend(thumbnail);
        }
        Ok(freed)
    }

    async fn set_update_hidden(
        &self,
        id: UpdateId,
        hidden: Option<Hidden>,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let (at, by, reason) = match hidden {
            Some(h) => (Some(ts(h.at)), Some(h.by.0), Some(h.reason)),
            None => (None, None, None),
        };
        let result = update::Entity::update_many()
            .col_expr(update::Column::HiddenAt, Expr::value(at))
            .col_expr(update::Column::HiddenBy, Expr::value(by))
            .col_expr(update::Column::HiddenReason, Expr::value(reason))
            .filter(update::Column::Id.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_err("hiding an update"))?;
        if result.rows_affected == 0 {
            return Ok(false);
        }
        if let Some(article_id) = article_of_update(&txn, id).await? {
            record_change(&txn, article_id).await?;
        }
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing a moderation act"))?;
        Ok(true)
    }
}

impl SqlStore {
    /// Timeline entries for update rows: authors' names and files, fetched in two queries.
    async fn entries(&self, updates: Vec<update::Model>) -> Result<Vec<TimelineEntry>, StoreError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let update_ids: Vec<i64> = updates.iter().map(|u| u.id).collect();
        let author_ids: Vec<i64> = updates.iter().map(|u| u.author_id).collect();
        let authors: HashMap<i64, String> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Username)
            .filter(user::Column::Id.is_in(author_ids))
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await
            .map_err(db_err("reading update authors"))?
            .into_iter()
            .collect();
        let mut files: HashMap<i64, Vec<Attachment>> = HashMap::new();
        for row in attachment::Entity::find()
            .filter(attachment::Column::UpdateId.is_in(update_ids))
            .order_by_asc(attachment::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err("reading attachments"))?
        {
            files.entry(row.update_id).or_default().push(attachment_from(row));
        }
        Ok(updates
            .into_iter()
            .map(|row| TimelineEntry {
                author: authors.get(&row.author_id).cloned().unwrap_or_default(),
                attachments: files.remove(&row.id).unwrap_or_default(),
                update: update_from(row),
            })
            .collect())
    }
}
