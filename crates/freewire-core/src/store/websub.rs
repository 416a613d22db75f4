//! [`WebSubStore`]: WebSub (W3C Recommendation) state, both ways. As a *hub* for our own
//! feeds: the verified subscriptions to them, the distributor's position in the change
//! sequence, and the queue of deliveries with their retries. As a *subscriber* to the feeds
//! we follow: one subscription per feed at the hub it advertises.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::FeedId;

/// A verified subscription to one of our feeds (a topic).
#[derive(Clone, PartialEq, Eq)]
pub struct HubSubscription {
    /// Its row.
    pub id: i64,
    /// Our feed's absolute address.
    pub topic: String,
    /// Where content is delivered.
    pub callback: String,
    /// The subscriber's secret for `X-Hub-Signature`; never shown.
    pub secret: Option<String>,
    /// The lease granted, in seconds.
    pub lease_seconds: i64,
    /// When the lease ends; nothing is delivered after it.
    pub expires_at: DateTime<Utc>,
    /// When it was first verified.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for HubSubscription {
    // The secret stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubSubscription")
            .field("id", &self.id)
            .field("topic", &self.topic)
            .field("callback", &self.callback)
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A subscription whose intent was just verified.
#[derive(Clone)]
pub struct NewHubSubscription {
    /// Our feed's absolute address.
    pub topic: String,
    /// Where content is delivered.
    pub callback: String,
    /// The subscriber's secret.
    pub secret: Option<String>,
    /// The lease granted, in seconds.
    pub lease_seconds: i64,
    /// When it was verified.
    pub verified_at: DateTime<Utc>,
}

/// A delivery claimed for sending: the subscription and how many tries came before.
#[derive(Debug, Clone)]
pub struct HubDelivery {
    /// Its row.
    pub id: i64,
    /// Tries so far (0 for the first).
    pub attempts: i32,
    /// To whom.
    pub subscription: HubSubscription,
}

/// A delivery as kept, for operators and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubDeliveryRecord {
    /// Its row.
    pub id: i64,
    /// The subscription it is for.
    pub subscription_id: i64,
    /// Tries so far.
    pub attempts: i32,
    /// When it is tried next.
    pub next_try_at: DateTime<Utc>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Set when it was given up.
    pub gave_up_at: Option<DateTime<Utc>>,
}

/// Where our subscription to a followed feed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedSubscriptionState {
    /// Asked for; the hub has not verified it yet.
    Pending,
    /// Verified by the hub: pushes are expected.
    Active,
    /// Refused, denied or not verified: the feed is polled as usual.
    Failed,
}

impl FeedSubscriptionState {
    /// The word stored.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FeedSubscriptionState::Pending => "pending",
            FeedSubscriptionState::Active => "active",
            FeedSubscriptionState::Failed => "failed",
        }
    }

    /// From the word stored.
    #[must_use]
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "pending" => Some(FeedSubscriptionState::Pending),
            "active" => Some(FeedSubscriptionState::Active),
            "failed" => Some(FeedSubscriptionState::Failed),
            _ => None,
        }
    }
}

/// Our subscription, at a hub, to a feed we follow.
#[derive(Clone, PartialEq, Eq)]
pub struct FeedSubscription {
    /// The feed followed.
    pub feed_id: FeedId,
    /// The hub it advertised.
    pub hub: String,
    /// The topic (the feed's `rel=self`, or its address).
    pub topic: String,
    /// The unguessable last segment of our callback address.
    pub token: String,
    /// The secret the hub signs with; never shown.
    pub secret: String,
    /// Where it stands.
    pub state: FeedSubscriptionState,
    /// The lease the hub granted, once verified.
    pub lease_seconds: Option<i64>,
    /// When that lease ends.
    pub expires_at: Option<DateTime<Utc>>,
    /// When to ask again (renewal before the lease ends, or a retry after a failure).
    pub renew_at: DateTime<Utc>,
    /// When the hub last verified it.
    pub verified_at: Option<DateTime<Utc>>,
    /// When content was last pushed.
    pub last_push_at: Option<DateTime<Utc>>,
    /// Why it failed, if it did.
    pub last_error: Option<String>,
}

impl fmt::Debug for FeedSubscription {
    // The token and the secret stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeedSubscription")
            .field("feed_id", &self.feed_id)
            .field("hub", &self.hub)
            .field("topic", &self.topic)
            .field("state", &self.state)
            .field("expires_at", &self.expires_at)
            .field("renew_at", &self.renew_at)
            .finish_non_exhaustive()
    }
}

/// A subscription about to be asked for.
#[derive(Clone)]
pub struct NewFeedSubscription {
    /// The feed followed.
    pub feed_id: FeedId,
    /// The hub.
    pub hub: String,
    /// The topic.
    pub topic: String,
    /// The callback's token.
    pub token: String,
    /// The secret.
    pub secret: String,
    /// When to ask again if the hub never verifies.
    pub renew_at: DateTime<Utc>,
}

/// WebSub state, behind atomic calls.
#[async_trait]
pub trait WebSubStore: Send + Sync {
    /// Stores a verified subscription, replacing the one of the same topic and callback (a
    /// renewal, or a new secret).
    async fn upsert_hub_subscription(&self, new: NewHubSubscription) -> Result<HubSubscription, StoreError>;
    /// The subscription of `callback` to `topic`, if any.
    async fn hub_subscription(
        &self,
        topic: &str,
        callback: &str,
    ) -> Result<Option<HubSubscription>, StoreError>;
    /// Removes the subscription of `callback` to `topic` (a verified unsubscription); whether
    /// there was one.
    async fn delete_hub_subscription(&self, topic: &str, callback: &str) -> Result<bool, StoreError>;
    /// Removes a subscription by its row (the subscriber answered 410 Gone).
    async fn delete_hub_subscription_by_id(&self, id: i64) -> Result<(), StoreError>;
    /// Queues a delivery, due at `now`, for every subscription to one of `topics` whose lease
    /// has not ended, unless one is queued for it already; how many were queued.
    async fn enqueue_hub_deliveries(&self, topics: &[String], now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Claims up to `limit` deliveries due at `now` (not given up, lease not ended), keeping
    /// other processes off them until `until`.
    async fn claim_due_hub_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u64,
        until: DateTime<Utc>,
    ) -> Result<Vec<HubDelivery>, StoreError>;
    /// A delivery succeeded: it leaves the queue.
    async fn finish_hub_delivery(&self, id: i64) -> Result<(), StoreError>;
    /// A delivery failed and is tried again at `next_try_at`.
    async fn retry_hub_delivery(
        &self,
        id: i64,
        next_try_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;
    /// A delivery failed for the last time: kept, with the reason, and never tried again.
    async fn give_up_hub_delivery(&self, id: i64, at: DateTime<Utc>, error: &str) -> Result<(), StoreError>;
    /// Every delivery kept (queued or given up), oldest first.
    async fn list_hub_deliveries(&self) -> Result<Vec<HubDeliveryRecord>, StoreError>;
    /// The distributor's position in the change sequence, once it has one.
    async fn hub_position(&self) -> Result<Option<i64>, StoreError>;
    /// Moves the distributor's position from `from` to `to`, if it is still at `from`
    /// (compare-and-set: of several processes, one distributes each change); whether it moved.
    async fn advance_hub_position(&self, from: Option<i64>, to: i64) -> Result<bool, StoreError>;

    /// Our subscription for a followed feed.
    async fn feed_subscription(&self, feed: FeedId) -> Result<Option<FeedSubscription>, StoreError>;
    /// Records a subscription about to be asked for, pending, replacing the feed's earlier one.
    async fn upsert_feed_subscription(
        &self,
        new: NewFeedSubscription,
    ) -> Result<FeedSubscription, StoreError>;
    /// The hub verified the subscription with this lease.
    async fn activate_feed_subscription(
        &self,
        feed: FeedId,
        lease_seconds: i64,
        at: DateTime<Utc>,
        renew_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Asking (again) is due at `renew_at`, the subscription staying as it is meanwhile.
    async fn defer_feed_subscription(&self, feed: FeedId, renew_at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The hub refused or denied the subscription; asked again at `retry_at`.
    async fn fail_feed_subscription(
        &self,
        feed: FeedId,
        retry_at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), StoreError>;
    /// The hub pushed content at `at`.
    async fn record_feed_push(&self, feed: FeedId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Forgets the feed's subscription.
    async fn delete_feed_subscription(&self, feed: FeedId) -> Result<(), StoreError>;
    /// Subscriptions whose `renew_at` has come.
    async fn feed_subscriptions_due(&self, now: DateTime<Utc>) -> Result<Vec<FeedSubscription>, StoreError>;
}
