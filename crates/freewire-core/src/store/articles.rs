//! [`ArticleStore`]: republished articles with their tags, revisions and retrievals, how they
//! are stored from a feed (duplicates recognised, permalinks issued), listed, read, and
//! withdrawn.

use async_trait::async_trait;

use super::StoreError;
use crate::model::{
    ArticleFilter, ArticleId, ArticleStub, ArticleWithSource, InsertOutcome, NewArticle, NewAuditEntry,
    NewRetrieval, Page, PageRequest, Recheck, Retrieval, Revision, SourceId, Tag, Withdrawal,
};
use crate::permalink::Permalink;
use chrono::{DateTime, Utc};
use freewire_facts::Facts;

/// Articles, behind use-case shaped, atomic calls.
#[async_trait]
pub trait ArticleStore: Send + Sync {
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
    /// One page of the published articles the filter selects, newest first, and whether
    /// another page follows, without counting them all: at a million articles a count takes
    /// seconds, a page milliseconds.
    async fn list_articles_uncounted(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> Result<(Vec<ArticleWithSource>, bool), StoreError>;
    /// Up to `limit` published articles the filter selects, newest first, without counting them
    /// all: the next page after a cursor ([`ArticleFilter::after`]).
    async fn list_articles_window(
        &self,
        filter: &ArticleFilter,
        limit: u64,
    ) -> Result<Vec<ArticleWithSource>, StoreError>;
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
    /// Which of these GUIDs the source has stored already (to skip fetching their pages again).
    async fn existing_guids(&self, source: SourceId, guids: &[String]) -> Result<Vec<String>, StoreError>;
    /// The revisions of an article's text, oldest first.
    async fn revisions_for_article(&self, id: ArticleId) -> Result<Vec<Revision>, StoreError>;
    /// The retrievals of an article, oldest first.
    async fn retrievals_for_article(&self, id: ArticleId) -> Result<Vec<Retrieval>, StoreError>;
    /// When each version of these articles was seen, without their text, oldest first: `(article,
    /// revision id, seen at)`. An article its outlet edited has two or more.
    async fn revision_times(
        &self,
        ids: &[ArticleId],
    ) -> Result<Vec<(ArticleId, i64, DateTime<Utc>)>, StoreError>;
    /// Replaces the names and dates kept for each of these articles.
    async fn set_facts(&self, facts: &[(ArticleId, Facts)]) -> Result<(), StoreError>;
    /// The names and dates kept for these articles (an article without any is left out).
    async fn facts_for_articles(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, Facts)>, StoreError>;
    /// Starts, or starts again from `recheck.changed_at`, the re-reading of an article's
    /// page. `page_key: None` keeps a key already recorded.
    async fn schedule_recheck(&self, recheck: Recheck) -> Result<(), StoreError>;
    /// Takes up to `limit` rechecks due at `now`, moving each one's due time to `lease_until`
    /// so no other process takes it meanwhile; each comes back with that lease as its `due_at`.
    async fn claim_due_rechecks(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Recheck>, StoreError>;
    /// Records a visit: the recheck as it now stands, or `None` to stop re-reading the page.
    /// `claimed` is the `due_at` its claim gave it (the lease): when another process changed
    /// the recheck meanwhile (a schedule restarted by an edit), its change stands.
    async fn finish_recheck(
        &self,
        id: ArticleId,
        claimed: DateTime<Utc>,
        next: Option<Recheck>,
    ) -> Result<(), StoreError>;
    /// The recheck of an article, if its page is being re-read.
    async fn recheck_for_article(&self, id: ArticleId) -> Result<Option<Recheck>, StoreError>;
    /// Published articles with ids after `after`, by id: for rebuilding an index in one pass.
    async fn published_articles_after(
        &self,
        after: ArticleId,
        limit: u64,
    ) -> Result<Vec<ArticleWithSource>, StoreError>;
    /// How many articles are published.
    async fn count_published(&self) -> Result<u64, StoreError>;
}
