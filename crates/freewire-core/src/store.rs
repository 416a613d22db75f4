//! The storage contracts: [`Store`] for rows, [`BlobStore`] for uploaded files. The web and
//! ingest layers are written against these traits; the engines live in `freewire-store`.
//!
//! [`Store`] is the sum of one trait per aggregate, each in its own module: [`SettingStore`],
//! [`SourceStore`] (sources and feeds), [`ArticleStore`], [`StoryStore`], [`AccountStore`] (users, invitations,
//! sessions), [`TimelineStore`] (updates and attachments), [`ChangeStore`] (the change
//! sequence), [`AuditStore`], [`HealthStore`] (the store's own state), [`WebSubStore`]
//! (WebSub, as hub and as subscriber) and [`CoordinationStore`] (what several processes share:
//! politeness slots per host, rate-limit counters). Code holding a `dyn Store` calls every method without further
//! imports; code calling them on a concrete store imports [`prelude`].

use async_trait::async_trait;
use bytes::Bytes;

mod accounts;
mod articles;
mod audit;
mod changes;
mod coordination;
mod health;
mod settings;
mod sources;
mod stories;
mod timeline;
mod websub;

pub use accounts::AccountStore;
pub use articles::ArticleStore;
pub use audit::AuditStore;
pub use changes::ChangeStore;
pub use coordination::CoordinationStore;
pub use health::{HealthStore, PoolStatus};
pub use settings::SettingStore;
pub use sources::SourceStore;
pub use stories::StoryStore;
pub use timeline::TimelineStore;
pub use websub::{
    FeedSubscription, FeedSubscriptionState, HubDelivery, HubDeliveryRecord, HubSubscription,
    NewFeedSubscription, NewHubSubscription, WebSubStore,
};

/// The aggregate traits, to glob-import where store methods are called on a concrete type
/// (`SqlStore`) rather than on `dyn Store`.
pub mod prelude {
    pub use super::{
        AccountStore, ArticleStore, AuditStore, ChangeStore, CoordinationStore, HealthStore, SettingStore,
        SourceStore, StoryStore, TimelineStore, WebSubStore,
    };
}

/// Why a store call failed. The database library's own error never crosses this boundary;
/// its message is kept as text for the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with the same unique key exists (a username, a source name, a feed URL).
    #[error("{0} already exists")]
    Conflict(String),
    /// A row the call depends on is missing (an update for a deleted article).
    #[error("{0} not found")]
    Missing(String),
    /// The database refused the statement, or returned data we do not understand.
    #[error("{context}: {message}")]
    Backend {
        /// What the store was doing.
        context: &'static str,
        /// What the backend said.
        message: String,
    },
    /// The database could not be reached (down, restarting, the network between cut, no
    /// connection free in time): worth trying again shortly; nothing was changed.
    #[error("{context}: the database cannot be reached: {message}")]
    Unreachable {
        /// What the store was doing.
        context: &'static str,
        /// What the driver said.
        message: String,
    },
    /// The disk the database writes to is full (SQLite's `SQLITE_FULL`, PostgreSQL's
    /// `disk_full`): the statement was rolled back, so nothing was changed; it works again
    /// once space is freed.
    #[error(
        "{context}: the database's disk is full, so nothing was saved; free some space and try again ({message})"
    )]
    Full {
        /// What the store was doing.
        context: &'static str,
        /// What the database said.
        message: String,
    },
}

/// The rows of a freewire site, behind use-case shaped, atomic calls. No transaction crosses
/// this boundary: each call either happens whole or not at all.
///
/// Every aggregate's trait together; anything implementing them all is a `Store`.
pub trait Store:
    SettingStore
    + SourceStore
    + ArticleStore
    + StoryStore
    + AccountStore
    + TimelineStore
    + ChangeStore
    + AuditStore
    + HealthStore
    + WebSubStore
    + CoordinationStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: SettingStore
        + SourceStore
        + ArticleStore
        + StoryStore
        + AccountStore
        + TimelineStore
        + ChangeStore
        + AuditStore
        + HealthStore
        + WebSubStore
        + CoordinationStore
        + Send
        + Sync
{
}

/// Why an object store call failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No object under that key.
    #[error("no stored file under {0}")]
    NotFound(String),
    /// The byte range asked for lies outside the object.
    #[error("the range {start}..{end} lies outside the {size} bytes stored")]
    BadRange {
        /// First byte asked for.
        start: u64,
        /// One past the last byte asked for.
        end: u64,
        /// The object's size.
        size: u64,
    },
    /// The storage backend failed.
    #[error("{context}: {message}")]
    Backend {
        /// What the store was doing.
        context: &'static str,
        /// What the backend said.
        message: String,
    },
    /// The disk under the storage is full (`ENOSPC`, `EDQUOT`): what was being written was
    /// removed, and writing works again once space is freed.
    #[error("{context}: the disk the files are stored on is full ({message})")]
    Full {
        /// What the store was doing.
        context: &'static str,
        /// What the system said.
        message: String,
    },
}

/// An object as listed: its key, size and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was written.
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// Bytes read from object storage as they arrive.
pub type BlobStream = std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<Bytes, BlobError>> + Send>>;

/// Part or all of a stored object, streamed.
pub struct BlobRead {
    /// The object's whole size.
    pub size: u64,
    /// The bytes `body` carries: `start..end`, end exclusive.
    pub range: std::ops::Range<u64>,
    /// The bytes themselves.
    pub body: BlobStream,
}

impl std::fmt::Debug for BlobRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobRead")
            .field("size", &self.size)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// Where uploaded files' bytes live: a local folder or S3-compatible storage.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores bytes held in memory under a key, replacing what was there (small objects:
    /// previews; files arrive through [`BlobStore::writer`]).
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError>;
    /// Starts writing an object under `key` piece by piece, so a large file never sits whole
    /// in memory. Nothing is stored under the key until [`BlobWriter::finish`]; a writer
    /// dropped before then leaves nothing behind.
    async fn writer(&self, key: &str) -> Result<Box<dyn BlobWriter>, BlobError>;
    /// Reads the bytes under a key whole (small objects).
    async fn get(&self, key: &str) -> Result<Bytes, BlobError>;
    /// Streams the bytes under a key: all of them, or `range` (end exclusive, clamped to the
    /// object's end); [`BlobError::BadRange`] when the range starts at or past the end.
    async fn read(&self, key: &str, range: Option<std::ops::Range<u64>>) -> Result<BlobRead, BlobError>;
    /// Removes a key; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// Every finished object whose key lies under the folder `prefix` (`updates`, say).
    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError>;
    /// Removes what writes cut short left behind, last touched before `before` (a local
    /// folder's temporary files, left when the process was killed mid-write); returns their
    /// names. Storage that leaves nothing of its own (S3 expires unfinished multipart uploads
    /// by the bucket's lifecycle rules) removes nothing.
    async fn remove_unfinished(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, BlobError>;
}

/// An object being written. Large objects go up in parts (multipart upload on S3) as the
/// bytes arrive.
#[async_trait]
pub trait BlobWriter: Send {
    /// Appends bytes.
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError>;
    /// Completes the object: it is now readable under its key.
    async fn finish(self: Box<Self>) -> Result<(), BlobError>;
    /// Gives up: parts written so far are discarded and nothing is stored.
    async fn abort(self: Box<Self>) -> Result<(), BlobError>;
}
