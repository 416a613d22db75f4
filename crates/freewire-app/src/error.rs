//! The use cases' error: each variant is a kind of answer a way in gives (a web status, a
//! command's exit message), and its text is written for the person who asked.

use freewire_core::{BlobError, StoreError};

/// Why a use case did not happen. Nothing was changed when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The actor may not do this (wrong role, not the author, past the edit window).
    #[error("{0}")]
    Forbidden(String),
    /// What the act is about does not exist (or is not visible to the actor).
    #[error("{0}")]
    NotFound(String),
    /// The input cannot be used; the message says why and what would do.
    #[error("{0}")]
    Invalid(String),
    /// The thing exists already (a username, a source, a followed feed).
    #[error("{0}")]
    Conflict(String),
    /// Too much: a file over the size limit, an upload past the daily allowance.
    #[error("{0}")]
    TooLarge(String),
    /// A file of a kind the site does not take.
    #[error("{0}")]
    Unsupported(String),
    /// The database failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// Object storage failed.
    #[error("file storage: {0}")]
    Blob(#[from] BlobError),
    /// Something of ours failed (a task, hashing).
    #[error("{0}")]
    Internal(String),
}
