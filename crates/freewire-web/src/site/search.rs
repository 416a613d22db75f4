//! Search: `GET /search` (the page, working without JavaScript) and `GET /api/search` (the same
//! results as JSON), over the process's own index (see `freewire-search`). Facets narrow a
//! search by adding a filter to its words, so every narrowed search is a plain link.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use freewire_core::slugify;
use freewire_search::{FacetCount, Kind, Results};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::frame::Frame;
use crate::searching::{MAX_PAGE, MAX_QUERY_CHARS, run};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::views::TimeView;

/// Results per page on the search page.
const PAGE_SIZE: usize = 20;

/// `?q=…&page=N` (and `size=N` for the API).
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    /// A story's id, from the story page's search form: the same as `story:N` in `q`.
    story: Option<i64>,
    page: Option<usize>,
    size: Option<usize>,
}

impl SearchQuery {
    fn text(&self) -> Result<String, WebError> {
        let mut text = self.q.as_deref().unwrap_or_default().trim().to_owned();
        if let Some(story) = self.story.filter(|s| *s > 0) {
            text = narrowed(&text, &format!("story:{story}"));
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(WebError::BadRequest(format!(
                "That search is too long; use at most {MAX_QUERY_CHARS} characters."
            )));
        }
        Ok(text)
    }

    fn page(&self) -> Result<usize, WebError> {
        match self.page.unwrap_or(1) {
            0 => Err(WebError::BadRequest("Pages are numbered from 1.".into())),
            n if n > MAX_PAGE => Err(WebError::BadRequest(format!(
                "Only the first {MAX_PAGE} pages of results are shown; add words to narrow the search."
            ))),
            n => Ok(n),
        }
    }
}

/// `/search?q=…` for a query.
fn search_link(state: &AppState, text: &str, page: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("q", text);
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    state.link(&format!("/search?{}", query.finish()))
}

/// A hit's address on this site.
fn hit_link(state: &AppState, path: &str) -> String {
    state.link(&format!("/{path}"))
}

#[derive(Debug, Serialize)]
struct HitView {
    title: String,
    path: String,
    is_update: bool,
    source: String,
    author: Option<String>,
    published: TimeView,
    /// Escaped by the index; only `<b>` marks are markup.
    snippet_html: String,
}

#[derive(Debug, Serialize)]
struct FacetView {
    value: String,
    count: u64,
    href: String,
}

#[derive(Debug, Serialize)]
struct SearchPage {
    frame: Frame,
    q: String,
    searched: bool,
    total: usize,
    first: usize,
    last: usize,
    hits: Vec<HitView>,
    sources: Vec<FacetView>,
    months: Vec<FacetView>,
    newer: Option<String>,
    older: Option<String>,
    page: usize,
    page_count: usize,
}

/// A filter for a facet value, added to the words unless already there.
fn narrowed(text: &str, filter: &str) -> String {
    if text.split_whitespace().any(|w| w == filter) { text.to_owned() } else { format!("{text} {filter}") }
}

fn facet_views(
    state: &AppState,
    text: &str,
    facets: &[FacetCount],
    filter: impl Fn(&str) -> String,
) -> Vec<FacetView> {
    facets
        .iter()
        .map(|f| FacetView {
            value: f.value.clone(),
            count: f.count,
            href: search_link(state, &narrowed(text, &filter(&f.value)), 1),
        })
        .collect()
}

/// GET /search — the search page.
pub async fn search_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let text = q.text()?;
    let page = q.page()?;
    let title = if text.is_empty() { "Search".to_owned() } else { format!("Search: {text}") };
    let mut frame = Frame::new(&state, viewer.0.as_ref(), &title);
    // Result pages are for readers, not for search engines' indexes.
    frame.noindex = true;
    let results =
        if text.is_empty() { Results::default() } else { run(&state, &text, page, PAGE_SIZE).await? };
    let page_count = results.total.div_ceil(PAGE_SIZE).min(MAX_PAGE);
    let first = (page - 1) * PAGE_SIZE + 1;
    let ctx = SearchPage {
        frame,
        searched: !text.is_empty(),
        total: results.total,
        first,
        last: first + results.hits.len().saturating_sub(1),
        hits: results
            .hits
            .into_iter()
            .map(|h| HitView {
                title: h.meta.title,
                path: hit_link(&state, &h.meta.path),
                is_update: h.meta.kind == Kind::Update,
                source: h.meta.source,
                author: h.meta.author,
                published: TimeView::new(h.meta.published),
                snippet_html: h.snippet_html,
            })
            .collect(),
        sources: facet_views(&state, &text, &results.sources, |name| format!("source:{}", slugify(name))),
        months: facet_views(&state, &text, &results.months, |month| format!("from:{month} to:{month}")),
        newer: (page > 1).then(|| search_link(&state, &text, page - 1)),
        older: (page < page_count).then(|| search_link(&state, &text, page + 1)),
        page,
        page_count,
        q: text,
    };
    Ok(Html(state.templates().render("search.html", ctx)?).into_response())
}

#[derive(Debug, Serialize)]
struct ApiHit {
    kind: Kind,
    article_id: i64,
    update_id: Option<i64>,
    title: String,
    url: String,
    source: String,
    author: Option<String>,
    language: String,
    published: String,
    score: f32,
    snippet_html: String,
}

#[derive(Debug, Serialize)]
struct ApiResults {
    query: String,
    page: usize,
    size: usize,
    total: usize,
    hits: Vec<ApiHit>,
    facets: ApiFacets,
}

#[derive(Debug, Serialize)]
struct ApiFacets {
    sources: Vec<FacetCount>,
    months: Vec<FacetCount>,
}

/// GET /api/search — the results as JSON: `?q=…&page=N&size=N` (at most 50 a page).
pub async fn search_api(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let text = q.text()?;
    let page = q.page()?;
    let size = q.size.unwrap_or(PAGE_SIZE).clamp(1, freewire_search::index::MAX_PAGE_SIZE);
    let results = if text.is_empty() { Results::default() } else { run(&state, &text, page, size).await? };
    let body = ApiResults {
        query: text,
        page,
        size,
        total: results.total,
        hits: results
            .hits
            .into_iter()
            .map(|h| ApiHit {
                url: state.urls().absolute(&format!("/{}", h.meta.path)),
                kind: h.meta.kind,
                article_id: h.meta.article_id,
                update_id: h.meta.update_id,
                title: h.meta.title,
                source: h.meta.source,
                author: h.meta.author,
                language: h.meta.language,
                published: TimeView::new(h.meta.published).iso,
                score: h.score,
                snippet_html: h.snippet_html,
            })
            .collect(),
        facets: ApiFacets { sources: results.sources, months: results.months },
    };
    Ok(Json(body).into_response())
}
