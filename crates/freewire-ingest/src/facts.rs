//! The names and dates of newly stored and revised articles, found and kept as they arrive.

use freewire_core::facts::{Facts, extract};
use freewire_core::model::InsertOutcome;
use freewire_core::story::plain_text;
use freewire_core::{Article, ArticleId, Store, StoreError};

/// An article's text as the extractor reads it: paragraphs separated by blank lines. The
/// headline is left out: headline case capitalises every word, which reads as names.
#[must_use]
pub fn text_of(body_html: &str) -> String {
    plain_text(body_html)
        .split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The names and dates in one article, dates counted from its publication day.
#[must_use]
pub fn facts_of(article: &Article) -> Facts {
    extract(&text_of(&article.body_html), article.published_at.date_naive())
}

/// Finds and keeps the names and dates of the articles a store call inserted or revised.
/// Extraction is CPU work: it runs off the async threads.
pub async fn record(store: &dyn Store, outcomes: &[InsertOutcome]) -> Result<(), StoreError> {
    let mut articles: Vec<Article> = Vec::new();
    let mut revised: Vec<ArticleId> = Vec::new();
    for outcome in outcomes {
        match outcome {
            InsertOutcome::Inserted(a) => articles.push((**a).clone()),
            InsertOutcome::Revised(id) => revised.push(*id),
            InsertOutcome::Duplicate(_) | InsertOutcome::NearDuplicate { .. } => {}
        }
    }
    if !revised.is_empty() {
        articles.extend(store.articles_by_ids(&revised).await?.into_iter().map(|found| found.article));
    }
    if articles.is_empty() {
        return Ok(());
    }
    store.set_facts(&facts_off_thread(articles).await?).await
}

/// [`record`], for callers that have stored their articles already: a failure is logged, not
/// returned, since the articles are kept either way (`freewire article facts` finds the names
/// and dates again).
pub async fn record_or_warn(store: &dyn Store, outcomes: &[InsertOutcome]) {
    if let Err(e) = record(store, outcomes).await {
        tracing::warn!(error = %e, "names and dates of stored articles not kept");
    }
}

/// Finds again the names and dates of every published article, a page of `batch` at a time
/// (after an upgrade that stored none, or a better extractor); `progress(done, total)` after
/// each page. Returns how many articles were read.
pub async fn refresh_all(
    store: &dyn Store,
    batch: u64,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<u64, StoreError> {
    let total = store.count_published().await?;
    let (mut after, mut done) = (ArticleId(0), 0u64);
    loop {
        let page = store.published_articles_after(after, batch.max(1)).await?;
        let Some(last) = page.last() else { break };
        after = last.article.id;
        let articles: Vec<Article> = page.into_iter().map(|found| found.article).collect();
        done += articles.len() as u64;
        store.set_facts(&facts_off_thread(articles).await?).await?;
        progress(done, total.max(done));
    }
    Ok(done)
}

/// The names and dates of `articles`, found off the async threads (it is CPU work).
async fn facts_off_thread(articles: Vec<Article>) -> Result<Vec<(ArticleId, Facts)>, StoreError> {
    tokio::task::spawn_blocking(move || articles.iter().map(|a| (a.id, facts_of(a))).collect())
        .await
        .map_err(|e| StoreError::Backend { context: "finding names and dates", message: e.to_string() })
}
