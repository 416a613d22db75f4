//! The one place configuration is read: built-in defaults, then a TOML file (`--config`),
//! then `FREEWIRE_*` environment variables, then command-line flags, each overriding the
//! last. The result is validated once into a [`Config`] that is passed down; nothing else
//! reads the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use freewire_app::updates::UpdateRules;
use freewire_store::Engine;
use freewire_web::WebConfig;
use serde::{Deserialize, Serialize};
use url::Url;

/// The settings as written, before validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawConfig {
    data_dir: PathBuf,
    database_url: Option<String>,
    listen: String,
    site_name: String,
    base_url: Option<String>,
    language: String,
    max_upload_bytes: u64,
    daily_upload_quota_bytes: u64,
    session_days: i64,
    session_idle_minutes: i64,
    edit_window_minutes: i64,
    registration: String,
    page_cache_seconds: u64,
    storage_url: Option<String>,
    /// Objects no update holds, and unfinished writes' temporary files, are removed from the
    /// upload storage when `serve` starts once they are this old.
    storage_sweep_grace_secs: u64,
    /// Entries of the change sequence (what search indexes and kept pages follow) are kept
    /// this many days, then pruned by the hourly housekeeping.
    changes_keep_days: u64,
    fetch: RawFetch,
    poll: RawPoll,
    search: RawSearch,
    api: RawApi,
    metrics: RawMetrics,
    /// Addresses or ranges (`10.0.0.0/8`) of reverse proxies whose `X-Forwarded-For` names the
    /// client the rate limits count.
    trusted_proxies: Vec<String>,
    images: RawImages,
    websub: RawWebSub,
}

/// `[websub]`: WebSub, as the hub of our feeds and as a subscriber to outlets' hubs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawWebSub {
    /// Our feeds advertise `/websub` and it takes subscriptions.
    hub: bool,
    /// The lease granted when a subscriber asks for none.
    lease_default_secs: u64,
    /// The shortest lease granted.
    lease_min_secs: u64,
    /// The longest lease granted.
    lease_max_secs: u64,
    /// Tries of one delivery before it is given up.
    delivery_attempts: u32,
    /// The wait after a failed delivery; doubled after each next failure.
    retry_base_secs: u64,
    /// How often `serve` looks for changes to distribute and deliveries due.
    every_millis: u64,
    /// The poller subscribes to the hubs followed feeds advertise.
    subscriber: bool,
    /// The lease asked of outlets' hubs.
    subscriber_lease_secs: u64,
    /// A hub counts as quiet after the feed's polling interval times this without a push.
    quiet_factor: u32,
}

impl Default for RawWebSub {
    fn default() -> Self {
        let hub = freewire_app::websub::HubRules::default();
        RawWebSub {
            hub: hub.enabled,
            lease_default_secs: hub.lease_default.as_secs(),
            lease_min_secs: hub.lease_min.as_secs(),
            lease_max_secs: hub.lease_max.as_secs(),
            delivery_attempts: hub.attempts,
            retry_base_secs: hub.retry_base.as_secs(),
            every_millis: 1000,
            subscriber: true,
            subscriber_lease_secs: 10 * 24 * 3600,
            quiet_factor: 3,
        }
    }
}

/// WebSub, validated.
#[derive(Debug, Clone)]
pub struct WebSubConfig {
    /// How often `serve` distributes.
    pub every: std::time::Duration,
    /// Whether the poller subscribes to outlets' hubs.
    pub subscriber: bool,
    /// The lease asked of outlets' hubs.
    pub subscriber_lease: std::time::Duration,
    /// A hub is quiet after the feed's interval times this without a push.
    pub quiet_factor: u32,
}

impl RawWebSub {
    fn validate(&self) -> Result<(freewire_app::websub::HubRules, WebSubConfig), ConfigError> {
        if self.lease_min_secs == 0
            || self.lease_min_secs > self.lease_max_secs
            || !(self.lease_min_secs..=self.lease_max_secs).contains(&self.lease_default_secs)
        {
            return Err(invalid(
                "websub.lease_default_secs",
                &self.lease_default_secs.to_string(),
                "expected 0 < websub.lease_min_secs <= websub.lease_default_secs <= websub.lease_max_secs",
            ));
        }
        if self.delivery_attempts == 0 || self.retry_base_secs == 0 {
            return Err(invalid(
                "websub.delivery_attempts",
                &self.delivery_attempts.to_string(),
                "websub.delivery_attempts and websub.retry_base_secs must be above 0",
            ));
        }
        if !(50..=600_000).contains(&self.every_millis)
            || self.quiet_factor == 0
            || self.subscriber_lease_secs == 0
        {
            return Err(invalid(
                "websub.every_millis",
                &self.every_millis.to_string(),
                "expected 50 to 600000 milliseconds, and websub.quiet_factor and subscriber_lease_secs above 0",
            ));
        }
        let secs = std::time::Duration::from_secs;
        let rules = freewire_app::websub::HubRules {
            enabled: self.hub,
            lease_default: secs(self.lease_default_secs),
            lease_min: secs(self.lease_min_secs),
            lease_max: secs(self.lease_max_secs),
            attempts: self.delivery_attempts,
            retry_base: secs(self.retry_base_secs),
        };
        let config = WebSubConfig {
            every: std::time::Duration::from_millis(self.every_millis),
            subscriber: self.subscriber,
            subscriber_lease: secs(self.subscriber_lease_secs),
            quiet_factor: self.quiet_factor,
        };
        Ok((rules, config))
    }
}

/// `[api]`: the REST API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawApi {
    /// Origins whose pages may call the API from a browser; `["*"]` for any; none unless set.
    cors_origins: Vec<String>,
    /// Calls a minute, per token (or per address without one).
    requests_per_minute: u32,
}

impl Default for RawApi {
    fn default() -> Self {
        let api = freewire_web::api::ApiConfig::default();
        RawApi { cors_origins: api.cors_origins, requests_per_minute: api.requests_per_minute }
    }
}

/// `[metrics]`: `/metrics` for Prometheus.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct RawMetrics {
    /// Serve `/metrics` on this address instead of the site's (an internal port).
    listen: Option<String>,
    /// Ask for `Authorization: Bearer <token>` on `/metrics`.
    token: Option<String>,
}

/// `[images]`: pictures in republished bodies.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawImages {
    /// Serve them through the site's image proxy (`/img/…`), so readers never reach the outlets.
    proxy: bool,
    /// The largest image fetched, in bytes.
    max_bytes: u64,
    /// The longest an image fetch may take, in seconds.
    timeout_secs: u64,
    /// The most the image cache holds on disk, in bytes.
    cache_bytes: u64,
    /// The cache folder; `{data_dir}/image-cache` unless set.
    cache_dir: Option<PathBuf>,
}

impl Default for RawImages {
    /// The web layer's defaults ([`freewire_web::ImageConfig::default`]): one set of values.
    fn default() -> Self {
        let web = freewire_web::ImageConfig::default();
        RawImages {
            proxy: web.proxy,
            max_bytes: web.fetch.max_body_bytes,
            timeout_secs: web.fetch.timeout.as_secs(),
            cache_bytes: web.cache_max_bytes,
            cache_dir: None,
        }
    }
}

impl RawImages {
    /// The image proxy's settings; its fetches follow `[fetch]` (the private-network guard,
    /// the user agent) with the image size cap and time limit.
    fn validate(
        &self,
        data_dir: &Path,
        fetch: &freewire_ingest::fetch::FetchConfig,
    ) -> Result<freewire_web::ImageConfig, ConfigError> {
        if self.max_bytes == 0 {
            return Err(invalid(
                "images.max_bytes",
                "0",
                "expected a size in bytes, such as 5242880 for 5 MiB",
            ));
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err(invalid(
                "images.timeout_secs",
                &self.timeout_secs.to_string(),
                "expected 1 to 300 seconds",
            ));
        }
        if self.cache_bytes < self.max_bytes {
            return Err(invalid(
                "images.cache_bytes",
                &self.cache_bytes.to_string(),
                "expected at least images.max_bytes, or no image could be kept",
            ));
        }
        let cache_dir = self
            .cache_dir
            .clone()
            .map_or_else(|| data_dir.join("image-cache"), |d| std::path::absolute(&d).unwrap_or(d));
        Ok(freewire_web::ImageConfig {
            proxy: self.proxy,
            cache_dir,
            cache_max_bytes: self.cache_bytes,
            fetch: freewire_ingest::fetch::FetchConfig {
                max_body_bytes: self.max_bytes,
                timeout: std::time::Duration::from_secs(self.timeout_secs),
                ..fetch.clone()
            },
        })
    }
}

/// `[search]`: the process's own search index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct RawSearch {
    /// The index folder; `{data_dir}/search` unless set. Every process needs its own.
    dir: Option<PathBuf>,
    /// How often `serve` reads the database's change sequence, in milliseconds.
    every_millis: Option<u64>,
}

/// `[fetch]`: outgoing requests.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawFetch {
    allow_private: bool,
    max_body_bytes: u64,
    timeout_secs: u64,
}

impl Default for RawFetch {
    fn default() -> Self {
        RawFetch { allow_private: false, max_body_bytes: 10 * 1024 * 1024, timeout_secs: 30 }
    }
}

/// `[poll]`: following feeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawPoll {
    enabled: bool,
    every_secs: u64,
    concurrency: usize,
    per_host: usize,
    min_interval_secs: u64,
    max_interval_secs: u64,
    full_text: bool,
    /// Re-reading articles' pages for the outlet's edits: `[while younger than, every]` in
    /// seconds since the article last changed, youngest first; `[]` turns it off.
    recheck_schedule_secs: Vec<[u64; 2]>,
    /// No re-reading this long after an article's last change.
    recheck_stop_secs: u64,
    /// How long a poller's claim keeps other pollers off a feed; a poller that dies holding
    /// feeds loses them when it runs out. A poll stops well inside it.
    lease_secs: u64,
}

impl Default for RawPoll {
    fn default() -> Self {
        RawPoll {
            enabled: true,
            every_secs: 60,
            concurrency: 16,
            per_host: 2,
            min_interval_secs: 15 * 60,
            max_interval_secs: 24 * 3600,
            full_text: true,
            recheck_schedule_secs: freewire_ingest::recheck::RecheckSchedule::default()
                .steps
                .iter()
                .map(|(younger, every)| [younger.as_secs(), every.as_secs()])
                .collect(),
            recheck_stop_secs: freewire_ingest::recheck::RecheckSchedule::default().stop_after.as_secs(),
            lease_secs: freewire_ingest::poll::PollConfig::default().lease.as_secs(),
        }
    }
}

impl RawSearch {
    /// The index folder and the catch-up interval.
    fn validate(&self, data_dir: &Path) -> Result<(PathBuf, std::time::Duration), ConfigError> {
        let every = self.every_millis.unwrap_or(1000);
        if !(50..=600_000).contains(&every) {
            return Err(ConfigError::Invalid {
                key: "search.every_millis",
                value: every.to_string(),
                reason: "expected 50 to 600000 milliseconds; 1000 keeps nodes within about a second".into(),
            });
        }
        let dir = self
            .dir
            .clone()
            .map_or_else(|| data_dir.join("search"), |d| std::path::absolute(&d).unwrap_or(d));
        Ok((dir, std::time::Duration::from_millis(every)))
    }
}

impl Default for RawConfig {
    /// The site's defaults are the web layer's ([`WebConfig::default`]): one set of values.
    fn default() -> Self {
        let web = WebConfig::default();
        RawConfig {
            data_dir: PathBuf::from("./freewire-data"),
            database_url: None,
            listen: "127.0.0.1:8080".to_owned(),
            site_name: web.site_name,
            base_url: None,
            language: web.language,
            max_upload_bytes: web.updates.max_upload_bytes,
            daily_upload_quota_bytes: web.updates.daily_upload_quota_bytes,
            session_days: web.session_days,
            session_idle_minutes: web.session_idle_minutes,
            edit_window_minutes: web.updates.edit_window_minutes,
            registration: web.registration.to_string(),
            page_cache_seconds: web.keep_pages_for.as_secs(),
            storage_url: None,
            storage_sweep_grace_secs: 3600,
            changes_keep_days: 7,
            fetch: RawFetch::default(),
            poll: RawPoll::default(),
            search: RawSearch::default(),
            api: RawApi::default(),
            metrics: RawMetrics::default(),
            trusted_proxies: Vec::new(),
            images: RawImages::default(),
            websub: RawWebSub::default(),
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the SQLite file, uploads and spool live.
    pub data_dir: PathBuf,
    /// The database to use (SQLite file in the data dir unless set).
    pub database_url: String,
    /// Which engine that URL names.
    pub engine: Engine,
    /// Address to serve on.
    pub listen: SocketAddr,
    /// The site as the web layer sees it: name, public address, language, upload rules,
    /// sign-ins, registration, kept pages. Passed down as it is.
    pub web: WebConfig,
    /// Where uploaded files live.
    pub storage: Storage,
    /// How old an object no update holds must be before `serve`'s start-up sweep removes it.
    pub storage_sweep_grace: std::time::Duration,
    /// How long the change sequence keeps an entry.
    pub changes_keep: std::time::Duration,
    /// Outgoing requests.
    pub fetch: freewire_ingest::fetch::FetchConfig,
    /// Following feeds.
    pub poll: freewire_ingest::poll::PollConfig,
    /// Whether `serve` polls feeds itself.
    pub poll_in_serve: bool,
    /// How often `serve` looks for due feeds.
    pub poll_every: std::time::Duration,
    /// This process's search index folder.
    pub search_dir: PathBuf,
    /// How often `serve` brings its index up to date with the database.
    pub search_every: std::time::Duration,
    /// Where `/metrics` is served apart from the site, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// WebSub's schedule and the subscriber's settings (the hub's rules are in `web`).
    pub websub: WebSubConfig,
}

/// Where uploaded files live.
#[derive(Debug, Clone)]
pub enum Storage {
    /// A folder (`{data_dir}/uploads` by default, or a `file://` URL).
    Local(PathBuf),
    /// S3-compatible storage at `s3://bucket/prefix`, reached with the usual AWS variables.
    S3 {
        /// The `s3://` URL.
        url: String,
        /// Credentials, region and endpoint.
        settings: freewire_store::S3Settings,
    },
}

/// Settings given as command-line flags; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--data-dir`
    pub data_dir: Option<PathBuf>,
    /// `--listen`
    pub listen: Option<String>,
}

/// Configuration that cannot be used, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config` is missing.
    #[error("the configuration file {0} does not exist; check the path given to --config")]
    MissingFile(PathBuf),
    /// The file or a variable does not parse.
    #[error("the configuration could not be read: {0}")]
    Unreadable(String),
    /// A value is out of range or malformed.
    #[error("{key} = {value:?} cannot be used: {reason}")]
    Invalid {
        /// The setting (`FREEWIRE_` + its upper-case name in the environment).
        key: &'static str,
        /// What was given.
        value: String,
        /// What is wrong and what would do.
        reason: String,
    },
}

impl Config {
    /// Reads defaults, the file, the environment and the flags, and validates the result.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        Self::from_figment(RawConfig::default(), file, overrides, Env::prefixed("FREEWIRE_"))
    }

    /// The same for `freewire demo`, whose defaults differ: its own data folder, and the site
    /// name of the page freewire was first built to reproduce.
    pub fn load_demo(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let defaults = RawConfig {
            data_dir: PathBuf::from("./freewire-demo"),
            site_name: "Radio Free".to_owned(),
            ..RawConfig::default()
        };
        Self::from_figment(defaults, file, overrides, Env::prefixed("FREEWIRE_"))
    }

    fn from_figment(
        defaults: RawConfig,
        file: Option<&Path>,
        overrides: &Overrides,
        env: Env,
    ) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(defaults));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        // `FREEWIRE_FETCH__ALLOW_PRIVATE=true` sets `fetch.allow_private`.
        figment = figment.merge(env.ignore(&["TEST_POSTGRES_URL", "LOG"]).split("__"));
        let mut raw: RawConfig = figment.extract().map_err(|e| ConfigError::Unreadable(e.to_string()))?;
        if let Some(d) = &overrides.data_dir {
            raw.data_dir.clone_from(d);
        }
        if let Some(l) = &overrides.listen {
            raw.listen.clone_from(l);
        }
        raw.validate()
    }
}

impl RawConfig {
    fn keep_pages_for(&self) -> Result<std::time::Duration, ConfigError> {
        if self.page_cache_seconds > 3600 {
            return Err(ConfigError::Invalid {
                key: "page_cache_seconds",
                value: self.page_cache_seconds.to_string(),
                reason: "expected 0 (render every request) to 3600 (an hour)".to_owned(),
            });
        }
        Ok(std::time::Duration::from_secs(self.page_cache_seconds))
    }

    /// The site's own settings: a name, an upload size, a sign-in length and an edit window
    /// that can be used.
    fn check_site(&self) -> Result<(), ConfigError> {
        if self.site_name.trim().is_empty() {
            return Err(invalid(
                "site_name",
                &self.site_name,
                "the site needs a name; it appears in every citation",
            ));
        }
        if self.max_upload_bytes == 0 {
            return Err(invalid(
                "max_upload_bytes",
                "0",
                "expected a size in bytes, such as 26214400 for 25 MiB",
            ));
        }
        if !(1..=3650).contains(&self.changes_keep_days) {
            return Err(invalid(
                "changes_keep_days",
                &self.changes_keep_days.to_string(),
                "expected 1 to 3650 days (a search index stopped for longer is rebuilt)",
            ));
        }
        if !(1..=3650).contains(&self.session_days) {
            return Err(invalid("session_days", &self.session_days.to_string(), "expected 1 to 3650 days"));
        }
        if !(5..=525_600).contains(&self.session_idle_minutes) {
            return Err(invalid(
                "session_idle_minutes",
                &self.session_idle_minutes.to_string(),
                "expected 5 to 525600 minutes (a year)",
            ));
        }
        if !(0..=525_600).contains(&self.edit_window_minutes) {
            return Err(invalid(
                "edit_window_minutes",
                &self.edit_window_minutes.to_string(),
                "expected 0 (no editing) to 525600 (a year)",
            ));
        }
        Ok(())
    }

    fn validate(self) -> Result<Config, ConfigError> {
        let (fetch, poll) = self.fetch_and_poll()?;
        let keep_pages_for = self.keep_pages_for()?;
        self.check_site()?;
        let listen: SocketAddr = self.listen.parse().map_err(|_| {
            invalid("listen", &self.listen, "expected an address and port such as 127.0.0.1:8080")
        })?;
        let data_dir = std::path::absolute(&self.data_dir).unwrap_or(self.data_dir.clone());
        let storage = self.storage(&data_dir)?;
        let (api, metrics, metrics_listen) = self.integrations()?;
        let trusted_proxies = self.trusted_proxies()?;
        let database_url = match self.database_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => url.trim().to_owned(),
            None => format!("sqlite://{}?mode=rwc", data_dir.join("freewire.db").display()),
        };
        let engine = Engine::for_url(&database_url).map_err(|e| ConfigError::Invalid {
            key: "database_url",
            value: freewire_store::mask_password(&database_url),
            reason: e.to_string(),
        })?;
        let base_text = self.base_url.clone().unwrap_or_else(|| {
            let host =
                if listen.ip().is_unspecified() { "127.0.0.1".to_owned() } else { listen.ip().to_string() };
            let host =
                if listen.is_ipv6() && !listen.ip().is_unspecified() { format!("[{host}]") } else { host };
            format!("http://{host}:{}/", listen.port())
        });
        let base_url = Url::parse(&base_text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                invalid(
                    "base_url",
                    &base_text,
                    "expected the site's public address, such as https://news.example.org",
                )
            })?;
        let registration =
            self.registration.parse().map_err(|e: String| invalid("registration", &self.registration, &e))?;
        let (search_dir, search_every) = self.search.validate(&data_dir)?;
        let images = self.images.validate(&data_dir, &fetch)?;
        let (hub_rules, websub) = self.websub.validate()?;
        Ok(Config {
            websub,
            metrics_listen,
            search_dir,
            search_every,
            storage,
            storage_sweep_grace: std::time::Duration::from_secs(self.storage_sweep_grace_secs),
            changes_keep: std::time::Duration::from_hours(24 * self.changes_keep_days),
            fetch,
            poll,
            poll_in_serve: self.poll.enabled,
            poll_every: std::time::Duration::from_secs(self.poll.every_secs.max(1)),
            data_dir,
            database_url,
            engine,
            listen,
            web: WebConfig {
                site_name: self.site_name.trim().to_owned(),
                base_url,
                language: self.language,
                updates: UpdateRules {
                    max_upload_bytes: self.max_upload_bytes,
                    daily_upload_quota_bytes: self.daily_upload_quota_bytes,
                    edit_window_minutes: self.edit_window_minutes,
                },
                session_days: self.session_days,
                session_idle_minutes: self.session_idle_minutes,
                registration,
                keep_pages_for,
                api,
                metrics,
                trusted_proxies,
                images,
                websub: hub_rules,
            },
        })
    }

    /// The proxies trusted to name the client: single addresses or ranges.
    fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|raw| {
                let raw = raw.trim();
                raw.parse::<ipnet::IpNet>()
                    .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        invalid(
                            "trusted_proxies",
                            raw,
                            "expected addresses or ranges such as 127.0.0.1 or 10.0.0.0/8",
                        )
                    })
            })
            .collect()
    }

    /// The API's and the metrics' settings.
    fn integrations(
        &self,
    ) -> Result<(freewire_web::api::ApiConfig, freewire_web::MetricsConfig, Option<SocketAddr>), ConfigError>
    {
        if !(1..=1_000_000).contains(&self.api.requests_per_minute) {
            return Err(invalid(
                "api.requests_per_minute",
                &self.api.requests_per_minute.to_string(),
                "expected 1 to 1000000 calls a minute",
            ));
        }
        for origin in &self.api.cors_origins {
            let ok = origin == "*"
                || Url::parse(origin)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.path() == "/");
            if !ok {
                return Err(invalid(
                    "api.cors_origins",
                    origin,
                    "expected origins such as https://newsroom.example (scheme and host, no path), or \"*\"",
                ));
            }
        }
        let listen = match self.metrics.listen.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            None => None,
            Some(l) => Some(l.parse::<SocketAddr>().map_err(|_| {
                invalid("metrics.listen", l, "expected an address and port such as 127.0.0.1:9100")
            })?),
        };
        let token = self.metrics.token.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        if token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(invalid("metrics.token", "(hidden)", "use at least 16 characters"));
        }
        let api = freewire_web::api::ApiConfig {
            cors_origins: self.api.cors_origins.iter().map(|o| o.trim_end_matches('/').to_owned()).collect(),
            requests_per_minute: self.api.requests_per_minute,
        };
        let metrics = freewire_web::MetricsConfig { on_site: listen.is_none(), token };
        Ok((api, metrics, listen))
    }
}

/// A setting that cannot be used: its key, what was given, and what would do.
fn invalid(key: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid { key, value: value.to_owned(), reason: reason.to_owned() }
}

/// The usual AWS variables, for S3-compatible storage. Read here, with the rest of the
/// configuration, under the names every S3 tool uses.
fn aws_settings() -> freewire_store::S3Settings {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    freewire_store::S3Settings {
        access_key_id: var("AWS_ACCESS_KEY_ID"),
        secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
        region: var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned()),
        endpoint: var("AWS_ENDPOINT_URL").or_else(|| var("FREEWIRE_S3_ENDPOINT")),
    }
}

impl RawConfig {
    /// Where uploaded files live: `{data_dir}/uploads`, a `file://` folder or `s3://`.
    fn storage(&self, data_dir: &Path) -> Result<Storage, ConfigError> {
        Ok(match self.storage_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => Storage::Local(data_dir.join("uploads")),
            Some(u) if u.starts_with("s3://") => Storage::S3 { url: u.to_owned(), settings: aws_settings() },
            Some(u) => match url::Url::parse(u)
                .ok()
                .filter(|p| p.scheme() == "file")
                .and_then(|p| p.to_file_path().ok())
            {
                Some(path) => Storage::Local(path),
                None => return Err(invalid("storage_url", u, "expected s3://BUCKET/PREFIX or file:///PATH")),
            },
        })
    }

    /// The `[fetch]` and `[poll]` sections, checked.
    fn fetch_and_poll(
        &self,
    ) -> Result<(freewire_ingest::fetch::FetchConfig, freewire_ingest::poll::PollConfig), ConfigError> {
        if self.poll.min_interval_secs == 0 || self.poll.min_interval_secs > self.poll.max_interval_secs {
            return Err(invalid(
                "poll.min_interval_secs",
                &self.poll.min_interval_secs.to_string(),
                "expected at least 1 and no more than poll.max_interval_secs",
            ));
        }
        if self.fetch.timeout_secs == 0 || self.fetch.max_body_bytes == 0 {
            return Err(invalid("fetch", "0", "fetch.timeout_secs and fetch.max_body_bytes must be above 0"));
        }
        let fetch = freewire_ingest::fetch::FetchConfig {
            allow_private: self.fetch.allow_private,
            max_body_bytes: self.fetch.max_body_bytes,
            timeout: std::time::Duration::from_secs(self.fetch.timeout_secs),
            ..freewire_ingest::fetch::FetchConfig::default()
        };
        if self.poll.lease_secs < 4 {
            return Err(invalid(
                "poll.lease_secs",
                &self.poll.lease_secs.to_string(),
                "expected at least 4 seconds; a poll stops within three quarters of it, so keep it above fetch.timeout_secs",
            ));
        }
        let steps = &self.poll.recheck_schedule_secs;
        if steps.iter().any(|[_, every]| *every == 0) || steps.windows(2).any(|w| w[0][0] >= w[1][0]) {
            return Err(invalid(
                "poll.recheck_schedule_secs",
                &format!("{steps:?}"),
                "expected [while younger than, every] pairs in seconds, youngest first, every above 0",
            ));
        }
        let recheck = freewire_ingest::recheck::RecheckSchedule {
            steps: steps
                .iter()
                .map(|[younger, every]| {
                    (std::time::Duration::from_secs(*younger), std::time::Duration::from_secs(*every))
                })
                .collect(),
            stop_after: std::time::Duration::from_secs(self.poll.recheck_stop_secs),
        };
        let poll = freewire_ingest::poll::PollConfig {
            recheck,
            concurrency: self.poll.concurrency.max(1),
            per_host: self.poll.per_host.max(1),
            min_interval: std::time::Duration::from_secs(self.poll.min_interval_secs),
            max_interval: std::time::Duration::from_secs(self.poll.max_interval_secs),
            full_text: self.poll.full_text,
            lease: std::time::Duration::from_secs(self.poll.lease_secs),
            ..freewire_ingest::poll::PollConfig::default()
        };
        Ok((fetch, poll))
    }
}

impl Config {
    /// The database URL, safe to print.
    #[must_use]
    pub fn database_url_for_display(&self) -> String {
        freewire_store::mask_password(&self.database_url)
    }
}

#[cfg(test)]
#[expect(clippy::result_large_err, reason = "figment's test jail returns figment's own error")]
mod tests {
    use super::*;
    use figment::Jail;

    fn load(jail: &Jail, file: Option<&str>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let _ = jail;
        Config::from_figment(RawConfig::default(), file.map(Path::new), overrides, Env::prefixed("FREEWIRE_"))
    }

    #[test]
    fn defaults_give_a_local_sqlite_site() {
        Jail::expect_with(|jail| {
            let c = load(jail, None, &Overrides::default()).unwrap();
            assert_eq!(c.engine, Engine::Sqlite);
            assert!(c.database_url.ends_with("freewire-data/freewire.db?mode=rwc"), "{}", c.database_url);
            assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
            assert_eq!(c.web.base_url.as_str(), "http://127.0.0.1:8080/");
            assert_eq!(c.web.updates.max_upload_bytes, 25 * 1024 * 1024);
            assert!(!c.fetch.allow_private, "private addresses are refused by default");
            assert!(matches!(&c.storage, Storage::Local(p) if p.ends_with("freewire-data/uploads")));
            assert_eq!(c.poll.per_host, 2);
            assert!(c.search_dir.ends_with("freewire-data/search"));
            assert_eq!(c.search_every, std::time::Duration::from_secs(1));
            assert!(c.web.images.proxy, "images are proxied by default");
            assert!(c.web.images.cache_dir.ends_with("freewire-data/image-cache"));
            assert_eq!(c.web.images.fetch.max_body_bytes, 5 * 1024 * 1024);
            assert_eq!(c.web.images.cache_max_bytes, 256 * 1024 * 1024);
            assert!(!c.web.images.fetch.allow_private, "images follow the feeds' guard");
            Ok(())
        });
    }

    #[test]
    fn the_environment_overrides_the_file_and_flags_override_both() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "f.toml",
                "site_name = \"From File\"\nlisten = \"127.0.0.1:9000\"\nmax_upload_bytes = 1000\n",
            )?;
            jail.set_env("FREEWIRE_SITE_NAME", "Radio Free");
            jail.set_env("FREEWIRE_BASE_URL", "https://www.radiofree.org");
            jail.set_env("FREEWIRE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test");
            jail.set_env("FREEWIRE_FETCH__ALLOW_PRIVATE", "true");
            jail.set_env("FREEWIRE_STORAGE_URL", "s3://uploads/freewire");
            let c = load(jail, Some("f.toml"), &Overrides::default()).unwrap();
            assert_eq!(c.web.site_name, "Radio Free");
            assert_eq!(c.web.base_url.as_str(), "https://www.radiofree.org/");
            assert_eq!(c.listen.port(), 9000);
            assert_eq!(c.web.updates.max_upload_bytes, 1000);
            assert_eq!(c.engine, Engine::Postgres);
            assert!(c.fetch.allow_private);
            assert!(matches!(&c.storage, Storage::S3 { url, .. } if url == "s3://uploads/freewire"));
            let flags = Overrides { listen: Some("127.0.0.1:0".into()), ..Overrides::default() };
            assert_eq!(load(jail, Some("f.toml"), &flags).unwrap().listen.port(), 0);
            Ok(())
        });
    }

    #[test]
    fn the_image_proxy_is_switched_and_sized_from_its_section_and_guarded_as_feeds_are() {
        Jail::expect_with(|jail| {
            jail.create_file("f.toml", "[images]\nproxy = false\nmax_bytes = 1000\ncache_bytes = 4000\n")?;
            jail.set_env("FREEWIRE_FETCH__ALLOW_PRIVATE", "true");
            jail.set_env("FREEWIRE_IMAGES__TIMEOUT_SECS", "3");
            let c = load(jail, Some("f.toml"), &Overrides::default()).unwrap();
            assert!(!c.web.images.proxy);
            assert_eq!(c.web.images.fetch.max_body_bytes, 1000);
            assert_eq!(c.web.images.cache_max_bytes, 4000);
            assert_eq!(c.web.images.fetch.timeout, std::time::Duration::from_secs(3));
            assert!(c.web.images.fetch.allow_private, "one private-network switch for every fetch");
            jail.set_env("FREEWIRE_IMAGES__PROXY", "true");
            assert!(load(jail, Some("f.toml"), &Overrides::default()).unwrap().web.images.proxy);
            jail.set_env("FREEWIRE_IMAGES__CACHE_BYTES", "10");
            let err = load(jail, Some("f.toml"), &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("images.cache_bytes"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_api_metrics_and_proxies_are_read_and_checked() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "f.toml",
                "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n[api]\nrequests_per_minute = 120\ncors_origins = [\"https://newsroom.example/\"]\n[metrics]\nlisten = \"127.0.0.1:9100\"\n",
            )?;
            let c = load(jail, Some("f.toml"), &Overrides::default()).unwrap();
            assert_eq!(c.web.trusted_proxies.len(), 2);
            assert!(c.web.trusted_proxies[1].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
            assert_eq!(c.web.api.requests_per_minute, 120);
            assert_eq!(c.web.api.cors_origins, ["https://newsroom.example"]);
            assert_eq!(c.metrics_listen, Some("127.0.0.1:9100".parse().unwrap()));
            assert!(!c.web.metrics.on_site, "served on its own address instead");
            jail.set_env("FREEWIRE_METRICS__TOKEN", "short");
            let err = load(jail, Some("f.toml"), &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("metrics.token") && !err.contains("short"), "named, never printed: {err}");
            jail.set_env("FREEWIRE_METRICS__TOKEN", "a-long-enough-metrics-token");
            jail.create_file("g.toml", "trusted_proxies = [\"the proxy\"]\n")?;
            let err = load(jail, Some("g.toml"), &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("trusted_proxies") && err.contains("10.0.0.0/8"), "{err}");
            jail.create_file("h.toml", "[api]\ncors_origins = [\"https://newsroom.example/path\"]\n")?;
            let err = load(jail, Some("h.toml"), &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("api.cors_origins"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_mistyped_database_url_says_what_was_expected() {
        Jail::expect_with(|jail| {
            jail.set_env("FREEWIRE_DATABASE_URL", "postgress://u:secret@h/db");
            let err = load(jail, None, &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("Expected sqlite://PATH"), "{err}");
            assert!(err.contains("postgres://USER@HOST:PORT/DATABASE"), "{err}");
            assert!(!err.contains("secret"), "passwords are never printed: {err}");
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_named_with_the_fix() {
        Jail::expect_with(|jail| {
            jail.set_env("FREEWIRE_LISTEN", "localhost");
            let err = load(jail, None, &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("listen") && err.contains("127.0.0.1:8080"), "{err}");
            jail.set_env("FREEWIRE_LISTEN", "127.0.0.1:8080");
            jail.set_env("FREEWIRE_BASE_URL", "www.example.org");
            let err = load(jail, None, &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("base_url"), "{err}");
            let missing = load(jail, Some("nope.toml"), &Overrides::default()).unwrap_err().to_string();
            assert!(missing.contains("--config"), "{missing}");
            jail.set_env("FREEWIRE_BASE_URL", "https://www.example.org");
            jail.set_env("FREEWIRE_SEARCH__EVERY_MILLIS", "0");
            let err = load(jail, None, &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("search.every_millis") && err.contains("1000"), "{err}");
            jail.set_env("FREEWIRE_SEARCH__EVERY_MILLIS", "250");
            jail.set_env("FREEWIRE_PAGE_CACHE_SECONDS", "3601");
            let err = load(jail, None, &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("page_cache_seconds") && err.contains("3600"), "{err}");
            jail.set_env("FREEWIRE_PAGE_CACHE_SECONDS", "0");
            jail.set_env("FREEWIRE_SEARCH__DIR", "node-a-index");
            let c = load(jail, None, &Overrides::default()).unwrap();
            assert_eq!(c.search_every, std::time::Duration::from_millis(250));
            assert!(c.web.keep_pages_for.is_zero(), "0 renders every request");
            assert!(c.search_dir.is_absolute() && c.search_dir.ends_with("node-a-index"));
            Ok(())
        });
    }
}
