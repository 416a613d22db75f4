//! Articles: the list (by source, tag, story and date, newest first, by cursor), one article
//! with its credit, licence, citations and revisions, and its revisions in full.

use axum::extract::{OriginalUri, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use freewire_core::{ArticleFilter, ArticleId, ArticleStatus, ArticleWithSource, SourceId, StoryId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::paging::{self, Cursor};
use super::problem::{ApiError, Path, Problem, Query};
use crate::state::AppState;
use crate::views::public_body_html;

/// A licence.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenceView {
    /// Its identifier (`CC-BY-4.0`, `excerpt-only` …).
    pub id: &'static str,
    /// Its name.
    pub title: &'static str,
    /// Where its text is, if anywhere.
    pub url: Option<&'static str>,
    /// Whether it lets us republish the full text (otherwise an excerpt and a link).
    pub full_text: bool,
}

impl LicenceView {
    pub(crate) fn new(l: freewire_core::Licence) -> Self {
        LicenceView { id: l.id(), title: l.title(), url: l.url(), full_text: l.allows_full_text() }
    }
}

/// The outlet an article came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceRef {
    /// The source's id.
    pub id: i64,
    /// Its name, as credited.
    pub name: String,
    /// Its own credit line ("With reporting by …"), if it gave one.
    pub credit: Option<String>,
}

/// A tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagView {
    /// As the outlet wrote it.
    pub name: String,
    /// Its address part (`/tag/{slug}/`).
    pub slug: String,
}

/// A republished article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleView {
    /// Its id.
    pub id: i64,
    /// Our permalink.
    pub url: String,
    /// The headline.
    pub title: String,
    /// The byline, if the outlet gave one.
    pub author: Option<String>,
    /// The outlet.
    pub source: SourceRef,
    /// Where the outlet published it.
    pub original_url: Option<String>,
    /// When the outlet published it.
    pub published: DateTime<Utc>,
    /// The outlet's last edit, if any.
    pub updated: Option<DateTime<Utc>>,
    /// Its language (BCP 47), when known.
    pub language: Option<String>,
    /// The licence it is republished under.
    pub licence: LicenceView,
    /// The text as the licence lets us show it: the full sanitised HTML (its pictures through the
    /// site's image proxy, when on), or an excerpt.
    pub body_html: String,
    /// The outlet's summary, if it gave one.
    pub summary: Option<String>,
    /// Its categories.
    pub tags: Vec<TagView>,
    /// The story it reports, once grouped.
    pub story_id: Option<i64>,
}

impl ArticleView {
    /// `images`: how pictures in the body are linked (absolute: callers read it away from the site).
    pub(crate) fn new(
        state: &AppState,
        found: &ArticleWithSource,
        images: &crate::images::ImageLinks,
    ) -> Self {
        let (a, s) = (&found.article, &found.source);
        ArticleView {
            id: a.id.0,
            url: state.urls().permalink(&a.permalink),
            title: a.title.clone(),
            author: a.author.clone(),
            source: SourceRef { id: s.id.0, name: s.name.clone(), credit: s.credit.clone() },
            original_url: a.original_url.clone(),
            published: a.published_at,
            updated: a.updated_at,
            language: a.language.clone(),
            licence: LicenceView::new(a.licence),
            body_html: public_body_html(a, images),
            summary: a.summary.clone(),
            tags: a.tags.iter().map(|t| TagView { name: t.name.clone(), slug: t.slug.clone() }).collect(),
            story_id: a.story_id.map(|s| s.0),
        }
    }
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticlePage {
    /// Newest first.
    pub items: Vec<ArticleView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Which articles.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// Only this source's (its id).
    pub source: Option<i64>,
    /// Only those with this tag (its slug).
    pub tag: Option<String>,
    /// Only this story's (its id).
    pub story: Option<i64>,
    /// Published on or after this day (`YYYY-MM-DD`) or time (RFC 3339).
    pub from: Option<String>,
    /// Published before this day or time.
    pub until: Option<String>,
    /// Items a page (1 to 100; 20 unless given).
    pub limit: Option<u64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// A day or a time, as a bound.
fn bound(name: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name} must be a day (2024-03-05) or an RFC 3339 time, not {raw:?}."
            ))
        })
}

/// List articles
///
/// Published articles, newest first, by cursor.
#[utoipa::path(
    get, path = "/articles", tag = "articles", params(ArticleQuery),
    responses(
        (status = 200, description = "A page of articles", body = ArticlePage),
        (status = 400, description = "A filter or cursor that cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_articles(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ArticleQuery>,
) -> Result<Response, ApiError> {
    let limit = paging::limit(q.limit)?;
    let after = match q.cursor.as_deref().map(Cursor::decode).transpose()? {
        None => None,
        Some(Cursor::After(at, id)) => Some((at, id)),
        Some(Cursor::Page(_)) => return Err(ApiError::bad_request("This cursor belongs to another list.")),
    };
    let filter = ArticleFilter {
        source: q.source.map(SourceId),
        tag: q.tag.clone().filter(|t| !t.is_empty()),
        story: q.story.map(StoryId),
        from: bound("from", q.from.as_deref())?,
        until: bound("until", q.until.as_deref())?,
        after,
        ..ArticleFilter::default()
    };
    // One more than the page shows whether there is a next page, without counting them all.
    let mut found = state.store().list_articles_window(&filter, limit + 1).await?;
    let more = found.len() as u64 > limit;
    found.truncate(limit as usize);
    let next_cursor =
        found.last().filter(|_| more).map(|a| Cursor::After(a.article.published_at, a.article.id).encode());
    let images = crate::images::ImageLinks::for_site(&state, true).await;
    let items = found.iter().map(|a| ArticleView::new(&state, a, &images)).collect();
    let page = ArticlePage { items, next_cursor };
    Ok(paging::answer(&uri, &page, page.next_cursor.as_deref()))
}

/// Every way to cite an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitationsView {
    /// The site's own form: `Author | Site (time) Title. Retrieved from permalink`.
    pub site: String,
    /// APA, 7th edition.
    pub apa: String,
    /// MLA, 9th edition.
    pub mla: String,
    /// Chicago, note.
    pub chicago_note: String,
    /// Chicago, bibliography.
    pub chicago_bibliography: String,
    /// BibLaTeX.
    pub bibtex: String,
    /// RIS.
    pub ris: String,
    /// CSL-JSON (an array of one item), as text.
    pub csl_json: String,
}

/// A version of an article the outlet published.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    /// Its id.
    pub id: i64,
    /// When we first saw it.
    pub seen_at: DateTime<Utc>,
    /// Its headline.
    pub title: String,
    /// Its text (sanitised HTML), when the licence lets us show the full text.
    pub body_html: Option<String>,
}

/// An article with everything about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDetail {
    /// The article.
    #[serde(flatten)]
    pub article: ArticleView,
    /// Its citations.
    pub citations: CitationsView,
    /// The versions the outlet published, oldest first (empty when it never edited it).
    pub revisions: Vec<RevisionView>,
    /// Our page of its edits, as word diffs.
    pub revisions_url: String,
}

/// A published article, or the problem: 404, or 410 for a withdrawn one.
pub(crate) async fn published(state: &AppState, id: i64) -> Result<ArticleWithSource, ApiError> {
    let found = state
        .store()
        .article_by_id(ArticleId(id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no article {id}.")))?;
    if found.article.status != ArticleStatus::Published {
        return Err(crate::views::withdrawn(&found.article).into());
    }
    Ok(found)
}

async fn revisions(
    state: &AppState,
    found: &ArticleWithSource,
    bodies: bool,
) -> Result<Vec<RevisionView>, ApiError> {
    let full = found.article.licence.allows_full_text();
    let mut versions = state.store().revisions_for_article(found.article.id).await?;
    if versions.len() < 2 {
        // One version is the article as it stands: no edits.
        versions.clear();
    }
    Ok(versions
        .into_iter()
        .map(|r| RevisionView {
            id: r.id,
            seen_at: r.seen_at,
            title: r.title,
            body_html: (bodies && full).then_some(r.body_html),
        })
        .collect())
}

/// Get an article
///
/// One published article with its credit, licence, citations and the outlet's versions.
#[utoipa::path(
    get, path = "/articles/{id}", tag = "articles",
    params(("id" = i64, Path, description = "The article's id")),
    responses(
        (status = 200, description = "The article", body = ArticleDetail),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Withdrawn by an editor", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_article(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<axum::Json<ArticleDetail>, ApiError> {
    let found = published(&state, id).await?;
    let cited = crate::citing::citations(&state, &found).await?;
    let a = &found.article;
    let url = state.urls().permalink(&a.permalink);
    let citations = CitationsView {
        site: freewire_core::site_citation(
            &state.config().site_name,
            a.author.as_deref(),
            a.published_at,
            &a.title,
            &url,
        ),
        apa: cited.apa.clone(),
        mla: cited.mla.clone(),
        chicago_note: cited.chicago_note.clone(),
        chicago_bibliography: cited.chicago_bibliography.clone(),
        bibtex: cited.bibtex.clone(),
        ris: cited.ris.clone(),
        csl_json: cited.csl_json.clone(),
    };
    Ok(axum::Json(ArticleDetail {
        article: ArticleView::new(&state, &found, &crate::images::ImageLinks::for_site(&state, true).await),
        citations,
        revisions: revisions(&state, &found, false).await?,
        revisions_url: state.urls().absolute(&format!("/{}/revisions/", a.permalink.path())),
    }))
}

/// An article's versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    /// Oldest first.
    pub items: Vec<RevisionView>,
}

/// List an article's revisions
///
/// Every version the outlet published, oldest first, with its text where the licence allows.
#[utoipa::path(
    get, path = "/articles/{id}/revisions", tag = "articles",
    params(("id" = i64, Path, description = "The article's id")),
    responses(
        (status = 200, description = "Its versions", body = RevisionList),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_revisions(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<axum::Json<RevisionList>, ApiError> {
    let found = published(&state, id).await?;
    Ok(axum::Json(RevisionList { items: revisions(&state, &found, true).await? }))
}
