//! Article pages and lists as a visitor who is not signed in sees them, kept rendered for a
//! short while.
//!
//! Such a page is the same for every anonymous visitor, and it is what most requests ask for;
//! rendering it takes several queries (counting a large list's pages among them), the
//! timeline's Markdown and the template. A kept page is out of date, and is rendered again, as
//! soon as anything changes: a change made through this process (any successful form post, see
//! `AppState::note_change`), or a change to any article or timeline made by any process on the same
//! database, as the search index's follower applies it (`Indexer::changes_applied`). Whatever
//! lies outside the change sequence (a source renamed by another process, the access date in
//! citations) is bounded by the time a page is kept, which by default matches the `max-age`
//! shared caches are already told. Signed-in readers' pages carry their name and form token,
//! so they are never kept (see [`PageCache::lookup`]); what every reader of an article sees
//! is kept instead, under the same rule, and only their own parts and the template are drawn
//! for them (see [`PageCache::parts`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::Response;

use crate::site::article::ArticleParts;

/// Bytes of rendered pages kept at most (a page is some tens of KiB).
const KEPT_BYTES: u64 = 16 * 1024 * 1024;
/// About how many pages that is, for the cache's sizing.
const KEPT_PAGES: usize = 512;
/// Bytes of articles' parts kept at most (the article's text dominates), and about how many
/// articles that is: signed-in readers' working set is wider than the front pages.
const KEPT_PARTS_BYTES: u64 = 64 * 1024 * 1024;
const KEPT_PARTS: usize = 4096;

/// Something kept, and the stamp and time it was made under.
pub(crate) struct Kept<T> {
    stamp: u64,
    made: Instant,
    value: T,
}

impl<T> Kept<T> {
    /// `value`, made now under `stamp`.
    pub(crate) fn new(stamp: u64, value: T) -> Arc<Self> {
        Arc::new(Kept { stamp, made: Instant::now(), value })
    }

    pub(crate) fn value(&self) -> &T {
        &self.value
    }
}

/// What `cache` keeps under `key`, if made under `stamp` less than `keep_for` ago; anything
/// older is dropped. Pages, articles' parts and sessions are all judged so.
pub(crate) fn fresh<T, W>(
    cache: &quick_cache::sync::Cache<String, Arc<Kept<T>>, W>,
    key: &str,
    stamp: u64,
    keep_for: Duration,
) -> Option<Arc<Kept<T>>>
where
    W: quick_cache::Weighter<String, Arc<Kept<T>>> + Clone,
{
    let kept = cache.get(key)?;
    if kept.stamp == stamp && kept.made.elapsed() < keep_for {
        return Some(kept);
    }
    cache.remove(key);
    None
}

/// One rendered page.
#[derive(Debug)]
pub(crate) struct KeptPage {
    body: Bytes,
    etag: HeaderValue,
    last_modified: Option<HeaderValue>,
}

#[derive(Debug, Clone)]
struct BodyWeight;

impl quick_cache::Weighter<String, Arc<Kept<KeptPage>>> for BodyWeight {
    fn weight(&self, _key: &String, page: &Arc<Kept<KeptPage>>) -> u64 {
        page.value.body.len() as u64
    }
}

#[derive(Debug, Clone)]
struct PartsWeight;

impl quick_cache::Weighter<String, Arc<Kept<Arc<ArticleParts>>>> for PartsWeight {
    fn weight(&self, _key: &String, kept: &Arc<Kept<Arc<ArticleParts>>>) -> u64 {
        kept.value.weight()
    }
}

/// The kept pages, by path, and the kept parts of article pages, by permalink.
pub(crate) struct PageCache {
    pages: quick_cache::sync::Cache<String, Arc<Kept<KeptPage>>, BodyWeight>,
    parts: quick_cache::sync::Cache<String, Arc<Kept<Arc<ArticleParts>>>, PartsWeight>,
    keep_for: Duration,
    /// Moves with every change made through this process.
    local_changes: AtomicU64,
}

impl PageCache {
    /// Pages kept for `keep_for`; nothing is kept when it is zero.
    pub(crate) fn new(keep_for: Duration) -> Self {
        PageCache {
            pages: quick_cache::sync::Cache::with_weighter(KEPT_PAGES, KEPT_BYTES, BodyWeight),
            parts: quick_cache::sync::Cache::with_weighter(KEPT_PARTS, KEPT_PARTS_BYTES, PartsWeight),
            keep_for,
            local_changes: AtomicU64::new(0),
        }
    }

    /// Whether pages are kept at all.
    fn enabled(&self) -> bool {
        !self.keep_for.is_zero()
    }

    /// Every kept page is out of date: something was changed through this process.
    pub(crate) fn forget_all(&self) {
        self.local_changes.fetch_add(1, Ordering::AcqRel);
        self.pages.clear();
        self.parts.clear();
    }

    /// The page kept for `path`, as a response, if it was made under `stamp` and recently.
    fn get(&self, path: &str, stamp: u64) -> Option<Response> {
        fresh(&self.pages, path, stamp, self.keep_for).map(|kept| kept.value.response())
    }

    /// Keeps `html`, rendered under `stamp`, for `path`; returns it as a response.
    fn keep(
        &self,
        path: String,
        stamp: u64,
        html: String,
        last_modified: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Response {
        let body = Bytes::from(html);
        let page = KeptPage {
            etag: HeaderValue::from_str(&crate::conditional::etag_of(&body))
                .unwrap_or(HeaderValue::from_static("\"\"")),
            last_modified: last_modified
                .and_then(|t| HeaderValue::from_str(&crate::conditional::http_date(t)).ok()),
            body,
        };
        let response = page.response();
        if self.enabled() {
            self.pages.insert(path, Kept::new(stamp, page));
        }
        response
    }

    /// How many changes were made through this process: what a kept session is stamped with.
    pub(crate) fn local_changes(&self) -> u64 {
        self.local_changes.load(Ordering::Acquire)
    }
}

impl KeptPage {
    fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        headers.insert(header::ETAG, self.etag.clone());
        if let Some(modified) = &self.last_modified {
            headers.insert(header::LAST_MODIFIED, modified.clone());
        }
        response
    }
}

/// A page a visitor who is not signed in asked for and no one has kept: where to keep it once
/// rendered, and the state it is rendered from.
pub(crate) struct Missing {
    key: String,
    stamp: u64,
}

impl Missing {
    /// Keeps the rendered page (when keeping is on) and answers with it.
    pub(crate) fn keep(
        self,
        cache: &PageCache,
        html: String,
        last_modified: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Response {
        cache.keep(self.key, self.stamp, html, last_modified)
    }
}

/// What a page handler does next.
pub(crate) enum Lookup {
    /// Answer with the kept page.
    Kept(Response),
    /// Render the page; for a visitor who is not signed in, keep it as [`Missing`] says.
    Render(Option<Missing>),
}

impl PageCache {
    /// The page kept under `key` for a visitor who is not signed in, or what rendering it
    /// needs; signed-in readers always render. `applied` is how many changes other processes
    /// made have been seen (the search index's follower counts them): with this process's
    /// own changes it stamps a page, and a page rendered under an older stamp may show
    /// something since changed. Called before anything is read, so a change made meanwhile
    /// leaves the rendering out of date.
    pub(crate) fn lookup(&self, applied: u64, signed_in: bool, key: impl FnOnce() -> String) -> Lookup {
        if signed_in {
            return Lookup::Render(None);
        }
        // Both counts only grow, so their sum moves whenever either does.
        let (key, stamp) = (key(), self.local_changes().wrapping_add(applied));
        match self.get(&key, stamp) {
            Some(page) => Lookup::Kept(page),
            None => Lookup::Render(Some(Missing { key, stamp })),
        }
    }
}

/// An article whose parts no one has kept: where to keep them once read.
pub(crate) struct MissingParts {
    key: String,
    stamp: u64,
}

impl MissingParts {
    /// Keeps the parts (when keeping is on) and hands them back shared.
    pub(crate) fn keep(self, cache: &PageCache, parts: ArticleParts) -> Arc<ArticleParts> {
        let parts = Arc::new(parts);
        if cache.enabled() {
            cache.parts.insert(self.key, Kept::new(self.stamp, Arc::clone(&parts)));
        }
        parts
    }
}

/// What an article page's handler does for what every reader sees.
pub(crate) enum PartsLookup {
    /// Use the kept parts.
    Kept(Arc<ArticleParts>),
    /// Read them, and keep them as [`MissingParts`] says.
    Read(MissingParts),
}

impl PageCache {
    /// The parts kept for the article at `key`, if read under the current stamp and recently,
    /// as [`PageCache::lookup`] judges a page; for every reader, signed in or not.
    pub(crate) fn parts(&self, applied: u64, key: &str) -> PartsLookup {
        let stamp = self.local_changes().wrapping_add(applied);
        match fresh(&self.parts, key, stamp, self.keep_for) {
            Some(kept) => PartsLookup::Kept(Arc::clone(&kept.value)),
            None => PartsLookup::Read(MissingParts { key: key.to_owned(), stamp }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_615_166_006, 0).unwrap()
    }

    #[test]
    fn a_kept_page_is_served_until_the_stamp_moves() {
        let cache = PageCache::new(Duration::from_mins(1));
        let made = cache.keep("2021/03/08/a".into(), 7, "<p>page</p>".into(), Some(when()));
        assert_eq!(made.headers()[header::LAST_MODIFIED], "Mon, 08 Mar 2021 01:13:26 GMT");
        let hit = cache.get("2021/03/08/a", 7).expect("kept");
        assert_eq!(hit.headers()[header::ETAG], made.headers()[header::ETAG]);
        assert!(cache.get("2021/03/08/b", 7).is_none(), "another page");
        assert!(cache.get("2021/03/08/a", 8).is_none(), "a change since");
        assert!(cache.get("2021/03/08/a", 7).is_none(), "dropped once out of date");
    }

    #[test]
    fn local_changes_and_age_make_pages_out_of_date() {
        let cache = PageCache::new(Duration::from_mins(1));
        cache.keep("a".into(), 0, "one".into(), None);
        cache.forget_all();
        assert_eq!(cache.local_changes(), 1);
        assert!(cache.get("a", 0).is_none());

        let brief = PageCache::new(Duration::from_millis(1));
        brief.keep("a".into(), 0, "one".into(), None);
        std::thread::sleep(Duration::from_millis(5));
        assert!(brief.get("a", 0).is_none(), "kept too long");

        let off = PageCache::new(Duration::ZERO);
        let response = off.keep("a".into(), 0, "one".into(), None);
        assert_eq!(response.status(), StatusCode::OK);
        assert!(off.get("a", 0).is_none(), "nothing is kept when switched off");
    }
}
