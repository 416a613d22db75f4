//! Articles: the [`ArticleStore`] part of [`SqlStore`]. Storing a feed's items (GUID, link and
//! near-duplicate checks, revisions, permalinks issued), reading and listing articles with
//! their sources and tags, their revisions and retrievals, and withdrawal. A batch whose items
//! cannot bear on each other is stored in a few statements by [`batch`].

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::facts::Facts;
use freewire_core::fingerprint;
use freewire_core::model::{
    Article, ArticleId, ArticleStatus, ArticleWithSource, FeedId, InsertOutcome, NewArticle, NewAuditEntry,
    NewRetrieval, Page, PageRequest, Recheck, Retrieval, Revision, Source, SourceId, StoryId, Tag,
    Withdrawal,
};
use freewire_core::revision::version_key;
use freewire_core::{ArticleFilter, ArticleStore, ArticleStub, IndexPolicy, Permalink, StoreError, slugify};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use super::audit::audit_row;
use super::changes::record_change;
use super::stories::refresh_stories_of;
use super::{SqlStore, corrupt, db_err, licence_of, source_from, ts};
use crate::entity::{article, article_tag, retrieval, revision, source};

mod batch;
mod editions;

/// How many times a batch of articles is retried when another process issued the same
/// permalink between our check and our insert.
const PERMALINK_RACE_RETRIES: u32 = 3;

fn article_from(row: article::Model) -> Result<Article, StoreError> {
    Ok(Article {
        id: ArticleId(row.id),
        source_id: SourceId(row.source_id),
        feed_id: row.feed_id.map(FeedId),
        permalink: Permalink::from_path(&row.permalink)
            .ok_or_else(|| corrupt("reading a permalink", row.permalink.clone()))?,
        licence: licence_of(&row.licence)?,
        status: row.status.parse().map_err(|e: String| corrupt("reading an article status", e))?,
        guid: row.guid,
        original_url: row.original_url,
        title: row.title,
        author: row.author,
        summary: row.summary,
        body_html: row.body_html,
        language: row.language,
        published_at: row.published_at,
        updated_at: row.updated_at,
        duplicate_of: row.duplicate_of.map(ArticleId),
        media: serde_json::from_str(&row.media)
            .map_err(|e| corrupt("reading an article's media", e.to_string()))?,
        tags: Vec::new(),
        withdrawn: row
            .withdrawn_at
            .map(|at| Withdrawal { at, reason: row.withdrawn_reason.clone().unwrap_or_default() }),
        created_at: row.created_at,
        story_id: row.story_id.map(StoryId),
    })
}

fn media_json(media: &[freewire_core::Media]) -> Result<String, StoreError> {
    serde_json::to_string(media).map_err(|e| corrupt("writing an article's media", e.to_string()))
}

/// The key under which an article's version is compared with a re-sent one.
fn content_sha256(new: &NewArticle) -> String {
    version_key(&new.title, &new.body_html)
}

fn new_retrieval(article_id: i64, retr: &NewRetrieval) -> retrieval::ActiveModel {
    retrieval::ActiveModel {
        article_id: Set(article_id),
        location: Set(retr.location.clone()),
        retrieved_at: Set(ts(retr.retrieved_at)),
        http_status: Set(retr.http_status),
        sha256: Set(retr.sha256.clone()),
        ..Default::default()
    }
}

impl SqlStore {
    /// How a page of `filter`'s articles that ends `end` articles in finds those with its tag
    /// (see [`plan_for`]). `tagged` is how many articles carry it, when the caller has counted
    /// them already; else they are counted up to [`COUNTED_AT_MOST`] (a bounded index read).
    /// The articles are bounded by the highest id (one step of an index).
    async fn tag_plan(
        &self,
        filter: &ArticleFilter,
        end: u64,
        tagged: Option<u64>,
    ) -> Result<TagPlan, StoreError> {
        let Some(slug) = &filter.tag else { return Ok(TagPlan::Gather) };
        let tagged = match tagged {
            Some(counted) => counted,
            None => self.count_tagged(slug).await?,
        };
        let highest: Option<i64> = article::Entity::find()
            .select_only()
            .column_as(article::Column::Id.max(), "highest")
            .into_tuple()
            .one(self.reader())
            .await
            .map_err(db_err("reading the highest article id"))?
            .flatten();
        Ok(plan_for(end, highest.unwrap_or(0).unsigned_abs(), tagged))
    }

    /// How many articles carry the tag `slug`, counted up to [`COUNTED_AT_MOST`].
    async fn count_tagged(&self, slug: &str) -> Result<u64, StoreError> {
        let count = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from_subquery(
                Query::select()
                    .expr(Expr::val(1))
                    .from(article_tag::Entity)
                    .and_where(article_tag::Column::Slug.eq(slug))
                    .limit(COUNTED_AT_MOST)
                    .to_owned(),
                "tagged",
            )
            .to_owned();
        let counted: i64 = self
            .reader()
            .query_one_raw(self.reader().get_database_backend().build(&count))
            .await
            .and_then(|row| row.map(|r| r.try_get_by_index(0)).transpose())
            .map_err(db_err("counting a tag's articles"))?
            .unwrap_or(0);
        Ok(counted.unsigned_abs())
    }

    /// Attaches each article's source, fetched in one query.
    async fn with_sources(&self, rows: Vec<article::Model>) -> Result<Vec<ArticleWithSource>, StoreError> {
        let mut ids: Vec<i64> = rows.iter().map(|r| r.source_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let sources: HashMap<i64, Source> = source::Entity::find()
            .filter(source::Column::Id.is_in(ids))
            .all(self.reader())
            .await
            .map_err(db_err("reading sources"))?
            .into_iter()
            .map(|row| source_from(row).map(|s| (s.id.0, s)))
            .collect::<Result<_, _>>()?;
        let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
        for row in article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(article_tag::Column::Tag)
            .all(self.reader())
            .await
            .map_err(db_err("reading tags"))?
        {
            tags.entry(row.article_id).or_default().push(Tag { name: row.tag, slug: row.slug });
        }
        rows.into_iter()
            .map(|row| {
                let source = sources
                    .get(&row.source_id)
                    .cloned()
                    .ok_or_else(|| corrupt("reading an article", "its source is missing"))?;
                let mut article = article_from(row)?;
                article.tags = tags.remove(&article.id.0).unwrap_or_default();
                Ok(ArticleWithSource { article, source })
            })
            .collect()
    }

    async fn insert_batch_once(
        &self,
        batch: &[(NewArticle, NewRetrieval)],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let outcomes = if let Some(independent) = batch::Independent::of(batch) {
            batch::insert_independent(&txn, batch, independent).await?
        } else {
            let mut outcomes = Vec::with_capacity(batch.len());
            for (new, retr) in batch {
                outcomes.push(insert_one(&txn, new, retr).await?);
            }
            outcomes
        };
        txn.commit().await.map_err(db_err("committing articles"))?;
        Ok(outcomes)
    }
}

/// One article of a batch, inside the batch's transaction.
async fn insert_one(
    txn: &impl ConnectionTrait,
    new: &NewArticle,
    retr: &NewRetrieval,
) -> Result<InsertOutcome, StoreError> {
    let sha = content_sha256(new);
    let same_guid = article::Entity::find()
        .filter(article::Column::SourceId.eq(new.source_id.0))
        .filter(article::Column::Guid.eq(new.guid.as_str()))
        .one(txn)
        .await
        .map_err(db_err("looking for a duplicate article"))?;
    if let Some(existing) = same_guid {
        return known_guid(txn, existing, new, retr, sha).await;
    }
    if let Some(url) = &new.normalized_url
        && let Some(id) = batch::same_story(new, &batch::stored_by_url(txn, &[url.as_str()]).await?)
    {
        return Ok(InsertOutcome::Duplicate(ArticleId(id)));
    }
    let first_copy = match new.simhash {
        Some(hash) => fingerprint::first_copy_of(
            &batch::near_duplicate_candidates(txn, &[hash]).await?,
            new.source_id,
            hash,
        )
        .map(|id| id.0),
        None => None,
    };
    let permalink = free_permalink(txn, new).await?;
    let row = new_article_row(new, &permalink, first_copy, sha, Utc::now())?
        .insert(txn)
        .await
        .map_err(db_err("storing an article"))?;
    new_retrieval(row.id, retr).insert(txn).await.map_err(db_err("recording a retrieval"))?;
    insert_tags(txn, row.id, &new.tags).await?;
    if first_copy.is_none() {
        record_change(txn, row.id).await?;
    }
    Ok(match first_copy {
        Some(of) => InsertOutcome::NearDuplicate { id: ArticleId(row.id), of: ArticleId(of) },
        None => InsertOutcome::Inserted(Box::new(article_from(row)?)),
    })
}

/// The row for a new article, published unless it copies `first_copy`.
fn new_article_row(
    new: &NewArticle,
    permalink: &Permalink,
    first_copy: Option<i64>,
    sha: String,
    now: DateTime<Utc>,
) -> Result<article::ActiveModel, StoreError> {
    let bands = new.simhash.map(fingerprint::bands);
    let band = |i: usize| Set(bands.map(|b| b[i]));
    let status = if first_copy.is_some() { ArticleStatus::Duplicate } else { ArticleStatus::Published };
    Ok(article::ActiveModel {
        source_id: Set(new.source_id.0),
        feed_id: Set(new.feed_id.map(|f| f.0)),
        guid: Set(new.guid.clone()),
        original_url: Set(new.original_url.clone()),
        title: Set(new.title.clone()),
        author: Set(new.author.clone()),
        summary: Set(new.summary.clone()),
        body_html: Set(new.body_html.clone()),
        language: Set(new.language.clone()),
        published_at: Set(ts(new.published_at)),
        updated_at: Set(new.updated_at.map(ts)),
        permalink: Set(permalink.path()),
        licence: Set(new.licence.id().to_owned()),
        status: Set(status.as_str().to_owned()),
        created_at: Set(ts(now)),
        normalized_url: Set(new.normalized_url.clone()),
        simhash: Set(new.simhash),
        simhash_band0: band(0),
        simhash_band1: band(1),
        simhash_band2: band(2),
        simhash_band3: band(3),
        duplicate_of: Set(first_copy),
        content_sha256: Set(sha),
        media: Set(media_json(&new.media)?),
        ..Default::default()
    })
}

async fn insert_tags(txn: &impl ConnectionTrait, article_id: i64, tags: &[Tag]) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<article_tag::ActiveModel> = tags
        .iter()
        .filter(|t| seen.insert(t.slug.as_str()))
        .map(|t| article_tag::ActiveModel {
            article_id: Set(article_id),
            slug: Set(t.slug.clone()),
            tag: Set(t.name.clone()),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    article_tag::Entity::insert_many(rows).exec(txn).await.map_err(db_err("storing tags"))?;
    Ok(())
}

/// How a query finds the articles that carry a tag (chosen by [`plan_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagPlan {
    /// Gathers the tag's articles from the tag's own index, looks each up and sorts them: for
    /// counting, for a tag few articles carry, and for a page deep into a tag's list.
    Gather,
    /// Walks the articles newest first and keeps those that carry the tag, stopping once the
    /// page is full: for an early page of a tag many articles carry. SQLite, whose sampled
    /// statistics cannot tell a common tag from a rare one, always gathered.
    Walk,
}

/// How a page that ends `end` articles in, of a tag `tagged` of `articles` articles carry,
/// finds them: walked when that costs less than gathering. A walk steps over about
/// `end × articles ÷ tagged` articles, with the tag spread over time; gathering looks up every
/// tagged one, each lookup worth [`LOOKUP_STEPS`] steps.
fn plan_for(end: u64, articles: u64, tagged: u64) -> TagPlan {
    let walked = u128::from(end) * u128::from(articles);
    let gathered = u128::from(LOOKUP_STEPS) * u128::from(tagged) * u128::from(tagged);
    if walked < gathered { TagPlan::Walk } else { TagPlan::Gather }
}

/// What looking up one gathered article costs, in steps of a walk. At a million articles on
/// SQLite, from the timings of [`COUNTED_AT_MOST`]: about 3.8 µs a step (37 ms for some 10,000
/// steps), 33 µs a lookup with the rows in memory and 280 µs read from the file (70 and 594 ms
/// for 2,140).
const LOOKUP_STEPS: u64 = 32;

/// How far a tag's articles are counted to choose a plan: an index read of at most this many
/// entries (17 ms for 100,000 in the sqlite3 shell). A tag carried by more is taken as carried
/// by this many, which can only make a walk look dearer than it is. At a million articles, the
/// first page of a tag 2,140 carry: gathered 70–594 ms, walked 37 ms (the whole request); of a
/// tag 150,000 carry: gathered 5 s, walked under 10 ms (the query alone).
const COUNTED_AT_MOST: u64 = 100_000;

/// Published articles a filter selects.
fn filtered(filter: &ArticleFilter, plan: TagPlan) -> sea_orm::Select<article::Entity> {
    let status = if filter.withdrawn { ArticleStatus::Withdrawn } else { ArticleStatus::Published };
    let mut q = article::Entity::find().filter(article::Column::Status.eq(status.as_str()));
    if let Some(source) = filter.source {
        q = q.filter(article::Column::SourceId.eq(source.0));
    }
    if let Some(from) = filter.from {
        q = q.filter(article::Column::PublishedAt.gte(ts(from)));
    }
    if let Some(until) = filter.until {
        q = q.filter(article::Column::PublishedAt.lt(ts(until)));
    }
    if filter.canonical_here {
        q = q.filter(
            article::Column::SourceId.in_subquery(
                Query::select()
                    .column(source::Column::Id)
                    .from(source::Entity)
                    .and_where(source::Column::IndexPolicy.eq(IndexPolicy::Ours.id()))
                    .to_owned(),
            ),
        );
    }
    if let Some(story) = filter.story {
        q = q.filter(article::Column::StoryId.eq(story.0));
    }
    if filter.one_per_story {
        q = q.filter(article::Column::StoryLead.eq(true));
    }
    if let Some((published, id)) = filter.after {
        let published = ts(published);
        q = q.filter(
            Condition::any().add(article::Column::PublishedAt.lt(published)).add(
                Condition::all()
                    .add(article::Column::PublishedAt.eq(published))
                    .add(article::Column::Id.lt(id.0)),
            ),
        );
    }
    if let Some(slug) = &filter.tag {
        q = q.filter(match plan {
            TagPlan::Gather => article::Column::Id.in_subquery(
                Query::select()
                    .column(article_tag::Column::ArticleId)
                    .from(article_tag::Entity)
                    .and_where(article_tag::Column::Slug.eq(slug.as_str()))
                    .to_owned(),
            ),
            TagPlan::Walk => Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(article_tag::Entity)
                    .and_where(
                        Expr::col((article_tag::Entity, article_tag::Column::ArticleId))
                            .equals((article::Entity, article::Column::Id)),
                    )
                    .and_where(Expr::col((article_tag::Entity, article_tag::Column::Slug)).eq(slug.as_str()))
                    .to_owned(),
            ),
        });
    }
    q.order_by_desc(article::Column::PublishedAt).order_by_desc(article::Column::Id)
}

/// An item whose GUID the source has used before: the same version is a duplicate, another
/// version a revision of the stored article.
///
/// A version seen before coming back is taken only when it holds: two caches out of step serve
/// A, B, A, B … (no edit at all), while an outlet that takes a passage out again serves A, A …
/// So an earlier version is remembered the first time it comes back (`last_seen_key`) and
/// becomes a revision only when the next re-send brings it again.
async fn known_guid(
    txn: &impl ConnectionTrait,
    existing: article::Model,
    new: &NewArticle,
    retr: &NewRetrieval,
    key: String,
) -> Result<InsertOutcome, StoreError> {
    let id = existing.id;
    let set_last_seen = |value: Option<String>| {
        article::Entity::update_many()
            .col_expr(article::Column::LastSeenKey, Expr::value(value))
            .filter(article::Column::Id.eq(id))
            .exec(txn)
    };
    if existing.content_sha256 == key || version_key(&existing.title, &existing.body_html) == key {
        if existing.content_sha256 != key {
            // Kept under an older kind of key: record this one, so the next re-send compares
            // at once.
            article::Entity::update_many()
                .col_expr(article::Column::ContentSha256, Expr::value(key))
                .filter(article::Column::Id.eq(id))
                .exec(txn)
                .await
                .map_err(db_err("recording an article's version key"))?;
        }
        if existing.last_seen_key.is_some() {
            set_last_seen(None).await.map_err(db_err("recording the version seen"))?;
        }
        return Ok(InsertOutcome::Duplicate(ArticleId(id)));
    }
    let earlier = revision::Entity::find()
        .filter(revision::Column::ArticleId.eq(id))
        .all(txn)
        .await
        .map_err(db_err("reading an article's versions"))?;
    let seen_before = earlier.iter().any(|r| r.content_sha256 == key)
        || earlier.iter().any(|r| version_key(&r.title, &r.body_html) == key);
    if seen_before && existing.last_seen_key.as_deref() != Some(key.as_str()) {
        set_last_seen(Some(key)).await.map_err(db_err("recording the version seen"))?;
        return Ok(InsertOutcome::Duplicate(ArticleId(id)));
    }
    revise(txn, existing, new, retr, key, earlier.is_empty()).await
}

/// The source changed the text of an article we have: keep the new text as a revision, show
/// it, and record where it came from. The permalink stays. On the first edit the text as first
/// republished is kept too, with the retrieval that brought it, so every edit has a version
/// before it to compare with.
async fn revise(
    txn: &impl ConnectionTrait,
    existing: article::Model,
    new: &NewArticle,
    retr: &NewRetrieval,
    key: String,
    first_edit: bool,
) -> Result<InsertOutcome, StoreError> {
    let id = existing.id;
    if first_edit {
        let first_retrieval = retrieval::Entity::find()
            .filter(retrieval::Column::ArticleId.eq(id))
            .order_by_asc(retrieval::Column::Id)
            .one(txn)
            .await
            .map_err(db_err("reading an article's first retrieval"))?;
        revision::ActiveModel {
            article_id: Set(id),
            seen_at: Set(first_retrieval.as_ref().map_or(existing.created_at, |r| r.retrieved_at)),
            title: Set(existing.title.clone()),
            body_html: Set(existing.body_html.clone()),
            content_sha256: Set(version_key(&existing.title, &existing.body_html)),
            retrieval_id: Set(first_retrieval.map(|r| r.id)),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(db_err("keeping an article's first version"))?;
    }
    let retrieval = new_retrieval(id, retr).insert(txn).await.map_err(db_err("recording a retrieval"))?;
    revision::ActiveModel {
        article_id: Set(id),
        seen_at: Set(ts(retr.retrieved_at)),
        title: Set(new.title.clone()),
        body_html: Set(new.body_html.clone()),
        content_sha256: Set(key.clone()),
        retrieval_id: Set(Some(retrieval.id)),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(db_err("storing a revision"))?;
    let mut row: article::ActiveModel = existing.into();
    row.title = Set(new.title.clone());
    row.body_html = Set(new.body_html.clone());
    row.summary = Set(new.summary.clone());
    row.updated_at = Set(Some(ts(new.updated_at.unwrap_or(retr.retrieved_at))));
    row.content_sha256 = Set(key);
    row.last_seen_key = Set(None);
    row.media = Set(media_json(&new.media)?);
    row.update(txn).await.map_err(db_err("updating a revised article"))?;
    record_change(txn, id).await?;
    Ok(InsertOutcome::Revised(ArticleId(id)))
}

/// The first permalink not yet issued for this article's day and slug.
async fn free_permalink(db: &impl ConnectionTrait, new: &NewArticle) -> Result<Permalink, StoreError> {
    let base = Permalink::new(new.published_at, slugify(&new.title));
    let prefix = base.path();
    // Most permalinks are free: one indexed lookup. (A prefix match cannot use the index on
    // SQLite, and would read every permalink on every insert.)
    let clash = article::Entity::find()
        .select_only()
        .column(article::Column::Id)
        .filter(article::Column::Permalink.eq(prefix.as_str()))
        .into_tuple::<i64>()
        .one(db)
        .await
        .map_err(db_err("checking permalinks"))?;
    if clash.is_none() {
        return Ok(base);
    }
    let taken: Vec<String> = article::Entity::find()
        .select_only()
        .column(article::Column::Permalink)
        .filter(article::Column::Permalink.starts_with(prefix.as_str()))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err("checking permalinks"))?;
    if !taken.contains(&prefix) {
        return Ok(base);
    }
    let mut n = 2;
    loop {
        let candidate = base.with_clash_suffix(n);
        if !taken.contains(&candidate.path()) {
            return Ok(candidate);
        }
        n += 1;
    }
}

#[async_trait]
impl ArticleStore for SqlStore {
    async fn insert_articles_with_retrieval(
        &self,
        batch: Vec<(NewArticle, NewRetrieval)>,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let mut attempt = 1;
        loop {
            match self.insert_batch_once(&batch).await {
                Err(StoreError::Conflict(what)) if attempt < PERMALINK_RACE_RETRIES => {
                    tracing::debug!(attempt, %what, "permalink race, retrying the batch");
                    attempt += 1;
                }
                Err(StoreError::Missing(_)) => {
                    return Err(StoreError::Missing("the article's source or feed".to_owned()));
                }
                other => return other,
            }
        }
    }

    async fn article_by_id(&self, id: ArticleId) -> Result<Option<ArticleWithSource>, StoreError> {
        let Some(row) = article::Entity::find_by_id(id.0)
            .one(self.reader())
            .await
            .map_err(db_err("reading an article"))?
        else {
            return Ok(None);
        };
        Ok(self.with_sources(vec![row]).await?.pop())
    }

    async fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleWithSource>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        // Bounded lists keep each statement within every engine's limit on parameters.
        for chunk in ids.chunks(500) {
            let rows = article::Entity::find()
                .filter(article::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .all(self.reader())
                .await
                .map_err(db_err("reading articles"))?;
            found.extend(self.with_sources(rows).await?);
        }
        found.sort_by_key(|f| f.article.id);
        Ok(found)
    }

    async fn article_by_permalink(
        &self,
        permalink: &Permalink,
    ) -> Result<Option<ArticleWithSource>, StoreError> {
        let Some(row) = article::Entity::find()
            .filter(article::Column::Permalink.eq(permalink.path()))
            .one(self.reader())
            .await
            .map_err(db_err("reading an article"))?
        else {
            return Ok(None);
        };
        Ok(self.with_sources(vec![row]).await?.pop())
    }

    async fn list_articles(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleWithSource>, StoreError> {
        let total = filtered(filter, TagPlan::Gather)
            .count(self.reader())
            .await
            .map_err(db_err("counting articles"))?;
        let end = page.offset().saturating_add(page.size);
        let rows = filtered(filter, self.tag_plan(filter, end, Some(total)).await?)
            .offset(page.offset())
            .limit(page.size)
            .all(self.reader())
            .await
            .map_err(db_err("listing articles"))?;
        Ok(Page { items: self.with_sources(rows).await?, number: page.number, size: page.size, total })
    }

    async fn list_articles_uncounted(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> Result<(Vec<ArticleWithSource>, bool), StoreError> {
        // One more than a page says whether another follows.
        let end = page.offset().saturating_add(page.size).saturating_add(1);
        let mut rows = filtered(filter, self.tag_plan(filter, end, None).await?)
            .offset(page.offset())
            .limit(page.size.saturating_add(1))
            .all(self.reader())
            .await
            .map_err(db_err("listing articles"))?;
        let more = rows.len() as u64 > page.size;
        rows.truncate(usize::try_from(page.size).unwrap_or(usize::MAX));
        Ok((self.with_sources(rows).await?, more))
    }

    async fn list_articles_window(
        &self,
        filter: &ArticleFilter,
        limit: u64,
    ) -> Result<Vec<ArticleWithSource>, StoreError> {
        let limit = limit.clamp(1, 200);
        let rows = filtered(filter, self.tag_plan(filter, limit, None).await?)
            .limit(limit)
            .all(self.reader())
            .await
            .map_err(db_err("listing articles"))?;
        self.with_sources(rows).await
    }

    async fn list_article_stubs(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleStub>, StoreError> {
        type Row = (i64, String, String, Option<String>, DateTime<Utc>, Option<DateTime<Utc>>);
        let total = filtered(filter, TagPlan::Gather)
            .count(self.reader())
            .await
            .map_err(db_err("counting articles"))?;
        let end = page.offset().saturating_add(page.size);
        let rows: Vec<Row> = filtered(filter, self.tag_plan(filter, end, Some(total)).await?)
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::Permalink)
            .column(article::Column::Title)
            .column(article::Column::Language)
            .column(article::Column::PublishedAt)
            .column(article::Column::UpdatedAt)
            .offset(page.offset())
            .limit(page.size)
            .into_tuple()
            .all(self.reader())
            .await
            .map_err(db_err("listing articles"))?;
        let items = rows
            .into_iter()
            .map(|(id, permalink, title, language, published_at, updated_at)| {
                Ok(ArticleStub {
                    id: ArticleId(id),
                    permalink: Permalink::from_path(&permalink)
                        .ok_or_else(|| corrupt("reading a permalink", permalink.clone()))?,
                    title,
                    language,
                    published_at,
                    updated_at,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page { items, number: page.number, size: page.size, total })
    }

    async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>, StoreError> {
        // The earliest published article's spelling: walked in the tag's index from the front
        // (slug, then article), each checked for being published. `IN (published articles)`
        // gathered every published article first, a million of them, on every tag page.
        let row = article_tag::Entity::find()
            .filter(article_tag::Column::Slug.eq(slug))
            .filter(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(article::Entity)
                    .and_where(
                        Expr::col((article::Entity, article::Column::Id))
                            .equals((article_tag::Entity, article_tag::Column::ArticleId)),
                    )
                    .and_where(
                        Expr::col((article::Entity, article::Column::Status))
                            .eq(ArticleStatus::Published.as_str()),
                    )
                    .to_owned(),
            ))
            .order_by_asc(article_tag::Column::ArticleId)
            .one(self.reader())
            .await
            .map_err(db_err("reading a tag"))?;
        Ok(row.map(|r| Tag { name: r.tag, slug: r.slug }))
    }

    async fn set_article_withdrawn(
        &self,
        id: ArticleId,
        withdrawal: Option<Withdrawal>,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let (status, at, reason) = match withdrawal {
            Some(w) => (ArticleStatus::Withdrawn, Some(ts(w.at)), Some(w.reason)),
            None => (ArticleStatus::Published, None, None),
        };
        let result = article::Entity::update_many()
            .col_expr(article::Column::Status, Expr::value(status.as_str()))
            .col_expr(article::Column::WithdrawnAt, Expr::value(at))
            .col_expr(article::Column::WithdrawnReason, Expr::value(reason))
            .filter(article::Column::Id.eq(id.0))
            .filter(article::Column::Status.ne(ArticleStatus::Duplicate.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err("withdrawing an article"))?;
        if result.rows_affected == 0 {
            return Ok(false);
        }
        record_change(&txn, id.0).await?;
        refresh_stories_of(&txn, &[id.0]).await?;
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing a withdrawal"))?;
        Ok(true)
    }

    async fn existing_guids(&self, source: SourceId, guids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        // Bounded IN lists: engines cap the number of bound parameters.
        for chunk in guids.chunks(500) {
            let rows: Vec<String> = article::Entity::find()
                .select_only()
                .column(article::Column::Guid)
                .filter(article::Column::SourceId.eq(source.0))
                .filter(article::Column::Guid.is_in(chunk.iter().map(String::as_str)))
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_err("looking up stored items"))?;
            found.extend(rows);
        }
        Ok(found)
    }

    async fn revisions_for_article(&self, id: ArticleId) -> Result<Vec<Revision>, StoreError> {
        Ok(revision::Entity::find()
            .filter(revision::Column::ArticleId.eq(id.0))
            .order_by_asc(revision::Column::Id)
            .all(self.reader())
            .await
            .map_err(db_err("listing revisions"))?
            .into_iter()
            .map(|r| Revision {
                id: r.id,
                article_id: ArticleId(r.article_id),
                seen_at: r.seen_at,
                title: r.title,
                body_html: r.body_html,
                content_sha256: r.content_sha256,
                retrieval_id: r.retrieval_id,
            })
            .collect())
    }

    async fn retrievals_for_article(&self, id: ArticleId) -> Result<Vec<Retrieval>, StoreError> {
        Ok(retrieval::Entity::find()
            .filter(retrieval::Column::ArticleId.eq(id.0))
            .order_by_asc(retrieval::Column::RetrievedAt)
            .order_by_asc(retrieval::Column::Id)
            .all(self.reader())
            .await
            .map_err(db_err("listing retrievals"))?
            .into_iter()
            .map(|row| Retrieval {
                id: row.id,
                article_id: ArticleId(row.article_id),
                location: row.location,
                retrieved_at: row.retrieved_at,
                http_status: row.http_status,
                sha256: row.sha256,
            })
            .collect())
    }

    async fn revision_times(
        &self,
        ids: &[ArticleId],
    ) -> Result<Vec<(ArticleId, i64, DateTime<Utc>)>, StoreError> {
        let mut times = Vec::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, i64, DateTime<Utc>)> = revision::Entity::find()
                .select_only()
                .column(revision::Column::ArticleId)
                .column(revision::Column::Id)
                .column(revision::Column::SeenAt)
                .filter(revision::Column::ArticleId.is_in(chunk.iter().map(|id| id.0)))
                .order_by_asc(revision::Column::Id)
                .into_tuple()
                .all(self.reader())
                .await
                .map_err(db_err("listing revisions' times"))?;
            times.extend(rows.into_iter().map(|(article, id, at)| (ArticleId(article), id, at)));
        }
        Ok(times)
    }

    async fn set_facts(&self, facts: &[(ArticleId, Facts)]) -> Result<(), StoreError> {
        self.replace_facts(facts).await
    }

    async fn facts_for_articles(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, Facts)>, StoreError> {
        self.read_facts(ids).await
    }

    async fn schedule_recheck(&self, recheck: Recheck) -> Result<(), StoreError> {
        self.upsert_recheck(recheck).await
    }

    async fn claim_due_rechecks(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Recheck>, StoreError> {
        self.claim_rechecks(now, limit, lease_until).await
    }

    async fn finish_recheck(
        &self,
        id: ArticleId,
        claimed: DateTime<Utc>,
        next: Option<Recheck>,
    ) -> Result<(), StoreError> {
        self.end_recheck(id, claimed, next).await
    }

    async fn recheck_for_article(&self, id: ArticleId) -> Result<Option<Recheck>, StoreError> {
        self.recheck_of(id).await
    }

    async fn published_articles_after(
        &self,
        after: ArticleId,
        limit: u64,
    ) -> Result<Vec<ArticleWithSource>, StoreError> {
        let rows = article::Entity::find()
            .filter(article::Column::Status.eq(ArticleStatus::Published.as_str()))
            .filter(article::Column::Id.gt(after.0))
            .order_by_asc(article::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err("listing articles"))?;
        self.with_sources(rows).await
    }

    async fn count_published(&self) -> Result<u64, StoreError> {
        article::Entity::find()
            .filter(article::Column::Status.eq(ArticleStatus::Published.as_str()))
            .count(&self.db)
            .await
            .map_err(db_err("counting articles"))
    }
}

#[cfg(test)]
mod tests {
    use super::{COUNTED_AT_MOST, TagPlan, plan_for};

    #[test]
    fn early_pages_of_common_tags_walk_and_deep_pages_and_rare_tags_gather() {
        let million = 1_000_000;
        // The first page of the commonest tag (150,000 of a million, counted as 100,000).
        assert_eq!(plan_for(21, million, COUNTED_AT_MOST), TagPlan::Walk);
        // Of a tag 2,140 carry: 21 million steps against 32 × 2,140² ≈ 147 million.
        assert_eq!(plan_for(21, million, 2_140), TagPlan::Walk);
        // Its tenth page: 201 million steps, more than gathering.
        assert_eq!(plan_for(201, million, 2_140), TagPlan::Gather);
        // A tag a handful carry, and one nobody does.
        assert_eq!(plan_for(21, million, 5), TagPlan::Gather);
        assert_eq!(plan_for(21, million, 0), TagPlan::Gather);
        // The contract test's "ports" (2,100 of 2,400) walks to its last page; "locks" gathers.
        assert_eq!(plan_for(2_101, 2_400, 2_100), TagPlan::Walk);
        assert_eq!(plan_for(21, 2_400, 5), TagPlan::Gather);
        // Nothing overflows at the deepest page and the most articles.
        assert_eq!(plan_for(u64::MAX, u64::MAX, COUNTED_AT_MOST), TagPlan::Gather);
    }
}
