//! Takedown: an editor withdraws an article (its permalink answers 410 Gone with a short
//! notice; it leaves lists, feeds, sitemaps and citations) or puts it back. Both acts are
//! audited with the editor's reason.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use freewire_app::{Actor, articles};
use freewire_core::{ArticleFilter, ArticleId, PageRequest};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::frame::Frame;
use crate::guard::TokenForm;
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::views::TimeView;

/// The withdraw form under an article.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// POST /admin/articles/{id}/withdraw — editors only; a reason is required (readers see it).
pub async fn withdraw(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor_form(
        &state,
        viewer,
        &headers,
        &form.csrf,
        "Only editors can withdraw articles.",
    )?;
    articles::withdraw_article(state.store(), Actor::User(&who.user), ArticleId(id), &form.reason).await?;
    Ok(Redirect::to(&state.link("/admin/withdrawn")).into_response())
}

/// POST /admin/articles/{id}/reinstate — editors only.
pub async fn reinstate(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor_form(
        &state,
        viewer,
        &headers,
        &form.csrf,
        "Only editors can reinstate articles.",
    )?;
    let found = articles::reinstate_article(state.store(), Actor::User(&who.user), ArticleId(id)).await?;
    Ok(Redirect::to(&state.link(&format!("/{}/", found.article.permalink.path()))).into_response())
}

#[derive(Serialize)]
struct WithdrawnRow {
    id: i64,
    title: String,
    path: String,
    source: String,
    at: Option<TimeView>,
    reason: String,
}

#[derive(Serialize)]
struct WithdrawnPage {
    frame: Frame,
    rows: Vec<WithdrawnRow>,
    page: u64,
    older: Option<String>,
}

/// `?page=N`
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

/// GET /admin/withdrawn — withdrawn articles, with a button to put each back.
pub async fn list_withdrawn(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can see withdrawn articles.")?;
    let number = q.page.unwrap_or(1).clamp(1, PageRequest::MAX_NUMBER);
    let filter = ArticleFilter { withdrawn: true, ..ArticleFilter::default() };
    let page = state.store().list_articles(&filter, PageRequest::new(number, 50)).await?;
    let ctx = WithdrawnPage {
        frame: Frame::new(&state, Some(&who), "Withdrawn articles"),
        older: (number < page.page_count())
            .then(|| format!("{}?page={}", state.link("/admin/withdrawn"), number + 1)),
        rows: page
            .items
            .into_iter()
            .map(|a| WithdrawnRow {
                id: a.article.id.0,
                path: state.link(&format!("/{}/", a.article.permalink.path())),
                title: a.article.title,
                source: a.source.name,
                at: a.article.withdrawn.as_ref().map(|w| TimeView::new(w.at)),
                reason: a.article.withdrawn.map(|w| w.reason).unwrap_or_default(),
            })
            .collect(),
        page: number,
    };
    Ok(Html(state.templates().render("admin_withdrawn.html", ctx)?).into_response())
}
