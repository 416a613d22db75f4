//! What changed and what an article turns on: the outlet's edits as word diffs
//! (`{permalink}revisions/`, the article's edit note, its updates feed and its story's timeline),
//! and the names and dates found in articles, shown on article and story pages.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use freewire_core::facts::{DateKind, EntityKind, Facts};
use freewire_core::{ArticleId, Retrieval, Revision};
use serde::Serialize;

use crate::error::WebError;
use crate::frame::Frame;
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::views::TimeView;

/// One edit of an article: a version and what changed from the one before.
#[derive(Debug, Serialize)]
pub(crate) struct EditView {
    pub id: i64,
    pub at: TimeView,
    #[serde(skip)]
    pub seen_at: DateTime<Utc>,
    pub summary: String,
    pub title_html: Option<String>,
    pub body_html: String,
    pub retrieval: Option<RetrievalView>,
}

/// Where a version was read.
#[derive(Debug, Serialize)]
pub(crate) struct RetrievalView {
    location: String,
    at: TimeView,
    status: Option<i32>,
    sha256: String,
}

impl RetrievalView {
    fn new(r: &Retrieval) -> Self {
        RetrievalView {
            location: r.location.clone(),
            at: TimeView::new(r.retrieved_at),
            status: r.http_status,
            sha256: r.sha256.clone(),
        }
    }
}

/// The most edits a revisions page or an updates feed shows (the latest ones): an article
/// that changes at every fetch must not make every request diff its whole history.
pub(crate) const MOST_EDITS: usize = 100;

/// The latest edits of an article, oldest first: each version after the first, diffed against
/// the one before it, with the retrieval that brought it. Diffing is CPU work: it runs off the
/// async threads.
pub(crate) async fn edits(
    revisions: Vec<Revision>,
    retrievals: &[Retrieval],
) -> Result<Vec<EditView>, WebError> {
    let by_id: HashMap<i64, RetrievalView> =
        retrievals.iter().map(|r| (r.id, RetrievalView::new(r))).collect();
    let diffs = tokio::task::spawn_blocking(move || {
        let diffs = freewire_core::revision::edits(&revisions, MOST_EDITS);
        diffs.into_iter().map(|(i, d)| (revisions[i].clone(), d)).collect::<Vec<_>>()
    })
    .await
    .map_err(|e| WebError::Internal(format!("diffing revisions was interrupted: {e}")))?;
    let mut by_id = by_id;
    Ok(diffs
        .into_iter()
        .map(|(after, d)| EditView {
            id: after.id,
            at: TimeView::new(after.seen_at),
            seen_at: after.seen_at,
            summary: d.summary(),
            title_html: d.title_html,
            body_html: d.body_html,
            retrieval: after.retrieval_id.and_then(|id| by_id.remove(&id)),
        })
        .collect())
}

#[derive(Debug, Serialize)]
struct VersionView {
    id: i64,
    at: TimeView,
    title: String,
    retrieval: Option<RetrievalView>,
}

#[derive(Debug, Serialize)]
struct RevisionsPage {
    frame: Frame,
    title: String,
    article_path: String,
    source: String,
    original_url: Option<String>,
    first: Option<VersionView>,
    edits: Vec<EditView>,
}

/// GET /{YYYY}/{MM}/{DD}/{slug}/revisions/ — every version of an article with its retrieval
/// record, and a word diff of each against the one before.
pub async fn show_revisions(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path((year, month, day, slug)): Path<(String, String, String, String)>,
) -> Result<Response, WebError> {
    let (_, found) = super::article::published_at(&state, &year, &month, &day, &slug).await?;
    // Diffs show the text itself: only where the licence lets us show all of it.
    if !found.article.licence.allows_full_text() {
        return Err(WebError::NotFound);
    }
    let a = &found.article;
    let revisions = state.store().revisions_for_article(a.id).await?;
    let retrievals = state.store().retrievals_for_article(a.id).await?;
    let first = revisions.first().map(|r| VersionView {
        id: r.id,
        at: TimeView::new(r.seen_at),
        title: r.title.clone(),
        retrieval: r
            .retrieval_id
            .and_then(|id| retrievals.iter().find(|x| x.id == id))
            .map(RetrievalView::new),
    });
    let edits = edits(revisions, &retrievals).await?;
    let mut frame = Frame::new(&state, viewer.as_ref(), &format!("Edits: {}", a.title));
    frame.noindex = true;
    let ctx = RevisionsPage {
        frame,
        title: a.title.clone(),
        article_path: state.link(&format!("/{}/", a.permalink.path())),
        source: found.source.name.clone(),
        original_url: a.original_url.clone(),
        edits,
        first,
    };
    Ok(Html(state.templates().render("revisions.html", ctx)?).into_response())
}

/// A date on a page: when, what was said, whether it is still ahead.
#[derive(Debug, Serialize)]
pub(crate) struct KeyDateView {
    iso: String,
    human: String,
    ahead: bool,
    deadline: bool,
    /// The words and sentences that say it (several reports may say it).
    mentions: Vec<MentionView>,
}

#[derive(Debug, Serialize)]
struct MentionView {
    text: String,
    sentence: String,
}

/// The names on a page, by kind.
#[derive(Debug, Default, Serialize)]
pub(crate) struct NamesView {
    people: Vec<NameView>,
    places: Vec<NameView>,
    organisations: Vec<NameView>,
}

#[derive(Debug, Serialize)]
struct NameView {
    name: String,
    search: String,
}

/// What articles turn on, merged: key dates in order, and people, places and organisations.
#[derive(Debug, Serialize)]
pub(crate) struct FactsView {
    pub dates: Vec<KeyDateView>,
    pub names: NamesView,
    pub any_names: bool,
}

impl FactsView {
    /// The facts of one or more articles merged (a name or a day once), dates marked ahead of
    /// `today`. Each article's facts come with whether its licence lets us show its full text:
    /// only then are its sentences quoted.
    pub(crate) fn new(state: &AppState, facts: Vec<(Facts, bool)>, today: NaiveDate) -> Self {
        let mut by_day: BTreeMap<NaiveDate, KeyDateView> = BTreeMap::new();
        let mut names = NamesView::default();
        let mut seen = std::collections::HashSet::new();
        for (f, quote) in facts {
            for d in f.dates {
                let day = by_day.entry(d.date).or_insert_with(|| KeyDateView {
                    iso: d.date.format("%Y-%m-%d").to_string(),
                    human: d.date.format("%A %-d %B %Y").to_string(),
                    ahead: d.date > today,
                    deadline: false,
                    mentions: Vec::new(),
                });
                day.deadline |= d.kind == DateKind::Deadline;
                if quote && day.mentions.len() < 3 && !day.mentions.iter().any(|m| m.sentence == d.sentence) {
                    day.mentions.push(MentionView { text: d.text, sentence: d.sentence });
                }
            }
            for e in f.entities {
                if !seen.insert((e.kind, e.name.to_lowercase())) {
                    continue;
                }
                let list = match e.kind {
                    EntityKind::Person => &mut names.people,
                    EntityKind::Place => &mut names.places,
                    EntityKind::Organisation => &mut names.organisations,
                };
                let query = format!("{}:\"{}\"", freewire_search::index::name_key(e.kind), e.name);
                let search = format!(
                    "{}?q={}",
                    state.link("/search"),
                    percent_encoding::utf8_percent_encode(&query, percent_encoding::NON_ALPHANUMERIC)
                );
                list.push(NameView { name: e.name, search });
            }
        }
        let any_names =
            !(names.people.is_empty() && names.places.is_empty() && names.organisations.is_empty());
        FactsView { dates: by_day.into_values().collect(), names, any_names }
    }
}

/// The outlet's edits among these versions (`(article, revision id, seen at)`, oldest first,
/// as [`freewire_core::ArticleStore::revision_times`] gives them): every version after an
/// article's first, which is its text as first republished.
pub(crate) fn edit_times(
    times: &[(ArticleId, i64, DateTime<Utc>)],
) -> impl Iterator<Item = &(ArticleId, i64, DateTime<Utc>)> {
    let mut firsts = std::collections::HashSet::new();
    times.iter().filter(move |(article, _, _)| !firsts.insert(*article))
}

/// How many edits each of these articles had, and when the latest was.
pub(crate) fn last_edits(
    times: &[(ArticleId, i64, DateTime<Utc>)],
) -> HashMap<ArticleId, (usize, DateTime<Utc>)> {
    let mut per: HashMap<ArticleId, (usize, DateTime<Utc>)> = HashMap::new();
    for (article, _, at) in edit_times(times) {
        let entry = per.entry(*article).or_insert((0, *at));
        *entry = (entry.0 + 1, *at);
    }
    per
}
