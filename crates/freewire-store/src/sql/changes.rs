//! The change sequence: the [`ChangeStore`] part of [`SqlStore`], and [`record_changes`], by
//! which every other aggregate's write appends to it in its own transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::model::{ArticleId, Change};
use freewire_core::{ChangeStore, StoreError};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::{SqlStore, db_err, ts};
use crate::entity::{change, setting};

/// The setting that keeps the newest position pruned.
const PRUNED_THROUGH: &str = "changes.pruned_through";

/// The horizon as stored, read in `conn` (0 when nothing was pruned).
async fn horizon(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let row = setting::Entity::find_by_id(PRUNED_THROUGH.to_owned())
        .one(conn)
        .await
        .map_err(db_err("reading the change sequence's horizon"))?;
    Ok(row.and_then(|r| r.value.parse().ok()).unwrap_or(0))
}

/// Appends an article to the change sequence, in the caller's transaction.
pub(super) async fn record_change(txn: &impl ConnectionTrait, article_id: i64) -> Result<(), StoreError> {
    record_changes(txn, &[article_id]).await
}

/// Appends articles to the change sequence in one statement per 500, in the caller's
/// transaction: one statement each was a round trip per article on PostgreSQL (10,000 of them
/// for the names and dates of a 10,000-item import).
pub(super) async fn record_changes(
    txn: &impl ConnectionTrait,
    article_ids: &[i64],
) -> Result<(), StoreError> {
    let now = ts(Utc::now());
    for chunk in article_ids.chunks(500) {
        let rows = chunk.iter().map(|&article_id| change::ActiveModel {
            article_id: Set(article_id),
            at: Set(now),
            ..Default::default()
        });
        change::Entity::insert_many(rows).exec(txn).await.map_err(db_err("recording changes"))?;
    }
    Ok(())
}

#[async_trait]
impl ChangeStore for SqlStore {
    async fn changes_since(
        &self,
        after: i64,
        recent_since: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<Change>, StoreError> {
        let convert =
            |row: change::Model| Change { seq: row.id, article_id: ArticleId(row.article_id), at: row.at };
        let mut found: Vec<Change> = change::Entity::find()
            .filter(change::Column::Id.gt(after))
            .order_by_asc(change::Column::Id)
            .limit(limit)
            .all(self.reader())
            .await
            .map_err(db_err("reading the change sequence"))?
            .into_iter()
            .map(convert)
            .collect();
        // Read apart, by time: asked in one statement with `OR`, SQLite walks the whole
        // sequence in id order (a million rows, a tenth of a second, every round of every
        // follower, holding the one connection), where the index on `at` finds the few.
        if let Some(since) = recent_since {
            let recent = change::Entity::find()
                .filter(change::Column::At.gte(ts(since)))
                .order_by_asc(change::Column::At)
                .limit(limit)
                .all(self.reader())
                .await
                .map_err(db_err("reading the recent changes"))?;
            found.extend(recent.into_iter().map(convert));
            found.sort_by_key(|c| c.seq);
            found.dedup_by_key(|c| c.seq);
            found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(found)
    }

    async fn last_change(&self) -> Result<i64, StoreError> {
        let last: Option<i64> = change::Entity::find()
            .select_only()
            .column(change::Column::Id)
            .order_by_desc(change::Column::Id)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err("reading the change sequence"))?;
        // With every entry pruned, the newest position is the newest one pruned.
        match last {
            Some(last) => Ok(last),
            None => horizon(&self.db).await,
        }
    }

    async fn prune_changes(&self, before: DateTime<Utc>, limit: u64) -> Result<u64, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("pruning the change sequence"))?;
        let through: Option<i64> = change::Entity::find()
            .select_only()
            .column(change::Column::Id)
            .filter(change::Column::At.lt(ts(before)))
            .order_by_asc(change::Column::Id)
            .offset(limit.saturating_sub(1))
            .limit(1)
            .into_tuple()
            .one(&txn)
            .await
            .map_err(db_err("pruning the change sequence"))?;
        // Fewer than `limit` that old: all of them.
        let through = match through {
            Some(id) => Some(id),
            None => change::Entity::find()
                .select_only()
                .column(change::Column::Id)
                .filter(change::Column::At.lt(ts(before)))
                .order_by_desc(change::Column::Id)
                .into_tuple()
                .one(&txn)
                .await
                .map_err(db_err("pruning the change sequence"))?,
        };
        let Some(through) = through else {
            txn.commit().await.map_err(db_err("pruning the change sequence"))?;
            return Ok(0);
        };
        let done = change::Entity::delete_many()
            .filter(change::Column::Id.lte(through))
            .exec(&txn)
            .await
            .map_err(db_err("pruning the change sequence"))?;
        if through > horizon(&txn).await? {
            setting::Entity::insert(setting::ActiveModel {
                key: Set(PRUNED_THROUGH.to_owned()),
                value: Set(through.to_string()),
            })
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(setting::Column::Key)
                    .update_column(setting::Column::Value)
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(db_err("recording the change sequence's horizon"))?;
        }
        txn.commit().await.map_err(db_err("pruning the change sequence"))?;
        Ok(done.rows_affected)
    }

    async fn pruned_through(&self) -> Result<i64, StoreError> {
        horizon(&self.db).await
    }
}
