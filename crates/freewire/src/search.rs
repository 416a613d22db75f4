//! The process's search index: opening it where the configuration says, and the `search`
//! commands (rebuild with a progress bar, query from the terminal).

use std::sync::Arc;

use anyhow::Context;
use freewire_search::{Indexer, SearchError, SearchIndex};
use freewire_store::SqlStore;

use crate::config::Config;

/// Opens (or creates) the index in the configured folder, for `store`.
pub fn open_indexer(config: &Config, store: Arc<SqlStore>) -> anyhow::Result<Arc<Indexer>> {
    let dir = &config.search_dir;
    let index = SearchIndex::open(dir).map_err(|e| match e {
        SearchError::InUse => anyhow::anyhow!(
            "the search index {} is in use by another freewire process; stop it, or give each \
             process its own folder with FREEWIRE_SEARCH__DIR",
            dir.display()
        ),
        other => anyhow::Error::new(other).context(format!(
            "cannot open the search index {}; remove the folder and it is rebuilt from the database",
            dir.display()
        )),
    })?;
    Ok(Arc::new(Indexer::new(store, Arc::new(index), freewire_ingest::sanitize::text_of_sanitised)))
}

/// `search rebuild`: every published article again, with a progress bar.
pub async fn rebuild(config: &Config, store: Arc<SqlStore>) -> anyhow::Result<()> {
    let indexer = open_indexer(config, store)?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "indexing {bar:40} {pos}/{len} articles, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let done = indexer
        .rebuild(&|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await
        .context("rebuilding the search index; the previous index is still in place")?;
    bar.finish_and_clear();
    println!(
        "search index rebuilt: {done} article(s), {} document(s) with updates, in {:.1} s, at {}",
        indexer.index().len(),
        started.elapsed().as_secs_f64(),
        config.search_dir.display()
    );
    Ok(())
}

/// `search query WORDS…`: the first page of results, as the site would show them.
pub async fn query(config: &Config, store: Arc<SqlStore>, words: &[String]) -> anyhow::Result<()> {
    let indexer = open_indexer(config, store)?;
    indexer.catch_up().await.context("bringing the search index up to date")?;
    let results = indexer.search(words.join(" "), 1, 20).await.context("searching")?;
    println!("{} result(s)", results.total);
    for hit in &results.hits {
        let kind = if hit.meta.kind == freewire_search::Kind::Update { "update on " } else { "" };
        println!(
            "{} · {kind}{} · {}\n  {}",
            hit.meta.published.format("%Y-%m-%d"),
            hit.meta.title,
            hit.meta.source,
            config.web.urls().absolute(&format!("/{}", hit.meta.path))
        );
    }
    Ok(())
}
