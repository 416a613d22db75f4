//! The REST API, `/api/v1/`: articles, stories, sources and feeds, updates, search and the
//! audit log, as JSON. Every write calls the same use case as the page's form and the command
//! line. Calls authenticate with `Authorization: Bearer <token>` (never the session cookie);
//! reads of what the site publishes need no token. Lists page by cursor; answers carry an `ETag`
//! (`If-None-Match` answers 304); refusals are `application/problem+json` (RFC 9457); calls are
//! rate-limited per token (or per address without one); CORS is off unless configured.
//!
//! The OpenAPI 3.1 description is generated from the handlers and types (utoipa) and served at
//! `/api/v1/openapi.json`, with a readable page at `/api/v1/docs`.

pub mod admin;
pub mod articles;
pub mod auth;
pub mod catalog;
mod docs;
mod paging;
pub mod problem;
pub mod reading;
pub mod updates;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::auth::Caller;
use self::problem::ApiError;
use crate::state::AppState;

/// Where the API lives, below the site's root.
pub const PREFIX: &str = "/api/v1";

/// The API's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Origins whose pages may call the API from a browser (CORS); empty: none, `*`: any.
    pub cors_origins: Vec<String>,
    /// Calls one token (or one address, without a token) may make a minute.
    pub requests_per_minute: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig { cors_origins: Vec::new(), requests_per_minute: 600 }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "freewire API",
        version = "1",
        description = "Republished articles with their credit, licence, citations and revisions; stories \
            followed across outlets; sources and feeds; the updates timeline under every article; search; \
            the audit log. Reads of what the site publishes need no token. Writes need a token with the \
            `write` scope (`admin` for the audit log), sent as `Authorization: Bearer <token>`; make one on \
            your account page or with `freewire user token NAME --scope write`. A call may also need a role \
            (editors manage sources and feeds and hide updates). Lists page by cursor: pass `next_cursor` \
            back as `cursor` (the `Link` header holds the next page's address). Refusals are \
            `application/problem+json` (RFC 9457). Answers carry an `ETag`; send it back as `If-None-Match` \
            for a 304 when nothing changed.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerToken),
    tags(
        (name = "articles", description = "Republished articles, their citations and the outlets' edits"),
        (name = "updates", description = "The timeline of notes and files under each article"),
        (name = "stories", description = "One event, every outlet's report"),
        (name = "sources", description = "The outlets, their names and terms"),
        (name = "feeds", description = "The feeds followed for them (editors)"),
        (name = "search", description = "Full-text search"),
        (name = "account", description = "The token's account, and the audit log"),
    )
)]
struct ApiDoc;

/// The `token` security scheme the protected calls name.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`fw_…`), scoped read, write or admin."))
                    .build(),
            ),
        );
    }
}

/// The API's routes (to nest at [`PREFIX`]) and its OpenAPI description. Posting an update
/// takes a request as large as its files (`upload_limit`); every other call, axum's default.
fn api_router(upload_limit: axum::extract::DefaultBodyLimit) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (schemas, paths, timeline) = routes!(updates::list_updates, updates::post_update);
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(articles::list_articles))
        .routes(routes!(articles::get_article))
        .routes(routes!(articles::list_revisions))
        .routes((schemas, paths, timeline.layer(upload_limit)))
        .routes(routes!(updates::edit_update, updates::delete_update))
        .routes(routes!(updates::hide_update))
        .routes(routes!(updates::unhide_update))
        .routes(routes!(reading::list_stories))
        .routes(routes!(reading::get_story))
        .routes(routes!(catalog::list_sources, catalog::create_source))
        .routes(routes!(catalog::get_source, catalog::edit_source))
        .routes(routes!(catalog::list_feeds, catalog::create_feed))
        .routes(routes!(catalog::edit_feed))
        .routes(routes!(catalog::poll_feed))
        .routes(routes!(reading::search))
        .routes(routes!(admin::me))
        .routes(routes!(admin::audit))
        .split_for_parts()
}

/// The API, to nest at [`PREFIX`], with its OpenAPI description (naming the site's own
/// address for the API) and the description's readable page.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let (routes, mut doc) = api_router(crate::update_body_limit(state.config()));
    doc.servers = Some(vec![utoipa::openapi::Server::new(state.urls().absolute(PREFIX))]);
    #[expect(clippy::expect_used, reason = "start-up: the description is plain data, and tests serve it")]
    let doc = serde_json::to_value(&doc).expect("the OpenAPI description serialises");
    let docs = std::sync::Arc::new(docs::DocsContext::new(&doc));
    let json = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    let mut api = routes
        .route(
            "/openapi.json",
            axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }),
        )
        .route("/docs", axum::routing::get(docs::show).layer(axum::Extension(docs)))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), admit));
    if let Some(cors) = cors(&state.config().api.cors_origins) {
        api = api.layer(cors);
    }
    api
}

async fn not_found() -> ApiError {
    ApiError::not_found("There is no such call; /api/v1/docs lists them.")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "This address does not take that method; /api/v1/docs lists the calls.",
    )
}

/// CORS for the configured origins; `None` (no CORS headers: browsers refuse other sites'
/// pages) when none are.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_NONE_MATCH])
            .expose_headers([header::ETAG, header::LINK, header::RETRY_AFTER, header::WWW_AUTHENTICATE])
            .max_age(std::time::Duration::from_hours(1)),
    )
}

/// Every call: within the rate of its address (counted before a token is even looked up, so a
/// flood of bad tokens costs the database nothing past the burst), who is calling (a bad token
/// is refused here, whatever the call), within the rate of the caller's account, and caching
/// that keeps one caller's answers from another.
async fn admit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    if parts.method != Method::OPTIONS {
        let Ok(crate::client::ClientAddress(address)) =
            <crate::client::ClientAddress as axum::extract::FromRequestParts<AppState>>::from_request_parts(
                &mut parts, &state,
            )
            .await;
        if let Err(wait) = state.limits().api_address(address) {
            return ApiError::too_many(wait.0.as_secs()).into_response();
        }
    }
    let caller =
        match <Caller as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &state)
            .await
        {
            Ok(caller) => caller,
            Err(refusal) => return refusal.into_response(),
        };
    if let Some(user) = caller.user()
        && let Err(wait) = state.limits().api_user(user.id.0)
    {
        return ApiError::too_many(wait.0.as_secs()).into_response();
    }
    let signed = caller.user().is_some();
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let headers = response.headers_mut();
    if signed {
        // What a token holder is shown (an editor sees hidden notes) is never kept for others.
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("private, no-cache"));
    }
    headers.append(header::VARY, HeaderValue::from_static("Authorization"));
    response
}
