//! An article's citations, rendered once and kept: the article page, its downloads and the API
//! all take them from here. Rendering the CSL styles is most of an article page's cost, so the
//! result is kept for the articles read most, and a miss is rendered on a blocking thread.

use std::sync::Arc;

use freewire_core::ArticleId;
use freewire_core::ArticleWithSource;
use freewire_core::cite::{CitationRecord, Citations};

use crate::error::WebError;
use crate::state::AppState;

/// The citation key of an article.
fn key(id: ArticleId) -> String {
    format!("freewire-{}", id.0)
}

/// What an article's citations are made from, owned, so a miss can be rendered off the
/// request threads.
struct Cited {
    title: String,
    author: Option<String>,
    site_name: String,
    outlet: String,
    published: chrono::DateTime<chrono::Utc>,
    url: String,
    original_url: Option<String>,
    accessed: chrono::NaiveDate,
    key: String,
    language: Option<String>,
}

impl Cited {
    fn record(&self) -> CitationRecord<'_> {
        CitationRecord {
            title: &self.title,
            author: self.author.as_deref(),
            site_name: &self.site_name,
            outlet: &self.outlet,
            published: self.published,
            url: &self.url,
            original_url: self.original_url.as_deref(),
            accessed: self.accessed,
            id: &self.key,
            language: self.language.as_deref(),
        }
    }

    /// Every field, so a changed title, byline, source name or address is a new entry.
    fn cache_key(&self) -> String {
        let unit = '\u{1f}';
        format!(
            "{}{unit}{}{unit}{}{unit}{}{unit}{}{unit}{}{unit}{}{unit}{}{unit}{}{unit}{}",
            self.key,
            self.title,
            self.author.as_deref().unwrap_or_default(),
            self.site_name,
            self.outlet,
            self.published.to_rfc3339(),
            self.url,
            self.original_url.as_deref().unwrap_or_default(),
            self.accessed,
            self.language.as_deref().unwrap_or_default(),
        )
    }
}

/// Every citation of an article. Rendering the CSL styles takes milliseconds of CPU, so the
/// result is kept for the articles read most, and a miss is rendered on a blocking thread.
pub(crate) async fn citations(
    state: &AppState,
    found: &ArticleWithSource,
) -> Result<Arc<Citations>, WebError> {
    let a = &found.article;
    let cited = Cited {
        title: a.title.clone(),
        author: a.author.clone(),
        site_name: state.config().site_name.clone(),
        outlet: found.source.name.clone(),
        published: a.published_at,
        url: state.urls().permalink(&a.permalink),
        original_url: a.original_url.clone(),
        // The day our copy was retrieved: the same every time the page is drawn.
        accessed: a.created_at.date_naive(),
        key: key(a.id),
        language: a.language.clone(),
    };
    let cache_key = cited.cache_key();
    if let Some(hit) = state.citation_cache().get(&cache_key) {
        return Ok(hit);
    }
    let id = a.id.0;
    let shared = state.clone();
    let rendered = tokio::task::spawn_blocking(move || shared.citer().cite(&cited.record()))
        .await
        .map_err(|e| WebError::Internal(format!("citing article {id}: {e}")))?
        .map_err(|e| WebError::Internal(format!("citing article {id}: {e}")))?;
    let rendered = Arc::new(rendered);
    state.citation_cache().insert(cache_key, Arc::clone(&rendered));
    Ok(rendered)
}
