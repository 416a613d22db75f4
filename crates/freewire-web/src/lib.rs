//! freewire's web layer: the public pages, sign-in, and the updates timeline with its
//! uploads, as server-rendered HTML that works without JavaScript.
//!
//! Routes (the whole surface, on one screen):
//!
//! | method | path | handler |
//! |---|---|---|
//! | GET | `/` | [`site::lists::home`] — latest articles, `?page=N` |
//! | GET | `/{YYYY}/{MM}/{DD}/{slug}/` | [`site::article::show_article`] |
//! | GET | `/{YYYY}/`, `/{YYYY}/{MM}/`, `/{YYYY}/{MM}/{DD}/` | [`site::lists`] — date archives |
//! | GET | `/source/{slug}/`, `/tag/{slug}/`, `/about` | [`site::lists`] |
//! | GET | `/feed.xml`, `.atom`, `.json`; `/source/{slug}/feed.*`; `/tag/{slug}/feed.*` | [`site::feeds`] |
//! | GET | `/sitemap.xml`, `/news-sitemap.xml`, `/robots.txt` | [`site::seo`] |
//! | GET | `/cite/{id}.bib`, `.ris`, `.json` | [`site::cite::download`] |
//! | GET | `/static/style.css`, `/static/upload.js`, `/static/site.js` | [`site::assets::stylesheet`], scripts |
//! | GET, POST | `/login` | [`account::show_login`], [`account::submit_login`] |
//! | POST | `/logout` | [`account::submit_logout`] |
//! | GET, POST | `/register` | [`account::register`]: open, by invitation, or closed |
//! | GET, POST | `/admin/invites` | [`account::register`] (editors) |
//! | GET | `/account` | [`account::settings::show_account`]: password, sessions |
//! | POST | `/account/password`, `/account/sessions/revoke` | [`account::settings`] |
//! | POST | `/account/tokens`, `/account/tokens/revoke` | [`account::settings`]: API tokens |
//! | GET, POST | `/login/second-factor` | [`account::second_factor`]: the code after the password |
//! | POST | `/account/totp/setup`, `/confirm`, `/disable` | [`account::second_factor`] |
//! | POST | `/articles/{id}/updates` | [`updates::create_update`] |
//! | GET | `/files/{id}/{name}` | [`updates::download_attachment`] |
//! | GET | `/thumbnails/{id}` | [`updates::download_thumbnail`] — previews of images |
//! | GET | `/img/{signature}/{address}` | [`images::proxy_image`] — pictures in bodies, fetched for the reader (signed) |
//! | GET | `/{YYYY}/{MM}/{DD}/{slug}/updates.atom` | [`site::article::updates_feed`] — the timeline as Atom |
//! | POST | `/updates/{id}/edit`, `/delete` | [`updates::moderation`] (author, within the edit window) |
//! | POST | `/updates/{id}/hide`, `/unhide` | [`updates::moderation`] (editors, audited) |
//! | GET | `/admin/audit` | [`updates::moderation::show_audit`] (editors) |
//! | GET, POST | `/admin/feeds` | [`admin::list_feeds`], [`admin::add_feed`] (editors) |
//! | POST | `/admin/feeds/{id}/enabled`, `/poll` | [`admin::switch_feed`], [`admin::poll_feed`] (editors) |
//! | GET, POST | `/admin/sources`, `/admin/sources/{id}` | [`admin::sources`]: licence, credit, search policy |
//! | POST | `/admin/articles/{id}/withdraw`, `/reinstate` | [`admin::articles`] (editors, audited) |
//! | GET | `/admin/withdrawn` | [`admin::articles::list_withdrawn`] (editors) |
//! | POST | `/websub` | [`websub::hub_request`] — the WebSub hub of our feeds: subscribe, unsubscribe (202, then verified) |
//! | GET, POST | `/websub/callback/{feed}/{token}` | [`websub::confirm_subscription`], [`websub::receive_push`] — our subscriptions at outlets' hubs |
//! | * | `/api/v1/…` | [`api`]: the REST API; `/api/v1/openapi.json`, `/api/v1/docs` |
//! | GET | `/metrics`, `/healthz`, `/readyz` | [`health`]: Prometheus metrics, liveness, readiness |
//!
//! Web code only reads through and calls into the [`Store`](freewire_core::Store) and
//! [`BlobStore`](freewire_core::BlobStore) contracts; it never sees a database.

pub mod account;
pub mod admin;
pub mod api;
mod citing;
pub mod client;
mod conditional;
mod error;
mod frame;
mod guard;
pub mod health;
pub mod images;
mod limits;
mod page_cache;
pub use page_cache::Changed;
mod searching;
mod security;
pub mod site;
mod state;
mod templates;
pub mod updates;
mod viewer;
mod views;
pub mod websub;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::WebError;
pub use health::MetricsConfig;
pub use images::ImageConfig;
pub use state::{AppState, WebConfig};

/// Extra room in an upload request beyond its files: the note and the form's own framing.
const FORM_OVERHEAD_BYTES: u64 = 1024 * 1024;

/// The largest request an update may come in: its files at their largest, and the form.
pub(crate) fn update_body_limit(config: &WebConfig) -> DefaultBodyLimit {
    let limit = config
        .updates
        .max_upload_bytes
        .saturating_mul(freewire_app::updates::MAX_FILES_PER_UPDATE as u64)
        .saturating_add(FORM_OVERHEAD_BYTES);
    DefaultBodyLimit::max(usize::try_from(limit).unwrap_or(usize::MAX))
}

/// The whole application as a router.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(site::lists::home))
        .route("/about", get(site::lists::about))
        .route("/search", get(site::search::search_page))
        .route("/api/search", get(site::search::search_api))
        .route("/source/{slug}/", get(site::lists::source_page))
        .route("/source/{slug}/{file}", get(site::feeds::source_feed))
        .route("/story/{segment}/", get(site::story::show_story))
        .route("/story/{segment}/{file}", get(site::feeds::story_feed))
        .route("/story/{id}/rename", post(site::story::rename))
        .route("/story/{id}/merge", post(site::story::merge))
        .route("/admin/articles/{id}/story", post(site::story::move_article))
        .route("/admin/articles/{id}/split", post(site::story::split))
        .route("/tag/{slug}/", get(site::lists::tag_page))
        .route("/tag/{slug}/{file}", get(site::feeds::tag_feed))
        .route("/{year}/", get(site::lists::year_archive))
        .route("/{year}/{month}/", get(site::lists::month_archive))
        .route("/{year}/{month}/{day}/", get(site::lists::day_archive))
        .route("/feed.xml", get(site::feeds::site_rss))
        .route("/feed.atom", get(site::feeds::site_atom))
        .route("/feed.json", get(site::feeds::site_json))
        .route("/sitemap.xml", get(site::seo::sitemap))
        .route("/news-sitemap.xml", get(site::seo::news_sitemap))
        .route("/robots.txt", get(site::seo::robots))
        .route("/cite/{file}", get(site::cite::download))
        .route("/static/style.css", get(site::assets::stylesheet))
        .route("/static/upload.js", get(site::assets::upload_script))
        .route("/static/site.js", get(site::assets::site_script))
        .route("/{year}/{month}/{day}/{slug}/", get(site::article::show_article))
        .route("/{year}/{month}/{day}/{slug}", get(site::article::add_trailing_slash))
        .route("/login", get(account::show_login).post(account::submit_login))
        .route("/logout", post(account::submit_logout))
        .route("/account", get(account::settings::show_account))
        .route("/register", get(account::register::show_register).post(account::register::submit_register))
        .route("/admin/invites", get(account::register::list_invites).post(account::register::create_invite))
        .route(
            "/login/second-factor",
            get(account::second_factor::show_code_form).post(account::second_factor::submit_code),
        )
        .route("/account/totp/setup", post(account::second_factor::start_setup))
        .route("/account/totp/confirm", post(account::second_factor::confirm_setup))
        .route("/account/totp/disable", post(account::second_factor::disable))
        .route("/account/password", post(account::settings::change_password))
        .route("/account/sessions/revoke", post(account::settings::revoke_session))
        .route("/account/tokens", post(account::settings::create_token))
        .route("/account/tokens/revoke", post(account::settings::revoke_token))
        .route(
            "/articles/{id}/updates",
            post(updates::create_update).layer(update_body_limit(state.config())),
        )
        .route("/thumbnails/{id}", get(updates::download_thumbnail))
        .route("/img/{signature}/{address}", get(images::proxy_image))
        .route("/files/{id}/{name}", get(updates::download_attachment))
        .route("/updates/{id}/edit", post(updates::moderation::edit_update))
        .route("/updates/{id}/delete", post(updates::moderation::delete_update))
        .route("/updates/{id}/hide", post(updates::moderation::hide_update))
        .route("/updates/{id}/unhide", post(updates::moderation::unhide_update))
        .route("/admin/audit", get(updates::moderation::show_audit))
        .route("/{year}/{month}/{day}/{slug}/updates.atom", get(site::article::updates_feed))
        .route("/{year}/{month}/{day}/{slug}/revisions/", get(site::revisions::show_revisions))
        .route("/admin/feeds", get(admin::list_feeds).post(admin::add_feed))
        .route("/admin/feeds/{id}/enabled", post(admin::switch_feed))
        .route("/admin/feeds/{id}/poll", post(admin::poll_feed))
        .route("/admin/sources", get(admin::sources::list_sources))
        .route("/admin/sources/{id}", post(admin::sources::update_source))
        .route("/admin/articles/{id}/withdraw", post(admin::articles::withdraw))
        .route("/admin/articles/{id}/reinstate", post(admin::articles::reinstate))
        .route("/admin/withdrawn", get(admin::articles::list_withdrawn))
        .route("/websub", post(websub::hub_request))
        .route(
            "/websub/callback/{feed}/{token}",
            get(websub::confirm_subscription).post(websub::receive_push).layer(DefaultBodyLimit::max(
                usize::try_from(freewire_ingest::fetch::FetchConfig::default().max_body_bytes)
                    .unwrap_or(usize::MAX),
            )),
        )
        .route("/metrics", get(health::metrics))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest(api::PREFIX, api::router(&state))
        .fallback(site::not_found);
    // The one layer each route carries: it tells the request counter (outside) the route's
    // template.
    let routes = routes.route_layer(axum::middleware::from_fn(health::name_route));
    let prefix = state.urls().prefix().to_owned();
    let routes = if prefix.is_empty() { routes } else { Router::new().nest(&prefix, routes) };
    // Every other layer wraps the routes once, outermost first. `Router::layer` would wrap each
    // route apart, and every request would then copy its route's stack of boxed layers, once per
    // layer.
    let layers = tower::ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(RequestIds::new()))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), account::load_viewer))
        .layer(axum::middleware::from_fn(conditional::conditional_get))
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::render_error_pages))
        .layer(axum::middleware::from_fn_with_state(state.clone(), note_changes))
        .layer(axum::middleware::from_fn(health::track));
    Router::new().fallback_service(layers.service(routes.with_state(state)))
}

/// Request ids: this process's random prefix and a count. Unique across processes as a random
/// id is, without asking the kernel for randomness on every request as a v4 UUID does.
#[derive(Clone)]
struct RequestIds {
    prefix: std::sync::Arc<str>,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        let prefix = format!("{:016x}", rand::random::<u64>());
        RequestIds { prefix: prefix.into(), count: std::sync::Arc::default() }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        axum::http::HeaderValue::from_str(&format!("{}-{n:x}", self.prefix)).ok().map(RequestId::new)
    }
}

/// After any successful request that may have changed something (anything but GET, HEAD and
/// OPTIONS), tells the state so ([`AppState::note_change`]).
async fn note_changes(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    let may_change = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if may_change && (response.status().is_success() || response.status().is_redirection()) {
        match response.extensions().get::<page_cache::ChangedOnly>() {
            Some(page_cache::ChangedOnly(changed)) => state.note_changed(changed),
            None => state.note_change(),
        }
    }
    response
}

/// A bound, ready-to-run server. Binding first (port 0 in tests) means the address is known
/// before anything is served, with no waiting or retrying.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `addr` and builds the routes.
    pub async fn build(state: AppState, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Application { listener, router: router(state) })
    }

    /// Serves on a listener bound already (a test binds port 0 first to learn its address).
    pub fn from_listener(state: AppState, listener: std::net::TcpListener) -> std::io::Result<Self> {
        listener.set_nonblocking(true)?;
        Ok(Application { listener: TcpListener::from_std(listener)?, router: router(state) })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        // The peer address feeds the per-address sign-in limit.
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_differ_within_a_process_and_between_processes() {
        let request = axum::http::Request::new(());
        let mut ours = RequestIds::new();
        let first = ours.make_request_id(&request).unwrap();
        let second = ours.clone().make_request_id(&request).unwrap();
        let other = RequestIds::new().make_request_id(&request).unwrap();
        let [first, second, other] =
            [first, second, other].map(|id| id.header_value().to_str().unwrap().to_owned());
        assert_ne!(first, second, "clones share one count");
        assert_eq!(first.split('-').next(), second.split('-').next());
        assert_ne!(first.split('-').next(), other.split('-').next(), "each process draws its own prefix");
    }
}
