//! WebSub (W3C Recommendation) over HTTP, both ways. As the hub of our own feeds:
//! `POST /websub` takes subscription requests (verified asynchronously), and [`Distributor`]
//! follows the store's change sequence, maps each changed article to the feeds it appears in
//! (site, source, tags, story; every format), queues a delivery for their subscribers and
//! delivers the current feed document, retrying with backoff. As a subscriber:
//! `/websub/callback/{feed}/{token}` answers the hubs' verifications and takes their pushes.
//! The rules and every state change are `freewire_app::websub`'s.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use freewire_app::AppError;
use freewire_app::websub::{self as usecase, FeedContent, HubRequest, HubVerification, Pushed};
use freewire_core::{ArticleId, FeedId};
use freewire_ingest::fetch::Fetcher;
use freewire_ingest::poll::Poller;
use serde::Deserialize;

use crate::error::WebError;
use crate::site::feeds::{hub_url, render_topic, topics_of};
use crate::site::lists::slugs;
use crate::state::AppState;

/// What WebSub needs besides the web's own state: the guarded client that verifies callbacks
/// and delivers content, and the poller that stores pushed content (absent when the
/// subscriber is off).
pub struct WebSubRuntime {
    /// Fetches callbacks and posts deliveries under the feeds' guard and limits.
    pub fetcher: Fetcher,
    /// Stores pushed feeds the way polls store them.
    pub poller: Option<Arc<Poller>>,
}

/// A hub request's form (`application/x-www-form-urlencoded`, §5.1).
#[derive(Debug, Default, Deserialize)]
pub struct HubForm {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.topic")]
    topic: Option<String>,
    #[serde(rename = "hub.callback")]
    callback: Option<String>,
    #[serde(rename = "hub.lease_seconds")]
    lease_seconds: Option<String>,
    #[serde(rename = "hub.secret")]
    secret: Option<String>,
}

/// A short plain-text answer: other programs read these, not people.
fn plain(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
}

/// A use case's refusal as a plain answer; storage failures go through the site's error page.
fn refusal(e: AppError) -> Result<Response, WebError> {
    match e {
        AppError::Invalid(m) => Ok(plain(StatusCode::BAD_REQUEST, &m)),
        AppError::NotFound(m) => Ok(plain(StatusCode::NOT_FOUND, &m)),
        other => Err(other.into()),
    }
}

/// POST /websub — a subscription or unsubscription request. Answers 202 Accepted and
/// verifies the subscriber's intent afterwards; 400 for a request that cannot be used
/// (a topic that is not one of our feeds, a bad callback, an over-long secret).
pub async fn hub_request(
    State(state): State<AppState>,
    crate::client::ClientAddress(client): crate::client::ClientAddress,
    axum::Form(form): axum::Form<HubForm>,
) -> Result<Response, WebError> {
    let Some(runtime) = state.websub().cloned() else {
        return Ok(plain(StatusCode::NOT_FOUND, "this site is not a WebSub hub"));
    };
    // Each request makes us call a callback: counted per address, as API calls are, so the
    // hub cannot be used to send a flood of requests elsewhere.
    if let Err(wait) = state.limits().api_address(client) {
        let mut refused =
            plain(StatusCode::TOO_MANY_REQUESTS, "too many subscription requests; try again later");
        refused.headers_mut().insert(header::RETRY_AFTER, wait.0.as_secs().max(1).into());
        return Ok(refused);
    }
    let topic_is_ours = match form.topic.as_deref() {
        Some(topic) => render_topic(&state, topic).await?.is_some(),
        None => false,
    };
    let request = HubRequest {
        mode: form.mode.as_deref(),
        topic: form.topic.as_deref(),
        callback: form.callback.as_deref(),
        lease_seconds: form.lease_seconds.as_deref(),
        secret: form.secret.as_deref(),
    };
    let intent = match usecase::accept_hub_request(&state.config().websub, request, topic_is_ours) {
        Ok(intent) => intent,
        Err(e) => return refusal(e),
    };
    // Verified after the answer (§5.3): the subscriber may check its request was accepted
    // before it sees the challenge.
    tokio::spawn(async move {
        if let Err(e) = usecase::verify_hub_intent(state.store(), &runtime.fetcher, &intent, Utc::now()).await
        {
            tracing::error!(error = %e, callback = %intent.callback, "WebSub verification not recorded");
        }
    });
    Ok(plain(StatusCode::ACCEPTED, "accepted; the callback will be asked to confirm"))
}

/// The query of a hub's verification (§5.3).
#[derive(Debug, Default, Deserialize)]
pub struct VerificationQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.topic")]
    topic: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
    #[serde(rename = "hub.lease_seconds")]
    lease_seconds: Option<String>,
    #[serde(rename = "hub.reason")]
    reason: Option<String>,
}

/// GET /websub/callback/{feed}/{token} — a hub verifies our subscription: the challenge echoed
/// when we asked for it, 404 otherwise.
pub async fn confirm_subscription(
    State(state): State<AppState>,
    Path((feed, token)): Path<(i64, String)>,
    Query(query): Query<VerificationQuery>,
) -> Result<Response, WebError> {
    let request = HubVerification {
        mode: query.mode.as_deref(),
        topic: query.topic.as_deref(),
        challenge: query.challenge.as_deref(),
        lease_seconds: query.lease_seconds.as_deref(),
        reason: query.reason.as_deref(),
    };
    match usecase::confirm_subscriber_intent(state.store(), FeedId(feed), &token, request, Utc::now()).await {
        Ok(Some(challenge)) => {
            Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], challenge).into_response())
        }
        Ok(None) => Ok(plain(StatusCode::OK, "noted")),
        Err(e) => refusal(e),
    }
}

/// POST /websub/callback/{feed}/{token} — content a hub pushed. Stored when signed with our
/// secret; acknowledged but discarded otherwise (§8).
pub async fn receive_push(
    State(state): State<AppState>,
    Path((feed, token)): Path<(i64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let Some(poller) = state.websub().and_then(|r| r.poller.clone()) else {
        return Ok(plain(StatusCode::NOT_FOUND, "no such subscription"));
    };
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let signature = text("x-hub-signature");
    let content_type = text(header::CONTENT_TYPE.as_str());
    match usecase::receive_push(
        &poller,
        FeedId(feed),
        &token,
        signature.as_deref(),
        content_type,
        body,
        Utc::now(),
    )
    .await
    {
        Ok(Pushed::Stored(outcome)) => {
            tracing::info!(feed, ?outcome, "WebSub content stored");
            Ok(plain(StatusCode::OK, "stored"))
        }
        Ok(Pushed::Discarded) => Ok(plain(StatusCode::OK, "received")),
        // An unreadable document is the hub's or the outlet's problem; a retry would bring the
        // same. Acknowledged, and the poll that follows sees the feed as it is.
        Err(AppError::Invalid(reason)) => {
            tracing::warn!(feed, %reason, "WebSub content not stored");
            Ok(plain(StatusCode::OK, "received"))
        }
        Err(e) => refusal(e),
    }
}

/// Deliveries sent at once.
const DELIVERIES_PER_ROUND: u64 = 50;
/// Changes read per round.
const CHANGES_PER_ROUND: u64 = 500;
/// How long a claimed delivery is kept from other processes.
const DELIVERY_LEASE: Duration = Duration::from_mins(5);

/// The hub's distributor: one per serving process; several processes share the work through
/// the store (the position moves by compare-and-set, deliveries are claimed).
pub struct Distributor;

impl Distributor {
    /// Runs a round every `every` until `shutdown` resolves.
    pub async fn run(state: AppState, every: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = Self::round(&state).await {
                tracing::error!(error = %e, "WebSub distribution round failed");
            }
        }
    }

    /// Queues deliveries for the changes since the last round, then sends those due.
    pub async fn round(state: &AppState) -> Result<(), WebError> {
        let Some(runtime) = state.websub().cloned() else { return Ok(()) };
        if !state.config().websub.enabled {
            return Ok(());
        }
        Self::queue_changes(state).await?;
        Self::send_due(state, &runtime).await
    }

    async fn queue_changes(state: &AppState) -> Result<(), WebError> {
        let store = state.store();
        let Some(position) = store.hub_position().await? else {
            // A new hub owes nothing for what happened before it.
            let last = store.last_change().await?;
            store.advance_hub_position(None, last).await?;
            return Ok(());
        };
        let changes = store.changes_since(position, None, CHANGES_PER_ROUND).await?;
        let Some(to) = changes.iter().map(|c| c.seq).max() else { return Ok(()) };
        let ids: BTreeSet<ArticleId> = changes.iter().map(|c| c.article_id).collect();
        let slugs = slugs(state).await?;
        let mut topics = BTreeSet::new();
        for article in store.articles_by_ids(&ids.into_iter().collect::<Vec<_>>()).await? {
            topics.extend(topics_of(state, &article, &slugs).await?);
        }
        // Queued before the position moves: a crash in between queues again, and a queued
        // delivery is never doubled, so nothing is lost and nothing sent twice.
        let topics: Vec<String> = topics.into_iter().collect();
        let queued = store.enqueue_hub_deliveries(&topics, Utc::now()).await?;
        if queued > 0 {
            tracing::debug!(queued, changes = changes.len(), "WebSub deliveries queued");
        }
        store.advance_hub_position(Some(position), to).await?;
        Ok(())
    }

    async fn send_due(state: &AppState, runtime: &WebSubRuntime) -> Result<(), WebError> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(DELIVERY_LEASE).unwrap_or(chrono::Duration::minutes(5));
        let due = state.store().claim_due_hub_deliveries(now, DELIVERIES_PER_ROUND, until).await?;
        if due.is_empty() {
            return Ok(());
        }
        let hub = hub_url(state).unwrap_or_default();
        // One rendering per topic, shared by its subscribers.
        let mut documents: HashMap<String, Option<FeedContent>> = HashMap::new();
        for delivery in &due {
            let topic = &delivery.subscription.topic;
            if !documents.contains_key(topic) {
                let content = render_topic(state, topic).await?.map(|feed| FeedContent {
                    content_type: feed.content_type,
                    body: Bytes::from(feed.body),
                    hub: hub.clone(),
                });
                documents.insert(topic.clone(), content);
            }
        }
        let rules = &state.config().websub;
        let sends = due.iter().map(|delivery| {
            let content = documents.get(&delivery.subscription.topic).cloned().flatten();
            async move {
                let Some(content) = content else {
                    // The feed is gone (a source renamed, a story merged): nothing to send.
                    return state.store().finish_hub_delivery(delivery.id).await.map_err(WebError::from);
                };
                usecase::deliver(state.store(), &runtime.fetcher, rules, delivery, &content, Utc::now())
                    .await
                    .map(|_| ())
                    .map_err(WebError::from)
            }
        });
        for result in futures_util::future::join_all(sends).await {
            result?;
        }
        Ok(())
    }
}
