//! Storing a feed's worth of articles in a few statements. Each article used to cost eight
//! round trips (four look-ups, four inserts); a profile of ingest showed the store's
//! per-statement path, not parsing or sanitising, taking most of the time. Here the look-ups
//! for the whole batch are made together, every decision is taken in memory exactly as
//! [`insert_one`](super::insert_one) takes it, and the new rows go in with one multi-row
//! insert per table.
//!
//! That is only the same as storing the articles one by one when no article of the batch can
//! change what another is found to be: see [`Independent::of`]. Batches where one can (the
//! same GUID or link twice, two items wanting one permalink, two sources' items sharing a
//! fingerprint band) take the one-by-one path.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use freewire_core::fingerprint::{self, Candidate};
use freewire_core::model::{ArticleId, ArticleStatus, InsertOutcome, NewArticle, NewRetrieval, SourceId};
use freewire_core::{Permalink, StoreError, slugify};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{article_from, content_sha256, free_permalink, known_guid, new_article_row, new_retrieval};
use crate::entity::{article, article_tag};
use crate::sql::changes::record_changes;
use crate::sql::{corrupt, db_err};

/// Values bound in one statement: well inside SQLite's and PostgreSQL's limits, with room
/// for an article row's two dozen columns.
const CHUNK: usize = 400;
/// Rows per multi-row article insert (each binds about 25 values).
const ROWS_PER_INSERT: usize = 200;

/// A batch in which every article can be judged against the stored ones alone.
pub(super) struct Independent {
    /// Each article's permalink before any clash suffix.
    bases: Vec<Permalink>,
}

impl Independent {
    /// The batch's permalinks when no article in it can affect another's outcome: no
    /// (source, GUID) twice, no normalised link twice, no permalink twice, and no two sources
    /// sharing a fingerprint band.
    pub(super) fn of(batch: &[(NewArticle, NewRetrieval)]) -> Option<Self> {
        let mut guids = HashSet::new();
        let mut urls = HashSet::new();
        let mut paths = HashSet::new();
        let mut bands: HashMap<(usize, i64), i64> = HashMap::new();
        let mut bases = Vec::with_capacity(batch.len());
        for (new, _) in batch {
            if !guids.insert((new.source_id.0, new.guid.as_str())) {
                return None;
            }
            if let Some(url) = &new.normalized_url
                && !urls.insert(url.as_str())
            {
                return None;
            }
            let base = Permalink::new(new.published_at, slugify(&new.title));
            if !paths.insert(base.path()) {
                return None;
            }
            bases.push(base);
            for (i, band) in new.simhash.map(fingerprint::bands).into_iter().flatten().enumerate() {
                match bands.entry((i, band)) {
                    Entry::Occupied(source) if *source.get() != new.source_id.0 => return None,
                    Entry::Occupied(_) => {}
                    Entry::Vacant(slot) => {
                        slot.insert(new.source_id.0);
                    }
                }
            }
        }
        Some(Independent { bases })
    }
}

/// The columns of a near-duplicate candidate, as read.
#[derive(sea_orm::FromQueryResult)]
struct CandidateRow {
    id: i64,
    simhash: Option<i64>,
    source_id: i64,
    status: String,
    simhash_band0: Option<i64>,
    simhash_band1: Option<i64>,
    simhash_band2: Option<i64>,
    simhash_band3: Option<i64>,
}

/// What the stored articles say about one item.
enum Plan {
    /// Decided without a new row.
    Done(InsertOutcome),
    /// A new row, with its permalink and the article it copies (if any).
    Insert { permalink: Permalink, first_copy: Option<i64>, sha: String },
}

/// Stores an independent batch; outcomes in the batch's order.
pub(super) async fn insert_independent(
    txn: &impl ConnectionTrait,
    batch: &[(NewArticle, NewRetrieval)],
    independent: Independent,
) -> Result<Vec<InsertOutcome>, StoreError> {
    let mut by_guid = stored_by_guid(txn, batch).await?;
    let urls: Vec<&str> = batch.iter().filter_map(|(new, _)| new.normalized_url.as_deref()).collect();
    let by_url = stored_by_url(txn, &urls).await?;
    let hashes: Vec<i64> = batch.iter().filter_map(|(new, _)| new.simhash).collect();
    let candidates = near_duplicate_candidates(txn, &hashes).await?;
    let taken = taken_permalinks(txn, &independent.bases).await?;

    let mut plans = Vec::with_capacity(batch.len());
    for ((new, retr), base) in batch.iter().zip(independent.bases) {
        let sha = content_sha256(new);
        if let Some(existing) = by_guid.remove(&(new.source_id.0, new.guid.clone())) {
            plans.push(Plan::Done(known_guid(txn, existing, new, retr, sha).await?));
            continue;
        }
        let same_url = same_story(new, &by_url);
        if let Some(id) = same_url {
            plans.push(Plan::Done(InsertOutcome::Duplicate(ArticleId(id))));
            continue;
        }
        let first_copy = new
            .simhash
            .and_then(|hash| fingerprint::first_copy_of(&candidates, new.source_id, hash))
            .map(|id| id.0);
        let permalink = if taken.contains(&base.path()) { free_permalink(txn, new).await? } else { base };
        plans.push(Plan::Insert { permalink, first_copy, sha });
    }
    store_new_rows(txn, batch, plans).await
}

/// Inserts the planned rows, their retrieval records, tags and changes.
async fn store_new_rows(
    txn: &impl ConnectionTrait,
    batch: &[(NewArticle, NewRetrieval)],
    plans: Vec<Plan>,
) -> Result<Vec<InsertOutcome>, StoreError> {
    let now = Utc::now();
    let mut rows = Vec::new();
    for ((new, _), plan) in batch.iter().zip(&plans) {
        if let Plan::Insert { permalink, first_copy, sha } = plan {
            rows.push(new_article_row(new, permalink, *first_copy, sha.clone(), now)?);
        }
    }
    let mut stored: HashMap<(i64, String), article::Model> = HashMap::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        // The order RETURNING gives rows in is unspecified: match them up by their key.
        for row in article::Entity::insert_many(chunk)
            .exec_with_returning(txn)
            .await
            .map_err(db_err("storing articles"))?
        {
            stored.insert((row.source_id, row.guid.clone()), row);
        }
    }
    let mut outcomes = Vec::with_capacity(plans.len());
    let mut retrievals = Vec::new();
    let mut tags = Vec::new();
    let mut changes = Vec::new();
    for ((new, retr), plan) in batch.iter().zip(plans) {
        let first_copy = match plan {
            Plan::Done(outcome) => {
                outcomes.push(outcome);
                continue;
            }
            Plan::Insert { first_copy, .. } => first_copy,
        };
        let row = stored
            .remove(&(new.source_id.0, new.guid.clone()))
            .ok_or_else(|| corrupt("storing articles", "an inserted row was not returned"))?;
        retrievals.push(new_retrieval(row.id, retr));
        let mut seen = HashSet::new();
        tags.extend(new.tags.iter().filter(|t| seen.insert(t.slug.as_str())).map(|t| {
            article_tag::ActiveModel {
                article_id: Set(row.id),
                slug: Set(t.slug.clone()),
                tag: Set(t.name.clone()),
            }
        }));
        if let Some(of) = first_copy {
            outcomes.push(InsertOutcome::NearDuplicate { id: ArticleId(row.id), of: ArticleId(of) });
        } else {
            changes.push(row.id);
            outcomes.push(InsertOutcome::Inserted(Box::new(article_from(row)?)));
        }
    }
    insert_all(txn, retrievals, "recording retrievals").await?;
    insert_all(txn, tags, "storing tags").await?;
    record_changes(txn, &changes).await?;
    Ok(outcomes)
}

/// Multi-row inserts of `rows`, a chunk at a time.
async fn insert_all<A>(
    txn: &impl ConnectionTrait,
    rows: Vec<A>,
    context: &'static str,
) -> Result<(), StoreError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK / 4).collect();
        A::Entity::insert_many(chunk).exec_without_returning(txn).await.map_err(db_err(context))?;
    }
    Ok(())
}

/// Stored articles with a (source, GUID) of the batch.
async fn stored_by_guid(
    txn: &impl ConnectionTrait,
    batch: &[(NewArticle, NewRetrieval)],
) -> Result<HashMap<(i64, String), article::Model>, StoreError> {
    let mut per_source: HashMap<i64, Vec<&str>> = HashMap::new();
    for (new, _) in batch {
        per_source.entry(new.source_id.0).or_default().push(new.guid.as_str());
    }
    let mut found = HashMap::new();
    for (source, guids) in per_source {
        for chunk in guids.chunks(CHUNK) {
            for row in article::Entity::find()
                .filter(article::Column::SourceId.eq(source))
                .filter(article::Column::Guid.is_in(chunk.iter().copied()))
                .all(txn)
                .await
                .map_err(db_err("looking for duplicate articles"))?
            {
                found.insert((row.source_id, row.guid.clone()), row);
            }
        }
    }
    Ok(found)
}

/// Stored articles with one of these normalised links: id, feed and source, per link.
pub(super) async fn stored_by_url(
    txn: &impl ConnectionTrait,
    urls: &[&str],
) -> Result<StoredByUrl, StoreError> {
    let mut found: HashMap<String, Vec<(i64, Option<i64>, i64)>> = HashMap::new();
    for chunk in urls.chunks(CHUNK) {
        let rows: Vec<(i64, Option<String>, Option<i64>, i64)> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::NormalizedUrl)
            .column(article::Column::FeedId)
            .column(article::Column::SourceId)
            .filter(article::Column::NormalizedUrl.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err("looking for the same URL"))?;
        for (id, url, feed, source) in rows {
            if let Some(url) = url {
                found.entry(url).or_default().push((id, feed, source));
            }
        }
    }
    Ok(found)
}

/// Stored articles per normalised link: id, feed and source.
pub(super) type StoredByUrl = HashMap<String, Vec<(i64, Option<i64>, i64)>>;

/// The first stored article with `new`'s link that did not come through the same feed: one
/// feed listing two items with the same link keeps both (linked-list posts do that); another
/// feed carrying the URL is the same story reached twice.
pub(super) fn same_story(new: &NewArticle, stored: &StoredByUrl) -> Option<i64> {
    let from_other_feed = |feed: Option<i64>, source: i64| match new.feed_id {
        Some(ours) => feed != Some(ours.0),
        None => source != new.source_id.0 || feed.is_some(),
    };
    stored
        .get(new.normalized_url.as_deref()?)?
        .iter()
        .filter(|(_, feed, source)| from_other_feed(*feed, *source))
        .map(|(id, ..)| *id)
        .min()
}

/// Stored articles sharing a fingerprint band with any of `hashes`. Only the bands are in
/// SQL: with the status or source filtered there too, SQLite's planner walks every published
/// article instead of the four band indexes.
pub(super) async fn near_duplicate_candidates(
    txn: &impl ConnectionTrait,
    hashes: &[i64],
) -> Result<Vec<Candidate>, StoreError> {
    let mut found = Vec::new();
    // Four bands bound per hash.
    for chunk in hashes.chunks(CHUNK / 4) {
        let band = |i: usize| chunk.iter().map(move |h| fingerprint::bands(*h)[i]);
        let rows = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::Simhash)
            .column(article::Column::SourceId)
            .column(article::Column::Status)
            .column(article::Column::SimhashBand0)
            .column(article::Column::SimhashBand1)
            .column(article::Column::SimhashBand2)
            .column(article::Column::SimhashBand3)
            .filter(
                sea_orm::Condition::any()
                    .add(article::Column::SimhashBand0.is_in(band(0)))
                    .add(article::Column::SimhashBand1.is_in(band(1)))
                    .add(article::Column::SimhashBand2.is_in(band(2)))
                    .add(article::Column::SimhashBand3.is_in(band(3))),
            )
            .into_model::<CandidateRow>()
            .all(txn)
            .await
            .map_err(db_err("looking for near-duplicates"))?;
        found.extend(rows.into_iter().map(|row| Candidate {
            id: ArticleId(row.id),
            source_id: SourceId(row.source_id),
            published: row.status == ArticleStatus::Published.as_str(),
            simhash: row.simhash,
            bands: [row.simhash_band0, row.simhash_band1, row.simhash_band2, row.simhash_band3],
        }));
    }
    Ok(found)
}

/// Which of these permalinks are issued already.
async fn taken_permalinks(
    txn: &impl ConnectionTrait,
    bases: &[Permalink],
) -> Result<HashSet<String>, StoreError> {
    let paths: Vec<String> = bases.iter().map(Permalink::path).collect();
    let mut taken = HashSet::new();
    for chunk in paths.chunks(CHUNK) {
        let rows: Vec<String> = article::Entity::find()
            .select_only()
            .column(article::Column::Permalink)
            .filter(article::Column::Permalink.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err("checking permalinks"))?;
        taken.extend(rows);
    }
    Ok(taken)
}
