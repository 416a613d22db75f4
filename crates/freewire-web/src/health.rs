//! What operators watch: `/metrics` in the Prometheus text format, `/healthz` (the process
//! answers) and `/readyz` (the database, file storage and search index are reachable; 503 naming
//! the part that is not).
//!
//! Counters and histograms are recorded where things happen, through the `metrics` facade
//! (requests here, polls and items in `freewire-ingest`, uploads in `freewire-app`); gauges that
//! describe the state (feeds due, the search index's lag behind the database, the connection
//! pool) are read when `/metrics` is asked. Route labels are the route templates
//! (`/{year}/{month}/{day}/{slug}/`), never the paths, so there are as many series as routes.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;

use crate::state::AppState;

/// Who may read `/metrics`, and where. On the site's own address it is served only to a scraper
/// with the token: traffic figures are not for every visitor. Without a token it is served only
/// on an address of its own (`metrics.listen`, an internal port), which the binary opens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetricsConfig {
    /// Served on the site's own address, to bearers of `token` (off when the binary serves it on
    /// an address of its own).
    pub on_site: bool,
    /// `Authorization: Bearer <token>` opens `/metrics`; required on the site's address.
    pub token: Option<String>,
}

/// Latency buckets, in seconds: a kept page takes well under a millisecond, a poll many seconds.
const SECONDS_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The process's recorder, installed the first time it is asked for. `None` when another
/// recorder was installed first (a program embedding this crate with its own).
pub fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    keep_up(handle.clone());
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics are not recorded: another recorder is installed");
                    None
                }
            }
        })
        .as_ref()
}

/// How often recorded durations are folded into their histograms' buckets.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds recorded durations into their buckets every few seconds, on a thread of its own (the
/// recorder may be asked for outside any runtime). The recorder keeps every duration recorded
/// until this is done (the exporter's own listener would do it; ours is an axum route), so a
/// site nobody scraped grew by every request it answered.
fn keep_up(handle: PrometheusHandle) {
    let started = std::thread::Builder::new().name("metrics-upkeep".to_owned()).spawn(move || {
        loop {
            std::thread::sleep(UPKEEP_EVERY);
            handle.run_upkeep();
        }
    });
    if let Err(e) = started {
        tracing::warn!(error = %e, "request durations are kept until /metrics is read: no thread to fold them");
    }
}

/// The help text of every metric.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "freewire_http_requests_total",
        "HTTP requests answered, by method, route template and status."
    );
    describe_histogram!(
        "freewire_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer, by method and route template."
    );
    describe_counter!("freewire_polls_total", "Feed polls, by outcome (updated, not_modified, failed).");
    describe_histogram!(
        "freewire_poll_duration_seconds",
        metrics::Unit::Seconds,
        "Time to fetch and store one feed."
    );
    describe_counter!(
        "freewire_items_ingested_total",
        "Feed items stored by polls, by kind (new, duplicate, revised, near_duplicate)."
    );
    describe_counter!("freewire_updates_posted_total", "Updates posted on timelines.");
    describe_counter!(
        "freewire_upload_bytes_total",
        metrics::Unit::Bytes,
        "Bytes of files uploaded with updates."
    );
    describe_gauge!("freewire_feeds_due", "Enabled feeds due for a poll now.");
    describe_gauge!(
        "freewire_search_index_lag",
        "Changes in the database the search index has not applied yet."
    );
    describe_gauge!(
        "freewire_db_pool_connections",
        "Database connections, by state (idle, in_use) and the pool's maximum (max)."
    );
}

/// Hands the template of the route a request matched (`/{year}/…`, never the path itself) to
/// [`track`] on the response: it sits outside the router, where the request's own copy is not
/// seen.
pub(crate) async fn name_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Counts every request by its route template (named by [`name_route`]) and status, with its
/// duration.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    if recorder().is_none() {
        return next.run(request).await;
    }
    let started = Instant::now();
    // Made-up methods would each make series of their own: they are counted as one.
    let method = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let response = next.run(request).await;
    let route = response.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let (duration, count) = series(method, route, response.status().as_u16());
    duration.record(started.elapsed().as_secs_f64());
    count.increment(1);
    response
}

/// A request series' handles: its duration histogram and its counter.
type Series = (metrics::Histogram, metrics::Counter);

/// The handles of the request series met so far, by route template, then method and status.
/// Registering a series builds its key from owned labels and looks it up in the recorder under
/// a lock; while that was done for every request, the counter was about a sixth of a kept
/// page's CPU time. There are as many entries as series, bounded by routes × methods ×
/// statuses.
static SERIES: std::sync::LazyLock<std::sync::RwLock<SeriesByRoute>> =
    std::sync::LazyLock::new(Default::default);
type SeriesByRoute =
    std::collections::HashMap<String, std::collections::HashMap<(&'static str, u16), Series>>;

fn series(method: &'static str, route: &str, status: u16) -> Series {
    let known = SERIES.read().ok().and_then(|all| all.get(route)?.get(&(method, status)).cloned());
    if let Some(series) = known {
        return series;
    }
    let labels = [("method", method.to_owned()), ("route", route.to_owned())];
    let duration = metrics::histogram!("freewire_http_request_duration_seconds", &labels);
    let [method_label, route_label] = labels;
    let count = metrics::counter!(
        "freewire_http_requests_total",
        &[method_label, route_label, ("status", status.to_string())]
    );
    if let Ok(mut all) = SERIES.write() {
        all.entry(route.to_owned()).or_default().insert((method, status), (duration.clone(), count.clone()));
    }
    (duration, count)
}

/// Sets the gauges that describe the site now.
#[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
async fn read_gauges(state: &AppState) {
    let store = state.store();
    match store.count_due_feeds(chrono::Utc::now()).await {
        Ok(due) => metrics::gauge!("freewire_feeds_due").set(due as f64),
        Err(e) => tracing::warn!(error = %e, "metrics: could not count due feeds"),
    }
    if let Some(search) = state.search()
        && let (Ok(head), Ok(position)) = (store.last_change().await, search.index().position())
    {
        let lag = (head - position.unwrap_or(0)).max(0);
        metrics::gauge!("freewire_search_index_lag_changes").set(lag as f64);
    }
    let pool = store.pool_status();
    metrics::gauge!("freewire_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("freewire_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!("freewire_db_pool_max_connections").set(f64::from(pool.max));
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    crate::security::tokens_match(token, given.trim())
}

/// The metrics as Prometheus text, for a handler on any address.
pub async fn metrics_text(state: &AppState, headers: &HeaderMap) -> Response {
    if let Some(token) = &state.config().metrics.token
        && !bearer_matches(headers, token)
    {
        let mut refused =
            (StatusCode::UNAUTHORIZED, "The metrics need Authorization: Bearer <metrics token>.\n")
                .into_response();
        refused
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"metrics\""));
        return refused;
    }
    let Some(handle) = recorder() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "Metrics are not recorded in this process.\n")
            .into_response();
    };
    read_gauges(state).await;
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        handle.render(),
    )
        .into_response()
}

/// GET /metrics on the site's address: only with the metrics token (404 when it is served
/// elsewhere or no token is set).
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let config = &state.config().metrics;
    if !config.on_site || config.token.is_none() {
        return crate::error::WebError::NotFound.into_response();
    }
    metrics_text(&state, &headers).await
}

/// Serves `/metrics` and `/healthz` alone on `listener` (an internal address), until the
/// process ends.
pub async fn serve_metrics(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    async fn text(State(state): State<AppState>, headers: HeaderMap) -> Response {
        metrics_text(&state, &headers).await
    }
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(text))
        .route("/healthz", axum::routing::get(healthz))
        .with_state(state);
    axum::serve(listener, app).await
}

/// GET /healthz — the process is up and answering.
pub async fn healthz() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], "ok\n").into_response()
}

/// One part's readiness.
#[derive(Debug, Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Readiness {
    status: &'static str,
    database: Check,
    storage: Check,
    search: Check,
}

/// How long each part may take to answer.
const READY_WITHIN: Duration = Duration::from_secs(3);

/// Runs one part's check within [`READY_WITHIN`]. The cause goes to the log; the answer says
/// only what kind of failure it was (it may be read from outside).
async fn check<F, E>(part: &'static str, what: F) -> Check
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    match tokio::time::timeout(READY_WITHIN, what).await {
        Ok(Ok(())) => Check { ok: true, error: None },
        Ok(Err(e)) => {
            tracing::warn!(part, error = %e, "not ready");
            Check { ok: false, error: Some("unreachable or failing; the server's log says why".to_owned()) }
        }
        Err(_) => {
            tracing::warn!(part, "not ready: no answer in time");
            Check { ok: false, error: Some(format!("no answer within {} s", READY_WITHIN.as_secs())) }
        }
    }
}

/// What the storage probe writes and reads back.
const PROBE_KEY: &str = "readyz/probe";

/// GET /readyz — 200 when the database, file storage and search index answer; 503 naming the
/// part that does not (a load balancer sends no readers here meanwhile).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let database = check("database", state.store().ping()).await;
    // Written and read back: a folder gone or read-only, or a bucket refusing writes, is not
    // ready to take uploads.
    let storage = check("storage", async {
        state.blobs().put(PROBE_KEY, bytes::Bytes::from_static(b"ready")).await?;
        state.blobs().get(PROBE_KEY).await.map(|_| ())
    })
    .await;
    let search = match state.search() {
        None => Check { ok: true, error: None },
        Some(indexer) => {
            let index = std::sync::Arc::clone(indexer.index());
            check("search", async move {
                tokio::task::spawn_blocking(move || index.position().map(|_| ()).map_err(|e| e.to_string()))
                    .await
                    .map_err(|e| e.to_string())?
            })
            .await
        }
    };
    let ready = database.ok && storage.ok && search.ok;
    let body = Readiness { status: if ready { "ready" } else { "unavailable" }, database, storage, search };
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}
