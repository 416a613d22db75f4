//! Keeping an index in step with the store. Every change to an article or its timeline
//! appends to the store's change sequence in the same transaction; an [`Indexer`] applies the
//! sequence after its index's recorded position, re-reading each changed article whole (so
//! applying a change twice is harmless). A fresh index is rebuilt from the articles first.
//!
//! Several serving processes on one PostgreSQL each keep their own index and follow the same
//! sequence. PostgreSQL may commit a transaction after one that drew a later number, so
//! changes of the last [`LOOKBACK`] are read again and any not yet applied are applied.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use freewire_core::{
    ArticleId, ArticleStatus, ArticleWithSource, EXCERPT_ONLY_WORDS, Store, StoreError, TimelineEntry,
    first_words, slugify,
};

use crate::index::{IndexDoc, Kind, SearchError, SearchIndex};

/// How far back changes are read again.
pub const LOOKBACK: Duration = Duration::from_secs(30);
/// Changes read per round.
const BATCH: u64 = 500;

/// Turns stored (sanitised) article HTML into text (the ingest crate's `text_of_sanitised`).
pub type ToText = fn(&str) -> String;

/// Why following the store failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the index failed.
    #[error(transparent)]
    Index(#[from] SearchError),
    /// The blocking indexing task panicked.
    #[error("search indexing task stopped: {0}")]
    Task(String),
    /// The runtime is shutting down and cancelled the indexing task; the next start reads the
    /// same changes again.
    #[error("search indexing was stopped by the shutdown")]
    ShuttingDown,
}

/// The language code an article is indexed under: the feed's, else detected from the text.
#[must_use]
pub fn language_of(declared: Option<&str>, text: &str) -> String {
    if let Some(tag) = declared.map(str::trim).filter(|t| !t.is_empty()) {
        let primary = tag.split(['-', '_']).next().unwrap_or(tag).to_ascii_lowercase();
        if primary.len() == 2 {
            return primary;
        }
    }
    let sample: String = text.chars().take(2000).collect();
    let code = whatlang::detect(&sample).filter(whatlang::Info::is_reliable).map(|info| info.lang().code());
    match code {
        Some("eng") => "en",
        Some("fra") => "fr",
        Some("deu") => "de",
        Some("spa") => "es",
        Some("ita") => "it",
        Some("por") => "pt",
        Some("nld") => "nl",
        Some("rus") => "ru",
        Some("swe") => "sv",
        Some("dan") => "da",
        Some("nob") => "no",
        Some("fin") => "fi",
        Some(other) => return other.to_owned(),
        None => "und",
    }
    .to_owned()
}

/// What one round of applying changes touched: the articles named in the change sequence, and
/// the stories those that still exist are in.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Every article a change named.
    pub articles: Vec<ArticleId>,
    /// The stories of those articles, each once.
    pub stories: Vec<freewire_core::StoryId>,
}

/// Told of every round of changes applied (see [`Indexer::on_applied`]).
pub type AppliedListener = Box<dyn Fn(&Applied) + Send + Sync>;

/// Follows the store's change sequence into one index.
pub struct Indexer {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    to_text: ToText,
    /// Sequence numbers applied within the look-back window, with when they were recorded.
    recent: Mutex<BTreeMap<i64, DateTime<Utc>>>,
    /// Wakes [`Indexer::follow`] early: this process has just changed something.
    wake: tokio::sync::Notify,
    /// How many times changes were applied: whatever was made from the articles before may
    /// be out of date once it moves (see [`Indexer::changes_applied`]).
    applied: std::sync::atomic::AtomicU64,
    /// Told what each round applied.
    listener: std::sync::OnceLock<AppliedListener>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").finish_non_exhaustive()
    }
}

impl Indexer {
    /// An indexer of `store` into `index`; `to_text` turns article HTML into text.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, index: Arc<SearchIndex>, to_text: ToText) -> Self {
        Indexer {
            store,
            index,
            to_text,
            recent: Mutex::new(BTreeMap::new()),
            wake: tokio::sync::Notify::new(),
            applied: std::sync::atomic::AtomicU64::new(0),
            listener: std::sync::OnceLock::new(),
        }
    }

    /// A count that moves each time changes to articles or their timelines, made by this
    /// process or any other on the same database, have been applied to the index. Anything
    /// made from articles and stamped with this count is out of date once it moves.
    #[must_use]
    pub fn changes_applied(&self) -> u64 {
        self.applied.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Tells `listener` which articles and stories each round of changes touched, once the
    /// index holds them (pages made from them are out of date). Only the first call counts.
    pub fn on_applied(&self, listener: AppliedListener) {
        let _ = self.listener.set(listener);
    }

    /// Asks [`Indexer::follow`] to catch up now instead of at its next round: a change made
    /// through this process is then searchable at once.
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// The index it keeps.
    #[must_use]
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Runs a query off the async threads (see [`SearchIndex::search`]).
    /// A `story:N` filter becomes the story's articles, read from the store.
    pub async fn search(&self, query: String, page: usize, size: usize) -> Result<crate::Results, SyncError> {
        let mut parsed = crate::query::parse(&query);
        if let Some(story) = parsed.filters.story {
            let id = freewire_core::StoryId(story);
            let reports = self.store.story_reports(&[id]).await?.remove(&id).unwrap_or_default();
            parsed.filters.articles = Some(reports.iter().map(|r| r.article_id.0).collect());
        }
        self.blocking(move |index| index.search_parsed(&parsed, page, size)).await
    }

    /// What is indexed of an article and its visible updates (nothing unless published).
    pub async fn docs_for(&self, found: &ArticleWithSource) -> Result<Vec<IndexDoc>, SyncError> {
        self.docs_for_all(std::slice::from_ref(found)).await
    }

    /// [`Indexer::docs_for`] of several articles, their timelines read in one go.
    pub async fn docs_for_all(&self, found: &[ArticleWithSource]) -> Result<Vec<IndexDoc>, SyncError> {
        let published: Vec<&ArticleWithSource> =
            found.iter().filter(|f| f.article.status == ArticleStatus::Published).collect();
        let ids: Vec<ArticleId> = published.iter().map(|f| f.article.id).collect();
        let mut timelines: HashMap<ArticleId, Vec<TimelineEntry>> = HashMap::new();
        for entry in self.store.timelines_for_articles(&ids).await? {
            timelines.entry(entry.update.article_id).or_default().push(entry);
        }
        let names: HashMap<ArticleId, Vec<String>> = self
            .store
            .facts_for_articles(&ids)
            .await?
            .into_iter()
            .map(|(id, f)| (id, name_terms(&f)))
            .collect();
        let mut docs = Vec::new();
        for f in published {
            let timeline = timelines.get(&f.article.id).map_or(&[][..], Vec::as_slice);
            docs.extend(self.article_docs(
                f,
                timeline,
                names.get(&f.article.id).cloned().unwrap_or_default(),
            ));
        }
        Ok(docs)
    }

    fn article_docs(
        &self,
        found: &ArticleWithSource,
        timeline: &[TimelineEntry],
        names: Vec<String>,
    ) -> Vec<IndexDoc> {
        let a = &found.article;
        let full = (self.to_text)(&a.body_html);
        let text = if a.licence.allows_full_text() {
            full
        } else {
            let shown = a.summary.clone().filter(|s| !s.trim().is_empty()).unwrap_or(full);
            first_words(&shown, EXCERPT_ONLY_WORDS)
        };
        let language = language_of(a.language.as_deref(), &text);
        let path = format!("{}/", a.permalink.path());
        let tags: Vec<String> = a.tags.iter().map(|t| t.slug.clone()).collect();
        let source_slug = slugify(&found.source.name);
        let mut docs = vec![IndexDoc {
            kind: Kind::Article,
            article_id: a.id.0,
            update_id: None,
            title: a.title.clone(),
            text,
            path: path.clone(),
            source: found.source.name.clone(),
            source_slug: source_slug.clone(),
            author: a.author.clone(),
            language: language.clone(),
            tags: tags.clone(),
            published: a.published_at,
            names,
        }];
        for entry in timeline.iter().filter(|e| e.update.hidden.is_none()) {
            let mut text = entry.update.body.clone();
            for file in &entry.attachments {
                text.push('\n');
                text.push_str(&file.file_name);
            }
            docs.push(IndexDoc {
                kind: Kind::Update,
                article_id: a.id.0,
                update_id: Some(entry.update.id.0),
                title: a.title.clone(),
                text,
                path: format!("{path}#update-{}", entry.update.id.0),
                source: found.source.name.clone(),
                source_slug: source_slug.clone(),
                author: Some(entry.author.clone()),
                language: language.clone(),
                tags: tags.clone(),
                published: entry.update.created_at,
                names: Vec::new(),
            });
        }
        docs
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&SearchIndex) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || work(&index))
            .await
            .map_err(
                |e| if e.is_cancelled() { SyncError::ShuttingDown } else { SyncError::Task(e.to_string()) },
            )?
            .map_err(SyncError::from)
    }

    /// Rebuilds the index from every published article, calling `progress(done, total)` as it
    /// goes. Until the final commit readers see the old index; a failure leaves it untouched.
    pub async fn rebuild(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<u64, SyncError> {
        // Changes made while we read are applied afterwards by catch-up: positions only go up.
        let position = self.store.last_change().await?;
        let total = self.store.count_published().await?;
        self.blocking(SearchIndex::clear).await?;
        let mut after = ArticleId(0);
        let mut done = 0;
        let result: Result<(), SyncError> = async {
            loop {
                let batch = self.store.published_articles_after(after, BATCH).await?;
                let Some(last) = batch.last() else { break };
                after = last.article.id;
                let docs = self.docs_for_all(&batch).await?;
                self.blocking(move |index| index.add(&docs)).await?;
                done += batch.len() as u64;
                progress(done, total);
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                self.blocking(move |index| index.commit(position)).await?;
                // What the rebuild read needs no second look.
                let since = Utc::now() - chrono::Duration::from_std(LOOKBACK).unwrap_or_default();
                let recent = self.store.changes_since(i64::MAX, Some(since), 10 * BATCH).await?;
                if let Ok(mut seen) = self.recent.lock() {
                    seen.extend(recent.iter().filter(|c| c.seq <= position).map(|c| (c.seq, c.at)));
                }
                Ok(done)
            }
            Err(e) => {
                let _ = self.blocking(SearchIndex::rollback).await;
                Err(e)
            }
        }
    }

    /// Applies what changed since the index's position (rebuilding a fresh index first).
    /// Returns how many articles were re-indexed.
    pub async fn catch_up(&self) -> Result<usize, SyncError> {
        let Some(mut position) = self.blocking(SearchIndex::position).await? else {
            let n = self.rebuild(&|_, _| {}).await?;
            tracing::info!(articles = n, "search index built");
            return Ok(usize::try_from(n).unwrap_or(usize::MAX));
        };
        // Changes older than the sequence keeps were pruned: an index that had not seen them
        // (stopped for longer than they are kept) starts again from the articles.
        let horizon = self.store.pruned_through().await?;
        if position < horizon {
            tracing::warn!(position, horizon, "the search index missed changes since pruned; rebuilding it");
            let n = self.rebuild(&|_, _| {}).await?;
            return Ok(usize::try_from(n).unwrap_or(usize::MAX));
        }
        let mut applied = 0;
        // Everything after the position, in order.
        loop {
            let changes = self.store.changes_since(position, None, BATCH).await?;
            let Some(last) = changes.last().map(|c| c.seq) else { break };
            applied += self.apply(&changes, last.max(position)).await?;
            position = last.max(position);
            if (changes.len() as u64) < BATCH {
                break;
            }
        }
        // Late commits with earlier numbers (PostgreSQL), within the look-back window.
        let since = Utc::now() - chrono::Duration::from_std(LOOKBACK).unwrap_or_default();
        let recent = self.store.changes_since(i64::MAX, Some(since), 10 * BATCH).await?;
        let unseen: Vec<_> = {
            let seen = self.recent.lock().map_err(|_| SyncError::Task("poisoned".into()))?;
            recent.into_iter().filter(|c| !seen.contains_key(&c.seq)).collect()
        };
        if !unseen.is_empty() {
            applied += self.apply(&unseen, position).await?;
        }
        if let Ok(mut seen) = self.recent.lock() {
            let keep = Utc::now() - chrono::Duration::from_std(LOOKBACK * 2).unwrap_or_default();
            seen.retain(|_, at| *at >= keep);
        }
        Ok(applied)
    }

    async fn apply(&self, changes: &[freewire_core::Change], position: i64) -> Result<usize, SyncError> {
        let ids: BTreeSet<i64> = changes.iter().map(|c| c.article_id.0).collect();
        let wanted: Vec<ArticleId> = ids.iter().copied().map(ArticleId).collect();
        let found = self.store.articles_by_ids(&wanted).await?;
        let stories: BTreeSet<freewire_core::StoryId> =
            found.iter().filter_map(|f| f.article.story_id).collect();
        let docs = self.docs_for_all(&found).await?;
        let articles: Vec<i64> = ids.iter().copied().collect();
        self.blocking(move |index| index.replace(&articles, &docs, position)).await?;
        self.applied.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        if let Some(listener) = self.listener.get() {
            listener(&Applied { articles: wanted, stories: stories.into_iter().collect() });
        }
        if let Ok(mut seen) = self.recent.lock() {
            for c in changes {
                seen.insert(c.seq, c.at);
            }
        }
        Ok(ids.len())
    }

    /// Catches up every `every`, or sooner when nudged, until `shutdown` completes; failures
    /// are logged and retried.
    pub async fn follow(self: Arc<Self>, every: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.catch_up().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(articles = n, "search index caught up"),
                Err(SyncError::ShuttingDown) => {
                    tracing::debug!("search indexing stopped for the shutdown");
                    break;
                }
                Err(e) => tracing::warn!(error = %e, "search indexing failed; retrying"),
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(every) => {}
                () = self.wake.notified() => {}
            }
        }
    }
}

/// The filter terms of an article's names: each name whole, and a person by surname too.
fn name_terms(facts: &freewire_core::facts::Facts) -> Vec<String> {
    use freewire_core::facts::EntityKind;
    let mut terms = Vec::new();
    for e in &facts.entities {
        let key = crate::index::name_key(e.kind);
        terms.push(crate::index::name_term(key, &e.name));
        if e.kind == EntityKind::Person
            && let Some(surname) = e.name.split_whitespace().last().filter(|s| *s != e.name.trim())
        {
            terms.push(crate::index::name_term(key, surname));
        }
    }
    terms.sort_unstable();
    terms.dedup();
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_languages_win_and_others_are_detected() {
        assert_eq!(language_of(Some("en-GB"), "Der Hafen ist geschlossen"), "en");
        assert_eq!(
            language_of(
                None,
                "Le conseil municipal a publié une lettre sur le service de traversier cet hiver."
            ),
            "fr"
        );
        assert_eq!(
            language_of(None, "Der Stadtrat hat einen Brief über den Fährbetrieb im Winter veröffentlicht."),
            "de"
        );
    }
}
