//! Sources and the feeds followed for them: the [`SourceStore`] part of [`SqlStore`],
//! including the lease by which pollers claim due feeds and the change of a source's terms
//! that reaches its stored articles.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::model::{
    ArticleStatus, Feed, FeedId, FeedPollUpdate, NewAuditEntry, NewFeed, NewSource, Source, SourceId,
    SourceTerms,
};
use freewire_core::{IndexPolicy, SourceStore, StoreError};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Order, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use super::audit::audit_row;
use super::{SqlStore, db_err, source_from, ts};
use crate::entity::{article, feed, source, source_former_slug};

fn feed_from(row: feed::Model) -> Feed {
    Feed {
        id: FeedId(row.id),
        source_id: SourceId(row.source_id),
        url: row.url,
        title: row.title,
        etag: row.etag,
        last_modified: row.last_modified,
        next_poll_at: row.next_poll_at,
        error_count: row.error_count,
        last_error: row.last_error,
        last_success_at: row.last_success_at,
        enabled: row.enabled,
        created_at: row.created_at,
        poll_interval_secs: row.poll_interval_secs,
        last_polled_at: row.last_polled_at,
        last_status: row.last_status,
        lease_token: row.lease_token,
    }
}

#[async_trait]
impl SourceStore for SqlStore {
    async fn source_by_name(&self, name: &str) -> Result<Option<Source>, StoreError> {
        source::Entity::find()
            .filter(source::Column::Name.eq(name))
            .one(&self.db)
            .await
            .map_err(db_err("reading a source"))?
            .map(source_from)
            .transpose()
    }

    async fn source_by_id(&self, id: SourceId) -> Result<Option<Source>, StoreError> {
        source::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading a source"))?
            .map(source_from)
            .transpose()
    }

    async fn insert_source(&self, new: NewSource) -> Result<Source, StoreError> {
        let row = source::ActiveModel {
            name: Set(new.name.clone()),
            homepage: Set(new.homepage),
            licence: Set(new.licence.id().to_owned()),
            credit: Set(new.credit),
            index_policy: Set(IndexPolicy::default().id().to_owned()),
            created_at: Set(ts(Utc::now())),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| match db_err("source")(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a source named {:?}", new.name)),
            other => other,
        })?;
        source_from(row)
    }

    async fn list_sources(&self) -> Result<Vec<Source>, StoreError> {
        source::Entity::find()
            .order_by_asc(source::Column::Name)
            .all(self.reader())
            .await
            .map_err(db_err("listing sources"))?
            .into_iter()
            .map(source_from)
            .collect()
    }

    async fn update_source_terms(
        &self,
        id: SourceId,
        terms: SourceTerms,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let result = source::Entity::update_many()
            .col_expr(source::Column::Name, Expr::value(terms.name.clone()))
            .col_expr(source::Column::Homepage, Expr::value(terms.homepage))
            .col_expr(source::Column::Licence, Expr::value(terms.licence.id()))
            .col_expr(source::Column::Credit, Expr::value(terms.credit))
            .col_expr(source::Column::IndexPolicy, Expr::value(terms.index_policy.id()))
            .filter(source::Column::Id.eq(id.0))
            .exec(&txn)
            .await
            .map_err(|e| match db_err("changing a source's terms")(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("a source named {:?}", terms.name)),
                other => other,
            })?;
        if result.rows_affected == 0 {
            return Ok(false);
        }
        for (slug, source) in terms.moved_slugs {
            // A slug given up more than once points at the source that had it last.
            source_former_slug::Entity::delete_by_id(slug.clone())
                .exec(&txn)
                .await
                .map_err(db_err("replacing a former address"))?;
            source_former_slug::ActiveModel { slug: Set(slug), source_id: Set(source.0) }
                .insert(&txn)
                .await
                .map_err(db_err("keeping a source's former address"))?;
        }
        article::Entity::update_many()
            .col_expr(article::Column::Licence, Expr::value(terms.licence.id()))
            .filter(article::Column::SourceId.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_err("applying a source's licence to its articles"))?;
        // What search shows of them may change with the licence.
        let ids: Vec<i64> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::SourceId.eq(id.0))
            .filter(article::Column::Status.eq(ArticleStatus::Published.as_str()))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_err("listing a source's articles"))?;
        super::changes::record_changes(&txn, &ids).await?;
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing a source's terms"))?;
        Ok(true)
    }

    async fn source_by_former_slug(&self, slug: &str) -> Result<Option<SourceId>, StoreError> {
        Ok(source_former_slug::Entity::find_by_id(slug.to_owned())
            .one(&self.db)
            .await
            .map_err(db_err("reading a source's former address"))?
            .map(|row| SourceId(row.source_id)))
    }

    async fn insert_feed(&self, new: NewFeed) -> Result<Feed, StoreError> {
        let now = ts(Utc::now());
        let row = feed::ActiveModel {
            source_id: Set(new.source_id.0),
            url: Set(new.url.clone()),
            title: Set(new.title),
            etag: Set(None),
            last_modified: Set(None),
            next_poll_at: Set(now),
            error_count: Set(0),
            last_error: Set(None),
            last_success_at: Set(None),
            enabled: Set(true),
            created_at: Set(now),
            poll_interval_secs: Set(3600),
            last_polled_at: Set(None),
            last_status: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| match db_err("feed")(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a feed at {}", new.url)),
            StoreError::Missing(_) => StoreError::Missing(format!("source {}", new.source_id)),
            other @ (StoreError::Backend { .. }
            | StoreError::Unreachable { .. }
            | StoreError::Full { .. }) => other,
        })?;
        Ok(feed_from(row))
    }

    async fn feed_by_id(&self, id: FeedId) -> Result<Option<Feed>, StoreError> {
        Ok(feed::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading a feed"))?
            .map(feed_from))
    }

    async fn list_feeds(&self) -> Result<Vec<Feed>, StoreError> {
        Ok(feed::Entity::find()
            .order_by_asc(feed::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err("listing feeds"))?
            .into_iter()
            .map(feed_from)
            .collect())
    }

    async fn feed_by_url(&self, url: &str) -> Result<Option<Feed>, StoreError> {
        Ok(feed::Entity::find()
            .filter(feed::Column::Url.eq(url))
            .one(&self.db)
            .await
            .map_err(db_err("reading a feed"))?
            .map(feed_from))
    }

    async fn claim_due_feeds(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        lease_until: DateTime<Utc>,
        token: &str,
    ) -> Result<Vec<Feed>, StoreError> {
        // One statement: pick the due feeds and move them out of reach together. On PostgreSQL
        // rows another process is claiming are skipped, not waited for; SQLite has one writer.
        let due = Query::select()
            .column(feed::Column::Id)
            .from(feed::Entity)
            .and_where(feed::Column::Enabled.eq(true))
            .and_where(feed::Column::NextPollAt.lte(ts(now)))
            .order_by(feed::Column::NextPollAt, Order::Asc)
            .order_by(feed::Column::Id, Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let mut claimed: Vec<Feed> = feed::Entity::update_many()
            .col_expr(feed::Column::NextPollAt, Expr::value(ts(lease_until)))
            .col_expr(feed::Column::LeasedUntil, Expr::value(Some(ts(lease_until))))
            .col_expr(feed::Column::LeaseToken, Expr::value(Some(token.to_owned())))
            .filter(feed::Column::Id.in_subquery(due))
            .exec_with_returning(&self.db)
            .await
            .map_err(db_err("claiming due feeds"))?
            .into_iter()
            .map(feed_from)
            .collect();
        claimed.sort_by_key(|f| f.id);
        Ok(claimed)
    }

    async fn update_feed_after_poll(
        &self,
        id: FeedId,
        lease: Option<&str>,
        u: FeedPollUpdate,
    ) -> Result<bool, StoreError> {
        // One statement, so the lease is checked and the poll recorded together.
        let mut update = feed::Entity::update_many()
            .col_expr(feed::Column::LastPolledAt, Expr::value(Some(ts(u.polled_at))))
            .col_expr(feed::Column::NextPollAt, Expr::value(ts(u.next_poll_at)))
            .col_expr(feed::Column::PollIntervalSecs, Expr::value(u.poll_interval_secs))
            .col_expr(feed::Column::ErrorCount, Expr::value(u.error_count))
            .col_expr(feed::Column::LastError, Expr::value(u.last_error))
            .col_expr(feed::Column::LastStatus, Expr::value(u.last_status))
            .col_expr(feed::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(feed::Column::LeaseToken, Expr::value(Option::<String>::None));
        if let Some(url) = u.new_url {
            update = update.col_expr(feed::Column::Url, Expr::value(url));
        }
        if u.title.is_some() {
            update = update.col_expr(feed::Column::Title, Expr::value(u.title));
        }
        if u.success {
            update = update
                .col_expr(feed::Column::Etag, Expr::value(u.etag))
                .col_expr(feed::Column::LastModified, Expr::value(u.last_modified))
                .col_expr(feed::Column::LastSuccessAt, Expr::value(Some(ts(u.polled_at))));
        }
        let mut update = update.filter(feed::Column::Id.eq(id.0));
        if let Some(token) = lease {
            update = update.filter(feed::Column::LeaseToken.eq(token));
        }
        let result = update.exec(&self.db).await.map_err(|e| match db_err("recording a poll")(e) {
            StoreError::Conflict(_) => StoreError::Conflict("a feed at the redirected address".to_owned()),
            other => other,
        })?;
        if result.rows_affected > 0 {
            return Ok(true);
        }
        if lease.is_some() && self.feed_by_id(id).await?.is_some() {
            return Ok(false);
        }
        Err(StoreError::Missing(format!("feed {id}")))
    }

    async fn set_feed_enabled(&self, id: FeedId, enabled: bool) -> Result<bool, StoreError> {
        let mut update = feed::Entity::update_many().col_expr(feed::Column::Enabled, Expr::value(enabled));
        if enabled {
            // Switched back on: due now, with a clean slate.
            update = update
                .col_expr(feed::Column::NextPollAt, Expr::value(ts(Utc::now())))
                .col_expr(feed::Column::ErrorCount, Expr::value(0));
        }
        let result = update
            .filter(feed::Column::Id.eq(id.0))
            .exec(&self.db)
            .await
            .map_err(db_err("switching a feed"))?;
        Ok(result.rows_affected > 0)
    }

    async fn set_feed_due(&self, id: FeedId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = feed::Entity::update_many()
            .col_expr(feed::Column::NextPollAt, Expr::value(ts(at)))
            .filter(feed::Column::Id.eq(id.0))
            .filter(feed::Column::Enabled.eq(true))
            .filter(
                sea_orm::Condition::any()
                    .add(feed::Column::LeasedUntil.is_null())
                    .add(feed::Column::LeasedUntil.lte(ts(at))),
            )
            .exec(&self.db)
            .await
            .map_err(db_err("making a feed due"))?;
        Ok(result.rows_affected > 0)
    }

    async fn count_due_feeds(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        feed::Entity::find()
            .filter(feed::Column::Enabled.eq(true))
            .filter(feed::Column::NextPollAt.lte(ts(now)))
            .count(&self.db)
            .await
            .map_err(db_err("counting due feeds"))
    }
}
