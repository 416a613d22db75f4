//! Lists of articles: the home page, a source's page, a tag's page and the date archives
//! (`/{YYYY}/`, `/{YYYY}/{MM}/`, `/{YYYY}/{MM}/{DD}/`), all one handler shape over an
//! [`ArticleFilter`]; and the about page naming every source with its licence.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use freewire_core::{ArticleFilter, ArticleWithSource, PageRequest, Source, SourceId, source_slugs};
use serde::{Deserialize, Serialize};

use crate::conditional::last_modified;
use crate::error::WebError;
use crate::frame::{Alternate, Frame};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::views::{EXCERPT_WORDS, TimeView, excerpt_of};

/// Articles per page of a list.
pub(crate) const LIST_PAGE_SIZE: u64 = 20;

#[derive(Debug, Serialize)]
pub(crate) struct ListItem {
    title: String,
    path: String,
    published: TimeView,
    source: String,
    source_path: String,
    author: Option<String>,
    excerpt: String,
    tags: Vec<TagLink>,
    /// The story, when other outlets reported it too.
    story: Option<super::story::StoryLine>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TagLink {
    name: String,
    path: String,
}

#[derive(Debug, Serialize)]
struct ListPage {
    frame: Frame,
    /// The heading's lead-in ("Articles from", "Tagged") before the title; empty on home.
    kind: &'static str,
    intro: Option<String>,
    items: Vec<ListItem>,
    page: u64,
    newer: Option<String>,
    older: Option<String>,
    /// The list's own feeds, named in the page too (not only in the head).
    feeds: Vec<Alternate>,
    empty: &'static str,
}

/// `?page=N`
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

/// The address of a source's page, from its slug.
pub(crate) fn source_path(state: &AppState, slug: &str) -> String {
    state.link(&format!("/source/{slug}/"))
}

/// The slug of every source, for links.
pub(crate) async fn slugs(state: &AppState) -> Result<Vec<(SourceId, String)>, WebError> {
    Ok(source_slugs(&state.store().list_sources().await?))
}

pub(crate) fn slug_of(slugs: &[(SourceId, String)], id: SourceId) -> &str {
    slugs.iter().find(|(s, _)| *s == id).map_or("", |(_, slug)| slug.as_str())
}

pub(crate) fn list_item(state: &AppState, slugs: &[(SourceId, String)], a: &ArticleWithSource) -> ListItem {
    ListItem {
        title: a.article.title.clone(),
        path: state.link(&format!("/{}/", a.article.permalink.path())),
        published: TimeView::new(a.article.published_at),
        source: a.source.name.clone(),
        source_path: source_path(state, slug_of(slugs, a.source.id)),
        author: a.article.author.clone(),
        excerpt: excerpt_of(&a.article, EXCERPT_WORDS),
        tags: tag_links(state, &a.article.tags),
        story: None,
    }
}

/// The list items of a page of articles, each with its story's other reports; with
/// `collapse`, a story shows once, at its newest article on the page.
pub(crate) async fn list_items(
    state: &AppState,
    articles: &[ArticleWithSource],
    collapse: bool,
) -> Result<Vec<ListItem>, WebError> {
    let slugs = slugs(state).await?;
    let keys: Vec<_> = articles.iter().map(|a| (a.article.id, a.article.story_id)).collect();
    let lines = super::story::story_lines(state, &keys).await?;
    let mut shown = std::collections::HashSet::new();
    let mut items = Vec::with_capacity(articles.len());
    for a in articles {
        let line = a.article.story_id.and_then(|id| lines.get(&id).map(|l| (id, l)));
        if let Some((id, _)) = line
            && collapse
            && !shown.insert(id)
        {
            continue;
        }
        let mut item = list_item(state, &slugs, a);
        item.story =
            line.map(|(_, (story, reports))| super::story::line_for(state, a.article.id, story, reports));
        items.push(item);
    }
    Ok(items)
}

/// Links to the pages of an article's tags.
pub(crate) fn tag_links(state: &AppState, tags: &[freewire_core::Tag]) -> Vec<TagLink> {
    tags.iter()
        .map(|t| TagLink { name: t.name.clone(), path: state.link(&format!("/tag/{}/", t.slug)) })
        .collect()
}

/// What differs between the lists.
struct ListSpec {
    title: String,
    kind: &'static str,
    intro: Option<String>,
    filter: ArticleFilter,
    /// The list's path on the site (before any prefix), without `?page=`.
    path: String,
    /// Where its feeds live (`/feed`, `/source/x/feed`), if it has its own.
    feed_base: Option<String>,
    empty: &'static str,
    /// Show a story once per page (lists mixing outlets; a source's own list need not).
    collapse: bool,
}

async fn render_list(
    state: &AppState,
    viewer: Viewer,
    spec: ListSpec,
    number: Option<u64>,
) -> Result<Response, WebError> {
    let number = number.unwrap_or(1);
    if number == 0 || number > PageRequest::MAX_NUMBER {
        return Err(WebError::NotFound);
    }
    // Visitors who are not signed in share one rendering (see `crate::pages`). A page says
    // whether an older one follows, not how many there are: counting a million articles
    // takes seconds.
    let key = || format!("{}?page={number}", spec.path);
    let missing = match state.kept_page(viewer.0.is_some(), key) {
        crate::page_cache::Lookup::Kept(page) => return Ok(page),
        crate::page_cache::Lookup::Render(missing) => missing,
    };
    let (items, more) =
        state.store().list_articles_uncounted(&spec.filter, PageRequest::new(number, LIST_PAGE_SIZE)).await?;
    if items.is_empty() && number > 1 {
        return Err(WebError::NotFound);
    }
    let page_path = |n: u64| if n == 1 { spec.path.clone() } else { format!("{}?page={n}", spec.path) };
    let link = |n: u64| state.link(&page_path(n));
    let mut frame = Frame::new(state, viewer.0.as_ref(), &spec.title);
    let feeds = spec.feed_base.as_deref().map(|base| Alternate::feeds(&spec.title, base)).unwrap_or_default();
    frame.alternates.extend(feeds.iter().cloned());
    frame.canonical = Some(state.urls().absolute(&page_path(number)));
    let modified = items.iter().map(|a| a.article.modified_at()).max();
    let ctx = ListPage {
        frame,
        kind: spec.kind,
        intro: spec.intro,
        newer: (number > 1).then(|| link(number - 1)),
        older: more.then(|| link(number + 1)),
        items: list_items(state, &items, spec.collapse).await?,
        page: number,
        feeds,
        empty: spec.empty,
    };
    let html = state.templates().render("list.html", ctx)?;
    if let Some(missing) = missing {
        return Ok(missing.keep(state.pages(), html, modified));
    }
    Ok(match modified {
        Some(t) => ([last_modified(t)], Html(html)).into_response(),
        None => Html(html).into_response(),
    })
}

/// GET / — the latest articles, newest first.
pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let spec = ListSpec {
        title: if q.page.unwrap_or(1) == 1 { "Latest".to_owned() } else { "Earlier articles".to_owned() },
        kind: "",
        intro: None,
        filter: ArticleFilter { one_per_story: true, ..ArticleFilter::default() },
        path: "/".to_owned(),
        feed_base: None,
        empty: "Nothing has been published yet. Articles appear here as the outlets' feeds are imported.",
        collapse: true,
    };
    render_list(&state, viewer, spec, q.page).await
}

/// The source a slug names.
/// A page under a renamed source's former address (`rest` after `/source/{slug}/`: a feed's
/// file name, or a page's query) answers [`WebError::Moved`] to the same page under its name now.
pub(crate) async fn source_by_slug(state: &AppState, slug: &str, rest: &str) -> Result<Source, WebError> {
    let sources = state.store().list_sources().await?;
    let slugs = source_slugs(&sources);
    if let Some((id, _)) = slugs.iter().find(|(_, s)| s == slug) {
        return sources.into_iter().find(|s| s.id == *id).ok_or(WebError::NotFound);
    }
    let moved = state.store().source_by_former_slug(slug).await?;
    match slugs.into_iter().find(|(id, _)| Some(*id) == moved) {
        Some((_, now)) => Err(WebError::Moved(state.link(&format!("/source/{now}/{rest}")))),
        None => Err(WebError::NotFound),
    }
}

/// GET /source/{slug}/ — one outlet's articles.
pub async fn source_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let rest = q.page.map_or_else(String::new, |n| format!("?page={n}"));
    let source = source_by_slug(&state, &slug, &rest).await?;
    let licence = match source.licence.url() {
        Some(_) => format!("Republished under {}.", source.licence.title()),
        None => format!("Licence: {}.", source.licence.title()),
    };
    let spec = ListSpec {
        intro: Some(match &source.credit {
            Some(credit) => format!("{credit}. {licence}"),
            None => licence,
        }),
        title: source.name,
        kind: "Articles from",
        filter: ArticleFilter { source: Some(source.id), ..ArticleFilter::default() },
        path: format!("/source/{slug}/"),
        feed_base: Some(state.link(&format!("/source/{slug}/feed"))),
        empty: "Nothing from this source has been published yet.",
        collapse: false,
    };
    render_list(&state, viewer, spec, q.page).await
}

/// GET /tag/{slug}/ — articles carrying one tag.
pub async fn tag_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let tag = state.store().tag_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    let spec = ListSpec {
        title: tag.name,
        kind: "Tagged",
        intro: None,
        filter: ArticleFilter { tag: Some(tag.slug.clone()), ..ArticleFilter::default() },
        path: format!("/tag/{}/", tag.slug),
        feed_base: Some(state.link(&format!("/tag/{}/feed", tag.slug))),
        empty: "Nothing with this tag is published.",
        collapse: true,
    };
    render_list(&state, viewer, spec, q.page).await
}

/// A span of days an archive page covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    from: NaiveDate,
    until: NaiveDate,
    title_format: &'static str,
}

impl Span {
    /// `2021`, `2021/03` or `2021/03/08`, zero-padded as permalinks are.
    pub(crate) fn parse(year: &str, month: Option<&str>, day: Option<&str>) -> Option<Span> {
        let number = |s: &str, len: usize| {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
        };
        let y = i32::try_from(number(year, 4)?).ok()?;
        match (month, day) {
            (None, _) => Some(Span {
                from: NaiveDate::from_ymd_opt(y, 1, 1)?,
                until: NaiveDate::from_ymd_opt(y + 1, 1, 1)?,
                title_format: "%Y",
            }),
            (Some(m), None) => {
                let from = NaiveDate::from_ymd_opt(y, number(m, 2)?, 1)?;
                Some(Span { from, until: from.checked_add_months(Months::new(1))?, title_format: "%B %Y" })
            }
            (Some(m), Some(d)) => {
                let from = NaiveDate::from_ymd_opt(y, number(m, 2)?, number(d, 2)?)?;
                Some(Span { from, until: from + TimeDelta::days(1), title_format: "%-d %B %Y" })
            }
        }
    }

    fn start(self) -> DateTime<Utc> {
        self.from.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    fn end(self) -> DateTime<Utc> {
        self.until.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    fn path(self) -> String {
        match self.title_format {
            "%Y" => format!("/{:04}/", self.from.year()),
            "%B %Y" => format!("/{:04}/{:02}/", self.from.year(), self.from.month()),
            _ => format!("/{}/", self.from.format("%Y/%m/%d")),
        }
    }
}

async fn archive(
    state: AppState,
    viewer: Viewer,
    span: Option<Span>,
    page: Option<u64>,
) -> Result<Response, WebError> {
    let span = span.ok_or(WebError::NotFound)?;
    let spec = ListSpec {
        title: span.from.format(span.title_format).to_string(),
        kind: "Published in",
        intro: None,
        filter: ArticleFilter {
            from: Some(span.start()),
            until: Some(span.end()),
            ..ArticleFilter::default()
        },
        path: span.path(),
        feed_base: None,
        empty: "Nothing was published on these dates.",
        collapse: true,
    };
    render_list(&state, viewer, spec, page).await
}

/// GET /{YYYY}/
pub async fn year_archive(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(year): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    archive(state, viewer, Span::parse(&year, None, None), q.page).await
}

/// GET /{YYYY}/{MM}/
pub async fn month_archive(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((year, month)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    archive(state, viewer, Span::parse(&year, Some(&month), None), q.page).await
}

/// GET /{YYYY}/{MM}/{DD}/
pub async fn day_archive(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((year, month, day)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    archive(state, viewer, Span::parse(&year, Some(&month), Some(&day)), q.page).await
}

#[derive(Debug, Serialize)]
struct AboutSource {
    name: String,
    path: String,
    homepage: Option<String>,
    credit: Option<String>,
    licence: &'static str,
    licence_url: Option<&'static str>,
    full_text: bool,
    feeds: Vec<Alternate>,
}

#[derive(Debug, Serialize)]
struct AboutPage {
    frame: Frame,
    sources: Vec<AboutSource>,
}

/// GET /about — what the site is and every source it republishes, with its terms.
pub async fn about(State(state): State<AppState>, Viewer(viewer): Viewer) -> Result<Response, WebError> {
    let sources = state.store().list_sources().await?;
    let slugs = source_slugs(&sources);
    let mut frame = Frame::new(&state, viewer.as_ref(), "About");
    frame.canonical = Some(state.urls().absolute("/about"));
    let ctx = AboutPage {
        frame,
        sources: sources
            .into_iter()
            .map(|s| {
                let slug = slug_of(&slugs, s.id).to_owned();
                AboutSource {
                    path: source_path(&state, &slug),
                    feeds: Alternate::feeds(&s.name, &state.link(&format!("/source/{slug}/feed"))),
                    licence: s.licence.title(),
                    licence_url: s.licence.url(),
                    full_text: s.licence.allows_full_text(),
                    name: s.name,
                    homepage: s.homepage,
                    credit: s.credit,
                }
            })
            .collect(),
    };
    Ok(Html(state.templates().render("about.html", ctx)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_spans_cover_whole_days_months_and_years() {
        let day = Span::parse("2021", Some("03"), Some("08")).unwrap();
        assert_eq!(day.start().to_rfc3339(), "2021-03-08T00:00:00+00:00");
        assert_eq!(day.end().to_rfc3339(), "2021-03-09T00:00:00+00:00");
        assert_eq!(day.path(), "/2021/03/08/");
        let month = Span::parse("2021", Some("12"), None).unwrap();
        assert_eq!(month.end().to_rfc3339(), "2022-01-01T00:00:00+00:00");
        assert_eq!(month.path(), "/2021/12/");
        assert_eq!(Span::parse("2021", None, None).unwrap().path(), "/2021/");
    }

    #[test]
    fn only_issued_date_forms_are_archives() {
        assert!(Span::parse("2021", Some("3"), None).is_none());
        assert!(Span::parse("2021", Some("02"), Some("30")).is_none());
        assert!(Span::parse("abcd", None, None).is_none());
        assert!(Span::parse("+021", None, None).is_none());
    }
}
