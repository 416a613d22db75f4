//! [`WebSubStore`](freewire_core::WebSubStore): subscriptions to our feeds and their delivery
//! queue; the hub's position; our subscriptions at outlets' hubs.

use chrono::Duration;
use freewire_core::NewFeed;
use freewire_core::store::prelude::*;
use freewire_core::store::{FeedSubscriptionState, NewFeedSubscription, NewHubSubscription};

use crate::{Fixture, at, source};

fn subscription(topic: &str, callback: &str, lease: i64) -> NewHubSubscription {
    NewHubSubscription {
        topic: topic.into(),
        callback: callback.into(),
        secret: Some("s".into()),
        lease_seconds: lease,
        verified_at: at(2026, 1, 1, 0, 0, 0),
    }
}

async fn hub_subscriptions_queue_deliveries_once_and_retry_until_given_up(f: &Fixture) {
    let s = &f.store;
    let now = at(2026, 1, 1, 0, 0, 10);
    let a = s.upsert_hub_subscription(subscription("t1", "https://a.example/cb", 3600)).await.unwrap();
    // A renewal replaces the lease and the secret, keeping the row.
    let again = s
        .upsert_hub_subscription(NewHubSubscription {
            secret: None,
            ..subscription("t1", "https://a.example/cb", 7200)
        })
        .await
        .unwrap();
    assert_eq!((again.id, again.secret.as_deref(), again.lease_seconds), (a.id, None, 7200));
    assert_eq!(again.expires_at, at(2026, 1, 1, 2, 0, 0));
    let short = s.upsert_hub_subscription(subscription("t2", "https://b.example/cb", 5)).await.unwrap();
    assert_eq!(
        s.enqueue_hub_deliveries(&["t1".into(), "t2".into(), "t3".into()], now).await.unwrap(),
        1,
        "t2's lease ended"
    );
    assert_eq!(
        s.enqueue_hub_deliveries(&["t1".into()], now).await.unwrap(),
        0,
        "one queued delivery per subscription"
    );
    let until = now + Duration::minutes(5);
    let claimed = s.claim_due_hub_deliveries(now, 10, until).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].subscription.id, a.id);
    assert!(s.claim_due_hub_deliveries(now, 10, until).await.unwrap().is_empty(), "claimed once");
    s.retry_hub_delivery(claimed[0].id, now + Duration::seconds(30), "HTTP 500").await.unwrap();
    let retried = s.claim_due_hub_deliveries(now + Duration::seconds(31), 10, until).await.unwrap();
    assert_eq!(retried[0].attempts, 1);
    s.give_up_hub_delivery(retried[0].id, now, "HTTP 500").await.unwrap();
    let kept = s.list_hub_deliveries().await.unwrap();
    assert_eq!((kept[0].attempts, kept[0].gave_up_at.is_some()), (2, true));
    assert!(s.claim_due_hub_deliveries(now + Duration::hours(1), 10, until).await.unwrap().is_empty());
    // Given up, a new change queues afresh; done, it leaves the queue.
    assert_eq!(s.enqueue_hub_deliveries(&["t1".into()], now).await.unwrap(), 1);
    let fresh = s.claim_due_hub_deliveries(now, 10, until).await.unwrap();
    s.finish_hub_delivery(fresh[0].id).await.unwrap();
    assert_eq!(s.list_hub_deliveries().await.unwrap().len(), 1);
    assert!(s.hub_subscription("t2", "https://b.example/cb").await.unwrap().is_some());
    s.delete_hub_subscription_by_id(short.id).await.unwrap();
    assert!(s.delete_hub_subscription("t1", "https://a.example/cb").await.unwrap());
    assert!(!s.delete_hub_subscription("t1", "https://a.example/cb").await.unwrap());
    assert!(s.list_hub_deliveries().await.unwrap().is_empty(), "deliveries go with their subscription");
}

async fn the_hub_position_moves_by_compare_and_set(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.hub_position().await.unwrap(), None);
    assert!(s.advance_hub_position(None, 4).await.unwrap());
    assert!(!s.advance_hub_position(None, 9).await.unwrap(), "set already");
    assert!(!s.advance_hub_position(Some(3), 9).await.unwrap(), "moved by someone else");
    assert!(s.advance_hub_position(Some(4), 9).await.unwrap());
    assert_eq!(s.hub_position().await.unwrap(), Some(9));
}

async fn feed_subscriptions_go_from_pending_to_active_and_come_due_for_renewal(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let feed = s
        .insert_feed(NewFeed { source_id: src, url: "https://o.example/f".into(), title: None })
        .await
        .unwrap();
    let start = at(2026, 1, 1, 0, 0, 0);
    let new = NewFeedSubscription {
        feed_id: feed.id,
        hub: "https://hub.example/".into(),
        topic: "https://o.example/f".into(),
        token: "tok".into(),
        secret: "sec".into(),
        renew_at: start + Duration::hours(1),
    };
    let pending = s.upsert_feed_subscription(new.clone()).await.unwrap();
    assert_eq!(pending.state, FeedSubscriptionState::Pending);
    assert!(s.feed_subscriptions_due(start).await.unwrap().is_empty());
    s.activate_feed_subscription(feed.id, 100, start, start + Duration::seconds(80)).await.unwrap();
    s.record_feed_push(feed.id, start + Duration::seconds(5)).await.unwrap();
    let active = s.feed_subscription(feed.id).await.unwrap().unwrap();
    assert_eq!(active.state, FeedSubscriptionState::Active);
    assert_eq!(active.expires_at, Some(start + Duration::seconds(100)));
    assert_eq!(active.last_push_at, Some(start + Duration::seconds(5)));
    assert_eq!(s.feed_subscriptions_due(start + Duration::seconds(80)).await.unwrap().len(), 1);
    s.defer_feed_subscription(feed.id, start + Duration::hours(2)).await.unwrap();
    s.fail_feed_subscription(feed.id, start + Duration::hours(3), "denied").await.unwrap();
    let failed = s.feed_subscription(feed.id).await.unwrap().unwrap();
    assert_eq!((failed.state, failed.last_error.as_deref()), (FeedSubscriptionState::Failed, Some("denied")));
    // Asking again starts over, pending, with a new token.
    let again =
        s.upsert_feed_subscription(NewFeedSubscription { token: "tok2".into(), ..new }).await.unwrap();
    assert_eq!(
        (again.state, again.token.as_str(), again.last_push_at),
        (FeedSubscriptionState::Pending, "tok2", None)
    );
    s.delete_feed_subscription(feed.id).await.unwrap();
    assert!(s.feed_subscription(feed.id).await.unwrap().is_none());
}

contract!(
    hub_subscriptions_queue_deliveries_once_and_retry_until_given_up,
    the_hub_position_moves_by_compare_and_set,
    feed_subscriptions_go_from_pending_to_active_and_come_due_for_renewal,
);
