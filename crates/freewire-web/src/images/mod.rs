//! The image proxy: pictures in republished bodies are shown from this site, so a reader's
//! browser never contacts an outlet's servers (its address, its cookies, the page it reads).
//!
//! - When a page or feed is rendered, each `<img src>` of a body becomes a signed
//!   `/img/{signature}/{address}` (`signing`); done at rendering, not at storage, so the
//!   switch and the key apply to articles stored long before.
//! - `GET /img/…` checks the signature (nothing is fetched for a bad one), then fetches with
//!   the feeds' own guarded client ([`freewire_ingest::fetch::Fetcher`]: no private addresses
//!   unless `fetch.allow_private`, a size cap, a time limit, a few redirects, nothing of the
//!   reader's sent on), keeps only raster images by the bytes' own type, and serves them with
//!   long caching, an `ETag` and a sandboxing policy.
//! - Images are kept on disk (`cache`); failures are remembered for a while so a dead image
//!   is not asked for at every page view; concurrent requests for one image fetch it once.

mod cache;
mod signing;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use freewire_core::Store;
use freewire_ingest::fetch::{FetchConfig, FetchError, FetchOutcome, Fetcher, Validators};
use url::Url;

use crate::state::AppState;
use cache::{DiskCache, Image};
use signing::ImageSigner;

/// The path images are served under, below the site root.
pub(crate) const PROXY_PATH: &str = "/img/";

/// How long a browser or shared cache may keep a proxied image: the address names one outlet
/// address for good, so it never needs asking again within this time.
const IMAGE_CACHE_CONTROL: &str = "public, max-age=2592000, immutable";

/// How long a failed fetch is answered from memory before the outlet is asked again.
const FAILURE_KEPT_FOR: Duration = Duration::from_mins(10);

/// Addresses whose last outcome is remembered (failures, and fetches in flight).
const OUTCOMES_KEPT: usize = 4096;

/// The policy on everything `/img/…` answers: nothing in it may run or load anything.
const SANDBOX: &str = "default-src 'none'; sandbox";

/// `[images]`: how pictures in republished bodies reach readers.
#[derive(Debug, Clone)]
pub struct ImageConfig {
    /// Serve body images through the site (`/img/…`). Off, pages link the outlets' images
    /// as stored, and the page policy allows images from any HTTPS address.
    pub proxy: bool,
    /// Where fetched images are kept (`{data_dir}/image-cache`).
    pub cache_dir: PathBuf,
    /// The most the cache folder holds, in bytes; the least recently used images go first.
    pub cache_max_bytes: u64,
    /// How images are fetched: the feeds' settings (`allow_private`, the user agent), with
    /// the image size cap as `max_body_bytes` and the image time limit as `timeout`.
    pub fetch: FetchConfig,
}

impl Default for ImageConfig {
    fn default() -> Self {
        ImageConfig {
            proxy: true,
            cache_dir: PathBuf::from("./freewire-data/image-cache"),
            cache_max_bytes: 256 * 1024 * 1024,
            fetch: FetchConfig {
                max_body_bytes: 5 * 1024 * 1024,
                timeout: Duration::from_secs(15),
                ..FetchConfig::default()
            },
        }
    }
}

/// Why an image is not served. Each variant names its status; the text is short and plain,
/// as it is shown where a picture would be (if at all).
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ImageError {
    /// 404: the proxy is off, or the path is not one it makes.
    #[error("no image here")]
    NotFound,
    /// 403: the signature is not this site's; nothing was fetched.
    #[error("this image address was not made by this site")]
    BadSignature,
    /// 403: the image's address is not one the site fetches from (a private network).
    #[error("the image's address is not one this site fetches from")]
    Refused,
    /// 415: the bytes are not a raster image, whatever the server labelled them.
    #[error("not a raster image ({0})")]
    NotAnImage(String),
    /// 502: larger than the image size cap.
    #[error("the image is larger than the {0}-byte limit")]
    TooLarge(u64),
    /// 504: no complete answer within the time limit.
    #[error("the image's server did not answer in time")]
    Timeout,
    /// 502: the outlet's server failed or answered with an error.
    #[error("the image could not be fetched ({0})")]
    Upstream(String),
    /// 503: the site cannot sign or fetch just now (details in the log).
    #[error("images cannot be served just now")]
    Unavailable,
}

impl ImageError {
    fn status(&self) -> StatusCode {
        match self {
            ImageError::NotFound => StatusCode::NOT_FOUND,
            ImageError::BadSignature | ImageError::Refused => StatusCode::FORBIDDEN,
            ImageError::NotAnImage(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ImageError::TooLarge(_) | ImageError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ImageError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ImageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn from_fetch(e: &FetchError) -> Self {
        match e {
            FetchError::Refused { .. } => ImageError::Refused,
            FetchError::TooLarge { limit } => ImageError::TooLarge(*limit),
            FetchError::Timeout(_) => ImageError::Timeout,
            FetchError::Status { status, .. } => ImageError::Upstream(format!("HTTP {status}")),
            FetchError::Redirect(_) => ImageError::Upstream("too many or broken redirects".to_owned()),
            FetchError::Network(_) => ImageError::Upstream("the server could not be reached".to_owned()),
        }
    }
}

impl IntoResponse for ImageError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.to_string()).into_response();
        let h = response.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SANDBOX));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A failed fetch, remembered.
#[derive(Debug, Clone)]
struct Failure {
    at: Instant,
    error: ImageError,
}

/// The proxy's part of the shared state.
pub(crate) struct ImageProxy {
    /// `None` when the client could not be built (logged at start-up): nothing is fetched.
    fetcher: Option<Fetcher>,
    signer: tokio::sync::OnceCell<Arc<ImageSigner>>,
    cache: DiskCache,
    /// The last outcome per cache key: `Some` for a failure (kept [`FAILURE_KEPT_FOR`]), and
    /// its placeholder, while one request fetches, makes the others wait for that fetch.
    outcomes: quick_cache::sync::Cache<String, Option<Failure>>,
}

impl ImageProxy {
    pub(crate) fn new(config: &ImageConfig) -> Self {
        let fetcher = match Fetcher::new(config.fetch.clone()) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(error = %e, "the image proxy cannot fetch: its HTTP client did not start");
                None
            }
        };
        ImageProxy {
            cache: DiskCache::new(config.cache_dir.clone(), config.cache_max_bytes),
            fetcher,
            signer: tokio::sync::OnceCell::new(),
            outcomes: quick_cache::sync::Cache::new(OUTCOMES_KEPT),
        }
    }

    /// The signing key, read from the site settings (made there by the first process to
    /// start; every later one reads the same).
    async fn signer(&self, store: &dyn Store) -> Result<Arc<ImageSigner>, freewire_core::StoreError> {
        self.signer
            .get_or_try_init(|| async {
                let stored =
                    store.setting_or_insert(signing::KEY_SETTING, &ImageSigner::new_setting()).await?;
                let signer =
                    ImageSigner::from_setting(&stored).ok_or_else(|| freewire_core::StoreError::Backend {
                        context: "reading the image signing key",
                        message: format!("the site setting {} does not hold a key", signing::KEY_SETTING),
                    })?;
                Ok(Arc::new(signer))
            })
            .await
            .cloned()
    }

    /// The image at `url`: from the disk cache, from a failure remembered, from a fetch
    /// another request is making, or fetched now.
    async fn image(&self, url: &Url) -> Result<Image, ImageError> {
        let key = cache::key_for(url.as_str());
        // A fetch another request finished is on disk; one that failed is remembered. A
        // third round means the file went again at once (the bound is tiny): fetch alone.
        for _ in 0..3 {
            if let Some(image) = self.cache.read(&key).await {
                return Ok(image);
            }
            match self.outcomes.get_value_or_guard_async(&key).await {
                Ok(Some(failure)) if failure.at.elapsed() < FAILURE_KEPT_FOR => return Err(failure.error),
                // A failure long ago, or a fetch finished (and its file since evicted).
                Ok(_) => {
                    self.outcomes.remove(&key);
                }
                Err(guard) => {
                    if let Some(image) = self.cache.read(&key).await {
                        return Ok(image);
                    }
                    let outcome = self.fetch_and_keep(url, &key).await;
                    match &outcome {
                        Ok(_) => {
                            let _ = guard.insert(None);
                            self.outcomes.remove(&key);
                        }
                        Err(ImageError::Unavailable) => drop(guard),
                        Err(error) => {
                            let _ = guard.insert(Some(Failure { at: Instant::now(), error: error.clone() }));
                        }
                    }
                    return outcome;
                }
            }
        }
        self.fetch_and_keep(url, &key).await
    }

    async fn fetch_and_keep(&self, url: &Url, key: &str) -> Result<Image, ImageError> {
        let image = self.fetch(url).await.inspect_err(|e| {
            tracing::warn!(url = %url, error = %e, "image not fetched");
        })?;
        self.cache.write(key, image.bytes.clone()).await;
        Ok(image)
    }

    async fn fetch(&self, url: &Url) -> Result<Image, ImageError> {
        let Some(client) = &self.fetcher else { return Err(ImageError::Unavailable) };
        let fetched = match client.get(url, &Validators::default()).await {
            Ok(FetchOutcome::Fetched(f)) => f,
            Ok(FetchOutcome::NotModified { .. }) => {
                return Err(ImageError::Upstream("HTTP 304 to an unconditional request".to_owned()));
            }
            Err(e) => {
                tracing::debug!(url = %url, error = %e, "image fetch failed");
                return Err(ImageError::from_fetch(&e));
            }
        };
        let claimed = fetched.content_type.clone().unwrap_or_default();
        let body = fetched.body;
        // Hashing a few MiB is kept off the async threads.
        let judged = tokio::task::spawn_blocking(move || Image::from_bytes(body)).await.map_err(|e| {
            tracing::error!(error = %e, "judging an image stopped");
            ImageError::Unavailable
        })?;
        judged.map_err(|shown| {
            tracing::debug!(url = %url, claimed, shown, "not a raster image");
            ImageError::NotAnImage(match shown {
                Some(shown) => shown.to_owned(),
                None => format!("unrecognised bytes labelled {}", media_type_of(&claimed)),
            })
        })
    }
}

/// The media type in a server's `Content-Type`, short and printable, to be named in an answer.
fn media_type_of(content_type: &str) -> String {
    let essence: String = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "/+-.".contains(*c))
        .take(64)
        .collect();
    if essence.is_empty() { "with no type".to_owned() } else { essence }
}

/// How a rendering links the images of bodies.
pub(crate) enum ImageLinks {
    /// The proxy is off: the outlets' addresses, as stored.
    Original,
    /// Through the proxy: `prefix` is the proxy path, site-relative for pages and absolute
    /// for feeds (read away from the site).
    Proxied { signer: Arc<ImageSigner>, prefix: String },
    /// The proxy is on but cannot sign just now: images are left out rather than linked to
    /// the outlet, which would reveal readers to it.
    Withheld,
}

impl ImageLinks {
    /// How this site's renderings link images now; `absolute` for feeds.
    pub(crate) async fn for_site(state: &AppState, absolute: bool) -> Self {
        if !state.config().images.proxy {
            return ImageLinks::Original;
        }
        match state.images().signer(state.store()).await {
            Ok(signer) => {
                let prefix =
                    if absolute { state.urls().absolute(PROXY_PATH) } else { state.link(PROXY_PATH) };
                ImageLinks::Proxied { signer, prefix }
            }
            Err(e) => {
                tracing::error!(error = %e, "the image signing key is unavailable; images left out");
                ImageLinks::Withheld
            }
        }
    }

    /// A stored body with its images linked so.
    pub(crate) fn body(&self, html: &str) -> String {
        match self {
            ImageLinks::Original => html.to_owned(),
            ImageLinks::Proxied { signer, prefix } => {
                let (signer, own) = (signer.clone(), prefix.clone());
                freewire_ingest::rewrite_images(html, prefix, move |src| {
                    signer.sign(src).map(|path| format!("{own}{path}"))
                })
            }
            ImageLinks::Withheld => freewire_ingest::rewrite_images(html, PROXY_PATH, |_| None),
        }
    }
}

/// Makes the site's image signing key if it has none yet (the first start), so a database
/// that cannot be written shows at start-up rather than on the first page.
pub(crate) async fn prepare(state: &AppState) -> Result<(), freewire_core::StoreError> {
    state.images().signer(state.store()).await.map(|_| ())
}

/// GET /img/{signature}/{address} — an image from a republished body, fetched by the site
/// from the outlet (see the module's notes) and served as a raster image only.
pub async fn proxy_image(
    State(state): State<AppState>,
    Path((signature, address)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match serve(&state, &signature, &address, &headers).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn serve(
    state: &AppState,
    signature: &str,
    address: &str,
    headers: &HeaderMap,
) -> Result<Response, ImageError> {
    if !state.config().images.proxy {
        return Err(ImageError::NotFound);
    }
    let signer = state.images().signer(state.store()).await.map_err(|e| {
        tracing::error!(error = %e, "the image signing key is unavailable");
        ImageError::Unavailable
    })?;
    let url = signer.verify(signature, address).ok_or(ImageError::BadSignature)?;
    let image = state.images().image(&url).await?;
    let mut response = if matches_etag(headers, &image.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = image.bytes.into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(image.media_type));
        r
    };
    let h = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&image.etag) {
        h.insert(header::ETAG, tag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMAGE_CACHE_CONTROL));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SANDBOX));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// Whether `If-None-Match` names this tag (or `*`); weak comparison, as RFC 9110 asks for it.
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_is_read_as_a_list() {
        let mut h = HeaderMap::new();
        assert!(!matches_etag(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\", W/\"abc\""));
        assert!(matches_etag(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(matches_etag(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abcd\""));
        assert!(!matches_etag(&h, "\"abc\""));
    }

    #[test]
    fn each_failure_answers_its_own_status() {
        let status = |e: FetchError| ImageError::from_fetch(&e).status();
        assert_eq!(
            status(FetchError::Refused { url: String::new(), reason: String::new() }),
            StatusCode::FORBIDDEN
        );
        assert_eq!(status(FetchError::TooLarge { limit: 1 }), StatusCode::BAD_GATEWAY);
        assert_eq!(status(FetchError::Timeout(1)), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(status(FetchError::Status { status: 404, retry_after: None }), StatusCode::BAD_GATEWAY);
        assert_eq!(
            ImageError::NotAnImage("image/svg+xml".into()).status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }

    #[test]
    fn a_claimed_type_is_named_short_and_plain() {
        assert_eq!(media_type_of("image/svg+xml; charset=utf-8"), "image/svg+xml");
        assert_eq!(media_type_of("text/html<script>"), "text/htmlscript");
        assert_eq!(media_type_of(""), "with no type");
    }
}
