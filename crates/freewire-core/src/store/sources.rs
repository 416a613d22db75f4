//! [`SourceStore`]: the outlets we republish (their names, licences and terms) and the feeds
//! followed for each, with the lease that keeps two pollers off one feed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::{
    Feed, FeedId, FeedPollUpdate, NewAuditEntry, NewFeed, NewSource, Source, SourceId, SourceTerms,
};

/// Sources and their feeds, behind use-case shaped, atomic calls.
#[async_trait]
pub trait SourceStore: Send + Sync {
    /// A source by its unique name.
    async fn source_by_name(&self, name: &str) -> Result<Option<Source>, StoreError>;
    /// A source by id.
    async fn source_by_id(&self, id: SourceId) -> Result<Option<Source>, StoreError>;
    /// Creates a source; [`StoreError::Conflict`] when the name is taken.
    async fn insert_source(&self, source: NewSource) -> Result<Source, StoreError>;
    /// All sources, by name.
    async fn list_sources(&self) -> Result<Vec<Source>, StoreError>;
    /// Changes a source's name and terms, applies its licence to the articles already stored,
    /// keeps its former address (when given) for redirects, and records the act, in one
    /// transaction; `false` when there is no such source, [`StoreError::Conflict`] when the new
    /// name is another source's.
    async fn update_source_terms(
        &self,
        id: SourceId,
        terms: SourceTerms,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError>;

    /// The source whose page was once at `/source/{slug}/`, before a rename.
    async fn source_by_former_slug(&self, slug: &str) -> Result<Option<SourceId>, StoreError>;

    /// Starts following a feed; [`StoreError::Conflict`] when the URL is followed already.
    async fn insert_feed(&self, feed: NewFeed) -> Result<Feed, StoreError>;
    /// A feed by id.
    async fn feed_by_id(&self, id: FeedId) -> Result<Option<Feed>, StoreError>;
    /// All feeds, by id.
    async fn list_feeds(&self) -> Result<Vec<Feed>, StoreError>;
    /// A feed by its URL.
    async fn feed_by_url(&self, url: &str) -> Result<Option<Feed>, StoreError>;
    /// Claims up to `limit` enabled feeds due at `now`, oldest due first, for the claim named
    /// `token` (unique to one claim), by moving their next poll to `lease_until`: another
    /// process asking meanwhile does not get them (on PostgreSQL, rows another claim is taking
    /// are skipped, not waited for). A holder that dies loses its feeds when the lease runs
    /// out: they are due again then. The poll's result then sets the real next poll time.
    async fn claim_due_feeds(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        lease_until: DateTime<Utc>,
        token: &str,
    ) -> Result<Vec<Feed>, StoreError>;
    /// Enabled feeds due at `now` (waiting for a poller).
    async fn count_due_feeds(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Records what a poll found and ends the claim. With `lease`, only while that claim still
    /// holds the feed: `false` when its lease ran out and another claim took the feed (the
    /// newer claim's poll decides the schedule). Without, unconditionally (an operator's act).
    async fn update_feed_after_poll(
        &self,
        id: FeedId,
        lease: Option<&str>,
        update: FeedPollUpdate,
    ) -> Result<bool, StoreError>;
    /// Switches a feed on or off; `false` when there is no such feed.
    async fn set_feed_enabled(&self, id: FeedId, enabled: bool) -> Result<bool, StoreError>;
    /// Makes an enabled feed due at `at` (a poll asked for now), unless a poller holds it (its
    /// claim's lease runs past `at`); `false` when there is no such enabled, unheld feed.
    async fn set_feed_due(&self, id: FeedId, at: DateTime<Utc>) -> Result<bool, StoreError>;
}
