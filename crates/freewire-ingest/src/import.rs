//! Importing a feed document: parse it, sanitise every body, and store the items as articles
//! with a record of where they came from. Either the whole document is stored or, when it
//! cannot be parsed, nothing at all.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use freewire_core::model::{InsertOutcome, Media, NewArticle, NewRetrieval, NewSource};
use freewire_core::xml::strip_forbidden_chars;
use freewire_core::{Article, Licence, Source, Store, StoreError};
use sha2::{Digest, Sha256};
use url::Url;

use crate::parse::{FeedItem, ParseError, ParsedFeed, parse_feed};
use crate::sanitize::{html_to_text, sanitize_html, text_of_sanitised};

/// The largest feed file we read (a feed of many thousand full-text items fits easily).
pub const MAX_FEED_BYTES: u64 = 64 * 1024 * 1024;

/// How far in the future a date may lie before we take it for a publisher's clock error and
/// use the time we saw the item instead.
const FUTURE_TOLERANCE: Duration = Duration::hours(1);

/// The source an import files its articles under; created when missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The outlet's name, unique on the site.
    pub name: String,
    /// The outlet's homepage, for a new source.
    pub homepage: Option<String>,
    /// The licence for a new source (default: `permission`, the importer asserting it may
    /// republish). An existing source keeps its own.
    pub licence: Option<Licence>,
}

/// What an import stored.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The source the articles were filed under.
    pub source: Source,
    /// Items in the document.
    pub items: usize,
    /// Articles stored by this import.
    pub inserted: Vec<Article>,
    /// Items already stored before.
    pub duplicates: usize,
    /// Items stored before whose text has changed: kept as revisions.
    pub revised: usize,
    /// Items that are another outlet's story already stored: linked, not republished.
    pub near_duplicates: usize,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is larger than any feed we accept.
    #[error("{} is {size} bytes, more than the {MAX_FEED_BYTES}-byte limit for a feed", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
    /// The document is not a feed we can read.
    #[error("{location} is not a feed freewire can read: {source}")]
    Parse {
        /// The file or URL.
        location: String,
        /// What is wrong with it.
        source: ParseError,
    },
    /// The store refused.
    #[error("storing the articles failed: {0}")]
    Store(#[from] StoreError),
    /// The parser's worker thread died (a bug).
    #[error("parsing was interrupted: {0}")]
    Interrupted(String),
}

/// Imports a feed file from disk.
pub async fn import_file(
    store: &dyn Store,
    path: &Path,
    spec: &SourceSpec,
) -> Result<ImportReport, ImportError> {
    let read_err = |source| ImportError::Read { path: path.to_owned(), source };
    let size = tokio::fs::metadata(path).await.map_err(read_err)?.len();
    if size > MAX_FEED_BYTES {
        return Err(ImportError::TooLarge { path: path.to_owned(), size });
    }
    let bytes = tokio::fs::read(path).await.map_err(read_err)?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let location =
        Url::from_file_path(&absolute).map_or_else(|()| absolute.display().to_string(), |u| u.to_string());
    import_bytes(store, bytes, &location, spec, Utc::now()).await
}

/// Imports a feed document received from `location` at `retrieved_at`.
pub async fn import_bytes(
    store: &dyn Store,
    bytes: Vec<u8>,
    location: &str,
    spec: &SourceSpec,
    retrieved_at: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let base = Url::parse(location).ok().filter(|u| u.scheme() != "file");
    // Parsing and sanitising a large feed is CPU work: keep it off the async threads.
    let homepage = spec.homepage.clone();
    let parsed = tokio::task::spawn_blocking(move || parse_feed(&bytes, base.as_ref()))
        .await
        .map_err(|e| ImportError::Interrupted(e.to_string()))?
        .map_err(|source| ImportError::Parse { location: location.to_owned(), source })?;

    // The name is stored as feeds and OPML will carry it.
    let name = strip_forbidden_chars(spec.name.as_str());
    let source = match store.source_by_name(&name).await? {
        Some(existing) => existing,
        None => {
            store
                .insert_source(NewSource {
                    name: name.into_owned(),
                    homepage: spec.homepage.clone(),
                    licence: spec.licence.unwrap_or(Licence::Permission),
                    credit: None,
                })
                .await?
        }
    };
    let items = parsed.items.len();
    let repeated = items - first_of_each_guid(&parsed).count();
    let retrieval = NewRetrieval { location: location.to_owned(), retrieved_at, http_status: None, sha256 };
    let batch = tokio::task::spawn_blocking({
        let source = source.clone();
        move || articles_from(&parsed, &source, homepage.as_deref(), &retrieval, retrieved_at)
    })
    .await
    .map_err(|e| ImportError::Interrupted(e.to_string()))?;
    let outcomes = store.insert_articles_with_retrieval(batch).await?;
    crate::facts::record_or_warn(store, &outcomes).await;
    let mut inserted = Vec::new();
    let (mut duplicates, mut revised, mut near_duplicates) = (repeated, 0, 0);
    for outcome in outcomes {
        match outcome {
            InsertOutcome::Inserted(a) => inserted.push(*a),
            InsertOutcome::Duplicate(_) => duplicates += 1,
            InsertOutcome::Revised(_) => revised += 1,
            InsertOutcome::NearDuplicate { .. } => near_duplicates += 1,
        }
    }
    tracing::info!(source = %source.name, items, inserted = inserted.len(), duplicates, "imported feed");
    Ok(ImportReport { source, items, inserted, duplicates, revised, near_duplicates })
}

fn articles_from(
    feed: &ParsedFeed,
    source: &Source,
    homepage: Option<&str>,
    retrieval: &NewRetrieval,
    seen_at: DateTime<Utc>,
) -> Vec<(NewArticle, NewRetrieval)> {
    let feed_base = feed.link.as_deref().or(homepage).and_then(|l| Url::parse(l).ok());
    first_of_each_guid(feed)
        .map(|item| (article_from(item, feed, source, feed_base.as_ref(), seen_at), retrieval.clone()))
        .collect()
}

/// A feed's items with repeats of a GUID within the same document dropped: the first one
/// listed is the item, later ones are the feed's own duplication, not new versions of it.
pub(crate) fn first_of_each_guid(feed: &ParsedFeed) -> impl Iterator<Item = &FeedItem> {
    let mut seen = std::collections::HashSet::new();
    feed.items.iter().filter(move |item| seen.insert(item.guid.as_str()))
}

/// The article an item becomes (sanitised body, resolved links, sane dates, dedupe keys).
/// Every feed item stored, from a file or a poll (with its page's text or not), becomes an
/// article here, so this is where the text loses the characters XML 1.0 forbids
/// ([`strip_forbidden_chars`]): after sanitising, since the sanitiser turns a reference such
/// as `&#1;` into the character itself.
pub(crate) fn article_from(
    item: &FeedItem,
    feed: &ParsedFeed,
    source: &Source,
    feed_base: Option<&Url>,
    seen_at: DateTime<Utc>,
) -> NewArticle {
    let base = item.body_base.as_deref().or(item.link.as_deref()).and_then(|l| Url::parse(l).ok());
    let base = base.as_ref().or(feed_base);
    let body_raw = item.content_html.as_deref().or(item.summary_html.as_deref()).unwrap_or("");
    let body_html = strip_forbidden_chars(sanitize_html(body_raw, base)).into_owned();
    // A summary is kept only when it is not also the body.
    let summary = item
        .content_html
        .as_ref()
        .and(item.summary_html.as_deref())
        .map(|s| strip_forbidden_chars(html_to_text(s)).into_owned())
        .filter(|s| !s.is_empty());
    let title = strip_forbidden_chars(item.title.as_str());
    let title = if title.is_empty() { untitled(&body_html) } else { title.into_owned() };
    let text = text_of_sanitised(&body_html);
    let simhash = freewire_core::fingerprint::comparable_simhash(&text);
    let latest_sane = seen_at + FUTURE_TOLERANCE;
    let published = item.published.or(item.updated).filter(|t| *t <= latest_sane).unwrap_or(seen_at);
    NewArticle {
        source_id: source.id,
        feed_id: None,
        guid: item.guid.clone(),
        original_url: item.link.clone(),
        title,
        author: item
            .author
            .as_deref()
            .map(|a| strip_forbidden_chars(a).into_owned())
            .filter(|a| !a.is_empty()),
        summary,
        body_html,
        language: item.language.clone().or_else(|| feed.language.clone()),
        published_at: published,
        updated_at: item.updated.filter(|t| *t <= latest_sane),
        licence: source.licence,
        normalized_url: item.link.as_deref().and_then(crate::dedupe::normalize_url),
        simhash,
        media: item
            .media
            .iter()
            .map(|m| Media {
                title: m.title.as_deref().map(|t| strip_forbidden_chars(t).into_owned()),
                ..m.clone()
            })
            .collect(),
        // Tag::new drops them from a category's name itself.
        tags: item.tags.clone(),
    }
}

/// A title for an item that has none: the first words of its text.
fn untitled(body_html: &str) -> String {
    let text = text_of_sanitised(body_html);
    let words: Vec<&str> = text.split_whitespace().take(10).collect();
    if words.is_empty() { "Untitled".to_owned() } else { format!("{}…", words.join(" ")) }
}
