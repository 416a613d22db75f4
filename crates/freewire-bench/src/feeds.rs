//! Feed benchmarks: a generated corpus of RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, the
//! parse path over it (measured against Python's feedparser by `scripts/bench.sh`), and ingest
//! end to end into a real database and search index.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{TimeZone, Utc};
use freewire_core::Store;
use freewire_core::store::prelude::*;
use freewire_ingest::{SourceSpec, import_bytes, parse_feed, sanitize_html};
use freewire_search::{Indexer, SearchIndex};
use freewire_store::SqlStore;
use futures_util::StreamExt;

use crate::generate::Words;

/// Items per generated document.
const ITEMS_PER_FEED: usize = 100;
/// Documents per outlet.
const FEEDS_PER_SOURCE: usize = 10;

struct Writer(Words);

impl Writer {
    fn sentence(&mut self, n: usize) -> String {
        let words: Vec<String> = (0..n).map(|_| self.0.next().to_owned()).collect();
        let mut s = words.join(" ");
        if let Some(first) = s.get(..1) {
            s.replace_range(..1, &first.to_uppercase());
        }
        s
    }

    /// An article body as outlets send it: paragraphs with links and emphasis, and now and
    /// then what the sanitiser must remove (scripts, event handlers, inline styles).
    fn body(&mut self, item: usize) -> String {
        let mut html = String::new();
        for p in 0..6 {
            let _ = write!(html, "<p>{}. ", self.sentence(18));
            let _ = write!(
                html,
                "<a href=\"/stories/{item}-{p}\">{}</a> <em>{}</em>. {}.</p>",
                self.sentence(3),
                self.sentence(2),
                self.sentence(16)
            );
            match (item + p) % 23 {
                0 => html.push_str("<script>document.write('tracking')</script>"),
                1 => html.push_str("<p onclick=\"steal()\" style=\"color:red\">Read more</p>"),
                2 => html.push_str("<img src=\"/photos/harbour.jpg\" alt=\"The harbour\" onerror=\"x()\">"),
                _ => {}
            }
        }
        html
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Writes `items` items as documents of a hundred, a third in each format; returns the files.
pub fn write_corpus(dir: &Path, items: usize) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut w = Writer(Words::new(0xfeed_0000_2026_1128, 20_000));
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().context("a fixed date")?;
    let mut files = Vec::new();
    for feed in 0..items.div_ceil(ITEMS_PER_FEED) {
        let outlet = feed / FEEDS_PER_SOURCE;
        let site = format!("https://outlet-{outlet}.example");
        let count = ITEMS_PER_FEED.min(items - feed * ITEMS_PER_FEED);
        let entries: Vec<(String, String, String, chrono::DateTime<Utc>, String)> = (0..count)
            .map(|i| {
                let n = feed * ITEMS_PER_FEED + i;
                let published = start + chrono::Duration::minutes(i64::try_from(n).unwrap_or(0) * 7);
                (format!("{site}/stories/{n}"), w.sentence(8), w.body(n), published, w.sentence(2))
            })
            .collect();
        let (name, text) = match feed % 3 {
            0 => (format!("feed-{feed:04}.xml"), rss(outlet, &site, &entries)),
            1 => (format!("feed-{feed:04}.atom"), atom(outlet, &site, &entries)),
            _ => (format!("feed-{feed:04}.json"), json_feed(outlet, &site, &entries)?),
        };
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        files.push(path);
    }
    Ok(files)
}

type Entry = (String, String, String, chrono::DateTime<Utc>, String);

fn rss(outlet: usize, site: &str, entries: &[Entry]) -> String {
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Outlet {outlet}</title>\
         <link>{site}/</link><description>News from outlet {outlet}</description><language>en</language>"
    );
    for (link, title, body, published, author) in entries {
        let _ = write!(
            x,
            "<item><title>{}</title><link>{link}</link><guid>{link}</guid><pubDate>{}</pubDate>\
             <dc:creator>{}</dc:creator><category>Local</category><category>Politics</category>\
             <description>{}</description><content:encoded><![CDATA[{body}]]></content:encoded></item>",
            escape(title),
            published.to_rfc2822(),
            escape(author),
            escape(&body.chars().take(200).collect::<String>()),
        );
    }
    x.push_str("</channel></rss>");
    x
}

fn atom(outlet: usize, site: &str, entries: &[Entry]) -> String {
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\
         <title>Outlet {outlet}</title><id>{site}/</id><link href=\"{site}/\"/>\
         <updated>2026-01-01T00:00:00Z</updated>"
    );
    for (link, title, body, published, author) in entries {
        let _ = write!(
            x,
            "<entry><title>{}</title><id>{link}</id><link href=\"{link}\"/><published>{}</published>\
             <updated>{}</updated><author><name>{}</name></author><category term=\"local\" label=\"Local\"/>\
             <content type=\"html\">{}</content></entry>",
            escape(title),
            published.to_rfc3339(),
            published.to_rfc3339(),
            escape(author),
            escape(body),
        );
    }
    x.push_str("</feed>");
    x
}

fn json_feed(outlet: usize, site: &str, entries: &[Entry]) -> anyhow::Result<String> {
    let items: Vec<serde_json::Value> = entries
        .iter()
        .map(|(link, title, body, published, author)| {
            serde_json::json!({
                "id": link, "url": link, "title": title, "content_html": body,
                "date_published": published.to_rfc3339(), "authors": [{"name": author}],
                "tags": ["Local", "Politics"],
            })
        })
        .collect();
    Ok(serde_json::to_string(&serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": format!("Outlet {outlet}"), "home_page_url": format!("{site}/"), "language": "en",
        "items": items,
    }))?)
}

fn read_corpus(dir: &Path) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}; make it with `freewire-bench corpus`", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("feed-")))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
            Ok((p, bytes))
        })
        .collect()
}

/// Items per second through the parse path: `parse_feed`, and with `sanitise` also the
/// sanitiser on every item's HTML (what feedparser does by default). One thread, passes over
/// the corpus until `at_least` has gone by.
pub fn parse(
    dir: &Path,
    sanitise: bool,
    xml_only: bool,
    at_least: Duration,
) -> anyhow::Result<serde_json::Value> {
    let mut corpus = read_corpus(dir)?;
    if xml_only {
        corpus.retain(|(path, _)| path.extension().is_none_or(|e| e != "json"));
    }
    let base = url::Url::parse("https://outlet.example/").ok();
    let started = Instant::now();
    let (mut items, mut passes) = (0usize, 0usize);
    while passes == 0 || started.elapsed() < at_least {
        for (path, bytes) in &corpus {
            let feed =
                parse_feed(bytes, base.as_ref()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            if sanitise {
                for item in &feed.items {
                    let html = item.content_html.as_deref().or(item.summary_html.as_deref()).unwrap_or("");
                    std::hint::black_box(sanitize_html(html, base.as_ref()));
                }
            }
            items += feed.items.len();
        }
        passes += 1;
    }
    let took = started.elapsed().as_secs_f64();
    Ok(serde_json::json!({
        "items": items, "passes": passes, "seconds": took, "items_per_second": items as f64 / took,
    }))
}

/// Ingest end to end into the database at `url`: every document imported (parse, sanitise,
/// dedupe, store; as many at once as the poller imports), then the search index brought up to
/// date. Items per second for each stage and for the whole.
pub async fn ingest(dir: &Path, url: &str) -> anyhow::Result<serde_json::Value> {
    let corpus = read_corpus(dir)?;
    let store = Arc::new(SqlStore::connect(url).await.with_context(|| format!("opening {url}"))?);
    let index_dir = tempfile::tempdir().context("making a folder for the search index")?;
    let index = Arc::new(SearchIndex::open(index_dir.path()).context("opening the search index")?);
    let indexer = Indexer::new(store.clone(), index, freewire_ingest::sanitize::text_of_sanitised);
    let spec = |n: usize| SourceSpec {
        name: format!("Outlet {}", n / FEEDS_PER_SOURCE),
        homepage: Some(format!("https://outlet-{}.example/", n / FEEDS_PER_SOURCE)),
        licence: Some(freewire_core::Licence::CcBy4),
    };
    // The outlets exist before their feeds are read, as on a running site (and two documents
    // of one new outlet imported at once would race to create it).
    for n in (0..corpus.len()).step_by(FEEDS_PER_SOURCE) {
        let spec = spec(n);
        store
            .insert_source(freewire_core::NewSource {
                name: spec.name,
                homepage: spec.homepage,
                licence: freewire_core::Licence::CcBy4,
                credit: None,
            })
            .await
            .context("storing a source")?;
    }
    // As many documents in flight as the poller fetches feeds at once.
    let in_flight = freewire_ingest::poll::PollConfig::default().concurrency;
    let started = Instant::now();
    let imports = corpus.into_iter().enumerate().map(|(n, (path, bytes))| {
        let store = store.clone();
        let spec = spec(n);
        async move {
            let location = format!("file://{}", path.display());
            import_bytes(store.as_ref() as &dyn Store, bytes, &location, &spec, Utc::now())
                .await
                .with_context(|| format!("importing {}", path.display()))
        }
    });
    let mut reports = futures_util::stream::iter(imports).buffer_unordered(in_flight);
    let (mut items, mut stored) = (0usize, 0usize);
    while let Some(report) = reports.next().await {
        let report = report?;
        items += report.items;
        stored += report.inserted.len();
    }
    drop(reports);
    let imported = started.elapsed();
    // Grouping into stories, as `freewire import` and the poller do after storing; then the
    // index, which so holds each article once, with its story.
    let grouped =
        freewire_app::stories::group_new(store.as_ref(), &mut freewire_app::stories::Grouping::default())
            .await
            .context("grouping into stories")?;
    let group_done = started.elapsed();
    let indexed_articles = indexer.catch_up().await.context("indexing")?;
    let total = started.elapsed();
    let (group_time, index_time) = (group_done.saturating_sub(imported), total.saturating_sub(group_done));
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    let facts_seconds = facts_cost(store.as_ref()).await?;
    Ok(serde_json::json!({
        "items": items, "stored": stored, "indexed": indexed_articles, "grouped": grouped,
        "import_seconds": imported.as_secs_f64(), "index_seconds": index_time.as_secs_f64(),
        "import_items_per_second": rate(items, imported),
        "index_items_per_second": rate(indexed_articles, index_time),
        "group_seconds": group_time.as_secs_f64(),
        "group_items_per_second": rate(grouped, group_time),
        "items_per_second_without_grouping": rate(items, imported + index_time),
        "items_per_second": rate(items, total),
        // Finding names and dates is part of the import above; timed again here on its own,
        // one core, over every stored article, to give its cost per article and its share.
        "facts_us_per_article": facts_seconds * 1e6 / stored.max(1) as f64,
        "facts_share_of_import": facts_seconds / imported.as_secs_f64(),
    }))
}

/// Seconds one core spends finding the names and dates of every stored article.
async fn facts_cost(store: &dyn Store) -> anyhow::Result<f64> {
    let mut articles = Vec::new();
    let mut after = freewire_core::ArticleId(0);
    loop {
        let page = store.published_articles_after(after, 1000).await.context("reading stored articles")?;
        let Some(last) = page.last() else { break };
        after = last.article.id;
        articles.extend(page.into_iter().map(|found| found.article));
    }
    let started = Instant::now();
    let found: usize = articles.iter().map(|a| freewire_ingest::facts::facts_of(a).entities.len()).sum();
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(articles.is_empty() || found > 0, "no names found in {} articles", articles.len());
    Ok(seconds)
}
