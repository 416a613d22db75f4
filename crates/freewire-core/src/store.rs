//! The storage contracts: [`Store`] for rows, [`BlobStore`] for uploaded files. The web and
//! ingest layers are written against these traits; the engines live in `freewire-store`.
//!
//! [`Store`] is the sum of one trait per aggregate, each in its own module: [`SettingStore`],
//! [`SourceStore`] (sources and feeds), [`ArticleStore`], [`AccountStore`] (users, invitations,
//! sessions), [`TimelineStore`] (updates and attachments), [`ChangeStore`] (the change
//! sequence) and [`AuditStore`]. Code holding a `dyn Store` calls every method without further
//! imports; code calling them on a concrete store imports [`prelude`].

use async_trait::async_trait;
use bytes::Bytes;

mod accounts;
mod articles;
mod audit;
mod changes;
mod settings;
mod sources;
mod timeline;

pub use accounts::AccountStore;
pub use articles::ArticleStore;
pub use audit::AuditStore;
pub use changes::ChangeStore;
pub use settings::SettingStore;
pub use sources::SourceStore;
pub use timeline::TimelineStore;

/// The aggregate traits, to glob-import where store methods are called on a concrete type
/// (`SqlStore`) rather than on `dyn Store`.
pub mod prelude {
    pub use super::{
        AccountStore, ArticleStore, AuditStore, ChangeStore, SettingStore, SourceStore, TimelineStore,
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
    /// The database could not be reached, refused the statement, or returned data we do not
    /// understand.
    #[error("{context}: {message}")]
    Backend {
        /// What the store was doing.
        context: &'static str,
        /// What the backend said.
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
    + AccountStore
    + TimelineStore
    + ChangeStore
    + AuditStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: SettingStore
        + SourceStore
        + ArticleStore
        + AccountStore
        + TimelineStore
        + ChangeStore
        + AuditStore
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
    /// The storage backend failed.
    #[error("{context}: {message}")]
    Backend {
        /// What the store was doing.
        context: &'static str,
        /// What the backend said.
        message: String,
    },
}

/// Where uploaded files' bytes live: a local folder or S3-compatible storage.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores bytes under a key, replacing what was there.
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError>;
    /// Reads the bytes under a key.
    async fn get(&self, key: &str) -> Result<Bytes, BlobError>;
    /// Removes a key; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}
