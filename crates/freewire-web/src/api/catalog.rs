//! Sources and the feeds followed for them. Anyone reads the sources; editors (with a `write`
//! token) add and change them, follow feeds, switch feeds off and on and ask for a poll now;
//! editors read the feeds' state.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use freewire_app::Actor;
use freewire_app::sources::{self, FollowFeed, SourceEdit, SourceInput};
use freewire_core::{Feed, FeedId, IndexPolicy, Licence, Role, Source, SourceId, TokenScope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::articles::LicenceView;
use super::auth::Caller;
use super::problem::{ApiError, Json, Path, Problem};
use crate::state::AppState;

/// An outlet whose articles are republished.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceView {
    /// Its id.
    pub id: i64,
    /// Its name, as credited.
    pub name: String,
    /// Its homepage.
    pub homepage: Option<String>,
    /// Its own credit line, if it gave one.
    pub credit: Option<String>,
    /// The licence its articles are republished under.
    pub licence: LicenceView,
    /// What search engines are told: `ours`, `original` or `noindex`.
    pub index_policy: &'static str,
    /// Its page here.
    pub url: String,
}

pub(crate) fn source_views(state: &AppState, sources: &[Source]) -> Vec<SourceView> {
    let slugs = freewire_core::source_slugs(sources);
    sources
        .iter()
        .map(|s| {
            let slug = slugs.iter().find(|(id, _)| *id == s.id).map_or("", |(_, slug)| slug.as_str());
            SourceView {
                id: s.id.0,
                name: s.name.clone(),
                homepage: s.homepage.clone(),
                credit: s.credit.clone(),
                licence: LicenceView::new(s.licence),
                index_policy: s.index_policy.id(),
                url: state.urls().absolute(&format!("/source/{slug}/")),
            }
        })
        .collect()
}

async fn one_source(state: &AppState, id: SourceId) -> Result<SourceView, ApiError> {
    let all = state.store().list_sources().await?;
    let views = source_views(state, &all);
    views
        .into_iter()
        .find(|v| v.id == id.0)
        .ok_or_else(|| ApiError::not_found(format!("There is no source {id}.")))
}

/// Every source.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceList {
    /// By name.
    pub items: Vec<SourceView>,
}

/// List sources
#[utoipa::path(get, path = "/sources", tag = "sources", responses((status = 200, description = "Every source", body = SourceList)))]
pub async fn list_sources(State(state): State<AppState>) -> Result<axum::Json<SourceList>, ApiError> {
    let all = state.store().list_sources().await?;
    Ok(axum::Json(SourceList { items: source_views(&state, &all) }))
}

/// Get a source
#[utoipa::path(
    get, path = "/sources/{id}", tag = "sources",
    params(("id" = i64, Path, description = "The source's id")),
    responses(
        (status = 200, description = "The source", body = SourceView),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_source(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<axum::Json<SourceView>, ApiError> {
    Ok(axum::Json(one_source(&state, SourceId(id)).await?))
}

fn licence(raw: &str) -> Result<Licence, ApiError> {
    raw.parse().map_err(|e: freewire_core::licence::UnknownLicence| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
    })
}

fn policy(raw: &str) -> Result<IndexPolicy, ApiError> {
    raw.parse().map_err(|e: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e))
}

/// A source to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSourceRequest {
    /// Its name, unique here.
    pub name: String,
    /// Its homepage.
    pub homepage: Option<String>,
    /// Its licence (`CC-BY-4.0`, `public-domain`, `permission`, `excerpt-only` …).
    pub licence: String,
    /// Its own credit line.
    pub credit: Option<String>,
}

const EDITORS_ONLY: &str = "Only editors can manage sources and feeds.";

/// Add a source
///
/// Editors, `write`; audited.
#[utoipa::path(
    post, path = "/sources", tag = "sources", request_body = NewSourceRequest,
    responses(
        (status = 201, description = "Added", body = SourceView),
        (status = 403, description = "Not an editor, or a read token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad licence or homepage", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn create_source(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewSourceRequest>,
) -> Result<Response, ApiError> {
    let who = caller.require_role(TokenScope::Write, Role::Editor, EDITORS_ONLY)?;
    let input = SourceInput {
        name: new.name,
        homepage: new.homepage,
        licence: licence(&new.licence)?,
        credit: new.credit,
    };
    let source = sources::add_source(state.store(), Actor::User(who), input).await?;
    Ok((StatusCode::CREATED, axum::Json(one_source(&state, source.id).await?)).into_response())
}

/// What to change on a source; what is left out stays.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SourcePatch {
    /// A new name (its page moves; the old address redirects).
    pub name: Option<String>,
    /// A new homepage; `""` removes it.
    pub homepage: Option<String>,
    /// A new credit line; `""` removes it.
    pub credit: Option<String>,
    /// A new licence; it applies to the articles already published too.
    pub licence: Option<String>,
    /// `ours`, `original` or `noindex`.
    pub index_policy: Option<String>,
}

/// Change a source
///
/// Name, homepage, credit line, licence and search policy. Editors, `write`; audited.
#[utoipa::path(
    patch, path = "/sources/{id}", tag = "sources",
    params(("id" = i64, Path, description = "The source's id")),
    request_body = SourcePatch,
    responses(
        (status = 200, description = "Changed", body = SourceView),
        (status = 403, description = "Not an editor, or a read token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new name is another source's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn edit_source(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(patch): Json<SourcePatch>,
) -> Result<axum::Json<SourceView>, ApiError> {
    let who = caller.require_role(TokenScope::Write, Role::Editor, EDITORS_ONLY)?;
    let edit = SourceEdit {
        name: patch.name,
        homepage: patch.homepage,
        credit: patch.credit,
        licence: patch.licence.as_deref().map(licence).transpose()?,
        index_policy: patch.index_policy.as_deref().map(policy).transpose()?,
    };
    let source = sources::edit_source(state.store(), Actor::User(who), SourceId(id), edit).await?;
    Ok(axum::Json(one_source(&state, source.id).await?))
}

/// A followed feed and how its polling goes.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedView {
    /// Its id.
    pub id: i64,
    /// The source it belongs to.
    pub source_id: i64,
    /// Its address.
    pub url: String,
    /// Its title, once read.
    pub title: Option<String>,
    /// `new`, `ok`, `failing` or `disabled`.
    pub state: String,
    /// Whether it is polled.
    pub enabled: bool,
    /// When it is polled next.
    pub next_poll: DateTime<Utc>,
    /// The last poll.
    pub last_polled: Option<DateTime<Utc>>,
    /// The last poll that succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// Why the last poll failed, while it fails.
    pub last_error: Option<String>,
    /// Polls failed in a row.
    pub error_count: i32,
}

impl FeedView {
    fn new(f: &Feed) -> Self {
        FeedView {
            id: f.id.0,
            source_id: f.source_id.0,
            url: f.url.clone(),
            title: f.title.clone(),
            state: f.state().to_string(),
            enabled: f.enabled,
            next_poll: f.next_poll_at,
            last_polled: f.last_polled_at,
            last_success: f.last_success_at,
            last_error: f.last_error.clone(),
            error_count: f.error_count,
        }
    }
}

/// Every feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedList {
    /// By id.
    pub items: Vec<FeedView>,
}

/// List feeds
///
/// Editors, `read`.
#[utoipa::path(
    get, path = "/feeds", tag = "feeds",
    responses(
        (status = 200, description = "Every feed", body = FeedList),
        (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn list_feeds(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<FeedList>, ApiError> {
    caller.require_role(TokenScope::Read, Role::Editor, EDITORS_ONLY)?;
    let feeds = state.store().list_feeds().await?;
    Ok(axum::Json(FeedList { items: feeds.iter().map(FeedView::new).collect() }))
}

/// A feed to follow.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFeedRequest {
    /// Its address.
    pub url: String,
    /// The source's name: an existing source, or a new one when `licence` is given.
    pub source: String,
    /// A new source's licence.
    pub licence: Option<String>,
    /// A new source's homepage.
    pub homepage: Option<String>,
}

/// Follow a feed
///
/// Editors, `write`; audited. Polled at the next round.
#[utoipa::path(
    post, path = "/feeds", tag = "feeds", request_body = NewFeedRequest,
    responses(
        (status = 201, description = "Followed", body = FeedView),
        (status = 404, description = "No such source, and no licence for a new one", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Followed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a feed address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn create_feed(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewFeedRequest>,
) -> Result<Response, ApiError> {
    let who = caller.require_role(TokenScope::Write, Role::Editor, EDITORS_ONLY)?;
    let input = FollowFeed {
        url: new.url,
        source: new.source,
        homepage: new.homepage,
        licence: new.licence.as_deref().map(licence).transpose()?,
        title: None,
    };
    let (feed, _) = sources::follow_feed(state.store(), Actor::User(who), input).await?;
    Ok((StatusCode::CREATED, axum::Json(FeedView::new(&feed))).into_response())
}

/// What to change on a feed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedPatch {
    /// Poll it (`true`) or not.
    pub enabled: bool,
}

async fn one_feed(state: &AppState, id: FeedId) -> Result<FeedView, ApiError> {
    let feed = state
        .store()
        .feed_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no feed {id}.")))?;
    Ok(FeedView::new(&feed))
}

/// Switch a feed on or off
///
/// Editors, `write`; audited.
#[utoipa::path(
    patch, path = "/feeds/{id}", tag = "feeds",
    params(("id" = i64, Path, description = "The feed's id")),
    request_body = FeedPatch,
    responses(
        (status = 200, description = "Switched", body = FeedView),
        (status = 404, description = "No such feed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn edit_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(patch): Json<FeedPatch>,
) -> Result<axum::Json<FeedView>, ApiError> {
    let who = caller.require_role(TokenScope::Write, Role::Editor, EDITORS_ONLY)?;
    sources::set_feed_enabled(state.store(), Actor::User(who), FeedId(id), patch.enabled).await?;
    Ok(axum::Json(one_feed(&state, FeedId(id)).await?))
}

/// Poll a feed now
///
/// Makes the feed due at once: the next polling round reads it. Editors, `write`.
#[utoipa::path(
    post, path = "/feeds/{id}/poll", tag = "feeds",
    params(("id" = i64, Path, description = "The feed's id")),
    responses(
        (status = 202, description = "Due now", body = FeedView),
        (status = 404, description = "No such feed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The feed is switched off", body = Problem, content_type = "application/problem+json"),
    ),
    security(("token" = []))
)]
pub async fn poll_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let who = caller.require_role(TokenScope::Write, Role::Editor, EDITORS_ONLY)?;
    let feed = sources::poll_feed_now(state.store(), Actor::User(who), FeedId(id)).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(FeedView::new(&feed))).into_response())
}
