//! The storage contracts: [`Store`] for rows, [`BlobStore`] for uploaded files. The web and
//! ingest layers are written against these traits; the engines live in `freewire-store`.

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::model::{
    ArticleFilter, ArticleId, ArticleStub, ArticleWithSource, Attachment, AttachmentId, AuditEntry, Change,
    Feed, FeedId, FeedPollUpdate, Hidden, InsertOutcome, Invite, NewArticle, NewAttachment, NewAuditEntry,
    NewFeed, NewRetrieval, NewSource, NewUpdate, NewUser, Page, PageRequest, Retrieval, Revision, Session,
    Source, SourceId, SourceTerms, Tag, TimelineEntry, Update, UpdateId, User, UserId, Withdrawal,
};
use crate::permalink::Permalink;

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
#[async_trait]
pub trait Store: Send + Sync {
    /// A site setting.
    async fn setting_by_key(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores `value` under `key` unless a value is there already, and returns the value that
    /// is kept; several processes starting at once agree on one value.
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError>;

    /// A source by its unique name.
    async fn source_by_name(&self, name: &str) -> Result<Option<Source>, StoreError>;
    /// A source by id.
    async fn source_by_id(&self, id: SourceId) -> Result<Option<Source>, StoreError>;
    /// Creates a source; [`StoreError::Conflict`] when the name is taken.
    async fn insert_source(&self, source: NewSource) -> Result<Source, StoreError>;
    /// All sources, by name.
    async fn list_sources(&self) -> Result<Vec<Source>, StoreError>;

    /// Starts following a feed; [`StoreError::Conflict`] when the URL is followed already.
    async fn insert_feed(&self, feed: NewFeed) -> Result<Feed, StoreError>;
    /// A feed by id.
    async fn feed_by_id(&self, id: FeedId) -> Result<Option<Feed>, StoreError>;
    /// All feeds, by id.
    async fn list_feeds(&self) -> Result<Vec<Feed>, StoreError>;
    /// A feed by its URL.
    async fn feed_by_url(&self, url: &str) -> Result<Option<Feed>, StoreError>;
    /// Claims up to `limit` enabled feeds due at `now`, oldest due first, by moving their next
    /// poll to `lease_until`: another process asking meanwhile does not get them. The poll's
    /// result then sets the real next poll time.
    async fn claim_due_feeds(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Feed>, StoreError>;
    /// Records what a poll found.
    async fn update_feed_after_poll(&self, id: FeedId, update: FeedPollUpdate) -> Result<(), StoreError>;
    /// Switches a feed on or off; `false` when there is no such feed.
    async fn set_feed_enabled(&self, id: FeedId, enabled: bool) -> Result<bool, StoreError>;

    /// Stores a batch of articles, each with the record of its retrieval, in one transaction,
    /// issuing each new article its permalink (`-2`, `-3` on a same-day clash). Duplicates are
    /// recognised in this order: the source's GUID (unchanged text: nothing stored; changed
    /// text: a revision and a retrieval), the normalised URL across all sources (nothing
    /// stored), then a near-duplicate text from another source (stored as a duplicate linked
    /// to the first copy).
    async fn insert_articles_with_retrieval(
        &self,
        batch: Vec<(NewArticle, NewRetrieval)>,
    ) -> Result<Vec<InsertOutcome>, StoreError>;
    /// An article by id.
    async fn article_by_id(&self, id: ArticleId) -> Result<Option<ArticleWithSource>, StoreError>;
    /// The articles with these ids that exist, whatever their state, by id.
    async fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleWithSource>, StoreError>;
    /// An article by its permalink.
    async fn article_by_permalink(
        &self,
        permalink: &Permalink,
    ) -> Result<Option<ArticleWithSource>, StoreError>;
    /// Published articles the filter selects, newest first.
    async fn list_articles(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleWithSource>, StoreError>;
    /// Published articles the filter selects, newest first, without their text (sitemaps).
    async fn list_article_stubs(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleStub>, StoreError>;
    /// A tag by its slug, if any published article carries it.
    async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>, StoreError>;
    /// Takes an article down (`Some`) or puts it back (`None`) and records the act, in one
    /// transaction; `false` when there is no such article or it is a duplicate copy.
    async fn set_article_withdrawn(
        &self,
        id: ArticleId,
        withdrawal: Option<Withdrawal>,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Changes a source's terms, applies its licence to the articles already stored, and
    /// records the act, in one transaction; `false` when there is no such source.
    async fn update_source_terms(
        &self,
        id: SourceId,
        terms: SourceTerms,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Which of these GUIDs the source has stored already (to skip fetching their pages again).
    async fn existing_guids(&self, source: SourceId, guids: &[String]) -> Result<Vec<String>, StoreError>;
    /// The revisions of an article's text, oldest first.
    async fn revisions_for_article(&self, id: ArticleId) -> Result<Vec<Revision>, StoreError>;
    /// The retrievals of an article, oldest first.
    async fn retrievals_for_article(&self, id: ArticleId) -> Result<Vec<Retrieval>, StoreError>;

    /// Creates a user; [`StoreError::Conflict`] when the username is taken.
    async fn insert_user(&self, user: NewUser) -> Result<User, StoreError>;
    /// Records an invitation.
    async fn insert_invite(&self, invite: Invite) -> Result<(), StoreError>;
    /// Invitations not yet used nor expired at `now`, newest first.
    async fn open_invites(&self, now: DateTime<Utc>) -> Result<Vec<Invite>, StoreError>;
    /// The invitation with this token hash, if it is unused and unexpired at `now`.
    async fn invite_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Invite>, StoreError>;
    /// Creates the user and spends the invitation together: [`StoreError::Missing`] when the
    /// invitation was used or expired meanwhile, [`StoreError::Conflict`] when the name is taken.
    async fn insert_user_with_invite(
        &self,
        user: NewUser,
        invite_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError>;
    /// A user by username (exact match).
    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// Records a new session.
    async fn insert_session(&self, session: Session) -> Result<(), StoreError>;
    /// The live session with this token hash and its user; expired sessions are not returned.
    async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError>;
    /// Ends a session (logout). Ending an unknown session is not an error.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// A user's live sessions, newest first.
    async fn sessions_for_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError>;
    /// Ends every session of a user except the one with `keep` (all of them with `None`);
    /// returns how many ended.
    async fn delete_sessions_for_user(&self, user: UserId, keep: Option<&str>) -> Result<u64, StoreError>;
    /// Turns two-factor sign-in on with `secret`, replacing any recovery codes with these
    /// hashes, in one transaction.
    async fn enable_totp(
        &self,
        user: UserId,
        secret: String,
        recovery_hashes: Vec<String>,
    ) -> Result<(), StoreError>;
    /// Turns two-factor sign-in off and forgets the recovery codes.
    async fn disable_totp(&self, user: UserId) -> Result<(), StoreError>;
    /// Uses up a recovery code: `true` when it was the user's and unused (it is now used).
    async fn use_recovery_code(&self, user: UserId, code_hash: &str) -> Result<bool, StoreError>;
    /// Replaces a user's password hash; `false` when there is no such user.
    async fn update_password(&self, user: UserId, password_hash: String) -> Result<bool, StoreError>;
    /// Removes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Posts an update with its attachments in one transaction;
    /// [`StoreError::Missing`] when the article or the author is gone.
    async fn insert_update_with_attachments(
        &self,
        update: NewUpdate,
        attachments: Vec<NewAttachment>,
    ) -> Result<(Update, Vec<Attachment>), StoreError>;
    /// Bytes of files a user has attached to updates since `since` (for the daily quota).
    async fn upload_bytes_since(&self, user: UserId, since: DateTime<Utc>) -> Result<i64, StoreError>;
    /// An article's timeline, newest first.
    async fn timeline_for_article(&self, id: ArticleId) -> Result<Vec<TimelineEntry>, StoreError>;
    /// The timelines of several articles in one read (indexing them), each newest first.
    async fn timelines_for_articles(&self, ids: &[ArticleId]) -> Result<Vec<TimelineEntry>, StoreError>;
    /// An attachment with these bytes (by sha256), to share its stored object.
    async fn attachment_by_sha256(&self, sha256: &str) -> Result<Option<Attachment>, StoreError>;
    /// An attachment by id.
    async fn attachment_by_id(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError>;
    /// An update with its author's name and files.
    async fn update_by_id(&self, id: UpdateId) -> Result<Option<TimelineEntry>, StoreError>;
    /// Replaces an update's text and marks it edited; `false` when there is no such update or
    /// an editor has hidden it.
    async fn edit_update(&self, id: UpdateId, body: String, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Removes an update and its attachment rows, records `audit` with it, and returns the
    /// object keys no remaining attachment uses (the caller removes those files).
    async fn delete_update(&self, id: UpdateId, audit: NewAuditEntry) -> Result<Vec<String>, StoreError>;
    /// Hides an update with a reason (or shows it again with `None`) and records the act, in
    /// one transaction; `false` when there is no such update.
    async fn set_update_hidden(
        &self,
        id: UpdateId,
        hidden: Option<Hidden>,
        audit: NewAuditEntry,
    ) -> Result<bool, StoreError>;
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
    /// Published articles with ids after `after`, by id: for rebuilding an index in one pass.
    async fn published_articles_after(
        &self,
        after: ArticleId,
        limit: u64,
    ) -> Result<Vec<ArticleWithSource>, StoreError>;
    /// How many articles are published.
    async fn count_published(&self) -> Result<u64, StoreError>;
    /// Records an act in the audit log.
    async fn insert_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError>;
    /// The audit log, newest first.
    async fn list_audit(&self, page: PageRequest) -> Result<Page<AuditEntry>, StoreError>;
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
