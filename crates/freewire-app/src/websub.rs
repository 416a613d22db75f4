//! WebSub (W3C Recommendation), every state change once. As the *hub* of our own feeds:
//! [`accept_hub_request`] (a subscription request's rules), [`verify_hub_intent`] (the
//! verification of intent that makes or ends a subscription) and [`deliver`] (one delivery,
//! with its retry, give-up or removal). As a *subscriber*: [`confirm_subscriber_intent`]
//! (answering a hub's verification) and [`receive_push`] (content a hub pushed, stored through
//! the poll's own path).
//!
//! No maintained WebSub crate exists to lean on; the protocol is written by hand here and in
//! `freewire_ingest::websub` (signatures, discovery, the subscription request).

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use freewire_core::store::{FeedSubscriptionState, HubDelivery, NewHubSubscription};
use freewire_core::{FeedId, Store};
use freewire_ingest::fetch::{FetchOutcome, Fetcher, Validators};
use freewire_ingest::poll::{PollOutcome, Poller};
use freewire_ingest::websub::{Mode, random_token, renewal_time, sign, signature_matches};
use url::Url;

use crate::AppError;

/// The hub's rules.
#[derive(Debug, Clone)]
pub struct HubRules {
    /// Whether our feeds advertise the hub and it takes subscriptions.
    pub enabled: bool,
    /// The lease granted when none is asked for.
    pub lease_default: Duration,
    /// The shortest lease granted.
    pub lease_min: Duration,
    /// The longest lease granted.
    pub lease_max: Duration,
    /// Tries of one delivery before it is given up.
    pub attempts: u32,
    /// The wait after the first failed try; each next one doubles it.
    pub retry_base: Duration,
}

impl Default for HubRules {
    fn default() -> Self {
        HubRules {
            enabled: true,
            lease_default: Duration::from_hours(240),
            lease_min: Duration::from_hours(1),
            lease_max: Duration::from_hours(720),
            attempts: 8,
            retry_base: Duration::from_mins(1),
        }
    }
}

/// `hub.secret` must be shorter than this (§5.1).
const MAX_SECRET_BYTES: usize = 200;

/// A subscription request as the form gave it.
#[derive(Debug, Clone, Copy, Default)]
pub struct HubRequest<'a> {
    /// `hub.mode`.
    pub mode: Option<&'a str>,
    /// `hub.topic`.
    pub topic: Option<&'a str>,
    /// `hub.callback`.
    pub callback: Option<&'a str>,
    /// `hub.lease_seconds`.
    pub lease_seconds: Option<&'a str>,
    /// `hub.secret`.
    pub secret: Option<&'a str>,
}

/// A request accepted, waiting for its verification of intent.
#[derive(Clone)]
pub struct HubIntent {
    /// Subscribe or unsubscribe.
    pub mode: Mode,
    /// Our feed.
    pub topic: String,
    /// The subscriber's callback.
    pub callback: Url,
    /// The subscriber's secret.
    pub secret: Option<String>,
    /// The lease granted (within the bounds).
    pub lease_seconds: i64,
}

/// Checks a subscription request (§5.1): mode, callback, secret and lease; `topic_is_ours`
/// says whether the topic is one of our feeds (the web layer knows its addresses).
pub fn accept_hub_request(
    rules: &HubRules,
    request: HubRequest<'_>,
    topic_is_ours: bool,
) -> Result<HubIntent, AppError> {
    if !rules.enabled {
        return Err(AppError::NotFound("this site is not a WebSub hub".to_owned()));
    }
    let mode = match request.mode {
        Some("subscribe") => Mode::Subscribe,
        Some("unsubscribe") => Mode::Unsubscribe,
        _ => return Err(AppError::Invalid("hub.mode must be subscribe or unsubscribe".to_owned())),
    };
    let topic = request.topic.filter(|t| !t.is_empty()).ok_or_else(|| invalid("hub.topic is missing"))?;
    if !topic_is_ours {
        return Err(invalid("hub.topic is not one of this site's feeds"));
    }
    let callback = request
        .callback
        .and_then(|c| Url::parse(c).ok())
        .filter(|c| matches!(c.scheme(), "http" | "https") && c.host().is_some())
        .ok_or_else(|| invalid("hub.callback must be an http or https address"))?;
    let secret = request.secret.filter(|s| !s.is_empty());
    if secret.is_some_and(|s| s.len() >= MAX_SECRET_BYTES) {
        return Err(invalid("hub.secret must be shorter than 200 bytes"));
    }
    let asked = match request.lease_seconds.map(str::trim).filter(|l| !l.is_empty()) {
        None => rules.lease_default,
        Some(l) => Duration::from_secs(l.parse().map_err(|_| invalid("hub.lease_seconds must be a number"))?),
    };
    let lease = asked.clamp(rules.lease_min, rules.lease_max.max(rules.lease_min));
    Ok(HubIntent {
        mode,
        topic: topic.to_owned(),
        callback,
        secret: secret.map(str::to_owned),
        lease_seconds: i64::try_from(lease.as_secs()).unwrap_or(i64::MAX),
    })
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid(message.to_owned())
}

/// Verifies the intent of a subscriber (§5.3): GETs its callback with a fresh challenge and,
/// only when a 2xx answer echoes it, stores the subscription (or removes it, for an
/// unsubscription). Returns whether the intent was confirmed. The callback is fetched under
/// the feeds' guard, time and size limits.
pub async fn verify_hub_intent(
    store: &dyn Store,
    fetcher: &Fetcher,
    intent: &HubIntent,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let challenge = random_token();
    let mut url = intent.callback.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("hub.mode", intent.mode.as_str())
            .append_pair("hub.topic", &intent.topic)
            .append_pair("hub.challenge", &challenge);
        if intent.mode == Mode::Subscribe {
            query.append_pair("hub.lease_seconds", &intent.lease_seconds.to_string());
        }
    }
    let echoed = match fetcher.get(&url, &Validators::default()).await {
        Ok(FetchOutcome::Fetched(answer)) => answer.body.as_ref() == challenge.as_bytes(),
        Ok(FetchOutcome::NotModified { .. }) => false,
        Err(e) => {
            tracing::info!(callback = %intent.callback, error = %e, "WebSub verification failed");
            false
        }
    };
    if !echoed {
        tracing::info!(callback = %intent.callback, topic = %intent.topic, "WebSub intent not confirmed");
        return Ok(false);
    }
    match intent.mode {
        Mode::Subscribe => {
            store
                .upsert_hub_subscription(NewHubSubscription {
                    topic: intent.topic.clone(),
                    callback: intent.callback.to_string(),
                    secret: intent.secret.clone(),
                    lease_seconds: intent.lease_seconds,
                    verified_at: now,
                })
                .await?;
        }
        Mode::Unsubscribe => {
            store.delete_hub_subscription(&intent.topic, intent.callback.as_str()).await?;
        }
    }
    Ok(true)
}

/// A feed document, ready to deliver.
#[derive(Debug, Clone)]
pub struct FeedContent {
    /// Its `Content-Type`.
    pub content_type: String,
    /// The document.
    pub body: Bytes,
    /// Our hub's address, for the `Link` header.
    pub hub: String,
}

/// What one delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The subscriber took it (2xx).
    Done,
    /// The subscriber answered 410 Gone: its subscription was removed.
    Gone,
    /// It failed and is tried again then.
    Retrying(DateTime<Utc>),
    /// It failed for the last allowed time.
    GaveUp,
}

/// Delivers `content` to a claimed delivery's subscriber (§7): the document as body, its
/// `Content-Type`, `Link` headers naming the hub and the topic, and `X-Hub-Signature` when the
/// subscriber gave a secret; then records the outcome (done, gone, retried with exponential
/// backoff, or given up after [`HubRules::attempts`] tries).
pub async fn deliver(
    store: &dyn Store,
    fetcher: &Fetcher,
    rules: &HubRules,
    delivery: &HubDelivery,
    content: &FeedContent,
    now: DateTime<Utc>,
) -> Result<Delivered, AppError> {
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, LINK};
    let subscription = &delivery.subscription;
    let mut headers = HeaderMap::new();
    let value =
        |s: &str| HeaderValue::from_str(s).map_err(|e| AppError::Internal(format!("a header value: {e}")));
    headers.insert(CONTENT_TYPE, value(&content.content_type)?);
    headers.insert(
        LINK,
        value(&format!("<{}>; rel=\"hub\", <{}>; rel=\"self\"", content.hub, subscription.topic))?,
    );
    if let Some(secret) = &subscription.secret {
        headers.insert("x-hub-signature", value(&sign(secret, &content.body))?);
    }
    let failure = match Url::parse(&subscription.callback) {
        Err(e) => format!("the callback is not a URL: {e}"),
        Ok(callback) => match fetcher.post(&callback, headers, content.body.clone()).await {
            Ok((status, _)) if (200..300).contains(&status) => {
                store.finish_hub_delivery(delivery.id).await?;
                return Ok(Delivered::Done);
            }
            Ok((410, _)) => {
                tracing::info!(callback = %subscription.callback, "a WebSub subscriber is gone");
                store.delete_hub_subscription_by_id(subscription.id).await?;
                return Ok(Delivered::Gone);
            }
            Ok((status, _)) => format!("the subscriber answered HTTP {status}"),
            Err(e) => e.to_string(),
        },
    };
    let tries = u32::try_from(delivery.attempts.max(0)).unwrap_or(u32::MAX).saturating_add(1);
    if tries >= rules.attempts.max(1) {
        tracing::warn!(callback = %subscription.callback, tries, reason = %failure, "WebSub delivery given up");
        store.give_up_hub_delivery(delivery.id, now, &failure).await?;
        return Ok(Delivered::GaveUp);
    }
    let wait = rules.retry_base.saturating_mul(1 << (tries - 1).min(20));
    let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(24));
    tracing::info!(callback = %subscription.callback, tries, reason = %failure, "WebSub delivery failed; retrying");
    store.retry_hub_delivery(delivery.id, next, &failure).await?;
    Ok(Delivered::Retrying(next))
}

/// A hub's verification request at one of our callbacks, as the query gave it.
#[derive(Debug, Clone, Copy, Default)]
pub struct HubVerification<'a> {
    /// `hub.mode`: subscribe, unsubscribe or denied.
    pub mode: Option<&'a str>,
    /// `hub.topic`.
    pub topic: Option<&'a str>,
    /// `hub.challenge`.
    pub challenge: Option<&'a str>,
    /// `hub.lease_seconds`.
    pub lease_seconds: Option<&'a str>,
    /// `hub.reason`, with `denied`.
    pub reason: Option<&'a str>,
}

/// Whether `token` is the subscription's, compared without an early exit.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Answers a hub's verification at our callback (§5.3.1): the challenge to echo when we asked
/// for exactly this (our pending or active subscription of that feed, token and topic, in
/// subscribe mode), `None` for a denial we took note of (§5.2), and `NotFound` for anything
/// else, which tells the hub we did not ask.
pub async fn confirm_subscriber_intent(
    store: &dyn Store,
    feed: FeedId,
    token: &str,
    request: HubVerification<'_>,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let not_ours = || AppError::NotFound("no such subscription".to_owned());
    let subscription = store.feed_subscription(feed).await?.ok_or_else(not_ours)?;
    if !same_token(&subscription.token, token) || request.topic != Some(subscription.topic.as_str()) {
        return Err(not_ours());
    }
    match request.mode {
        Some("subscribe")
            if matches!(
                subscription.state,
                FeedSubscriptionState::Pending | FeedSubscriptionState::Active
            ) =>
        {
            let challenge = request.challenge.filter(|c| !c.is_empty()).ok_or_else(not_ours)?;
            let lease = request
                .lease_seconds
                .and_then(|l| l.trim().parse::<u64>().ok())
                .map_or(Duration::from_hours(240), Duration::from_secs);
            let secs = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX);
            store.activate_feed_subscription(feed, secs, now, renewal_time(now, lease)).await?;
            Ok(Some(challenge.to_owned()))
        }
        Some("denied") => {
            let reason =
                format!("the hub denied the subscription: {}", request.reason.unwrap_or("no reason given"));
            store.fail_feed_subscription(feed, now + chrono::Duration::hours(1), &reason).await?;
            Ok(None)
        }
        _ => Err(not_ours()),
    }
}

/// What became of pushed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// Stored as a poll stores a feed.
    Stored(PollOutcome),
    /// The signature was missing or wrong: acknowledged, as §8 asks, and discarded.
    Discarded,
}

/// Takes content a hub pushed to our callback (§7, §8): the subscription must be ours
/// (feed and token), the `X-Hub-Signature` must match the secret we gave (else the content is
/// discarded while the hub is still answered 2xx), and the document is stored through
/// [`Poller::store_pushed`], the very path a poll takes.
pub async fn receive_push(
    poller: &Poller,
    feed: FeedId,
    token: &str,
    signature: Option<&str>,
    content_type: Option<String>,
    body: Bytes,
    now: DateTime<Utc>,
) -> Result<Pushed, AppError> {
    let store = poller_store(poller);
    let not_ours = || AppError::NotFound("no such subscription".to_owned());
    let subscription = store.feed_subscription(feed).await?.ok_or_else(not_ours)?;
    if !same_token(&subscription.token, token) {
        return Err(not_ours());
    }
    if !signature.is_some_and(|s| signature_matches(&subscription.secret, s, &body)) {
        tracing::warn!(feed = %feed, "WebSub push without a valid signature discarded");
        return Ok(Pushed::Discarded);
    }
    let followed = store.feed_by_id(feed).await?.ok_or_else(not_ours)?;
    store.record_feed_push(feed, now).await?;
    let outcome = poller
        .store_pushed(&followed, body, content_type)
        .await
        .map_err(|reason| AppError::Invalid(format!("the pushed feed could not be stored: {reason}")))?;
    Ok(Pushed::Stored(outcome))
}

fn poller_store(poller: &Poller) -> &dyn Store {
    poller.store()
}
