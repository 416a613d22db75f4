//! Outgoing HTTP, done politely and defensively: every fetch names freewire in its
//! `User-Agent`, sends conditional headers, follows at most a few redirects, and stops at a
//! size and a time limit. Unless configured otherwise it refuses loopback, private, link-local,
//! multicast and other non-public addresses, checked after DNS resolution (so a public name
//! pointing at 127.0.0.1 is refused) and again on every redirect hop.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap};
use url::Url;

/// Limits and manners for outgoing requests.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Sent with every request.
    pub user_agent: String,
    /// Allow loopback and private-network addresses (tests and intranet deployments).
    /// Link-local addresses (cloud metadata services live there) stay refused even then.
    pub allow_private: bool,
    /// The largest body read, after decompression.
    pub max_body_bytes: u64,
    /// The longest a whole fetch may take, redirects included.
    pub timeout: Duration,
    /// The longest a connection may take to open.
    pub connect_timeout: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: default_user_agent(),
            allow_private: false,
            max_body_bytes: 10 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_redirects: 5,
        }
    }
}

/// `freewire/VERSION (+https://…)`: who we are, so site owners can tell us apart.
#[must_use]
pub fn default_user_agent() -> String {
    format!("freewire/{} (self-hosted news republishing; feed reader)", env!("CARGO_PKG_VERSION"))
}

/// Validators from an earlier fetch, sent so an unchanged resource costs a 304.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` last received.
    pub etag: Option<String>,
    /// The `Last-Modified` last received.
    pub last_modified: Option<String>,
}

/// What the server said about how long its answer stays fresh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Freshness {
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// `Expires`.
    pub expires: Option<DateTime<Utc>>,
}

/// A successful fetch.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The HTTP status (2xx).
    pub status: u16,
    /// Where the body finally came from.
    pub final_url: Url,
    /// Set when every redirect on the way was permanent (301/308): the new address to keep.
    pub moved_permanently_to: Option<Url>,
    /// Validators for the next fetch.
    pub validators: Validators,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `charset` parameter of `Content-Type`.
    pub charset: Option<String>,
    /// Freshness the server declared.
    pub freshness: Freshness,
    /// The `Link` headers, joined (WebSub discovery reads `rel=hub` and `rel=self` there).
    pub link_header: Option<String>,
    /// The body, decompressed.
    pub body: Bytes,
}

/// What a fetch came to.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// 200-class with a body.
    Fetched(Box<Fetched>),
    /// 304: unchanged since the validators were issued.
    NotModified {
        /// Freshness the server declared with the 304.
        freshness: Freshness,
        /// Set when every redirect on the way was permanent.
        moved_permanently_to: Option<Url>,
    },
}

/// Why a fetch failed. Every variant reads as a reason an editor can act on.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    /// The address is not one we fetch from (scheme, or a non-public network address).
    #[error("refused to fetch {url}: {reason}")]
    Refused {
        /// The address.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("HTTP {status}{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    Status {
        /// The status code.
        status: u16,
        /// `Retry-After`, for 429 and 503.
        retry_after: Option<Duration>,
    },
    /// The body was larger than allowed.
    #[error("the response is larger than the {limit}-byte limit")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The whole fetch took too long.
    #[error("no complete answer within {0} s")]
    Timeout(u64),
    /// Too many redirects, or a redirect without a usable `Location`.
    #[error("{0}")]
    Redirect(String),
    /// The connection failed (DNS, TCP, TLS, protocol).
    #[error("network error: {0}")]
    Network(String),
}

/// A guarded, polite HTTP client.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
}

impl Fetcher {
    /// A client with these limits.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        // TLS uses ring (no aws-lc in the build); installing the provider again is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, out of the guard's sight.
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .dns_resolver(Arc::new(GuardedResolver { allow_private: config.allow_private }))
            .build()
            .map_err(|e| FetchError::Network(format!("building the HTTP client: {e}")))?;
        Ok(Fetcher { client, config })
    }

    /// The limits in force.
    #[must_use]
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url`, sending `validators`, following redirects within the limits.
    pub async fn get(&self, url: &Url, validators: &Validators) -> Result<FetchOutcome, FetchError> {
        let secs = self.config.timeout.as_secs();
        tokio::time::timeout(self.config.timeout, self.get_inner(url, validators))
            .await
            .unwrap_or(Err(FetchError::Timeout(secs)))
    }

    async fn get_inner(&self, start: &Url, validators: &Validators) -> Result<FetchOutcome, FetchError> {
        let mut url = start.clone();
        let mut all_permanent = true;
        let mut hops = 0;
        loop {
            check_url(&url, self.config.allow_private)?;
            let mut request = self.client.get(url.clone());
            if let Some(etag) = &validators.etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &validators.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, lm);
            }
            let response = request.send().await.map_err(|e| network_error(&e, self.config.timeout))?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                hops += 1;
                if hops > self.config.max_redirects {
                    return Err(FetchError::Redirect(format!(
                        "more than {} redirects, the last to {url}",
                        self.config.max_redirects
                    )));
                }
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| FetchError::Redirect(format!("HTTP {status} without a Location")))?;
                let next = url
                    .join(location)
                    .map_err(|e| FetchError::Redirect(format!("unusable redirect to {location:?}: {e}")))?;
                all_permanent &=
                    matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT);
                url = next;
                continue;
            }
            let moved = (hops > 0 && all_permanent).then(|| url.clone());
            let freshness = freshness(response.headers());
            if status == StatusCode::NOT_MODIFIED {
                return Ok(FetchOutcome::NotModified { freshness, moved_permanently_to: moved });
            }
            if !status.is_success() {
                return Err(FetchError::Status {
                    status: status.as_u16(),
                    retry_after: retry_after(response.headers()),
                });
            }
            let headers = response.headers().clone();
            let body = self.read_body(response).await?;
            let content_type = header_text(&headers, &header::CONTENT_TYPE);
            return Ok(FetchOutcome::Fetched(Box::new(Fetched {
                status: status.as_u16(),
                final_url: url,
                moved_permanently_to: moved,
                validators: Validators {
                    etag: header_text(&headers, &header::ETAG),
                    last_modified: header_text(&headers, &header::LAST_MODIFIED),
                },
                charset: content_type.as_deref().and_then(charset_of),
                content_type,
                freshness,
                link_header: joined(&headers, &header::LINK),
                body,
            })));
        }
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Bytes, FetchError> {
        let limit = self.config.max_body_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network_error(&e, self.config.timeout))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }
}

impl Fetcher {
    /// POSTs `body` to `url` under the same guard and limits as a fetch (no redirects
    /// followed: a WebSub callback or hub that redirects a POST is treated as failing), and
    /// returns the status with at most `max_body_bytes` of the answer.
    pub async fn post(
        &self,
        url: &Url,
        headers: HeaderMap,
        body: impl Into<reqwest::Body>,
    ) -> Result<(u16, Bytes), FetchError> {
        let secs = self.config.timeout.as_secs();
        let request = async {
            check_url(url, self.config.allow_private)?;
            let response = self
                .client
                .post(url.clone())
                .headers(headers)
                .body(body)
                .send()
                .await
                .map_err(|e| network_error(&e, self.config.timeout))?;
            let status = response.status().as_u16();
            // An answer too large to read is still an answer: its status is what counts.
            let body = self.read_body(response).await.unwrap_or_default();
            Ok((status, body))
        };
        tokio::time::timeout(self.config.timeout, request).await.unwrap_or(Err(FetchError::Timeout(secs)))
    }
}

fn joined(headers: &HeaderMap, name: &header::HeaderName) -> Option<String> {
    let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn network_error(e: &reqwest::Error, timeout: Duration) -> FetchError {
    // The client's own timeout (the same limit) usually fires before the outer one: the same
    // reason, told the same way.
    if e.is_timeout() {
        return FetchError::Timeout(timeout.as_secs());
    }
    // The resolver's refusal travels inside reqwest's error chain; surface it as a refusal.
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if let Some(refusal) = s.downcast_ref::<Refusal>() {
            return FetchError::Refused {
                url: e.url().map(ToString::to_string).unwrap_or_default(),
                reason: refusal.0.clone(),
            };
        }
        source = s.source();
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    FetchError::Network(message)
}

fn header_text(headers: &HeaderMap, name: &header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The `charset` parameter of a `Content-Type` value.
#[must_use]
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    })
}

fn freshness(headers: &HeaderMap) -> Freshness {
    let max_age = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|directive| {
            let (k, v) = directive.split_once('=')?;
            (k.trim().eq_ignore_ascii_case("max-age"))
                .then(|| v.trim().trim_matches('"').parse::<u64>().ok())?
        })
        .map(Duration::from_secs);
    let expires = header_text(headers, &header::EXPIRES).and_then(|v| http_date(&v));
    Freshness { max_age, expires }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_text(headers, &header::RETRY_AFTER)?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = http_date(&value)?;
    (at - Utc::now()).to_std().ok()
}

fn http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value).ok().map(|d| d.with_timezone(&Utc))
}

/// Refuses addresses we never fetch from: other schemes, and IP literals outside the public
/// internet (names are checked by the resolver, after they resolve).
pub fn check_url(url: &Url, allow_private: bool) -> Result<(), FetchError> {
    let refuse = |reason: String| FetchError::Refused { url: url.to_string(), reason };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(format!("only http and https are fetched, not {}", url.scheme())));
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(refuse("it has no host".to_owned())),
    };
    match classify(ip) {
        AddressKind::Public => Ok(()),
        AddressKind::Private if allow_private => Ok(()),
        kind => Err(refuse(format!("{ip} is a {} address", kind.describe()))),
    }
}

/// What kind of network an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// The public internet.
    Public,
    /// Loopback or a private network: refused unless `allow_private`.
    Private,
    /// Link-local (cloud metadata services), multicast, unspecified, reserved: always refused.
    Never,
}

impl AddressKind {
    fn describe(self) -> &'static str {
        match self {
            AddressKind::Public => "public",
            AddressKind::Private => "loopback or private-network",
            AddressKind::Never => "link-local, multicast or reserved",
        }
    }
}

/// Classifies an address for the fetch guard.
#[must_use]
pub fn classify(ip: IpAddr) -> AddressKind {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return classify_v4(v4);
            }
            let first = v6.segments()[0];
            if v6.is_loopback() || (first & 0xfe00) == 0xfc00 {
                AddressKind::Private // ::1, unique local fc00::/7
            } else if v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xffc0) == 0xfe80
                || is_reserved_v6(v6)
            {
                AddressKind::Never // link-local fe80::/10, documentation, discard
            } else {
                AddressKind::Public
            }
        }
    }
}

fn classify_v4(v4: Ipv4Addr) -> AddressKind {
    let [a, b, ..] = v4.octets();
    if v4.is_loopback() || v4.is_private() || (a == 100 && (64..128).contains(&b)) {
        AddressKind::Private // 127/8, 10/8, 172.16/12, 192.168/16, carrier-grade NAT 100.64/10
    } else if v4.is_link_local()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_unspecified()
        || v4.is_documentation()
        || a == 0
        || a >= 240
        || (a == 192 && b == 0)
        || (a == 198 && (18..20).contains(&b))
    {
        AddressKind::Never
    } else {
        AddressKind::Public
    }
}

/// The IPv4 address inside an IPv6 one that carries it: mapped (`::ffff:a.b.c.d`), the old
/// compatible form (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002:AABB:CCDD::/16`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let tail = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified() {
        return Some(tail(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(tail(s[1], s[2]));
    }
    None
}

fn is_reserved_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0)
}

/// The resolver's refusal, carried through reqwest's error chain.
#[derive(Debug)]
struct Refusal(String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// Resolves names with the system resolver and drops every address the guard refuses, so a
/// connection can only ever be opened to an allowed address.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| match classify(a.ip()) {
                    AddressKind::Public => true,
                    AddressKind::Private => allow_private,
                    AddressKind::Never => false,
                })
                .collect();
            if allowed.is_empty() {
                let shown: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
                let reason = if shown.is_empty() {
                    format!("{host} has no address")
                } else {
                    format!("{host} resolves only to non-public addresses ({})", shown.join(", "))
                };
                return Err(Box::new(Refusal(reason)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_classified() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert_eq!(classify(ip.parse().unwrap()), AddressKind::Private, "{ip}");
        }
        for ip in [
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "fe80::1",
            "::",
            "ff02::1",
            "192.0.2.1",
        ] {
            assert_eq!(classify(ip.parse().unwrap()), AddressKind::Never, "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "172.32.0.1"] {
            assert_eq!(classify(ip.parse().unwrap()), AddressKind::Public, "{ip}");
        }
    }

    #[test]
    fn literal_addresses_and_schemes_are_checked_per_url() {
        let check = |u: &str, allow| check_url(&Url::parse(u).unwrap(), allow);
        assert!(check("http://127.0.0.1:8080/feed", false).is_err());
        assert!(check("http://127.0.0.1:8080/feed", true).is_ok());
        assert!(check("http://[::1]/feed", false).is_err());
        assert!(check("http://10.0.0.1/feed", false).is_err());
        assert!(check("http://169.254.169.254/latest/meta-data/", true).is_err(), "metadata stays refused");
        assert!(check("file:///etc/passwd", true).is_err());
        assert!(check("ftp://example.org/feed", true).is_err());
        assert!(check("https://example.org/feed", false).is_ok());
    }

    #[test]
    fn cache_and_retry_headers_are_read() {
        let mut h = HeaderMap::new();
        h.insert(header::CACHE_CONTROL, "public, max-age=600".parse().unwrap());
        h.insert(header::EXPIRES, "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        h.insert(header::RETRY_AFTER, "120".parse().unwrap());
        let f = freshness(&h);
        assert_eq!(f.max_age, Some(Duration::from_mins(10)));
        assert_eq!(f.expires.unwrap().to_rfc3339(), "2015-10-21T07:28:00+00:00");
        assert_eq!(retry_after(&h), Some(Duration::from_mins(2)));
        assert_eq!(charset_of("text/xml; charset=\"Windows-1251\""), Some("windows-1251".into()));
        assert_eq!(charset_of("text/xml"), None);
    }
}
