//! [`SqlStore`]: the storage contracts over SQLite and PostgreSQL with one query code path.
//!
//! This module holds the store itself (connecting, migrating, closing) and what the queries
//! of every aggregate share: error mapping, timestamp precision, and the row conversions more
//! than one aggregate reads. Each aggregate's SQL is in a module of its own, with its one
//! trait `impl` and the conversions only it uses: `settings` ([`SettingStore`]), `sources`
//! ([`SourceStore`]: sources and feeds), `articles` ([`ArticleStore`], with `articles::batch`
//! storing a feed's worth at once), `accounts` ([`AccountStore`]: users, invitations, sessions),
//! `timeline` ([`TimelineStore`]: updates and attachments), `changes` ([`ChangeStore`]),
//! `audit` ([`AuditStore`]), `websub` ([`WebSubStore`]: WebSub as hub and as subscriber) and
//! `coordination` ([`CoordinationStore`]: host slots and rate-limit counters shared by processes).
//! Calls that change several aggregates in one transaction (a withdrawal is audited and joins
//! the change sequence) use the owning module's helpers.
//!
//! [`SettingStore`]: freewire_core::SettingStore
//! [`SourceStore`]: freewire_core::SourceStore
//! [`ArticleStore`]: freewire_core::ArticleStore
//! [`AccountStore`]: freewire_core::AccountStore
//! [`TimelineStore`]: freewire_core::TimelineStore
//! [`ChangeStore`]: freewire_core::ChangeStore
//! [`AuditStore`]: freewire_core::AuditStore
//! [`WebSubStore`]: freewire_core::WebSubStore
//! [`CoordinationStore`]: freewire_core::CoordinationStore

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use freewire_core::model::{Source, SourceId};
use freewire_core::{Licence, StoreError};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqlErr};
use sea_orm_migration::MigratorTrait;

use crate::engine::Engine;
use crate::entity::source;
use crate::migration::Migrator;

mod accounts;
mod articles;
mod audit;
mod changes;
mod coordination;
mod settings;
mod sources;
mod stories;
mod timeline;
mod websub;

/// A lock key for migrations, so that several processes starting on one PostgreSQL database
/// migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x0066_7265_6577_6972; // "freewir"

/// The store over a SQL database.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
    /// Read-only connections to an SQLite file beside its one writer (WAL lets them read while
    /// it writes): pages read from these, so a page is never queued behind an import's
    /// transaction or another page's queries. None on PostgreSQL, whose pool does both.
    read: Option<DatabaseConnection>,
    engine: Engine,
}

/// Wraps a database error with what we were doing; unique and foreign-key violations become
/// the contract's own variants.
fn db_err(context: &'static str) -> impl FnOnce(DbErr) -> StoreError {
    move |err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(context.to_owned()),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => StoreError::Missing(context.to_owned()),
        _ if disk_full(&err) => StoreError::Full { context, message: err.to_string() },
        _ if unreachable(&err) => StoreError::Unreachable { context, message: err.to_string() },
        _ => StoreError::Backend { context, message: err.to_string() },
    }
}

/// Whether the database refused because its disk is full: SQLite's `SQLITE_FULL` (13), or
/// PostgreSQL's `disk_full` (SQLSTATE 53100).
fn disk_full(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            Sqlx::Database(db) => matches!(db.code().as_deref(), Some("13" | "53100")),
            Sqlx::Io(io) => crate::blob::is_disk_full(io),
            _ => false,
        },
        _ => false,
    }
}

/// Whether the error says the database could not be reached, rather than that it refused.
fn unreachable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => matches!(
            e.as_ref(),
            Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed
        ),
        _ => false,
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

#[async_trait::async_trait]
impl freewire_core::HealthStore for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(db_err("reaching the database"))
    }

    fn pool_status(&self) -> freewire_core::PoolStatus {
        let (open, idle, max) = match self.engine {
            Engine::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
            Engine::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
        };
        freewire_core::PoolStatus { open, idle: u32::try_from(idle).unwrap_or(u32::MAX), max }
    }
}

impl SqlStore {
    /// Connects to the database a URL names, creating an SQLite file if missing, and brings
    /// its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let engine = Engine::for_url(url).map_err(|e| corrupt("database URL", e.to_string()))?;
        let db = Database::connect(connect_options(url, engine, false))
            .await
            .map_err(db_err("connecting to the database"))?;
        let mut store = SqlStore { db, read: None, engine };
        store.migrate(url).await?;
        store.optimize().await?;
        // Opened once the file exists and its schema is current.
        if engine == Engine::Sqlite && !in_memory(url) {
            let readers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
            let read = Database::connect(read_options(url, readers))
                .await
                .map_err(db_err("opening the database for reading"))?;
            store.read = Some(read);
        }
        Ok(store)
    }

    /// Where pages and other reads that need no transaction go: the read-only connections
    /// when there are any, else the one pool.
    pub(crate) fn reader(&self) -> &DatabaseConnection {
        self.read.as_ref().unwrap_or(&self.db)
    }

    /// Keeps SQLite's query planner informed of the tables' shapes, as SQLite advises for a
    /// long-lived connection: at start-up and then now and then (the hourly housekeeping).
    ///
    /// Without statistics the planner guesses, and a wrong guess grows with the site: one
    /// story's reports were read by walking every published article (60 ms a page at 20,000).
    /// A database with no statistics of its articles (every one stored before this ran, and a
    /// new one until it has articles) is analysed; after that `PRAGMA optimize` analyses again
    /// only the tables that grew or shrank much. Both sample at most `analysis_limit` rows of
    /// each index (at most 30 ms for the articles at a million, measured). PostgreSQL keeps its own statistics.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        if self.engine != Engine::Sqlite {
            return Ok(());
        }
        let analysed = self
            .any_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
            .await?
            && self.any_row("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'articles' AND stat IS NOT NULL").await?;
        let sql = if analysed { "PRAGMA optimize=0x10002" } else { "ANALYZE" };
        self.db.execute_unprepared(sql).await.map_err(db_err("updating the planner's statistics"))?;
        Ok(())
    }

    /// Whether `sql` finds any row (for the planner's statistics).
    async fn any_row(&self, sql: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_one_raw(sea_orm::Statement::from_string(self.db.get_database_backend(), sql))
            .await
            .map_err(db_err("reading the planner's statistics"))?
            .is_some())
    }

    /// Which engine this store runs on.
    #[must_use]
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Closes the connection pools.
    pub async fn close(self) -> Result<(), StoreError> {
        if let Some(read) = self.read {
            read.close().await.map_err(db_err("closing the database"))?;
        }
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
                    // ANALYZE and `PRAGMA optimize` read this many rows of an index at most
                    // (see `SqlStore::optimize`): at most 30 ms for the articles at a million.
                    .pragma("analysis_limit", "1000")
            });
        }
        Engine::Postgres => {
            // A server that is down or restarting answers readers within seconds (503, try
            // again) instead of holding them; the pool reconnects by itself when it is back.
            opts.max_connections(if single { 1 } else { 16 })
                .min_connections(u32::from(single))
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(Duration::from_secs(5));
        }
    }
    opts
}

/// Whether an SQLite URL names a database that lives in this process's memory only (another
/// connection would open another database).
fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The read-only connections to an SQLite file (see [`SqlStore::reader`]).
fn read_options(url: &str, readers: usize) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(u32::try_from(readers).unwrap_or(2))
        .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
            // The file is in WAL mode already (the writer made it so); a reader changes nothing.
            o.read_only(true)
                .create_if_missing(false)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-16384")
        });
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
