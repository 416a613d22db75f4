//! [`SqlStore`]: the [`Store`] contract over SQLite and PostgreSQL with one query code path.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use freewire_core::fingerprint;
use freewire_core::model::{
    Article, ArticleId, ArticleStatus, ArticleWithSource, Attachment, AttachmentId, AuditEntry, Change, Feed,
    FeedId, FeedPollUpdate, Hidden, InsertOutcome, Invite, NewArticle, NewAttachment, NewAuditEntry, NewFeed,
    NewRetrieval, NewSource, NewUpdate, NewUser, Page, PageRequest, Retrieval, Revision, Session, Source,
    SourceId, SourceTerms, Tag, TimelineEntry, Update, UpdateId, User, UserId, Withdrawal,
};
use freewire_core::{
    ArticleFilter, ArticleStub, IndexPolicy, Licence, Permalink, Store, StoreError, slugify,
};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Order, Query};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectOptions, ConnectionTrait, Database,
    DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::engine::Engine;
use crate::entity::{
    article, article_tag, attachment, audit, change, feed, invite, recovery_code, retrieval, revision,
    session, setting, source, update, user,
};
use crate::migration::Migrator;

mod batch;

/// How many times a batch of articles is retried when another process issued the same
/// permalink between our check and our insert.
const PERMALINK_RACE_RETRIES: u32 = 3;

/// A lock key for migrations, so that several processes starting on one PostgreSQL database
/// migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x0066_7265_6577_6972; // "freewir"

/// The store over a SQL database.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
    engine: Engine,
}

/// Wraps a database error with what we were doing; unique and foreign-key violations become
/// the contract's own variants.
fn db_err(context: &'static str) -> impl FnOnce(DbErr) -> StoreError {
    move |err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(context.to_owned()),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => StoreError::Missing(context.to_owned()),
        _ => StoreError::Backend { context, message: err.to_string() },
    }
}

/// A failed migration keeps the database's own words: they name the table or index at fault.
#[expect(clippy::needless_pass_by_value, reason = "the shape map_err asks for")]
fn migration_err(err: DbErr) -> StoreError {
    StoreError::Backend { context: "migrating the schema", message: err.to_string() }
}

fn corrupt(context: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Backend { context, message: message.into() }
}

/// Timestamps are kept to the microsecond, PostgreSQL's precision, so both engines return
/// exactly what was stored.
fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

impl SqlStore {
    /// Connects to the database a URL names, creating an SQLite file if missing, and brings
    /// its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let engine = Engine::for_url(url).map_err(|e| corrupt("database URL", e.to_string()))?;
        let db = Database::connect(connect_options(url, engine, false))
            .await
            .map_err(db_err("connecting to the database"))?;
        let store = SqlStore { db, engine };
        store.migrate(url).await?;
        Ok(store)
    }

    /// Which engine this store runs on.
    #[must_use]
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Closes the connection pool.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(db_err("closing the database"))
    }

    async fn migrate(&self, url: &str) -> Result<(), StoreError> {
        match self.engine {
            // One connection and a single writer: nothing else can migrate concurrently.
            Engine::Sqlite => Migrator::up(&self.db, None).await.map_err(migration_err),
            // Several processes may start together on one server: migrate on one dedicated
            // connection that holds an advisory lock meanwhile.
            Engine::Postgres => {
                let single = Database::connect(connect_options(url, self.engine, true))
                    .await
                    .map_err(db_err("connecting to migrate"))?;
                single
                    .execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                    .await
                    .map_err(db_err("waiting for the migration lock"))?;
                let result = Migrator::up(&single, None).await.map_err(migration_err);
                let _ = single
                    .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                    .await;
                let _ = single.close().await;
                result
            }
        }
    }
}

fn connect_options(url: &str, engine: Engine, single: bool) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    match engine {
        Engine::Sqlite => {
            // SQLite has one writer; one pooled connection avoids lock upgrades failing with
            // SQLITE_BUSY inside transactions, and WAL keeps readers of the file unblocked.
            opts.max_connections(1).map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // SQLite's own page cache, grown as used up to 32 MiB (the default is
                    // 2 MiB): with a million articles the lookups that judge each new item
                    // otherwise copy the same index pages from the kernel over and over.
                    .pragma("cache_size", "-32768")
            });
        }
        Engine::Postgres => {
            opts.max_connections(if single { 1 } else { 16 }).min_connections(u32::from(single));
        }
    }
    opts
}

// ---------------------------------------------------------------------------------------------
// Row → domain conversions. A row that does not convert means a database written by something
// other than this code; it is reported, never guessed at.

fn licence_of(text: &str) -> Result<Licence, StoreError> {
    text.parse()
        .map_err(|e: freewire_core::licence::UnknownLicence| corrupt("reading a licence", e.to_string()))
}

fn source_from(row: source::Model) -> Result<Source, StoreError> {
    Ok(Source {
        id: SourceId(row.id),
        licence: licence_of(&row.licence)?,
        name: row.name,
        homepage: row.homepage,
        credit: row.credit,
        index_policy: row
            .index_policy
            .parse()
            .map_err(|e: String| corrupt("reading a source's index policy", e))?,
        created_at: row.created_at,
    })
}

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
    }
}

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
    })
}

fn media_json(media: &[freewire_core::Media]) -> Result<String, StoreError> {
    serde_json::to_string(media).map_err(|e| corrupt("writing an article's media", e.to_string()))
}

fn content_sha256(body_html: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(body_html.as_bytes()))
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

fn user_from(row: user::Model) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(row.id),
        role: row.role.parse().map_err(|e: String| corrupt("reading a role", e))?,
        username: row.username,
        email: row.email,
        password_hash: row.password_hash,
        created_at: row.created_at,
        totp_secret: row.totp_secret,
    })
}

fn invite_from(row: invite::Model) -> Result<Invite, StoreError> {
    Ok(Invite {
        role: row.role.parse().map_err(|e: String| corrupt("reading an invitation's role", e))?,
        token_hash: row.token_hash,
        created_by: UserId(row.created_by),
        created_at: row.created_at,
        expires_at: row.expires_at,
        used_at: row.used_at,
    })
}

fn session_from(row: session::Model) -> Session {
    Session {
        token_hash: row.token_hash,
        user_id: UserId(row.user_id),
        csrf_token: row.csrf_token,
        created_at: row.created_at,
        expires_at: row.expires_at,
        user_agent: row.user_agent,
        pending_second_factor: row.pending_second_factor,
    }
}

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

fn audit_row(entry: NewAuditEntry, at: DateTime<Utc>) -> audit::ActiveModel {
    audit::ActiveModel {
        at: Set(ts(at)),
        actor_id: Set(entry.actor_id.0),
        action: Set(entry.action),
        target: Set(entry.target),
        detail: Set(entry.detail),
        ..Default::default()
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

impl SqlStore {
    /// Attaches each article's source, fetched in one query.
    async fn with_sources(&self, rows: Vec<article::Model>) -> Result<Vec<ArticleWithSource>, StoreError> {
        let mut ids: Vec<i64> = rows.iter().map(|r| r.source_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let sources: HashMap<i64, Source> = source::Entity::find()
            .filter(source::Column::Id.is_in(ids))
            .all(&self.db)
            .await
            .map_err(db_err("reading sources"))?
            .into_iter()
            .map(|row| source_from(row).map(|s| (s.id.0, s)))
            .collect::<Result<_, _>>()?;
        let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
        for row in article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(article_tag::Column::Tag)
            .all(&self.db)
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
    let sha = content_sha256(&new.body_html);
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

/// Appends an article to the change sequence, in the caller's transaction.
async fn record_change(txn: &impl ConnectionTrait, article_id: i64) -> Result<(), StoreError> {
    change::ActiveModel { article_id: Set(article_id), at: Set(ts(Utc::now())), ..Default::default() }
        .insert(txn)
        .await
        .map_err(db_err("recording a change"))?;
    Ok(())
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

/// Published articles a filter selects.
fn filtered(filter: &ArticleFilter) -> sea_orm::Select<article::Entity> {
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
    if let Some(slug) = &filter.tag {
        q = q.filter(
            article::Column::Id.in_subquery(
                Query::select()
                    .column(article_tag::Column::ArticleId)
                    .from(article_tag::Entity)
                    .and_where(article_tag::Column::Slug.eq(slug.as_str()))
                    .to_owned(),
            ),
        );
    }
    q.order_by_desc(article::Column::PublishedAt).order_by_desc(article::Column::Id)
}

/// An item whose GUID the source has used before: the same text is a duplicate, other text a
/// revision of the stored article.
async fn known_guid(
    txn: &impl ConnectionTrait,
    existing: article::Model,
    new: &NewArticle,
    retr: &NewRetrieval,
    sha: String,
) -> Result<InsertOutcome, StoreError> {
    let stored_sha = if existing.content_sha256.is_empty() {
        content_sha256(&existing.body_html)
    } else {
        existing.content_sha256.clone()
    };
    if stored_sha == sha {
        return Ok(InsertOutcome::Duplicate(ArticleId(existing.id)));
    }
    revise(txn, existing, new, retr, sha).await
}

/// The source changed the text of an article we have: keep the new text as a revision, show
/// it, and record where it came from. The permalink stays.
async fn revise(
    txn: &impl ConnectionTrait,
    existing: article::Model,
    new: &NewArticle,
    retr: &NewRetrieval,
    sha: String,
) -> Result<InsertOutcome, StoreError> {
    let id = existing.id;
    revision::ActiveModel {
        article_id: Set(id),
        seen_at: Set(ts(retr.retrieved_at)),
        title: Set(new.title.clone()),
        body_html: Set(new.body_html.clone()),
        content_sha256: Set(sha.clone()),
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
    row.content_sha256 = Set(sha);
    row.media = Set(media_json(&new.media)?);
    row.update(txn).await.map_err(db_err("updating a revised article"))?;
    new_retrieval(id, retr).insert(txn).await.map_err(db_err("recording a retrieval"))?;
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
impl Store for SqlStore {
    async fn setting_by_key(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(setting::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await
            .map_err(db_err("reading a setting"))?
            .map(|row| row.value))
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value.to_owned()),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(&self.db)
        .await
        .map_err(db_err("storing a setting"))?;
        self.setting_by_key(key)
            .await?
            .ok_or_else(|| corrupt("storing a setting", format!("{key} vanished after insert")))
    }

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
            .all(&self.db)
            .await
            .map_err(db_err("listing sources"))?
            .into_iter()
            .map(source_from)
            .collect()
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
            other @ StoreError::Backend { .. } => other,
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

    async fn update_feed_after_poll(&self, id: FeedId, u: FeedPollUpdate) -> Result<(), StoreError> {
        let Some(row) =
            feed::Entity::find_by_id(id.0).one(&self.db).await.map_err(db_err("reading a feed"))?
        else {
            return Err(StoreError::Missing(format!("feed {id}")));
        };
        let mut row: feed::ActiveModel = row.into();
        if let Some(url) = u.new_url {
            row.url = Set(url);
        }
        if u.title.is_some() {
            row.title = Set(u.title);
        }
        if u.success {
            row.etag = Set(u.etag);
            row.last_modified = Set(u.last_modified);
            row.last_success_at = Set(Some(ts(u.polled_at)));
        }
        row.last_polled_at = Set(Some(ts(u.polled_at)));
        row.next_poll_at = Set(ts(u.next_poll_at));
        row.poll_interval_secs = Set(u.poll_interval_secs);
        row.error_count = Set(u.error_count);
        row.last_error = Set(u.last_error);
        row.last_status = Set(u.last_status);
        row.update(&self.db).await.map_err(|e| match db_err("feed")(e) {
            StoreError::Conflict(_) => StoreError::Conflict("a feed at the redirected address".to_owned()),
            other => other,
        })?;
        Ok(())
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
            .all(&self.db)
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
            })
            .collect())
    }

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
        let Some(row) =
            article::Entity::find_by_id(id.0).one(&self.db).await.map_err(db_err("reading an article"))?
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
                .all(&self.db)
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
            .one(&self.db)
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
        let total = filtered(filter).count(&self.db).await.map_err(db_err("counting articles"))?;
        let rows = filtered(filter)
            .offset(page.offset())
            .limit(page.size)
            .all(&self.db)
            .await
            .map_err(db_err("listing articles"))?;
        Ok(Page { items: self.with_sources(rows).await?, number: page.number, size: page.size, total })
    }

    async fn list_article_stubs(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleStub>, StoreError> {
        type Row = (i64, String, String, Option<String>, DateTime<Utc>, Option<DateTime<Utc>>);
        let total = filtered(filter).count(&self.db).await.map_err(db_err("counting articles"))?;
        let rows: Vec<Row> = filtered(filter)
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
            .all(&self.db)
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
        let row = article_tag::Entity::find()
            .filter(article_tag::Column::Slug.eq(slug))
            .filter(
                article_tag::Column::ArticleId.in_subquery(
                    Query::select()
                        .column(article::Column::Id)
                        .from(article::Entity)
                        .and_where(article::Column::Status.eq(ArticleStatus::Published.as_str()))
                        .to_owned(),
                ),
            )
            .order_by_asc(article_tag::Column::ArticleId)
            .one(&self.db)
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
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing a withdrawal"))?;
        Ok(true)
    }

    async fn update_source_terms(
        &self,
        id: SourceId,
        terms: SourceTerms,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let result = source::Entity::update_many()
            .col_expr(source::Column::Homepage, Expr::value(terms.homepage))
            .col_expr(source::Column::Licence, Expr::value(terms.licence.id()))
            .col_expr(source::Column::Credit, Expr::value(terms.credit))
            .col_expr(source::Column::IndexPolicy, Expr::value(terms.index_policy.id()))
            .filter(source::Column::Id.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_err("changing a source's terms"))?;
        if result.rows_affected == 0 {
            return Ok(false);
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
        let now = ts(Utc::now());
        for chunk in ids.chunks(500) {
            let rows = chunk.iter().map(|&article_id| change::ActiveModel {
                article_id: Set(article_id),
                at: Set(now),
                ..Default::default()
            });
            change::Entity::insert_many(rows).exec(&txn).await.map_err(db_err("recording changes"))?;
        }
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing a source's terms"))?;
        Ok(true)
    }

    async fn retrievals_for_article(&self, id: ArticleId) -> Result<Vec<Retrieval>, StoreError> {
        Ok(retrieval::Entity::find()
            .filter(retrieval::Column::ArticleId.eq(id.0))
            .order_by_asc(retrieval::Column::RetrievedAt)
            .order_by_asc(retrieval::Column::Id)
            .all(&self.db)
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

    async fn insert_user(&self, new: NewUser) -> Result<User, StoreError> {
        let row = user::ActiveModel {
            username: Set(new.username.clone()),
            email: Set(new.email),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_owned()),
            created_at: Set(ts(Utc::now())),
            totp_secret: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| match db_err("user")(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a user named {:?}", new.username)),
            other => other,
        })?;
        user_from(row)
    }

    async fn insert_invite(&self, i: Invite) -> Result<(), StoreError> {
        invite::ActiveModel {
            token_hash: Set(i.token_hash),
            created_by: Set(i.created_by.0),
            role: Set(i.role.as_str().to_owned()),
            created_at: Set(ts(i.created_at)),
            expires_at: Set(ts(i.expires_at)),
            used_at: Set(i.used_at.map(ts)),
            used_by: Set(None),
        }
        .insert(&self.db)
        .await
        .map_err(db_err("an invitation"))?;
        Ok(())
    }

    async fn open_invites(&self, now: DateTime<Utc>) -> Result<Vec<Invite>, StoreError> {
        invite::Entity::find()
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(ts(now)))
            .order_by_desc(invite::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(db_err("listing invitations"))?
            .into_iter()
            .map(invite_from)
            .collect()
    }

    async fn invite_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Invite>, StoreError> {
        invite::Entity::find_by_id(token_hash.to_owned())
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(ts(now)))
            .one(&self.db)
            .await
            .map_err(db_err("reading an invitation"))?
            .map(invite_from)
            .transpose()
    }

    async fn insert_user_with_invite(
        &self,
        new: NewUser,
        invite_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let row = user::ActiveModel {
            username: Set(new.username.clone()),
            email: Set(new.email),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_owned()),
            created_at: Set(ts(now)),
            totp_secret: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| match db_err("user")(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a user named {:?}", new.username)),
            other => other,
        })?;
        // Spent in the same statement that checks it: one invitation makes one account.
        let spent = invite::Entity::update_many()
            .col_expr(invite::Column::UsedAt, Expr::value(Some(ts(now))))
            .col_expr(invite::Column::UsedBy, Expr::value(Some(row.id)))
            .filter(invite::Column::TokenHash.eq(invite_token_hash))
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(ts(now)))
            .exec(&txn)
            .await
            .map_err(db_err("spending an invitation"))?;
        if spent.rows_affected != 1 {
            return Err(StoreError::Missing("a valid invitation".to_owned()));
        }
        txn.commit().await.map_err(db_err("committing a registration"))?;
        user_from(row)
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.db)
            .await
            .map_err(db_err("reading a user"))?
            .map(user_from)
            .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        user::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err("reading a user"))?
            .map(user_from)
            .transpose()
    }

    async fn insert_session(&self, s: Session) -> Result<(), StoreError> {
        session::ActiveModel {
            token_hash: Set(s.token_hash),
            user_id: Set(s.user_id.0),
            csrf_token: Set(s.csrf_token),
            created_at: Set(ts(s.created_at)),
            expires_at: Set(ts(s.expires_at)),
            user_agent: Set(s.user_agent),
            pending_second_factor: Set(s.pending_second_factor),
        }
        .insert(&self.db)
        .await
        .map_err(|e| match db_err("session")(e) {
            StoreError::Missing(_) => StoreError::Missing(format!("user {}", s.user_id)),
            other => other,
        })?;
        Ok(())
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let Some(row) = session::Entity::find_by_id(token_hash.to_owned())
            .filter(session::Column::ExpiresAt.gt(ts(now)))
            .one(&self.db)
            .await
            .map_err(db_err("reading a session"))?
        else {
            return Ok(None);
        };
        let Some(user) = self.user_by_id(UserId(row.user_id)).await? else {
            return Ok(None);
        };
        Ok(Some((session_from(row), user)))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        session::Entity::delete_by_id(token_hash.to_owned())
            .exec(&self.db)
            .await
            .map_err(db_err("ending a session"))?;
        Ok(())
    }

    async fn sessions_for_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError> {
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(user.0))
            .filter(session::Column::ExpiresAt.gt(ts(now)))
            .order_by_desc(session::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(db_err("listing sessions"))?
            .into_iter()
            .map(session_from)
            .collect())
    }

    async fn delete_sessions_for_user(&self, user: UserId, keep: Option<&str>) -> Result<u64, StoreError> {
        let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user.0));
        if let Some(keep) = keep {
            delete = delete.filter(session::Column::TokenHash.ne(keep));
        }
        Ok(delete.exec(&self.db).await.map_err(db_err("ending sessions"))?.rows_affected)
    }

    async fn enable_totp(
        &self,
        user: UserId,
        secret: String,
        recovery_hashes: Vec<String>,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let result = user::Entity::update_many()
            .col_expr(user::Column::TotpSecret, Expr::value(Some(secret)))
            .filter(user::Column::Id.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("turning two-factor sign-in on"))?;
        if result.rows_affected == 0 {
            return Err(StoreError::Missing(format!("user {user}")));
        }
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("replacing recovery codes"))?;
        for hash in recovery_hashes {
            recovery_code::ActiveModel {
                user_id: Set(user.0),
                code_hash: Set(hash),
                used_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(db_err("storing a recovery code"))?;
        }
        txn.commit().await.map_err(db_err("committing two-factor sign-in"))
    }

    async fn disable_totp(&self, user: UserId) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        user::Entity::update_many()
            .col_expr(user::Column::TotpSecret, Expr::value(Option::<String>::None))
            .filter(user::Column::Id.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("turning two-factor sign-in off"))?;
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err("removing recovery codes"))?;
        txn.commit().await.map_err(db_err("committing two-factor sign-in"))
    }

    async fn use_recovery_code(&self, user: UserId, code_hash: &str) -> Result<bool, StoreError> {
        // One statement: two simultaneous uses of the same code cannot both succeed.
        let result = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(ts(Utc::now()))))
            .filter(recovery_code::Column::UserId.eq(user.0))
            .filter(recovery_code::Column::CodeHash.eq(code_hash))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(db_err("using a recovery code"))?;
        Ok(result.rows_affected == 1)
    }

    async fn update_password(&self, user: UserId, password_hash: String) -> Result<bool, StoreError> {
        let result = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .filter(user::Column::Id.eq(user.0))
            .exec(&self.db)
            .await
            .map_err(db_err("changing a password"))?;
        Ok(result.rows_affected > 0)
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(ts(now)))
            .exec(&self.db)
            .await
            .map_err(db_err("removing expired sessions"))?
            .rows_affected)
    }

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
            other @ (StoreError::Conflict(_) | StoreError::Backend { .. }) => other,
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
            .all(&self.db)
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
            .all(&self.db)
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
                .all(&self.db)
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
        Ok(last.unwrap_or(0))
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

    async fn insert_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError> {
        audit_row(entry, Utc::now()).insert(&self.db).await.map_err(db_err("recording an act"))?;
        Ok(())
    }

    async fn list_audit(&self, page: PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        let total = audit::Entity::find().count(&self.db).await.map_err(db_err("counting the audit log"))?;
        let rows = audit::Entity::find()
            .order_by_desc(audit::Column::At)
            .order_by_desc(audit::Column::Id)
            .offset(page.offset())
            .limit(page.size)
            .all(&self.db)
            .await
            .map_err(db_err("reading the audit log"))?;
        let ids: Vec<i64> = rows.iter().map(|r| r.actor_id).collect();
        let names: HashMap<i64, String> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Username)
            .filter(user::Column::Id.is_in(ids))
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await
            .map_err(db_err("reading actors"))?
            .into_iter()
            .collect();
        let items = rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor_id: UserId(r.actor_id),
                actor: names.get(&r.actor_id).cloned().unwrap_or_else(|| format!("user {}", r.actor_id)),
                action: r.action,
                target: r.target,
                detail: r.detail,
            })
            .collect();
        Ok(Page { items, number: page.number, size: page.size, total })
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
