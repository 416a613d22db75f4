//! A database of generated articles for the footprint benchmark, stored through the same
//! store call the poller uses (permalinks, duplicate checks, retrieval records, change
//! sequence), so the tables and indexes are the ones a real site of that size has.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use freewire_core::fingerprint;
use freewire_core::store::prelude::*;
use freewire_core::{Licence, NewArticle, NewRetrieval, NewSource, Tag};
use freewire_ingest::dedupe;
use freewire_store::SqlStore;

use crate::search::{Corpus, SOURCES};

/// Articles stored per transaction: a feed's worth, from one outlet, as the poller stores them.
const BATCH: usize = 100;

/// Stores `articles` generated articles in the (fresh) database at `url`, printing progress.
pub async fn run(url: &str, articles: usize) -> anyhow::Result<()> {
    let store = Arc::new(SqlStore::connect(url).await.with_context(|| format!("opening {url}"))?);
    let mut sources = Vec::with_capacity(SOURCES);
    for n in 0..SOURCES {
        let source = store
            .insert_source(NewSource {
                name: format!("Outlet {n}"),
                homepage: Some(format!("https://outlet-{n}.example/")),
                licence: Licence::CcBy4,
                credit: None,
            })
            .await
            .context("storing a source")?;
        sources.push(source.id);
    }
    let mut corpus = Corpus::new();
    let started = Instant::now();
    let mut pending: Vec<Vec<(NewArticle, NewRetrieval)>> = vec![Vec::new(); SOURCES];
    let mut stored = 0usize;
    for id in 1..=articles {
        let doc = corpus.article(i64::try_from(id)?);
        let outlet = doc.source_slug.trim_start_matches("outlet-").parse::<usize>()?;
        let source = sources[outlet];
        let link = format!("https://{}.example/{}", doc.source_slug, doc.path);
        let mut body_html = String::with_capacity(doc.text.len() + 256);
        for sentence in doc.text.split('.').map(str::trim).filter(|s| !s.is_empty()) {
            body_html.push_str("<p>");
            body_html.push_str(sentence);
            body_html.push_str(".</p>");
        }
        let simhash = fingerprint::comparable_simhash(&doc.text);
        let article = NewArticle {
            source_id: source,
            feed_id: None,
            guid: link.clone(),
            normalized_url: dedupe::normalize_url(&link),
            original_url: Some(link.clone()),
            title: doc.title,
            author: doc.author,
            summary: None,
            body_html,
            language: Some(doc.language),
            published_at: doc.published,
            updated_at: None,
            licence: Licence::CcBy4,
            simhash,
            media: Vec::new(),
            tags: doc.tags.iter().map(|t| Tag { name: t.clone(), slug: t.clone() }).collect(),
        };
        let retrieval = NewRetrieval {
            location: link,
            retrieved_at: Utc::now(),
            http_status: Some(200),
            sha256: String::new(),
        };
        let batch = &mut pending[outlet];
        batch.push((article, retrieval));
        if batch.len() == BATCH {
            stored += store_batch(&store, std::mem::take(batch), stored, started).await?;
        }
    }
    for batch in pending.into_iter().filter(|b| !b.is_empty()) {
        stored += store_batch(&store, batch, stored, started).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("  all {stored} stored in {seconds:.0} s, {:.0}/s on average", stored as f64 / seconds);
    Ok(())
}

/// Stores one outlet's batch; reports progress at every 50,000 articles.
async fn store_batch(
    store: &SqlStore,
    batch: Vec<(NewArticle, NewRetrieval)>,
    before: usize,
    started: Instant,
) -> anyhow::Result<usize> {
    let n = batch.len();
    store.insert_articles_with_retrieval(batch).await.context("storing articles")?;
    if (before + n) / 50_000 > before / 50_000 {
        let rate = (before + n) as f64 / started.elapsed().as_secs_f64();
        eprintln!("  {} articles stored, {rate:.0}/s on average so far", before + n);
    }
    Ok(n)
}
