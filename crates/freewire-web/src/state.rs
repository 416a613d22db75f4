//! What every handler shares: the stores, the configuration and the templates.

use std::path::PathBuf;
use std::sync::Arc;

use freewire_core::{BlobStore, Store};
use url::Url;

use crate::templates::Templates;

/// The web layer's settings, validated by the binary's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The site's name, as in citations ("Radio Free").
    pub site_name: String,
    /// Where the site is reached from outside; permalinks and citations use it.
    pub base_url: Url,
    /// The language of the site's own text (the `lang` of every page).
    pub language: String,
    /// The largest file one upload may carry, in bytes.
    pub max_upload_bytes: u64,
    /// How many bytes of files one user may upload in 24 hours.
    pub daily_upload_quota_bytes: u64,
    /// Where uploads are spooled while they arrive, before they go to object storage.
    pub spool_dir: PathBuf,
    /// How long a sign-in lasts, in days.
    pub session_days: i64,
    /// How long after posting authors may edit or delete their own updates, in minutes.
    pub edit_window_minutes: i64,
    /// How people get accounts.
    pub registration: freewire_core::Registration,
    /// How long an article page or list rendered for visitors who are not signed in is reused, unless
    /// something changes first; zero renders every request.
    pub keep_pages_for: std::time::Duration,
}

/// Shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// Articles whose rendered citations are kept (a few KiB each).
const CITATIONS_CACHED: usize = 2048;

struct Inner {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    config: WebConfig,
    templates: Templates,
    path_prefix: String,
    limits: crate::limits::Limits,
    hashing: tokio::sync::Semaphore,
    citer: freewire_core::cite::Citer,
    /// Citations already rendered, by everything they are made from (see
    /// `site::cite::citations`): rendering the CSL styles is most of an article page's cost.
    citations: quick_cache::sync::Cache<String, Arc<freewire_core::cite::Citations>>,
    search: std::sync::OnceLock<Arc<freewire_search::Indexer>>,
    pages: crate::pages::PageCache,
}

impl AppState {
    /// State over the given stores.
    pub fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>, config: WebConfig) -> Self {
        let path_prefix = config.base_url.path().trim_end_matches('/').to_owned();
        AppState {
            inner: Arc::new(Inner {
                store,
                blobs,
                templates: Templates::new(),
                #[expect(clippy::expect_used, reason = "start-up: the bundled styles are checked by tests")]
                citer: freewire_core::cite::Citer::new().expect("the bundled citation styles load"),
                citations: quick_cache::sync::Cache::new(CITATIONS_CACHED),
                search: std::sync::OnceLock::new(),
                pages: crate::pages::PageCache::new(config.keep_pages_for),
                config,
                path_prefix,
                limits: crate::limits::Limits::default(),
                hashing: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
                ),
            }),
        }
    }

    /// The row store.
    #[must_use]
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Serves search from `indexer`'s index and tells it of changes made here. Without it the
    /// search page says search is not enabled. Only the first call counts.
    pub fn attach_search(&self, indexer: Arc<freewire_search::Indexer>) {
        let _ = self.inner.search.set(indexer);
    }

    /// The search index this process keeps, if any.
    pub(crate) fn search(&self) -> Option<&Arc<freewire_search::Indexer>> {
        self.inner.search.get()
    }

    /// The citation styles, read once.
    pub(crate) fn citer(&self) -> &freewire_core::cite::Citer {
        &self.inner.citer
    }

    /// Rendered citations, kept for the articles read most.
    pub(crate) fn citation_cache(
        &self,
    ) -> &quick_cache::sync::Cache<String, Arc<freewire_core::cite::Citations>> {
        &self.inner.citations
    }

    /// Article pages and lists rendered for visitors who are not signed in.
    pub(crate) fn pages(&self) -> &crate::pages::PageCache {
        &self.inner.pages
    }

    /// The file store.
    #[must_use]
    pub fn blobs(&self) -> &dyn BlobStore {
        self.inner.blobs.as_ref()
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    /// Permits for password hashing, one per core.
    pub(crate) fn hashing(&self) -> &tokio::sync::Semaphore {
        &self.inner.hashing
    }

    pub(crate) fn limits(&self) -> &crate::limits::Limits {
        &self.inner.limits
    }

    pub(crate) fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    /// The path the site lives under (`""` at the root, `/news` for `https://x.org/news`).
    #[must_use]
    pub fn path_prefix(&self) -> &str {
        &self.inner.path_prefix
    }

    /// Whether cookies must be `Secure`: the site is reached over HTTPS.
    #[must_use]
    pub fn secure_cookies(&self) -> bool {
        self.inner.config.base_url.scheme() == "https"
    }

    /// An absolute address for a link [`AppState::link`] made (`/news/about` →
    /// `https://x.org/news/about`).
    #[must_use]
    pub fn absolute(&self, linked: &str) -> String {
        format!("{}{linked}", self.inner.config.base_url.origin().ascii_serialization())
    }

    /// A site-relative link (`/login` → `/news/login` under a prefix).
    #[must_use]
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.inner.path_prefix)
    }
}
