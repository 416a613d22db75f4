//! What every handler shares: the stores, the configuration and the templates.

use std::sync::Arc;

use freewire_app::updates::UpdateRules;
use freewire_core::{BlobStore, SiteUrl, Store};
use url::Url;

use crate::page_cache::{Changed, Lookup, PageCache, PageKind};
use crate::templates::Templates;

/// The site's settings as the web layer sees them. The binary's configuration holds this
/// very value (validated) and passes it down; its defaults are the site's defaults.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The site's name, as in citations ("Radio Free").
    pub site_name: String,
    /// Where the site is reached from outside; permalinks and citations use it.
    pub base_url: Url,
    /// The language of the site's own text (the `lang` of every page).
    pub language: String,
    /// Upload sizes, the daily allowance and the edit window.
    pub updates: UpdateRules,
    /// How long a sign-in lasts at most, in days, however much it is used.
    pub session_days: i64,
    /// How long a sign-in lasts unused, in minutes: each request moves its end this far on,
    /// up to [`WebConfig::session_days`].
    pub session_idle_minutes: i64,
    /// How people get accounts.
    pub registration: freewire_core::Registration,
    /// How long an article page or list rendered for visitors who are not signed in is reused, unless
    /// something changes first; zero renders every request.
    pub keep_pages_for: std::time::Duration,
    /// The REST API's CORS origins and rate.
    pub api: crate::api::ApiConfig,
    /// Who may read `/metrics`, and whether the site's address serves it.
    pub metrics: crate::health::MetricsConfig,
    /// Proxies whose `X-Forwarded-For` names the client the rate limits count (none: the
    /// connection's own address).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How pictures in republished bodies reach readers: through the site's image proxy,
    /// or straight from the outlets.
    pub images: crate::images::ImageConfig,
    /// The WebSub hub: on or off, leases, delivery tries.
    pub websub: freewire_app::websub::HubRules,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            site_name: "freewire".to_owned(),
            #[expect(clippy::expect_used, reason = "a constant address")]
            base_url: Url::parse("http://127.0.0.1:8080/").expect("a valid address"),
            language: "en".to_owned(),
            updates: UpdateRules::default(),
            session_days: 30,
            session_idle_minutes: 30,
            registration: freewire_core::Registration::Invite,
            keep_pages_for: std::time::Duration::from_mins(1),
            api: crate::api::ApiConfig::default(),
            metrics: crate::health::MetricsConfig::default(),
            trusted_proxies: Vec::new(),
            images: crate::images::ImageConfig::default(),
            websub: freewire_app::websub::HubRules::default(),
        }
    }
}

impl WebConfig {
    /// Every address on the site, built from [`WebConfig::base_url`].
    #[must_use]
    pub fn urls(&self) -> SiteUrl {
        SiteUrl::new(&self.base_url)
    }
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
    urls: SiteUrl,
    limits: crate::limits::Limits,
    hashing: tokio::sync::Semaphore,
    citer: freewire_core::cite::Citer,
    /// Citations already rendered, by everything they are made from (see
    /// `citing::citations`): rendering the CSL styles is most of an article page's cost.
    citations: quick_cache::sync::Cache<String, Arc<freewire_core::cite::Citations>>,
    search: std::sync::OnceLock<Arc<freewire_search::Indexer>>,
    pages: Arc<PageCache>,
    sessions: crate::account::KeptSessions,
    images: crate::images::ImageProxy,
    websub: std::sync::OnceLock<Arc<crate::websub::WebSubRuntime>>,
}

impl AppState {
    /// State over the given stores.
    pub fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>, config: WebConfig) -> Self {
        let urls = config.urls();
        AppState {
            inner: Arc::new(Inner {
                store,
                blobs,
                templates: Templates::new(),
                #[expect(clippy::expect_used, reason = "start-up: the bundled styles are checked by tests")]
                citer: freewire_core::cite::Citer::new().expect("the bundled citation styles load"),
                citations: quick_cache::sync::Cache::new(CITATIONS_CACHED),
                search: std::sync::OnceLock::new(),
                websub: std::sync::OnceLock::new(),
                pages: Arc::new(PageCache::new(config.keep_pages_for)),
                sessions: crate::account::kept_sessions(),
                limits: crate::limits::Limits::new(config.api.requests_per_minute),
                images: crate::images::ImageProxy::new(&config.images),
                config,
                urls,
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
        // Changes the index applies, from any process, make the pages made from them out of date.
        let pages = Arc::clone(&self.inner.pages);
        indexer.on_applied(Box::new(move |applied| {
            let articles = applied.articles.iter().map(|a| Changed::Article(a.0));
            let stories = applied.stories.iter().map(|s| Changed::Story(s.0));
            pages.forget(&articles.chain(stories).collect::<Vec<_>>());
        }));
        let _ = self.inner.search.set(indexer);
    }

    /// Takes part in WebSub with `runtime`'s client (and poller, for pushed content). Without
    /// it `/websub` answers 404 and feeds still name the hub only if the configuration says
    /// so. Only the first call counts.
    pub fn attach_websub(&self, runtime: crate::websub::WebSubRuntime) {
        let _ = self.inner.websub.set(Arc::new(runtime));
    }

    /// WebSub's client and poller, when attached.
    pub(crate) fn websub(&self) -> Option<&Arc<crate::websub::WebSubRuntime>> {
        self.inner.websub.get()
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
    pub(crate) fn pages(&self) -> &PageCache {
        &self.inner.pages
    }

    /// The kept list page under `key` for a visitor who is not signed in, or what rendering
    /// it needs (see [`PageCache::lookup`]).
    pub(crate) fn kept_page(&self, signed_in: bool, key: impl FnOnce() -> String) -> Lookup {
        self.inner.pages.lookup(PageKind::List, signed_in, key)
    }

    /// The kept article page under `key` for a visitor who is not signed in, or what
    /// rendering it needs: kept until what it was made from changes.
    pub(crate) fn kept_article_page(&self, signed_in: bool, key: impl FnOnce() -> String) -> Lookup {
        self.inner.pages.lookup(PageKind::Article, signed_in, key)
    }

    /// Sessions looked up a moment ago (see [`crate::account::KeptSessions`]).
    pub(crate) fn sessions(&self) -> &crate::account::KeptSessions {
        &self.inner.sessions
    }

    /// The kept parts of the article page at `path` (its permalink's), or where to keep them
    /// once read (see [`PageCache::parts`]).
    pub(crate) fn kept_parts(&self, path: &str) -> crate::page_cache::PartsLookup {
        self.inner.pages.parts(path)
    }

    /// Something may have changed through this process (a form, or the grouping placing new
    /// articles in stories): kept pages are dropped, and the search index catches up now
    /// rather than at its next round, so the change shows at once in pages and search.
    pub fn note_change(&self) {
        self.inner.pages.forget_all();
        if let Some(search) = self.search() {
            search.nudge();
        }
    }

    /// `changed` changed through this process (an update posted to an article, articles
    /// placed in stories): the article pages made from them, and every list, are out of date;
    /// other articles' pages and signed-in readers' sessions stay kept. The search index
    /// catches up now.
    pub fn note_changed(&self, changed: &[Changed]) {
        self.inner.pages.forget(changed);
        if let Some(search) = self.search() {
            search.nudge();
        }
    }

    /// The image proxy: its signing key, client and cache.
    pub(crate) fn images(&self) -> &crate::images::ImageProxy {
        &self.inner.images
    }

    /// Makes the site's secrets that do not exist yet (the image proxy's signing key), as the
    /// first start of a site does. Everything works without calling it (the key is made when
    /// first needed); calling it at start-up shows a database that cannot be written at once.
    pub async fn prepare(&self) -> Result<(), freewire_core::StoreError> {
        crate::images::prepare(self).await
    }

    /// The file store.
    #[must_use]
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.inner.blobs
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

    /// Every address on the site, built from its public address.
    #[must_use]
    pub fn urls(&self) -> &SiteUrl {
        &self.inner.urls
    }

    /// Whether cookies must be `Secure`: the site is reached over HTTPS.
    #[must_use]
    pub fn secure_cookies(&self) -> bool {
        self.inner.config.base_url.scheme() == "https"
    }

    /// A site-relative link (`/login` → `/news/login` under a prefix).
    #[must_use]
    pub fn link(&self, path: &str) -> String {
        self.inner.urls.link(path)
    }
}
