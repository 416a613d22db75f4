//! [`ChangeStore`]: the change sequence. Every change to an article or its timeline appends
//! to it in the same transaction as the change; followers such as the search index read it
//! from their last position.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::Change;

/// The change sequence, read by those who follow the store.
#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// Changes after `after` in the sequence, and besides any recorded at or after `recent_since`
    /// (a PostgreSQL transaction may commit after one that took a later number), in order.
    async fn changes_since(
        &self,
        after: i64,
        recent_since: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<Change>, StoreError>;
    /// The newest position of the change sequence (0 when nothing changed yet).
    async fn last_change(&self) -> Result<i64, StoreError>;
    /// Forgets up to `limit` of the oldest changes recorded before `before`, so the sequence
    /// stays bounded; returns how many. What was forgotten is remembered as a horizon
    /// ([`ChangeStore::pruned_through`]).
    async fn prune_changes(&self, before: DateTime<Utc>, limit: u64) -> Result<u64, StoreError>;
    /// The newest position forgotten by [`ChangeStore::prune_changes`] (0 when none was): a
    /// follower whose position is older has missed changes and must start again from the
    /// articles themselves.
    async fn pruned_through(&self) -> Result<i64, StoreError>;
}
