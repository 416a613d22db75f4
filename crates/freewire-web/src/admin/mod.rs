//! Editors' pages: the feeds freewire follows, each with its state and last error, and the
//! forms to follow a new feed or switch one off; sources' terms ([`sources`]); takedowns
//! ([`articles`]).

pub mod articles;
pub mod sources;

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use freewire_app::sources::{FollowFeed, follow_feed, set_feed_enabled};
use freewire_app::{Actor, AppError};
use freewire_core::{FeedId, Licence};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::frame::Frame;
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};
use crate::views::TimeView;

#[derive(Serialize)]
struct FeedRow {
    id: i64,
    url: String,
    source: String,
    state: String,
    last_success: Option<TimeView>,
    next_poll: Option<TimeView>,
    last_error: Option<String>,
    error_count: i32,
    enabled: bool,
}

#[derive(Serialize)]
struct SourceOption {
    name: String,
    licence: &'static str,
}

#[derive(Serialize)]
struct LicenceOption {
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
struct FeedsPage<'a> {
    frame: Frame,
    feeds: Vec<FeedRow>,
    sources: Vec<SourceOption>,
    licences: Vec<LicenceOption>,
    error: Option<&'a str>,
    failing: usize,
}

async fn feeds_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let sources = state.store().list_sources().await?;
    let names: HashMap<_, _> = sources.iter().map(|s| (s.id, s.name.clone())).collect();
    let feeds: Vec<FeedRow> = state
        .store()
        .list_feeds()
        .await?
        .into_iter()
        .map(|f| FeedRow {
            id: f.id.0,
            source: names.get(&f.source_id).cloned().unwrap_or_default(),
            state: f.state().to_string(),
            last_success: f.last_success_at.map(TimeView::new),
            next_poll: f.enabled.then(|| TimeView::new(f.next_poll_at)),
            error_count: f.error_count,
            enabled: f.enabled,
            last_error: f.last_error,
            url: f.url,
        })
        .collect();
    let ctx = FeedsPage {
        frame: Frame::new(state, Some(who), "Feeds"),
        failing: feeds.iter().filter(|f| f.state == "failing").count(),
        feeds,
        sources: sources
            .iter()
            .map(|s| SourceOption { name: s.name.clone(), licence: s.licence.title() })
            .collect(),
        licences: Licence::ALL.iter().map(|l| LicenceOption { id: l.id(), title: l.title() }).collect(),
        error,
    };
    Ok((status, Html(state.templates().render("admin_feeds.html", ctx)?)).into_response())
}

/// GET /admin/feeds
pub async fn list_feeds(State(state): State<AppState>, Viewer(viewer): Viewer) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can manage feeds.")?;
    feeds_page(&state, &who, StatusCode::OK, None).await
}

/// The "follow a feed" form.
#[derive(Debug, Deserialize)]
pub struct AddFeedForm {
    csrf: String,
    url: String,
    /// An existing source's name, or a new one.
    source: String,
    homepage: Option<String>,
    licence: Option<String>,
}

/// POST /admin/feeds
pub async fn add_feed(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Form(form): Form<AddFeedForm>,
) -> Result<Response, WebError> {
    let who =
        crate::guard::editor_form(&state, viewer, &headers, &form.csrf, "Only editors can manage feeds.")?;
    let input = FollowFeed {
        url: form.url,
        source: form.source,
        homepage: form.homepage,
        licence: form.licence.as_deref().and_then(|l| l.parse::<Licence>().ok()),
        title: None,
    };
    match follow_feed(state.store(), Actor::User(&who.user), input).await {
        Ok(_) => Ok(Redirect::to(&state.link("/admin/feeds")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::NotFound(_))) => {
            feeds_page(&state, &who, StatusCode::BAD_REQUEST, Some(&e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The switch on each feed's row.
#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    csrf: String,
    enabled: bool,
}

/// POST /admin/feeds/{id}/poll — polled at the next round, rather than when it is due.
pub async fn poll_feed(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<crate::guard::TokenForm>,
) -> Result<Response, WebError> {
    let who =
        crate::guard::editor_form(&state, viewer, &headers, &form.csrf, "Only editors can manage feeds.")?;
    freewire_app::sources::poll_feed_now(state.store(), Actor::User(&who.user), FeedId(id)).await?;
    Ok(Redirect::to(&state.link(&format!("/admin/feeds#feed-{id}"))).into_response())
}

/// POST /admin/feeds/{id}/enabled
pub async fn switch_feed(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<SwitchForm>,
) -> Result<Response, WebError> {
    let who =
        crate::guard::editor_form(&state, viewer, &headers, &form.csrf, "Only editors can manage feeds.")?;
    set_feed_enabled(state.store(), Actor::User(&who.user), FeedId(id), form.enabled).await?;
    Ok(Redirect::to(&state.link("/admin/feeds")).into_response())
}
