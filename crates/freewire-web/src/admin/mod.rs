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
use freewire_core::{FeedId, Licence, NewFeed, NewSource, StoreError};
use serde::{Deserialize, Serialize};

use crate::account::{SignedIn, Viewer};
use crate::error::WebError;
use crate::frame::Frame;
use crate::guard::check_form;
use crate::site::TimeView;
use crate::state::AppState;

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
    let who = crate::guard::editor(viewer, "Only editors can manage feeds.")?;
    check_form(&state, &who, &headers, &form.csrf)?;
    match follow(&state, &form).await? {
        Ok(url) => {
            tracing::info!(editor = %who.user.username, %url, "feed added");
            state
                .store()
                .insert_audit(freewire_core::NewAuditEntry {
                    actor_id: who.user.id,
                    action: "feed.add".into(),
                    target: url.to_string(),
                    detail: form.source.trim().to_owned(),
                })
                .await?;
            Ok(Redirect::to(&state.link("/admin/feeds")).into_response())
        }
        Err(message) => feeds_page(&state, &who, StatusCode::BAD_REQUEST, Some(&message)).await,
    }
}

/// Follows the form's feed, creating its source if new; the inner error is for the editor.
async fn follow(state: &AppState, form: &AddFeedForm) -> Result<Result<url::Url, String>, WebError> {
    let url = match url::Url::parse(form.url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => {
            return Ok(Err(format!(
                "“{}” is not a feed address such as https://outlet.example/feed.xml.",
                form.url
            )));
        }
    };
    let name = form.source.trim();
    if name.is_empty() {
        return Ok(Err("Name the source (the outlet) the feed belongs to.".into()));
    }
    let source = if let Some(existing) = state.store().source_by_name(name).await? {
        existing
    } else {
        let Some(licence) = form.licence.as_deref().and_then(|l| l.parse::<Licence>().ok()) else {
            return Ok(Err(format!(
                "“{name}” is a new source: choose the licence its articles are published under."
            )));
        };
        let homepage = form.homepage.as_deref().map(str::trim).filter(|h| !h.is_empty()).map(str::to_owned);
        if let Some(h) = &homepage
            && !url::Url::parse(h).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return Ok(Err(format!("“{h}” is not a homepage address such as https://outlet.example/.")));
        }
        state
            .store()
            .insert_source(NewSource { name: name.to_owned(), homepage, licence, credit: None })
            .await?
    };
    match state.store().insert_feed(NewFeed { source_id: source.id, url: url.to_string(), title: None }).await
    {
        Ok(_) => Ok(Ok(url)),
        Err(StoreError::Conflict(_)) => Ok(Err(format!("{url} is followed already."))),
        Err(e) => Err(e.into()),
    }
}

/// The switch on each feed's row.
#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    csrf: String,
    enabled: bool,
}

/// POST /admin/feeds/{id}/enabled
pub async fn switch_feed(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<SwitchForm>,
) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can manage feeds.")?;
    check_form(&state, &who, &headers, &form.csrf)?;
    if !state.store().set_feed_enabled(FeedId(id), form.enabled).await? {
        return Err(WebError::NotFound);
    }
    tracing::info!(editor = %who.user.username, feed = id, enabled = form.enabled, "feed switched");
    state
        .store()
        .insert_audit(freewire_core::NewAuditEntry {
            actor_id: who.user.id,
            action: if form.enabled { "feed.enable".into() } else { "feed.disable".into() },
            target: format!("feed {id}"),
            detail: String::new(),
        })
        .await?;
    Ok(Redirect::to(&state.link("/admin/feeds")).into_response())
}
