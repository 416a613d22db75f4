//! What an article says and how it is watched: the names and dates found in it, and the
//! schedule on which its original page is read again.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use freewire_core::StoreError;
use freewire_core::facts::{DateKind, DateMention, Entity, EntityKind, Facts};
use freewire_core::model::{ArticleId, Recheck};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use super::super::{SqlStore, corrupt, db_err, ts};
use crate::entity::{article_fact, recheck};

const DATE: &str = "date";

impl SqlStore {
    pub(super) async fn replace_facts(&self, facts: &[(ArticleId, Facts)]) -> Result<(), StoreError> {
        if facts.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await.map_err(db_err("starting to store names and dates"))?;
        for chunk in facts.chunks(200) {
            article_fact::Entity::delete_many()
                .filter(article_fact::Column::ArticleId.is_in(chunk.iter().map(|(id, _)| id.0)))
                .exec(&txn)
                .await
                .map_err(db_err("clearing an article's names and dates"))?;
            // The search index reads names with the article: it takes the article up again.
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| id.0).collect();
            super::super::changes::record_changes(&txn, &ids).await?;
            let rows: Vec<article_fact::ActiveModel> =
                chunk.iter().flat_map(|(id, f)| rows(*id, f)).collect();
            // Bounded statements: engines cap the number of bound parameters.
            for rows in rows.chunks(500) {
                article_fact::Entity::insert_many(rows.to_vec())
                    .exec_without_returning(&txn)
                    .await
                    .map_err(db_err("storing an article's names and dates"))?;
            }
        }
        txn.commit().await.map_err(db_err("committing names and dates"))
    }

    pub(super) async fn read_facts(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, Facts)>, StoreError> {
        let mut found: HashMap<i64, Facts> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows = article_fact::Entity::find()
                .filter(article_fact::Column::ArticleId.is_in(chunk.iter().map(|id| id.0)))
                .order_by_asc(article_fact::Column::ArticleId)
                .order_by_asc(article_fact::Column::Position)
                .all(self.reader())
                .await
                .map_err(db_err("reading articles' names and dates"))?;
            for row in rows {
                let facts = found.entry(row.article_id).or_default();
                fact_into(row, facts)?;
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(&id.0).map(|f| (*id, f))).collect())
    }

    pub(super) async fn upsert_recheck(&self, r: Recheck) -> Result<(), StoreError> {
        let keep_key = r.page_key.is_none();
        let mut update = vec![
            recheck::Column::Url,
            recheck::Column::DueAt,
            recheck::Column::ChangedAt,
            recheck::Column::Until,
            recheck::Column::Etag,
            recheck::Column::LastModified,
            recheck::Column::Checks,
        ];
        if !keep_key {
            update.push(recheck::Column::PageKey);
        }
        recheck::Entity::insert(recheck_row(r))
            .on_conflict(OnConflict::column(recheck::Column::ArticleId).update_columns(update).to_owned())
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err("scheduling a page's re-reading"))?;
        Ok(())
    }

    pub(super) async fn claim_rechecks(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Recheck>, StoreError> {
        let due = recheck::Entity::find()
            .filter(recheck::Column::DueAt.lte(ts(now)))
            .order_by_asc(recheck::Column::DueAt)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err("finding pages due a re-reading"))?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            // Taken only if no other process moved it since we read it.
            let taken = recheck::Entity::update_many()
                .col_expr(recheck::Column::DueAt, Expr::value(ts(lease_until)))
                .filter(recheck::Column::ArticleId.eq(row.article_id))
                .filter(recheck::Column::DueAt.eq(row.due_at))
                .exec(&self.db)
                .await
                .map_err(db_err("claiming a page's re-reading"))?;
            if taken.rows_affected == 1 {
                // The claim is the lease: finishing checks it still stands.
                claimed.push(Recheck { due_at: ts(lease_until), ..recheck_from(row) });
            }
        }
        Ok(claimed)
    }

    /// Finishes a claimed recheck (`claimed` is its lease, as [`Self::claim_rechecks`] gave
    /// it), unless someone changed it meanwhile: a schedule restarted by another process's
    /// edit, or the article gone. Their change stands.
    pub(super) async fn end_recheck(
        &self,
        id: ArticleId,
        claimed: DateTime<Utc>,
        next: Option<Recheck>,
    ) -> Result<(), StoreError> {
        match next {
            Some(r) => {
                recheck::Entity::update_many()
                    .col_expr(recheck::Column::DueAt, Expr::value(ts(r.due_at)))
                    .col_expr(recheck::Column::ChangedAt, Expr::value(ts(r.changed_at)))
                    .col_expr(recheck::Column::Until, Expr::value(ts(r.until)))
                    .col_expr(recheck::Column::Etag, Expr::value(r.etag))
                    .col_expr(recheck::Column::LastModified, Expr::value(r.last_modified))
                    .col_expr(recheck::Column::PageKey, Expr::value(r.page_key))
                    .col_expr(recheck::Column::Checks, Expr::value(r.checks))
                    .filter(recheck::Column::ArticleId.eq(id.0))
                    .filter(recheck::Column::DueAt.eq(ts(claimed)))
                    .exec(&self.db)
                    .await
                    .map_err(db_err("recording a page's re-reading"))?;
            }
            None => {
                recheck::Entity::delete_many()
                    .filter(recheck::Column::ArticleId.eq(id.0))
                    .filter(recheck::Column::DueAt.eq(ts(claimed)))
                    .exec(&self.db)
                    .await
                    .map_err(db_err("ending a page's re-reading"))?;
            }
        }
        Ok(())
    }

    pub(super) async fn recheck_of(&self, id: ArticleId) -> Result<Option<Recheck>, StoreError> {
        Ok(recheck::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading a page's re-reading"))?
            .map(recheck_from))
    }
}

fn recheck_row(r: Recheck) -> recheck::ActiveModel {
    recheck::ActiveModel {
        article_id: Set(r.article_id.0),
        url: Set(r.url),
        due_at: Set(ts(r.due_at)),
        changed_at: Set(ts(r.changed_at)),
        until: Set(ts(r.until)),
        etag: Set(r.etag),
        last_modified: Set(r.last_modified),
        page_key: Set(r.page_key),
        checks: Set(r.checks),
    }
}

fn recheck_from(row: recheck::Model) -> Recheck {
    Recheck {
        article_id: ArticleId(row.article_id),
        url: row.url,
        due_at: row.due_at,
        changed_at: row.changed_at,
        until: row.until,
        etag: row.etag,
        last_modified: row.last_modified,
        page_key: row.page_key,
        checks: row.checks,
    }
}

fn rows(id: ArticleId, facts: &Facts) -> impl Iterator<Item = article_fact::ActiveModel> + '_ {
    let names =
        facts.entities.iter().map(|e| (e.kind.as_str(), e.name.clone(), e.name.clone(), None, &e.sentence));
    let dates = facts.dates.iter().map(|d| {
        (DATE, d.date.format("%Y-%m-%d").to_string(), d.text.clone(), Some(date_kind(d.kind)), &d.sentence)
    });
    names.chain(dates).enumerate().map(move |(position, (kind, value, text, detail, sentence))| {
        article_fact::ActiveModel {
            article_id: Set(id.0),
            kind: Set(kind.to_owned()),
            value: Set(value),
            text: Set(text),
            detail: Set(detail.map(str::to_owned)),
            sentence: Set(sentence.clone()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            ..Default::default()
        }
    })
}

fn date_kind(kind: DateKind) -> &'static str {
    match kind {
        DateKind::Absolute => "absolute",
        DateKind::Relative => "relative",
        DateKind::Deadline => "deadline",
    }
}

fn fact_into(row: article_fact::Model, facts: &mut Facts) -> Result<(), StoreError> {
    let entity = |kind| Entity { kind, name: row.value.clone(), sentence: row.sentence.clone() };
    match row.kind.as_str() {
        "person" => facts.entities.push(entity(EntityKind::Person)),
        "place" => facts.entities.push(entity(EntityKind::Place)),
        "organisation" => facts.entities.push(entity(EntityKind::Organisation)),
        DATE => {
            let date = NaiveDate::parse_from_str(&row.value, "%Y-%m-%d")
                .map_err(|e| corrupt("reading a date found in an article", e.to_string()))?;
            let kind = match row.detail.as_deref() {
                Some("deadline") => DateKind::Deadline,
                Some("relative") => DateKind::Relative,
                _ => DateKind::Absolute,
            };
            facts.dates.push(DateMention { date, text: row.text, kind, sentence: row.sentence });
        }
        other => return Err(corrupt("reading the kind of a name found in an article", other.to_owned())),
    }
    Ok(())
}
