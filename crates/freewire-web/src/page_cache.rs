//! Article pages and lists as a visitor who is not signed in sees them, kept rendered for a
//! short while.
//!
//! Such a page is the same for every anonymous visitor, and it is what most requests ask for;
//! rendering it takes several queries, the timeline's Markdown and the template. A kept page
//! is out of date, and is rendered again, as soon as what it was made from changes:
//!
//! - An article page (and the article's parts, below) is made from one article, its story and
//!   the story's other reports. A change to any of them makes it out of date: made through
//!   this process (an update posted, see `AppState::note_changed`), placed by this process's
//!   grouping, or made by any process on the same database, as the search index's follower
//!   applies it from the change sequence (`Indexer::on_applied`). Updates posted to one article
//!   leave every other article's page kept.
//! - A list (the front page, tags, sources, stories) shows many articles: any change at all
//!   makes every kept list out of date.
//! - A change through this process that names no article (any other successful form post,
//!   see `AppState::note_change`) makes everything out of date, kept sessions included.
//!
//! Whatever lies outside the change sequence (a source renamed by another process, the access
//! date in citations) is bounded by the time a page is kept, which by default matches the
//! `max-age` shared caches are already told. Signed-in readers' pages carry their name and
//! form token, so they are never kept (see [`PageCache::lookup`]); what every reader of an
//! article sees is kept instead, under the same rule, and only their own parts and the
//! template are drawn for them (see [`PageCache::parts`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

/// Something an article page is made from, and which changes on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Changed {
    /// An article: its text, its timeline, its place in a story.
    Article(i64),
    /// A story: the reports it gathers.
    Story(i64),
}

/// Set on a successful answer to a form or API call that changed only these: the pages made
/// from them, and lists, are out of date, and nothing else (see `note_changes` in the router).
/// An answer without it to a request that may change things makes everything out of date.
#[derive(Debug, Clone)]
pub(crate) struct ChangedOnly(pub(crate) Vec<Changed>);

impl ChangedOnly {
    /// `response`, marked as having changed only `changed`.
    pub(crate) fn mark(changed: Vec<Changed>, mut response: Response) -> Response {
        response.extensions_mut().insert(ChangedOnly(changed));
        response
    }
}

/// More things changed at once than are worth telling apart (a bulk import applied in one
/// go): every kept article page is out of date instead.
const TOO_MANY_TO_TRACK: usize = 1024;

/// When articles and stories changed, as far as anything kept can still be out of date.
pub(crate) struct Touched {
    /// Moves with every change recorded; a kept thing carries the value from before it read.
    epoch: AtomicU64,
    /// The epoch of each one's last change, and when it was, for the last `keep_for` (anything
    /// kept from before then is too old already).
    last: Mutex<HashMap<Changed, (u64, Instant)>>,
    keep_for: Duration,
}

impl Touched {
    fn new(keep_for: Duration) -> Self {
        Touched { epoch: AtomicU64::new(0), last: Mutex::new(HashMap::new()), keep_for }
    }

    /// The current epoch: what something about to be read is marked with.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Records that each of `changed` has just changed.
    fn touch(&self, changed: &[Changed]) {
        let Ok(mut last) = self.last.lock() else { return };
        let now = Instant::now();
        if last.len() > TOO_MANY_TO_TRACK {
            last.retain(|_, (_, at)| at.elapsed() < self.keep_for);
        }
        let epoch = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        for c in changed {
            last.insert(*c, (epoch, now));
        }
    }

    /// Whether none of `made_from` changed after `epoch`.
    fn unchanged_since(&self, made_from: &[Changed], epoch: u64) -> bool {
        if made_from.is_empty() {
            return true;
        }
        // A poisoned lock keeps nothing.
        let Ok(last) = self.last.lock() else { return false };
        made_from.iter().all(|c| last.get(c).is_none_or(|(changed, _)| *changed <= epoch))
    }
}

/// Something kept, and the stamp, time and epoch it was made under, and what it was made from.
pub(crate) struct Kept<T> {
    stamp: u64,
    made: Instant,
    epoch: u64,
    made_from: Box<[Changed]>,
    value: T,
}

impl<T> Kept<T> {
    /// `value`, made now under `stamp`, from nothing [`Changed`] names.
    pub(crate) fn new(stamp: u64, value: T) -> Arc<Self> {
        Arc::new(Kept { stamp, made: Instant::now(), epoch: 0, made_from: Box::new([]), value })
    }

    pub(crate) fn value(&self) -> &T {
        &self.value
    }
}

/// What `cache` keeps under `key`, if made under `stamp` less than `keep_for` ago from
/// nothing `touched` has seen change since; anything else is dropped. Pages, articles' parts
/// and sessions are all judged so.
pub(crate) fn fresh<T, W>(
    cache: &quick_cache::sync::Cache<String, Arc<Kept<T>>, W>,
    key: &str,
    stamp: u64,
    keep_for: Duration,
    touched: &Touched,
) -> Option<Arc<Kept<T>>>
where
    W: quick_cache::Weighter<String, Arc<Kept<T>>> + Clone,
{
    let kept = cache.get(key)?;
    if kept.stamp == stamp
        && kept.made.elapsed() < keep_for
        && touched.unchanged_since(&kept.made_from, kept.epoch)
    {
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
    /// Moves with every change made through this process that names no article.
    local_changes: AtomicU64,
    /// Moves with every change to articles too many to track one by one.
    broad_changes: AtomicU64,
    /// Moves with every change to any article, made here or applied from the change sequence
    /// (see `AppState::attach_search`): lists show many.
    list_changes: AtomicU64,
    touched: Touched,
}

/// Which rule a kept page is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageKind {
    /// An article's page: out of date when what it was made from changes.
    Article,
    /// Any other page: out of date when anything changes.
    List,
}

impl PageCache {
    /// Pages kept for `keep_for`; nothing is kept when it is zero.
    pub(crate) fn new(keep_for: Duration) -> Self {
        PageCache {
            pages: quick_cache::sync::Cache::with_weighter(KEPT_PAGES, KEPT_BYTES, BodyWeight),
            parts: quick_cache::sync::Cache::with_weighter(KEPT_PARTS, KEPT_PARTS_BYTES, PartsWeight),
            keep_for,
            local_changes: AtomicU64::new(0),
            broad_changes: AtomicU64::new(0),
            list_changes: AtomicU64::new(0),
            touched: Touched::new(keep_for),
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

    /// `changed` changed (through this process, or applied from the change sequence): the
    /// article pages made from them are out of date, and every list.
    pub(crate) fn forget(&self, changed: &[Changed]) {
        if changed.is_empty() {
            return;
        }
        if changed.len() > TOO_MANY_TO_TRACK {
            self.broad_changes.fetch_add(1, Ordering::AcqRel);
        } else {
            self.touched.touch(changed);
        }
        self.list_changes.fetch_add(1, Ordering::AcqRel);
    }

    /// The stamp a page of `kind` is made under. The counts only grow, so a sum moves
    /// whenever any of its terms does.
    fn stamp(&self, kind: PageKind) -> u64 {
        let article = self.local_changes().wrapping_add(self.broad_changes.load(Ordering::Acquire));
        match kind {
            PageKind::Article => article,
            PageKind::List => article.wrapping_add(self.list_changes.load(Ordering::Acquire)),
        }
    }

    /// Keeps `html`, rendered under `stamp` at `epoch` from `made_from`, for `path`; returns
    /// it as a response.
    fn keep(
        &self,
        path: String,
        (stamp, epoch): (u64, u64),
        made_from: Box<[Changed]>,
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
            let kept = Kept { stamp, made: Instant::now(), epoch, made_from, value: page };
            self.pages.insert(path, Arc::new(kept));
        }
        response
    }

    /// How many changes naming no article were made through this process: what a kept
    /// session is stamped with.
    pub(crate) fn local_changes(&self) -> u64 {
        self.local_changes.load(Ordering::Acquire)
    }

    /// When articles and stories changed: what kept sessions are judged with too.
    pub(crate) fn touched(&self) -> &Touched {
        &self.touched
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
    epoch: u64,
}

impl Missing {
    /// Keeps the rendered list page (when keeping is on) and answers with it.
    pub(crate) fn keep(
        self,
        cache: &PageCache,
        html: String,
        last_modified: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Response {
        cache.keep(self.key, (self.stamp, self.epoch), Box::new([]), html, last_modified)
    }

    /// Keeps the rendered article page, made from `parts`, and answers with it.
    pub(crate) fn keep_article(self, cache: &PageCache, parts: &KeptParts, html: String) -> Response {
        // The parts may have been read before this page was asked for.
        let epoch = self.epoch.min(parts.epoch);
        let made_from = parts.value.made_from().into();
        cache.keep(self.key, (self.stamp, epoch), made_from, html, Some(parts.value.modified()))
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
    /// The page of `kind` kept under `key` for a visitor who is not signed in, or what
    /// rendering it needs; signed-in readers always render. Called before anything is read,
    /// so a change made meanwhile leaves the rendering out of date.
    pub(crate) fn lookup(&self, kind: PageKind, signed_in: bool, key: impl FnOnce() -> String) -> Lookup {
        if signed_in {
            return Lookup::Render(None);
        }
        let (key, stamp, epoch) = (key(), self.stamp(kind), self.touched.epoch());
        match fresh(&self.pages, &key, stamp, self.keep_for, &self.touched) {
            Some(kept) => Lookup::Kept(kept.value.response()),
            None => Lookup::Render(Some(Missing { key, stamp, epoch })),
        }
    }
}

/// An article's parts as kept: with the epoch they were read at.
pub(crate) type KeptParts = Kept<Arc<ArticleParts>>;

/// An article whose parts no one has kept: where to keep them once read.
pub(crate) struct MissingParts {
    key: String,
    stamp: u64,
    epoch: u64,
}

impl MissingParts {
    /// Keeps the parts (when keeping is on) and hands them back shared.
    pub(crate) fn keep(self, cache: &PageCache, parts: ArticleParts) -> Arc<KeptParts> {
        let made_from = parts.made_from().into();
        let kept = Arc::new(Kept {
            stamp: self.stamp,
            made: Instant::now(),
            epoch: self.epoch,
            made_from,
            value: Arc::new(parts),
        });
        if cache.enabled() {
            cache.parts.insert(self.key, Arc::clone(&kept));
        }
        kept
    }
}

/// What an article page's handler does for what every reader sees.
pub(crate) enum PartsLookup {
    /// Use the kept parts.
    Kept(Arc<KeptParts>),
    /// Read them, and keep them as [`MissingParts`] says.
    Read(MissingParts),
}

impl PageCache {
    /// The parts kept for the article at `key`, if read under the current stamp and recently
    /// from nothing changed since, as an article page is judged; for every reader, signed in
    /// or not.
    pub(crate) fn parts(&self, key: &str) -> PartsLookup {
        let (stamp, epoch) = (self.stamp(PageKind::Article), self.touched.epoch());
        match fresh(&self.parts, key, stamp, self.keep_for, &self.touched) {
            Some(kept) => PartsLookup::Kept(kept),
            None => PartsLookup::Read(MissingParts { key: key.to_owned(), stamp, epoch }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_615_166_006, 0).unwrap()
    }

    /// What `lookup` answers for a visitor, as the kept page's body or nothing.
    fn kept(cache: &PageCache, kind: PageKind, path: &str) -> Option<Response> {
        match cache.lookup(kind, false, || path.to_owned()) {
            Lookup::Kept(page) => Some(page),
            Lookup::Render(_) => None,
        }
    }

    /// Renders `path` as a visitor's page of `kind` made from `made_from`, and keeps it.
    fn render(cache: &PageCache, kind: PageKind, path: &str, made_from: &[Changed]) -> Response {
        let Lookup::Render(Some(missing)) = cache.lookup(kind, false, || path.to_owned()) else {
            panic!("{path} was kept already");
        };
        cache.keep(
            missing.key,
            (missing.stamp, missing.epoch),
            made_from.into(),
            "<p>page</p>".into(),
            Some(when()),
        )
    }

    #[test]
    fn a_kept_page_is_served_until_the_stamp_moves() {
        let cache = PageCache::new(Duration::from_mins(1));
        let made = render(&cache, PageKind::List, "/", &[]);
        assert_eq!(made.headers()[header::LAST_MODIFIED], "Mon, 08 Mar 2021 01:13:26 GMT");
        let hit = kept(&cache, PageKind::List, "/").expect("kept");
        assert_eq!(hit.headers()[header::ETAG], made.headers()[header::ETAG]);
        assert!(kept(&cache, PageKind::List, "/?page=2").is_none(), "another page");
        cache.forget(&[Changed::Article(1)]);
        assert!(kept(&cache, PageKind::List, "/").is_none(), "a change since");
        render(&cache, PageKind::List, "/", &[]);
        assert!(
            matches!(cache.lookup(PageKind::List, true, || "/".into()), Lookup::Render(None)),
            "signed-in readers never get kept pages"
        );
    }

    #[test]
    fn local_changes_and_age_make_pages_out_of_date() {
        let cache = PageCache::new(Duration::from_mins(1));
        render(&cache, PageKind::Article, "a", &[Changed::Article(1)]);
        cache.forget_all();
        assert_eq!(cache.local_changes(), 1);
        assert!(kept(&cache, PageKind::Article, "a").is_none());

        let brief = PageCache::new(Duration::from_millis(1));
        render(&brief, PageKind::List, "a", &[]);
        std::thread::sleep(Duration::from_millis(5));
        assert!(kept(&brief, PageKind::List, "a").is_none(), "kept too long");

        let off = PageCache::new(Duration::ZERO);
        let response = render(&off, PageKind::List, "a", &[]);
        assert_eq!(response.status(), StatusCode::OK);
        assert!(kept(&off, PageKind::List, "a").is_none(), "nothing is kept when switched off");
    }

    #[test]
    fn a_change_to_one_article_leaves_other_articles_pages_kept_and_every_list_out_of_date() {
        let cache = PageCache::new(Duration::from_mins(1));
        render(&cache, PageKind::Article, "one", &[Changed::Article(1), Changed::Story(10)]);
        render(
            &cache,
            PageKind::Article,
            "two",
            &[Changed::Article(2), Changed::Story(10), Changed::Article(3)],
        );
        render(&cache, PageKind::Article, "four", &[Changed::Article(4)]);
        render(&cache, PageKind::List, "/", &[]);

        cache.forget(&[Changed::Article(1)]);
        assert!(kept(&cache, PageKind::Article, "one").is_none(), "the article changed");
        assert!(kept(&cache, PageKind::Article, "two").is_some(), "another article of the story");
        assert!(kept(&cache, PageKind::List, "/").is_none(), "lists show every article");

        // A report joins the story: its other pages show it.
        cache.forget(&[Changed::Article(5), Changed::Story(10)]);
        assert!(kept(&cache, PageKind::Article, "two").is_none(), "its story gained a report");
        assert!(kept(&cache, PageKind::Article, "four").is_some(), "another story");

        // Applied from another process: the same.
        render(
            &cache,
            PageKind::Article,
            "two",
            &[Changed::Article(2), Changed::Story(10), Changed::Article(3)],
        );
        cache.forget(&[Changed::Article(3)]);
        assert!(kept(&cache, PageKind::Article, "two").is_none(), "a report on its line changed");
        assert!(kept(&cache, PageKind::Article, "four").is_some());
        assert_eq!(cache.local_changes(), 0, "sessions stay kept");
    }

    #[test]
    fn a_change_while_a_page_is_read_leaves_it_out_of_date() {
        let cache = PageCache::new(Duration::from_mins(1));
        let Lookup::Render(Some(missing)) = cache.lookup(PageKind::Article, false, || "one".into()) else {
            panic!("nothing kept yet");
        };
        // The article changes after the page started reading it, before it is kept.
        cache.forget(&[Changed::Article(1)]);
        cache.keep(
            missing.key,
            (missing.stamp, missing.epoch),
            [Changed::Article(1)].into(),
            "old".into(),
            None,
        );
        assert!(
            kept(&cache, PageKind::Article, "one").is_none(),
            "made from what was there before the change"
        );
    }

    #[test]
    fn too_many_changes_at_once_make_every_article_page_out_of_date() {
        let cache = PageCache::new(Duration::from_mins(1));
        render(&cache, PageKind::Article, "one", &[Changed::Article(1)]);
        let many: Vec<Changed> = (1_000..=1_000 + TOO_MANY_TO_TRACK as i64).map(Changed::Article).collect();
        cache.forget(&many);
        assert!(kept(&cache, PageKind::Article, "one").is_none());
        assert!(cache.touched.last.lock().unwrap().is_empty(), "none of them tracked");
    }

    #[test]
    fn changes_older_than_anything_kept_are_no_longer_tracked() {
        let cache = PageCache::new(Duration::from_millis(20));
        let many: Vec<Changed> = (0..TOO_MANY_TO_TRACK as i64).map(Changed::Article).collect();
        cache.forget(&many);
        cache.forget(&[Changed::Story(1)]);
        assert_eq!(cache.touched.last.lock().unwrap().len(), TOO_MANY_TO_TRACK + 1);
        std::thread::sleep(Duration::from_millis(30));
        cache.forget(&[Changed::Story(2)]);
        assert_eq!(cache.touched.last.lock().unwrap().len(), 1, "only the newest change is tracked");
    }
}
