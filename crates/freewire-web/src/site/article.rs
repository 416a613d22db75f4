//! The article page: the text under its licence with its credit, citations and the timeline
//! of updates, the timeline as an Atom feed, and the permalink's forms.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use freewire_core::{
    ArticleId, ArticleStatus, ArticleWithSource, IndexPolicy, Permalink, TimelineEntry, site_citation,
};
use serde::Serialize;

use super::{cite, lists, seo};
use crate::error::WebError;
use crate::frame::{Alternate, Frame};
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};
use crate::views::{
    AttachmentView, EXCERPT_WORDS, TimeView, excerpt_of, human_size, public_body_html, render_markdown,
    withdrawn,
};

#[derive(Debug, Serialize)]
struct ArticleView {
    id: i64,
    title: String,
    permalink: String,
    published: TimeView,
    modified: Option<TimeView>,
    author: Option<String>,
    /// Sanitised when stored; an excerpt where the licence allows no more.
    body_html: String,
    full_text: bool,
    source: String,
    source_path: String,
    source_homepage: Option<String>,
    credit: Option<String>,
    original_url: Option<String>,
    licence: &'static str,
    licence_url: Option<&'static str>,
    citation: String,
    styles: Vec<cite::StyleView>,
    media: Vec<MediaView>,
    tags: Vec<lists::TagLink>,
    description: String,
    json_ld: String,
    withdraw_action: String,
}

#[derive(Debug, Serialize)]
struct MediaView {
    url: String,
    label: String,
    media_type: Option<String>,
    size: Option<String>,
}

/// One update on the timeline as a reader sees it: the parts every reader sees are
/// borrowed from [`ArticleParts`], what the reader may do is their own.
#[derive(Debug, Serialize)]
struct EntryView<'a> {
    id: i64,
    author: &'a str,
    created: TimeView,
    edited: Option<TimeView>,
    body_html: &'a str,
    /// The raw Markdown, for the author's edit form.
    body: &'a str,
    attachments: &'a [AttachmentView],
    hidden: Option<HiddenView<'a>>,
    can_amend: bool,
    can_moderate: bool,
}

#[derive(Debug, Serialize)]
struct HiddenView<'a> {
    at: TimeView,
    reason: &'a str,
}

#[derive(Debug, Serialize)]
struct ArticlePage<'a> {
    frame: Frame,
    updates_feed: &'a str,
    head_html: &'a str,
    content_html: &'a str,
    article: WithdrawView<'a>,
    timeline: Vec<EntryView<'a>>,
    upload_action: &'a str,
    login_url: &'a str,
    max_upload: String,
    error: Option<&'a str>,
    note: &'a str,
    can_withdraw: bool,
}

#[derive(Debug, Serialize)]
struct EditNote {
    count: usize,
    at: TimeView,
    path: String,
}

/// An update with what every reader of it sees rendered once.
#[derive(Debug)]
struct KeptEntry {
    entry: TimelineEntry,
    body_html: String,
    attachments: Vec<AttachmentView>,
}

/// Everything an article page shows that is the same for every reader: read from the store
/// and rendered once, and kept beside the kept pages (`AppState::article_parts`), so that a
/// signed-in reader's page costs only what is theirs (the frame, what they may do with each
/// update) and the template.
#[derive(Debug)]
pub(crate) struct ArticleParts {
    title: String,
    withdraw_action: String,
    /// The page's head and the article itself (its text, story line, dates and names, credit
    /// and citations), rendered (`article_head.html`, `article_content.html`).
    head_html: String,
    content_html: String,
    timeline: Vec<KeptEntry>,
    canonical: String,
    noindex: bool,
    alternates: Vec<Alternate>,
    upload_action: String,
    updates_feed: String,
    login_url: String,
    /// When what the page shows last changed.
    modified: DateTime<Utc>,
    /// The article, its story and the story's reports: a change to any makes these out of date.
    made_from: Vec<crate::page_cache::Changed>,
}

/// The article page, with an optional message from a failed upload and the note to keep.
pub(crate) async fn article_page(
    state: &AppState,
    viewer: Option<&SignedIn>,
    found: ArticleWithSource,
    status: StatusCode,
    error: Option<&str>,
    note: &str,
) -> Result<Response, WebError> {
    let parts = article_parts(state, found).await?;
    let html = render_article(state, viewer, &parts, error, note)?;
    Ok((status, [crate::conditional::last_modified(parts.modified)], Html(html)).into_response())
}

impl MediaView {
    /// An enclosure as the page lists it, named by its title or else its file name.
    fn new(m: freewire_core::Media) -> Self {
        MediaView {
            label: m.title.clone().unwrap_or_else(|| {
                m.url.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or(&m.url).to_owned()
            }),
            size: m.length.map(human_size),
            media_type: m.media_type,
            url: m.url,
        }
    }
}

/// When the page last changed: the article, or its timeline, whichever changed last.
fn last_change(found: &ArticleWithSource, timeline: &[TimelineEntry]) -> DateTime<Utc> {
    timeline
        .iter()
        .map(|e| e.update.edited_at.unwrap_or(e.update.created_at))
        .chain(std::iter::once(found.article.modified_at()))
        .max()
        .unwrap_or(found.article.published_at)
}

impl ArticleParts {
    /// About how many bytes they hold, for the cache that keeps them.
    /// What these were made from (see [`crate::page_cache::Changed`]).
    pub(crate) fn made_from(&self) -> &[crate::page_cache::Changed] {
        &self.made_from
    }

    /// When what the page shows last changed.
    pub(crate) fn modified(&self) -> DateTime<Utc> {
        self.modified
    }

    pub(crate) fn weight(&self) -> u64 {
        let timeline: usize =
            self.timeline.iter().map(|e| e.body_html.len() + e.entry.update.body.len()).sum();
        (self.head_html.len() + self.content_html.len() + timeline + 4096) as u64
    }
}

/// Reads and renders what every reader of the article's page sees.
pub(crate) async fn article_parts(
    state: &AppState,
    found: ArticleWithSource,
) -> Result<ArticleParts, WebError> {
    let permalink = state.urls().permalink(&found.article.permalink);
    let citation = site_citation(
        &state.config().site_name,
        found.article.author.as_deref(),
        found.article.published_at,
        &found.article.title,
        &permalink,
    );
    let styles = cite::style_views(state, found.article.id, (*cite::citations(state, &found).await?).clone());
    let timeline = state.store().timeline_for_article(found.article.id).await?;
    let images = crate::images::ImageLinks::for_site(state, false).await;
    let slugs = lists::slugs(state).await?;
    let description = excerpt_of(&found.article, EXCERPT_WORDS);
    let policy = found.source.index_policy;
    let canonical = match (policy, &found.article.original_url) {
        (IndexPolicy::Original, Some(original)) => original.clone(),
        _ => permalink.clone(),
    };
    let json_ld = seo::news_article_json_ld(state, &found, &permalink, &canonical, &description);
    let modified = last_change(&found, &timeline);
    let lines = super::story::story_lines(state, &[(found.article.id, found.article.story_id)]).await?;
    let story = found
        .article
        .story_id
        .and_then(|id| lines.get(&id))
        .map(|(story, reports)| super::story::line_for(state, found.article.id, story, reports));
    let made_from = made_from(&found.article, lines.values().flat_map(|(_, reports)| reports));
    let path = format!("/{}/", found.article.permalink.path());
    // Edits and quoted sentences show the text itself: only where the licence allows it all.
    let full_text = found.article.licence.allows_full_text();
    let edited = if full_text { edit_note(state, found.article.id, &path).await? } else { None };
    let facts = state.store().facts_for_articles(&[found.article.id]).await?;
    let facts = super::revisions::FactsView::new(
        state,
        facts.into_iter().map(|(_, f)| (f, full_text)).collect(),
        Utc::now().date_naive(),
    );
    let ArticleWithSource { article: a, source } = found;
    let source_slug = lists::slug_of(&slugs, source.id).to_owned();
    let mut alternates = Alternate::feeds(&source.name, &state.link(&format!("/source/{source_slug}/feed")));
    if let Some(line) = &story {
        alternates.extend(Alternate::feeds(&format!("Story: {}", line.title), &format!("{}feed", line.path)));
    }
    let article_id = a.id;
    let article = ArticleView {
        id: a.id.0,
        published: TimeView::new(a.published_at),
        modified: a.updated_at.filter(|u| *u > a.published_at).map(TimeView::new),
        licence: a.licence.title(),
        licence_url: a.licence.url(),
        body_html: public_body_html(&a, &images),
        full_text: a.licence.allows_full_text(),
        tags: lists::tag_links(state, &a.tags),
        withdraw_action: state.link(&format!("/admin/articles/{}/withdraw", a.id)),
        title: a.title,
        permalink,
        author: a.author,
        source: source.name,
        source_path: lists::source_path(state, &source_slug),
        source_homepage: source.homepage,
        credit: source.credit,
        original_url: a.original_url,
        citation,
        styles,
        description,
        json_ld,
        media: a.media.into_iter().map(MediaView::new).collect(),
    };
    let updates_feed = state.link(&format!("{path}updates.atom"));
    let (head_html, content_html) = SharedParts {
        frame: SharedFrame {
            site_name: &state.config().site_name,
            root: state.urls().prefix(),
            lang: &state.config().language,
        },
        article: &article,
        story: story.as_ref(),
        edited: edited.as_ref(),
        facts: &facts,
        updates_feed: &updates_feed,
    }
    .render(state)?;
    Ok(ArticleParts {
        title: article.title,
        withdraw_action: article.withdraw_action,
        head_html,
        content_html,
        canonical,
        noindex: policy == IndexPolicy::NoIndex,
        alternates,
        timeline: timeline.into_iter().map(|entry| KeptEntry::new(state, entry)).collect(),
        upload_action: state.link(&format!("/articles/{article_id}/updates")),
        updates_feed,
        login_url: format!("{}?next={}", state.link("/login"), state.link(&path)),
        modified,
        made_from,
    })
}

/// The note that the outlet edited the article, when it did.
async fn edit_note(state: &AppState, id: ArticleId, path: &str) -> Result<Option<EditNote>, WebError> {
    let times = state.store().revision_times(&[id]).await?;
    Ok(super::revisions::last_edits(&times).remove(&id).map(|(count, at)| EditNote {
        count,
        at: TimeView::new(at),
        path: state.link(&format!("{path}revisions/")),
    }))
}

impl KeptEntry {
    /// An update as every reader sees it: its Markdown rendered, its files listed.
    fn new(state: &AppState, entry: TimelineEntry) -> Self {
        KeptEntry {
            body_html: render_markdown(&entry.update.body),
            attachments: entry.attachments.iter().map(|a| AttachmentView::new(state, a)).collect(),
            entry,
        }
    }
}

/// What the kept part of an article page is rendered from.
#[derive(Serialize)]
struct SharedParts<'a> {
    frame: SharedFrame<'a>,
    article: &'a ArticleView,
    story: Option<&'a super::story::StoryLine>,
    edited: Option<&'a EditNote>,
    facts: &'a super::revisions::FactsView,
    updates_feed: &'a str,
}

impl SharedParts<'_> {
    /// The page's head and the article, rendered here once, not for every reader: the
    /// article's text, citations and the rest are most of the page, and the same for all.
    fn render(&self, state: &AppState) -> Result<(String, String), WebError> {
        let head = state.templates().render("article_head.html", self)?;
        Ok((head, state.templates().render("article_content.html", self)?))
    }
}

/// What an article page is made from: the article, its story and the story's reports.
fn made_from<'a>(
    article: &freewire_core::Article,
    reports: impl Iterator<Item = &'a freewire_core::StoryReport>,
) -> Vec<crate::page_cache::Changed> {
    use crate::page_cache::Changed;
    let this = Changed::Article(article.id.0);
    let mut made_from = vec![this];
    made_from.extend(article.story_id.map(|s| Changed::Story(s.0)));
    made_from.extend(reports.map(|r| Changed::Article(r.article_id.0)).filter(|c| *c != this));
    made_from
}

/// The part of the page's frame the kept part shows: the site's, not the reader's.
#[derive(Serialize)]
struct SharedFrame<'a> {
    site_name: &'a str,
    root: &'a str,
    lang: &'a str,
}

/// What article.html shows of the article beside the kept parts.
#[derive(Debug, Serialize)]
struct WithdrawView<'a> {
    withdraw_action: &'a str,
}

/// The article page's HTML for `viewer`.
fn render_article(
    state: &AppState,
    viewer: Option<&SignedIn>,
    parts: &ArticleParts,
    error: Option<&str>,
    note: &str,
) -> Result<String, WebError> {
    let mut frame = Frame::new(state, viewer, &parts.title);
    frame.canonical = Some(parts.canonical.clone());
    frame.noindex = parts.noindex;
    frame.alternates.extend(parts.alternates.iter().cloned());
    let ctx = ArticlePage {
        head_html: &parts.head_html,
        content_html: &parts.content_html,
        frame,
        timeline: parts.timeline.iter().map(|e| entry_view(state, viewer, e)).collect(),
        upload_action: &parts.upload_action,
        updates_feed: &parts.updates_feed,
        login_url: &parts.login_url,
        max_upload: human_size(state.config().updates.max_upload_bytes),
        error,
        note,
        can_withdraw: crate::guard::is_editor(viewer),
        article: WithdrawView { withdraw_action: &parts.withdraw_action },
    };
    Ok(state.templates().render("article.html", ctx)?)
}

fn entry_view<'a>(state: &AppState, viewer: Option<&SignedIn>, kept: &'a KeptEntry) -> EntryView<'a> {
    let e = &kept.entry;
    let can_moderate = crate::guard::is_editor(viewer);
    let can_amend = state.config().updates.may_amend(viewer.map(|v| &v.user), e);
    // A hidden update's text and files are shown only to editors, who may show it again.
    let visible = e.update.hidden.is_none() || can_moderate;
    EntryView {
        id: e.update.id.0,
        created: TimeView::new(e.update.created_at),
        edited: e.update.edited_at.map(TimeView::new),
        body_html: if visible { &kept.body_html } else { "" },
        body: if can_amend { &e.update.body } else { "" },
        attachments: if visible { &kept.attachments } else { &[] },
        hidden: e.update.hidden.as_ref().map(|h| HiddenView { at: TimeView::new(h.at), reason: &h.reason }),
        author: &e.author,
        can_amend,
        can_moderate,
    }
}

/// GET /{YYYY}/{MM}/{DD}/{slug}/updates.atom — the article's timeline as an Atom feed, so
/// readers can follow the story. Hidden updates are left out.
pub async fn updates_feed(
    State(state): State<AppState>,
    Path((year, month, day, slug)): Path<(String, String, String, String)>,
) -> Result<Response, WebError> {
    use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
    let (permalink, found) = published_at(&state, &year, &month, &day, &slug).await?;
    let page_url = state.urls().permalink(&permalink);
    let timeline = state.store().timeline_for_article(found.article.id).await?;
    let mut entries: Vec<Entry> = timeline
        .into_iter()
        .filter(|e| e.update.hidden.is_none())
        .map(|e| {
            let mut html = render_markdown(&e.update.body);
            for a in &e.attachments {
                let url = state.urls().absolute(&AttachmentView::path(a));
                let _ = write!(
                    html,
                    "<p><a href=\"{url}\">{}</a> ({})</p>",
                    crate::templates::escape_html(&a.file_name),
                    a.media_type
                );
            }
            Entry {
                id: format!("{page_url}#update-{}", e.update.id),
                title: Text::plain(format!("Update by {}", e.author)),
                updated: e.update.edited_at.unwrap_or(e.update.created_at).fixed_offset(),
                published: Some(e.update.created_at.fixed_offset()),
                authors: vec![Person { name: e.author.clone(), ..Person::default() }],
                links: vec![Link {
                    href: format!("{page_url}#update-{}", e.update.id),
                    rel: "alternate".into(),
                    ..Link::default()
                }],
                content: Some(Content {
                    value: Some(html),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    if found.article.licence.allows_full_text() {
        let revisions = state.store().revisions_for_article(found.article.id).await?;
        let retrievals = state.store().retrievals_for_article(found.article.id).await?;
        for edit in super::revisions::edits(revisions, &retrievals).await? {
            let href = format!("{page_url}revisions/#edit-{}", edit.id);
            let at = edit.seen_at.fixed_offset();
            entries.push(Entry {
                id: href.clone(),
                title: Text::plain(format!("Edited by {}: {}", found.source.name, edit.summary)),
                updated: at,
                published: Some(at),
                authors: vec![Person { name: found.source.name.clone(), ..Person::default() }],
                links: vec![Link { href, rel: "alternate".into(), ..Link::default() }],
                content: Some(Content {
                    value: Some(format!(
                        "{}{}",
                        edit.title_html.map(|t| format!("<h2>{t}</h2>")).unwrap_or_default(),
                        edit.body_html
                    )),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..Entry::default()
            });
        }
        // Newest first, as the timeline.
        entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    }
    let updated =
        entries.iter().map(|e| e.updated).max().unwrap_or_else(|| found.article.published_at.fixed_offset());
    let feed = Feed {
        id: format!("{page_url}updates.atom"),
        title: Text::plain(format!("Updates: {}", found.article.title)),
        updated,
        links: vec![
            Link { href: page_url.clone(), rel: "alternate".into(), ..Link::default() },
            Link { href: format!("{page_url}updates.atom"), rel: "self".into(), ..Link::default() },
        ],
        entries,
        ..Feed::default()
    };
    // A note's Markdown can spell a forbidden character as a reference (`&#1;`) that renders
    // to the character itself: the finished document is cleaned, not only the stored text.
    let body = freewire_core::xml::strip_forbidden_chars(feed.to_string()).into_owned();
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], body).into_response())
}

/// GET /{YYYY}/{MM}/{DD}/{slug}/ — one article.
pub async fn show_article(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path((year, month, day, slug)): Path<(String, String, String, String)>,
) -> Result<Response, WebError> {
    let permalink = parse_permalink(&year, &month, &day, &slug).ok_or(WebError::NotFound)?;
    let missing = match state.kept_article_page(viewer.is_some(), || permalink.path()) {
        crate::page_cache::Lookup::Kept(page) => return Ok(page),
        crate::page_cache::Lookup::Render(missing) => missing,
    };
    // What every reader sees, kept under the same rule as the pages: a published article's.
    let kept = match state.kept_parts(&permalink.path()) {
        crate::page_cache::PartsLookup::Kept(parts) => parts,
        crate::page_cache::PartsLookup::Read(missing_parts) => {
            let found = state.store().article_by_permalink(&permalink).await?.ok_or(WebError::NotFound)?;
            match found.article.status {
                ArticleStatus::Published => {
                    missing_parts.keep(state.pages(), article_parts(&state, found).await?)
                }
                // Another outlet's copy of a story we have: the first copy is the page.
                ArticleStatus::Duplicate => {
                    let first = match found.article.duplicate_of {
                        Some(id) => state.store().article_by_id(id).await?,
                        None => None,
                    };
                    let first = first
                        .filter(|f| f.article.status == ArticleStatus::Published)
                        .ok_or(WebError::NotFound)?;
                    return Ok(Redirect::permanent(
                        &state.link(&format!("/{}/", first.article.permalink.path())),
                    )
                    .into_response());
                }
                ArticleStatus::Withdrawn => return Err(withdrawn(&found.article)),
            }
        }
    };
    let parts = kept.value();
    let html = render_article(&state, viewer.as_ref(), parts, None, "")?;
    Ok(match missing {
        Some(missing) => missing.keep_article(state.pages(), &kept, html),
        None => ([crate::conditional::last_modified(parts.modified)], Html(html)).into_response(),
    })
}

/// The published article at a permalink's address, for the pages under it (its updates feed,
/// its revisions): 410 with the notice when withdrawn, 404 when there is none or it is another
/// outlet's copy.
pub(crate) async fn published_at(
    state: &AppState,
    year: &str,
    month: &str,
    day: &str,
    slug: &str,
) -> Result<(Permalink, ArticleWithSource), WebError> {
    let permalink = parse_permalink(year, month, day, slug).ok_or(WebError::NotFound)?;
    let found = state.store().article_by_permalink(&permalink).await?.ok_or(WebError::NotFound)?;
    match found.article.status {
        ArticleStatus::Published => Ok((permalink, found)),
        ArticleStatus::Withdrawn => Err(withdrawn(&found.article)),
        ArticleStatus::Duplicate => Err(WebError::NotFound),
    }
}

fn parse_permalink(year: &str, month: &str, day: &str, slug: &str) -> Option<Permalink> {
    // Only the zero-padded form we issue names an article.
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    Permalink::from_parts(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?, slug)
}

/// GET /{YYYY}/{MM}/{DD}/{slug} — the same without the trailing slash.
pub async fn add_trailing_slash(
    State(state): State<AppState>,
    Path((year, month, day, slug)): Path<(String, String, String, String)>,
) -> Result<Redirect, WebError> {
    let permalink = parse_permalink(&year, &month, &day, &slug).ok_or(WebError::NotFound)?;
    Ok(Redirect::permanent(&state.link(&format!("/{}/", permalink.path()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_issued_permalink_forms_parse() {
        assert!(parse_permalink("2021", "03", "08", "a-b").is_some());
        assert!(parse_permalink("2021", "3", "08", "a-b").is_none());
        assert!(parse_permalink("2021", "03", "32", "a-b").is_none());
        assert!(parse_permalink("2021", "03", "08", "A b").is_none());
    }
}
