//! Stories (one event, every outlet's report) and search.

use axum::extract::{OriginalUri, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use freewire_core::{PageRequest, SiteUrl, Story, StoryId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::paging::{self, Cursor};
use super::problem::{ApiError, Path, Problem, Query};
use crate::searching::{MAX_PAGE, MAX_QUERY_CHARS};
use crate::state::AppState;

/// One outlet's report of a story.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// The article's id.
    pub article_id: i64,
    /// Our permalink.
    pub url: String,
    /// Its headline.
    pub title: String,
    /// The outlet.
    pub source: String,
    /// The outlet's own page.
    pub original_url: Option<String>,
    /// When the outlet published it.
    pub published: DateTime<Utc>,
}

/// A story followed across outlets.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryView {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its page here.
    pub url: String,
    /// Whether an editor named it.
    pub title_locked: bool,
    /// Its published reports.
    pub article_count: u32,
    /// The outlets among them.
    pub outlet_count: u32,
    /// The first report.
    pub first_published: Option<DateTime<Utc>>,
    /// The latest report.
    pub last_published: Option<DateTime<Utc>>,
    /// Every report, newest first (only on a single story).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reports: Option<Vec<ReportView>>,
}

impl StoryView {
    fn new(state: &AppState, s: &Story) -> Self {
        StoryView {
            id: s.id.0,
            title: s.title.clone(),
            url: state.urls().absolute(&SiteUrl::story_path(s.id, &s.slug)),
            title_locked: s.title_locked,
            article_count: s.article_count,
            outlet_count: s.outlet_count,
            first_published: s.first_published_at,
            last_published: s.last_published_at,
            reports: None,
        }
    }
}

/// A page of stories.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryPage {
    /// Latest report first.
    pub items: Vec<StoryView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Which page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items a page (1 to 100; 20 unless given).
    pub limit: Option<u64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// List stories
#[utoipa::path(
    get, path = "/stories", tag = "stories", params(PageQuery),
    responses(
        (status = 200, description = "A page of stories", body = StoryPage),
        (status = 400, description = "A cursor that cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_stories(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let limit = paging::limit(q.limit)?;
    let number = Cursor::page(q.cursor.as_deref())?;
    let page = state.store().list_stories(PageRequest::new(number, limit)).await?;
    let next_cursor = Cursor::after_page(number, number < page.page_count());
    let body =
        StoryPage { items: page.items.iter().map(|s| StoryView::new(&state, s)).collect(), next_cursor };
    Ok(paging::answer(&uri, &body, body.next_cursor.as_deref()))
}

/// Get a story
///
/// A story with every outlet's report. A story merged into another answers 301 to it.
#[utoipa::path(
    get, path = "/stories/{id}", tag = "stories",
    params(("id" = i64, Path, description = "The story's id")),
    responses(
        (status = 200, description = "The story", body = StoryView),
        (status = 301, description = "Merged into another story (Location)"),
        (status = 404, description = "No such story", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_story(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let story = state
        .store()
        .story_by_id(StoryId(id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no story {id}.")))?;
    if let Some(into) = story.merged_into {
        let to = state.link(&format!("{}/stories/{into}", super::PREFIX));
        return Ok((StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response());
    }
    let mut view = StoryView::new(&state, &story);
    let mut reports = state.store().story_reports(&[story.id]).await?.remove(&story.id).unwrap_or_default();
    reports.sort_by_key(|r| std::cmp::Reverse(r.published_at));
    view.reports = Some(
        reports
            .into_iter()
            .map(|r| ReportView {
                article_id: r.article_id.0,
                url: state.urls().permalink(&r.permalink),
                title: r.title,
                source: r.source_name,
                original_url: r.original_url,
                published: r.published_at,
            })
            .collect(),
    );
    Ok(axum::Json(view).into_response())
}

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The query: words, `"a phrase"`, `-word`, `source:`, `tag:`, `story:`, `from:`, `to:`,
    /// `person:`, `place:`, `org:`.
    pub q: String,
    /// Hits a page (1 to 50; 20 unless given).
    pub limit: Option<u64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// A search hit: an article, or an update on one.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitView {
    /// `article` or `update`.
    pub kind: String,
    /// The article (or the one the update is under).
    pub article_id: i64,
    /// The update, for an update.
    pub update_id: Option<i64>,
    /// The headline.
    pub title: String,
    /// Where it is.
    pub url: String,
    /// The outlet.
    pub source: String,
    /// When it was published.
    pub published: String,
    /// Its rank.
    pub score: f32,
    /// The matching passage, with the words found in `<b>`.
    pub snippet_html: String,
}

/// A page of hits.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    /// All hits.
    pub total: u64,
    /// Best first.
    pub items: Vec<HitView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Search
///
/// Articles and updates, best first.
#[utoipa::path(
    get, path = "/search", tag = "search", params(SearchParams),
    responses(
        (status = 200, description = "A page of hits", body = SearchPage),
        (status = 400, description = "A query too long or a cursor too deep", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Search is not enabled here", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<SearchParams>,
) -> Result<Response, ApiError> {
    let text = q.q.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::bad_request("Give something to search for in q."));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!("A query is at most {MAX_QUERY_CHARS} characters.")));
    }
    let limit = paging::limit(q.limit)?.min(freewire_search::index::MAX_PAGE_SIZE as u64);
    let number = Cursor::page(q.cursor.as_deref())?;
    if number > MAX_PAGE as u64 {
        return Err(ApiError::bad_request(format!(
            "Only the first {MAX_PAGE} pages are served; narrow the query."
        )));
    }
    let results = crate::searching::run(&state, &text, number as usize, limit as usize).await?;
    let shown = number.saturating_mul(limit);
    let next_cursor = Cursor::after_page(number, shown < results.total as u64 && number < MAX_PAGE as u64);
    let body = SearchPage {
        total: results.total as u64,
        items: results
            .hits
            .into_iter()
            .map(|h| HitView {
                kind: match h.meta.kind {
                    freewire_search::index::Kind::Article => "article".to_owned(),
                    freewire_search::index::Kind::Update => "update".to_owned(),
                },
                article_id: h.meta.article_id,
                update_id: h.meta.update_id,
                url: state.urls().absolute(&format!("/{}", h.meta.path)),
                title: h.meta.title,
                source: h.meta.source,
                published: crate::views::TimeView::new(h.meta.published).iso,
                score: h.score,
                snippet_html: h.snippet_html,
            })
            .collect(),
        next_cursor,
    };
    Ok(paging::answer(&uri, &body, body.next_cursor.as_deref()))
}
