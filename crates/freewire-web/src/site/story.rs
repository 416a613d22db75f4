//! A story's page (`/story/{id}-{slug}/`): every outlet's report of one event, each under its
//! licence with its credit, and one timeline of what happened (reports as they came, readers'
//! updates under any of them); its feeds; the line lists and article pages show for a story;
//! and editors' forms to merge, move, split off and rename.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use freewire_app::Actor;
use freewire_app::stories::edit_story;
use freewire_core::{
    ArticleFilter, ArticleId, SiteUrl, Story, StoryEdit, StoryId, StoryReport, TimelineEntry,
};
use serde::{Deserialize, Serialize};

use super::lists;
use crate::error::WebError;
use crate::frame::{Alternate, Frame};
use crate::guard::TokenForm;
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};
use crate::views::{AttachmentView, TimeView, render_markdown};

/// The most reports a story's page lists.
const STORY_ARTICLES: u64 = 200;

/// The id in a story's address segment `{id}-{slug}` (or a bare `{id}`).
fn story_id_of(segment: &str) -> Option<StoryId> {
    let digits = segment.split('-').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(StoryId)
}

/// A live story by its address segment: `Err(Redirect)` with the address it goes by now (a
/// merged story's successor, or its current slug).
pub(crate) async fn story_by_segment(
    state: &AppState,
    segment: &str,
) -> Result<Result<Story, String>, WebError> {
    let id = story_id_of(segment).ok_or(WebError::NotFound)?;
    let story = freewire_app::stories::live_story(state.store(), id).await?.ok_or(WebError::NotFound)?;
    if story.article_count == 0 {
        return Err(WebError::NotFound);
    }
    let canonical = format!("{}-{}", story.id, story.slug);
    Ok(if canonical == segment {
        Ok(story)
    } else {
        Err(state.link(&SiteUrl::story_path(story.id, &story.slug)))
    })
}

/// What lists and article pages say of an article's story: the other outlets' reports.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StoryLine {
    pub path: String,
    pub title: String,
    pub outlets: usize,
    pub others: Vec<OtherReport>,
}

/// Another outlet's report of the same story.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OtherReport {
    pub source: String,
    pub title: String,
    pub path: String,
}

/// The story lines of these articles' stories (those reported by more than one article),
/// by story.
pub(crate) async fn story_lines(
    state: &AppState,
    articles: &[(ArticleId, Option<StoryId>)],
) -> Result<HashMap<StoryId, (Story, Vec<StoryReport>)>, WebError> {
    let mut ids: Vec<StoryId> = articles.iter().filter_map(|(_, s)| *s).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut reports = state.store().story_reports(&ids).await?;
    reports.retain(|_, r| r.len() > 1);
    let ids: Vec<StoryId> = reports.keys().copied().collect();
    let mut stories = state.store().stories_by_ids(&ids).await?;
    let mut out = HashMap::new();
    for (id, found) in reports {
        if let Some(story) = stories.remove(&id) {
            out.insert(id, (story, found));
        }
    }
    Ok(out)
}

/// The line for one article of a story.
pub(crate) fn line_for(
    state: &AppState,
    article: ArticleId,
    story: &Story,
    reports: &[StoryReport],
) -> StoryLine {
    StoryLine {
        path: state.link(&SiteUrl::story_path(story.id, &story.slug)),
        title: story.title.clone(),
        outlets: story.outlet_count as usize,
        others: reports
            .iter()
            .filter(|r| r.article_id != article)
            .map(|r| OtherReport {
                source: r.source_name.clone(),
                title: r.title.clone(),
                path: state.link(&format!("/{}/", r.permalink.path())),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
struct ReportView {
    id: i64,
    title: String,
    path: String,
    original_url: Option<String>,
    source: String,
    source_path: String,
    author: Option<String>,
    published: TimeView,
    #[serde(skip)]
    published_at: DateTime<Utc>,
    licence: &'static str,
    licence_url: Option<&'static str>,
    split_action: String,
    move_action: String,
}

#[derive(Debug, Serialize)]
struct MomentView {
    at: TimeView,
    /// `report`, `edit` or `update`.
    kind: &'static str,
    text: String,
    path: String,
    source: Option<String>,
    body_html: String,
    attachments: Vec<AttachmentView>,
}

#[derive(Debug, Serialize)]
struct StoryPage {
    frame: Frame,
    title: String,
    article_count: u32,
    outlet_count: u32,
    reports: Vec<ReportView>,
    timeline: Vec<MomentView>,
    feeds: Vec<Alternate>,
    search_action: String,
    story_id: i64,
    can_edit: bool,
    rename_action: String,
    merge_action: String,
    facts: super::revisions::FactsView,
}

fn moments(
    state: &AppState,
    reports: &[ReportView],
    timeline: Vec<TimelineEntry>,
    edits: &[(ArticleId, i64, DateTime<Utc>)],
) -> Vec<MomentView> {
    let titles: HashMap<i64, (&str, &str)> =
        reports.iter().map(|r| (r.id, (r.title.as_str(), r.path.as_str()))).collect();
    let mut moments: Vec<(DateTime<Utc>, MomentView)> = Vec::new();
    for r in reports {
        moments.push((
            r.published_at,
            MomentView {
                at: r.published.clone(),
                kind: "report",
                text: r.title.clone(),
                path: r.path.clone(),
                source: Some(r.source.clone()),
                body_html: String::new(),
                attachments: Vec::new(),
            },
        ));
    }
    for e in timeline.into_iter().filter(|e| e.update.hidden.is_none()) {
        let (title, path) = titles.get(&e.update.article_id.0).copied().unwrap_or(("", ""));
        moments.push((
            e.update.created_at,
            MomentView {
                at: TimeView::new(e.update.created_at),
                kind: "update",
                text: format!("{} added an update under “{title}”", e.author),
                path: format!("{path}#update-{}", e.update.id),
                source: None,
                body_html: render_markdown(&e.update.body),
                attachments: e.attachments.iter().map(|a| AttachmentView::new(state, a)).collect(),
            },
        ));
    }
    for (article, revision, at) in super::revisions::edit_times(edits) {
        let Some(r) = reports.iter().find(|r| r.id == article.0) else { continue };
        moments.push((
            *at,
            MomentView {
                at: TimeView::new(*at),
                kind: "edit",
                text: format!("{} edited “{}”", r.source, r.title),
                path: format!("{}revisions/#edit-{revision}", r.path),
                source: Some(r.source.clone()),
                body_html: String::new(),
                attachments: Vec::new(),
            },
        ));
    }
    moments.sort_by_key(|(at, _)| *at);
    moments.into_iter().map(|(_, m)| m).collect()
}

/// GET /story/{id}-{slug}/ — one story.
pub async fn show_story(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(segment): Path<String>,
) -> Result<Response, WebError> {
    let story = match story_by_segment(&state, &segment).await? {
        Ok(story) => story,
        Err(to) => return Ok(Redirect::permanent(&to).into_response()),
    };
    let key = || format!("story/{segment}");
    let missing = match state.kept_page(viewer.is_some(), key) {
        crate::page_cache::Lookup::Kept(page) => return Ok(page),
        crate::page_cache::Lookup::Render(missing) => missing,
    };
    let (html, modified) = render_story(&state, viewer.as_ref(), &story).await?;
    Ok(match missing {
        Some(missing) => missing.keep(state.pages(), html, modified),
        None => Html(html).into_response(),
    })
}

async fn render_story(
    state: &AppState,
    viewer: Option<&SignedIn>,
    story: &Story,
) -> Result<(String, Option<DateTime<Utc>>), WebError> {
    let filter = ArticleFilter { story: Some(story.id), ..ArticleFilter::default() };
    // A story page shows no page count: its reports are read without counting them.
    let mut found = state.store().list_articles_window(&filter, STORY_ARTICLES).await?;
    found.reverse();
    let slugs = lists::slugs(state).await?;
    let ids: Vec<ArticleId> = found.iter().map(|a| a.article.id).collect();
    let timeline = state.store().timelines_for_articles(&ids).await?;
    // Edits and quoted sentences show a report's text: only where its licence allows it all.
    let full_text: HashMap<ArticleId, bool> =
        found.iter().map(|a| (a.article.id, a.article.licence.allows_full_text())).collect();
    let shown = |id: &ArticleId| full_text.get(id).copied().unwrap_or(false);
    let mut edits = state.store().revision_times(&ids).await?;
    edits.retain(|(id, _, _)| shown(id));
    let facts = state.store().facts_for_articles(&ids).await?;
    let facts = super::revisions::FactsView::new(
        state,
        facts.into_iter().map(|(id, f)| (f, shown(&id))).collect(),
        Utc::now().date_naive(),
    );
    let modified = timeline
        .iter()
        .map(|e| e.update.edited_at.unwrap_or(e.update.created_at))
        .chain(found.iter().map(|a| a.article.modified_at()))
        .max();
    let reports: Vec<ReportView> = found
        .iter()
        .map(|a| ReportView {
            id: a.article.id.0,
            title: a.article.title.clone(),
            path: state.link(&format!("/{}/", a.article.permalink.path())),
            original_url: a.article.original_url.clone(),
            source: a.source.name.clone(),
            source_path: lists::source_path(state, lists::slug_of(&slugs, a.source.id)),
            author: a.article.author.clone(),
            published: TimeView::new(a.article.published_at),
            published_at: a.article.published_at,
            licence: a.article.licence.title(),
            licence_url: a.article.licence.url(),
            split_action: state.link(&format!("/admin/articles/{}/split", a.article.id)),
            move_action: state.link(&format!("/admin/articles/{}/story", a.article.id)),
        })
        .collect();
    let base = format!("/story/{}-{}/feed", story.id, story.slug);
    let feeds = Alternate::feeds(&format!("Story: {}", story.title), &state.link(&base));
    let mut frame = Frame::new(state, viewer, &story.title);
    frame.alternates.extend(feeds.iter().cloned());
    frame.canonical = Some(state.urls().story(story.id, &story.slug));
    let ctx = StoryPage {
        frame,
        title: story.title.clone(),
        article_count: story.article_count,
        outlet_count: story.outlet_count,
        timeline: moments(state, &reports, timeline, &edits),
        facts,
        reports,
        feeds,
        search_action: state.link("/search"),
        story_id: story.id.0,
        can_edit: crate::guard::is_editor(viewer),
        rename_action: state.link(&format!("/story/{}/rename", story.id)),
        merge_action: state.link(&format!("/story/{}/merge", story.id)),
    };
    Ok((state.templates().render("story.html", ctx)?, modified))
}

/// The rename form.
#[derive(Debug, Deserialize)]
pub struct RenameForm {
    csrf: String,
    #[serde(default)]
    title: String,
}

/// The merge form: the story this one goes into (its id or address).
#[derive(Debug, Deserialize)]
pub struct MergeForm {
    csrf: String,
    #[serde(default)]
    into: String,
}

/// The move form under an article on a story's page: the story it goes to.
#[derive(Debug, Deserialize)]
pub struct MoveForm {
    csrf: String,
    #[serde(default)]
    story: String,
}

/// A story named by its id, a `{id}-{slug}` segment or its whole address.
fn named_story(text: &str) -> Result<StoryId, WebError> {
    let text = text.trim().trim_end_matches('/');
    let last = text.rsplit('/').next().unwrap_or(text);
    story_id_of(last).ok_or_else(|| {
        WebError::BadRequest(format!("“{text}” names no story: give its number or its address."))
    })
}

async fn decide(state: &AppState, who: &SignedIn, edit: StoryEdit) -> Result<Response, WebError> {
    let id = edit_story(state.store(), Actor::User(&who.user), edit).await?;
    let story = state.store().story_by_id(id).await?.ok_or(WebError::NotFound)?;
    Ok(Redirect::to(&state.link(&SiteUrl::story_path(story.id, &story.slug))).into_response())
}

const EDITORS_ONLY: &str = "Only editors can arrange stories.";

/// POST /story/{id}/rename — editors.
pub async fn rename(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RenameForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor_form(&state, viewer, &headers, &form.csrf, EDITORS_ONLY)?;
    decide(&state, &who, StoryEdit::Rename { story: StoryId(id), title: form.title }).await
}

/// POST /story/{id}/merge — editors: this story goes into another.
pub async fn merge(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor_form(&state, viewer, &headers, &form.csrf, EDITORS_ONLY)?;
    let into = named_story(&form.into)?;
    decide(&state, &who, StoryEdit::Merge { from: StoryId(id), into }).await
}

/// POST /admin/articles/{id}/story — editors: the article goes to another story.
pub async fn move_article(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor_form(&state, viewer, &headers, &form.csrf, EDITORS_ONLY)?;
    let to = named_story(&form.story)?;
    decide(&state, &who, StoryEdit::Move { article: ArticleId(id), to }).await
}

/// POST /admin/articles/{id}/split — editors: the article gets a story of its own.
pub async fn split(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor_form(&state, viewer, &headers, &form.csrf, EDITORS_ONLY)?;
    decide(&state, &who, StoryEdit::Split { article: ArticleId(id) }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_addresses_name_their_id() {
        assert_eq!(story_id_of("12-talks-resume"), Some(StoryId(12)));
        assert_eq!(story_id_of("12"), Some(StoryId(12)));
        assert_eq!(story_id_of("talks-12"), None);
        assert_eq!(story_id_of(""), None);
        assert_eq!(named_story("https://x.org/story/7-a-b/").ok(), Some(StoryId(7)));
        assert_eq!(named_story(" 9 ").ok(), Some(StoryId(9)));
        assert!(named_story("the other one").is_err());
    }
}
