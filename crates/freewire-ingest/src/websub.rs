//! WebSub (W3C Recommendation, 23 January 2018) as a subscriber, and the pieces both sides
//! share: `X-Hub-Signature` (HMAC of the body with the subscription's secret), discovery of a
//! feed's hub and topic (`rel="hub"` and `rel="self"`, in the `Link` header or the document),
//! and the subscription request a subscriber sends a hub.
//!
//! There is no maintained WebSub crate to build on, so the protocol is written here by hand;
//! HMAC and the digests come from the `hmac`, `sha1` and `sha2` crates, the XML reading from
//! quick-xml, HTTP from the guarded [`Fetcher`].

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use freewire_core::model::Feed;
use freewire_core::store::{FeedSubscription, FeedSubscriptionState, NewFeedSubscription};

use crate::fetch::{Fetched, Fetcher};
use crate::poll::Poller;

/// How the poller takes part in WebSub as a subscriber.
#[derive(Debug, Clone)]
pub struct SubscriberConfig {
    /// Our callback addresses start here (`https://site/websub/callback/`); the feed's id and a
    /// random token follow.
    pub callback_base: Url,
    /// The lease asked of hubs (they may grant another).
    pub lease: Duration,
    /// A hub is quiet when no push came for the feed's own polling interval times this; the
    /// feed is then polled as usual again.
    pub quiet_factor: u32,
    /// How long to wait before asking a hub again after it refused or never verified.
    pub retry_after: Duration,
}

impl SubscriberConfig {
    /// Defaults: ask for 10 days, quiet after three intervals, retry after an hour.
    #[must_use]
    pub fn new(callback_base: Url) -> Self {
        SubscriberConfig {
            callback_base,
            lease: Duration::from_hours(240),
            quiet_factor: 3,
            retry_after: Duration::from_hours(1),
        }
    }

    /// The callback address of one subscription.
    #[must_use]
    pub fn callback(&self, feed: freewire_core::FeedId, token: &str) -> String {
        format!("{}{}/{token}", self.callback_base, feed.0)
    }
}

/// `sha256=<hex>`: the `X-Hub-Signature` of `body` under `secret`.
#[must_use]
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2_for_hmac::Sha256>>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable_key());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[expect(clippy::panic, reason = "HMAC takes keys of any length; this cannot happen")]
fn unreachable_key() -> ! {
    panic!("HMAC accepts keys of every length")
}

/// Whether `header` (`method=hex`, method one of sha1, sha256, sha384, sha512, as §8 allows)
/// is the signature of `body` under `secret`. Compared in constant time.
#[must_use]
pub fn signature_matches(secret: &str, header: &str, body: &[u8]) -> bool {
    let Some((method, hex_sig)) = header.trim().split_once('=') else { return false };
    let Ok(expected) = hex::decode(hex_sig.trim()) else { return false };
    let key = secret.as_bytes();
    match method.trim().to_ascii_lowercase().as_str() {
        "sha1" => verify::<Hmac<sha1_for_hmac::Sha1>>(key, body, &expected),
        "sha256" => verify::<Hmac<sha2_for_hmac::Sha256>>(key, body, &expected),
        "sha384" => verify::<Hmac<sha2_for_hmac::Sha384>>(key, body, &expected),
        "sha512" => verify::<Hmac<sha2_for_hmac::Sha512>>(key, body, &expected),
        _ => false,
    }
}

fn verify<M: hmac::Mac + hmac::KeyInit>(key: &[u8], body: &[u8], expected: &[u8]) -> bool {
    let Ok(mut mac) = <M as hmac::KeyInit>::new_from_slice(key) else { return false };
    mac.update(body);
    mac.verify_slice(expected).is_ok()
}

/// A random, unguessable token (hex of 32 random bytes), for callback addresses and secrets.
#[must_use]
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// What a feed says about its hub (§4 Discovery).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The hub's address (`rel="hub"`).
    pub hub: Option<Url>,
    /// The topic (`rel="self"`).
    pub topic: Option<Url>,
}

/// Reads the hub and the topic from the `Link` header first (as §4 prefers), then from the
/// document: Atom `<link>` and RSS `<atom:link>` of the feed itself (not of its entries),
/// JSON Feed `hubs` and `feed_url`. Relative addresses resolve against `base`.
#[must_use]
pub fn discover(link_header: Option<&str>, body: &[u8], base: &Url) -> Discovery {
    let mut found = Discovery::default();
    if let Some(links) = link_header {
        for (href, rels) in parse_link_header(links) {
            let Ok(url) = base.join(&href) else { continue };
            for rel in rels.split_ascii_whitespace() {
                if rel.eq_ignore_ascii_case("hub") && found.hub.is_none() {
                    found.hub = Some(url.clone());
                } else if rel.eq_ignore_ascii_case("self") && found.topic.is_none() {
                    found.topic = Some(url.clone());
                }
            }
        }
    }
    let in_doc = if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        discover_json(body, base)
    } else {
        discover_xml(body, base)
    };
    Discovery { hub: found.hub.or(in_doc.hub), topic: found.topic.or(in_doc.topic) }
}

/// `<a>; rel="hub", <b>; rel=self` → `[(a, "hub"), (b, "self")]`.
fn parse_link_header(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else { break };
        let href = rest[start + 1..start + end].trim().to_owned();
        rest = &rest[start + end + 1..];
        let params = rest.split_once('<').map_or(rest, |(p, _)| p);
        let rel = params
            .split(';')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("rel"))
            .map(|(_, v)| v.trim().trim_end_matches(',').trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        out.push((href, rel));
    }
    out
}

fn discover_json(body: &[u8], base: &Url) -> Discovery {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else { return Discovery::default() };
    let hub = value["hubs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| h["type"].as_str().is_none_or(|t| t.eq_ignore_ascii_case("websub")))
        .and_then(|h| h["url"].as_str())
        .and_then(|u| base.join(u).ok());
    let topic = value["feed_url"].as_str().and_then(|u| base.join(u).ok());
    Discovery { hub, topic }
}

fn discover_xml(body: &[u8], base: &Url) -> Discovery {
    use quick_xml::events::Event;
    let text = crate::decode::to_utf8(body, None).text;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut found = Discovery::default();
    let mut path: Vec<String> = Vec::new();
    loop {
        let (element, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(_)) => {
                path.pop();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        let name = element.local_name().as_ref().to_ascii_lowercase();
        // Only the feed's own links: their parent is the Atom `feed` or the RSS `channel`.
        let parent = path.last().map(String::as_str);
        if name == "link" && matches!(parent, Some("feed" | "channel")) {
            let (mut rel, mut href) = (String::new(), None);
            for attribute in element.attributes().flatten() {
                let value = attribute
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default();
                match attribute.key.local_name().as_ref() {
                    "rel" => rel = value,
                    "href" => href = Some(value),
                    _ => {}
                }
            }
            if let Some(url) = href.and_then(|h| base.join(h.trim()).ok()) {
                for r in rel.split_ascii_whitespace() {
                    if r.eq_ignore_ascii_case("hub") && found.hub.is_none() {
                        found.hub = Some(url.clone());
                    } else if r.eq_ignore_ascii_case("self") && found.topic.is_none() {
                        found.topic = Some(url.clone());
                    }
                }
            }
        }
        // Entries come after the feed's own links in practice; stop at the first.
        if matches!(name.as_str(), "entry" | "item") {
            break;
        }
        if !empty {
            path.push(name);
        }
    }
    found
}

/// `subscribe` or `unsubscribe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Ask for content.
    Subscribe,
    /// Stop it.
    Unsubscribe,
}

impl Mode {
    /// The word in `hub.mode`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Subscribe => "subscribe",
            Mode::Unsubscribe => "unsubscribe",
        }
    }
}

/// One subscription request to a hub (§5.1).
#[derive(Clone)]
pub struct SubscriptionRequest<'a> {
    /// The hub.
    pub hub: &'a Url,
    /// The topic.
    pub topic: &'a str,
    /// Our callback.
    pub callback: &'a str,
    /// The secret the hub signs with.
    pub secret: &'a str,
    /// The lease asked for.
    pub lease: Duration,
    /// Subscribe or unsubscribe.
    pub mode: Mode,
}

/// Sends a subscription request under the fetch guard; `Ok` when the hub accepted it
/// (202, or another 2xx), else the hub's answer as a reason.
pub async fn request_subscription(
    fetcher: &Fetcher,
    request: &SubscriptionRequest<'_>,
) -> Result<(), String> {
    let lease = request.lease.as_secs().to_string();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", request.mode.as_str())
        .append_pair("hub.topic", request.topic)
        .append_pair("hub.callback", request.callback)
        .append_pair("hub.secret", request.secret)
        .append_pair("hub.lease_seconds", &lease)
        .finish();
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    match fetcher.post(request.hub, headers, form).await {
        Ok((status, _)) if (200..300).contains(&status) => Ok(()),
        Ok((status, body)) => {
            let said = String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_owned();
            Err(format!(
                "the hub answered HTTP {status}{}",
                if said.is_empty() { String::new() } else { format!(": {said}") }
            ))
        }
        Err(e) => Err(format!("the hub could not be reached: {e}")),
    }
}

/// When a subscription verified at `verified_at` for `lease` is renewed: at 80 % of the lease.
#[must_use]
pub fn renewal_time(verified_at: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    let early = lease.mul_f64(0.8);
    verified_at + chrono::Duration::from_std(early).unwrap_or(chrono::Duration::days(8))
}

// ---------------------------------------------------------------------------------------------
// The poller's part: subscribing when a feed advertises a hub, renewing, and polling slowly
// while pushes arrive (and as usual again when the hub goes quiet).

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(1))
}

impl Poller {
    /// After a fetch: when the feed advertises a hub and we hold no live subscription there
    /// for its topic, ask for one. Failures are the subscription's state, never the poll's.
    pub(crate) async fn follow_hub(&self, feed: &Feed, fetched: &Fetched, now: DateTime<Utc>) {
        let Some(config) = &self.websub else { return };
        let found = discover(fetched.link_header.as_deref(), &fetched.body, &fetched.final_url);
        let Some(hub) = found.hub.filter(|h| matches!(h.scheme(), "http" | "https")) else { return };
        let topic = found.topic.map_or_else(|| feed.url.clone(), String::from);
        let existing = match self.store.feed_subscription(feed.id).await {
            Ok(existing) => existing,
            Err(e) => {
                tracing::warn!(feed = %feed.id, error = %e, "could not read the feed's WebSub subscription");
                return;
            }
        };
        if let Some(s) = &existing
            && s.hub == hub.as_str()
            && s.topic == topic
            && (s.state != FeedSubscriptionState::Failed || s.renew_at > now)
        {
            // Live, or failed and not due again yet: renewals and retries run on their own clock.
            return;
        }
        let new = NewFeedSubscription {
            feed_id: feed.id,
            hub: hub.to_string(),
            topic,
            token: random_token(),
            secret: random_token(),
            renew_at: now + chrono_of(config.retry_after),
        };
        match self.store.upsert_feed_subscription(new).await {
            Ok(subscription) => self.ask_hub(&subscription, now).await,
            Err(e) => tracing::warn!(feed = %feed.id, error = %e, "could not record a WebSub subscription"),
        }
    }

    /// Sends the subscription request for `subscription`; a refusal marks it failed, to be
    /// retried after `retry_after`.
    async fn ask_hub(&self, subscription: &FeedSubscription, now: DateTime<Utc>) {
        let Some(config) = &self.websub else { return };
        let retry_at = now + chrono_of(config.retry_after);
        let asked = match Url::parse(&subscription.hub) {
            Ok(hub) => {
                let callback = config.callback(subscription.feed_id, &subscription.token);
                let request = SubscriptionRequest {
                    hub: &hub,
                    topic: &subscription.topic,
                    callback: &callback,
                    secret: &subscription.secret,
                    lease: config.lease,
                    mode: Mode::Subscribe,
                };
                request_subscription(self.fetcher(), &request).await
            }
            Err(e) => Err(format!("the hub's address is not a URL: {e}")),
        };
        if let Err(reason) = asked {
            tracing::warn!(feed = %subscription.feed_id, hub = %subscription.hub, %reason, "WebSub subscription refused");
            if let Err(e) = self.store.fail_feed_subscription(subscription.feed_id, retry_at, &reason).await {
                tracing::warn!(feed = %subscription.feed_id, error = %e, "could not record a refused subscription");
            }
        }
    }

    /// Asks again for every subscription whose lease is four-fifths through, or that failed
    /// or was never verified and is due a retry.
    pub(crate) async fn renew_subscriptions(&self, now: DateTime<Utc>) {
        let Some(config) = &self.websub else { return };
        let due = match self.store.feed_subscriptions_due(now).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not read WebSub subscriptions due renewal");
                return;
            }
        };
        for subscription in due {
            // Not asked again before the hub has had time to answer this request.
            let later = now + chrono_of(config.retry_after);
            if let Err(e) = self.store.defer_feed_subscription(subscription.feed_id, later).await {
                tracing::warn!(feed = %subscription.feed_id, error = %e, "could not reschedule a renewal");
                continue;
            }
            tracing::info!(feed = %subscription.feed_id, hub = %subscription.hub, "renewing a WebSub subscription");
            self.ask_hub(&subscription, now).await;
        }
    }

    /// The next poll of `feed`, given the usual one (`usual`, after `interval`): while the
    /// hub is live (subscription verified, lease running, the last push, or before any the
    /// verification, less than
    /// `interval × quiet_factor` ago) the feed is polled slowly, but never later than the
    /// moment the hub would count as quiet, so a silent hub hands the feed back to polling.
    pub(crate) async fn pushed_schedule(
        &self,
        feed: &Feed,
        interval: Duration,
        usual: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let Some(config) = &self.websub else { return usual };
        let Ok(Some(s)) = self.store.feed_subscription(feed.id).await else { return usual };
        if s.state != FeedSubscriptionState::Active || s.expires_at.is_none_or(|end| end <= now) {
            return usual;
        }
        let Some(last) = s.last_push_at.or(s.verified_at) else { return usual };
        let quiet_at = last + chrono_of(interval.saturating_mul(config.quiet_factor.max(1)));
        if quiet_at <= now {
            return usual;
        }
        let slow = now + chrono_of(self.config.max_interval);
        slow.min(quiet_at).max(usual)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_of_every_allowed_method_are_checked() {
        let body = b"<feed/>";
        let signed = sign("s3cret", body);
        assert!(signed.starts_with("sha256="));
        assert!(signature_matches("s3cret", &signed, body));
        assert!(!signature_matches("other", &signed, body));
        assert!(!signature_matches("s3cret", &signed, b"<feed>changed</feed>"));
        let mut sha1 =
            <Hmac<sha1_for_hmac::Sha1>>::new_from_slice(b"k").unwrap_or_else(|_| unreachable_key());
        sha1.update(body);
        let header = format!("sha1={}", hex::encode(sha1.finalize().into_bytes()));
        assert!(signature_matches("k", &header, body));
        assert!(!signature_matches("k", "md5=00", body));
        assert!(!signature_matches("k", "garbage", body));
    }

    #[test]
    fn the_hub_is_found_in_the_link_header_before_the_document() {
        let base = Url::parse("https://outlet.example/feed.xml").unwrap_or_else(|_| unreachable_key());
        let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
            <link rel="hub" href="https://hub.example/"/><link rel="self" href="/feed.atom"/>
            <entry><link rel="hub" href="https://wrong.example/"/></entry></feed>"#;
        let d = discover(None, atom, &base);
        assert_eq!(d.hub.as_ref().map(Url::as_str), Some("https://hub.example/"));
        assert_eq!(d.topic.as_ref().map(Url::as_str), Some("https://outlet.example/feed.atom"));
        let d = discover(
            Some(r#"<https://h2.example/>; rel="hub", <https://t.example/f>; rel="self""#),
            atom,
            &base,
        );
        assert_eq!(d.hub.as_ref().map(Url::as_str), Some("https://h2.example/"));
        assert_eq!(d.topic.as_ref().map(Url::as_str), Some("https://t.example/f"));
        let rss = br#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
            <atom:link rel="hub" href="https://hub.example/rss"/><item><title>x</title></item></channel></rss>"#;
        assert_eq!(
            discover(None, rss, &base).hub.map(String::from).as_deref(),
            Some("https://hub.example/rss")
        );
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","feed_url":"https://o.example/f.json","hubs":[{"type":"WebSub","url":"https://hub.example/j"}],"items":[]}"#;
        let d = discover(None, json, &base);
        assert_eq!(d.hub.map(String::from).as_deref(), Some("https://hub.example/j"));
        assert_eq!(d.topic.map(String::from).as_deref(), Some("https://o.example/f.json"));
        assert_eq!(
            discover(None, b"<rss><channel><title>t</title></channel></rss>", &base),
            Discovery::default()
        );
    }
}
