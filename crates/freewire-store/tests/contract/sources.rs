//! [`SourceStore`](freewire_core::SourceStore): sources and the feeds followed for them.

use chrono::{Duration, Utc};
use freewire_core::model::{FeedPollUpdate, FeedState, NewFeed, NewSource, SourceId};
use freewire_core::store::prelude::*;
use freewire_core::{Licence, StoreError};
use freewire_store::SqlStore;

use crate::{Fixture, source};

async fn feed(s: &SqlStore, src: SourceId, url: &str) -> freewire_core::Feed {
    s.insert_feed(NewFeed { source_id: src, url: url.to_owned(), title: None }).await.unwrap()
}

async fn sources_are_unique_by_name(f: &Fixture) {
    let s = &f.store;
    let id = source(s, "outlet").await;
    let found = s.source_by_name("outlet").await.unwrap().unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.licence, Licence::CcBy4);
    assert_eq!(s.source_by_id(id).await.unwrap(), Some(found));
    assert!(s.source_by_name("nobody").await.unwrap().is_none());
    let again = s
        .insert_source(NewSource {
            name: "outlet".into(),
            homepage: None,
            licence: Licence::Permission,
            credit: None,
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(ref m)) if m.contains("outlet")), "{again:?}");
    source(s, "another").await;
    let names: Vec<_> = s.list_sources().await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["another", "outlet"]);
}

async fn feeds_belong_to_a_source_and_are_followed_once(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let feed = s
        .insert_feed(NewFeed { source_id: src, url: "https://outlet.example/feed".into(), title: None })
        .await
        .unwrap();
    assert!(feed.enabled);
    assert_eq!(feed.error_count, 0);
    assert_eq!(feed.state(), FeedState::New);
    assert_eq!(s.feed_by_id(feed.id).await.unwrap(), Some(feed.clone()));
    let dup = s.insert_feed(NewFeed { source_id: src, url: feed.url.clone(), title: None }).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let orphan = s
        .insert_feed(NewFeed { source_id: SourceId(9999), url: "https://x.example/f".into(), title: None })
        .await;
    assert!(matches!(orphan, Err(StoreError::Missing(_))), "{orphan:?}");
    assert_eq!(s.list_feeds().await.unwrap(), vec![feed]);
}

async fn due_feeds_are_claimed_once_until_their_poll_is_recorded(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let a = feed(s, src, "https://a.example/feed").await;
    let b = feed(s, src, "https://b.example/feed").await;
    let off = feed(s, src, "https://c.example/feed").await;
    assert!(s.set_feed_enabled(off.id, false).await.unwrap());
    assert!(!s.set_feed_enabled(freewire_core::FeedId(9999), false).await.unwrap());
    let now = Utc::now() + Duration::seconds(1);
    let lease = now + Duration::minutes(10);
    let claimed = s.claim_due_feeds(now, 10, lease, "claim-1").await.unwrap();
    assert_eq!(claimed.iter().map(|f| f.id).collect::<Vec<_>>(), [a.id, b.id], "enabled, due feeds only");
    assert!(
        s.claim_due_feeds(now, 10, lease, "claim-1").await.unwrap().is_empty(),
        "a claimed feed is not handed out twice"
    );
    let limited = s
        .claim_due_feeds(lease + Duration::seconds(1), 1, lease + Duration::minutes(5), "claim-2")
        .await
        .unwrap();
    assert_eq!(limited.len(), 1, "the limit is respected");
    // A poll asked for now waits for the poller that holds the feed.
    assert!(!s.set_feed_due(a.id, now).await.unwrap(), "held by a poller: not made due");
    assert!(!s.set_feed_due(off.id, now).await.unwrap(), "switched off: not made due");
    assert_eq!(s.count_due_feeds(now).await.unwrap(), 0);

    s.update_feed_after_poll(
        a.id,
        None,
        FeedPollUpdate {
            new_url: Some("https://a.example/moved".into()),
            title: Some("A".into()),
            etag: Some("\"v1\"".into()),
            last_modified: Some("Tue, 05 Mar 2024 08:30:00 GMT".into()),
            polled_at: now,
            next_poll_at: now + Duration::hours(1),
            poll_interval_secs: 3600,
            error_count: 0,
            last_error: None,
            success: true,
            last_status: Some(200),
        },
    )
    .await
    .unwrap();
    let a2 = s.feed_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(a2.url, "https://a.example/moved");
    assert_eq!(a2.etag.as_deref(), Some("\"v1\""));
    assert_eq!(a2.state(), FeedState::Ok);
    assert_eq!(s.feed_by_url("https://a.example/moved").await.unwrap().map(|f| f.id), Some(a.id));
    assert!(s.feed_by_url("https://a.example/feed").await.unwrap().is_none());
    assert!(s.set_feed_due(a.id, now).await.unwrap(), "released by its poll: made due");
    assert!(s.feed_by_id(a.id).await.unwrap().unwrap().next_poll_at <= now);
    assert_eq!(s.count_due_feeds(now).await.unwrap(), 1, "and counted as due");

    let failing = FeedPollUpdate {
        new_url: None,
        title: None,
        etag: None,
        last_modified: None,
        polled_at: now,
        next_poll_at: now - Duration::seconds(1),
        poll_interval_secs: 3600,
        error_count: 2,
        last_error: Some("HTTP 500".into()),
        success: false,
        last_status: Some(500),
    };
    s.update_feed_after_poll(a.id, None, failing.clone()).await.unwrap();
    let a3 = s.feed_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(a3.state(), FeedState::Failing);
    assert_eq!(a3.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(a3.etag.as_deref(), Some("\"v1\""), "a failure keeps the validators");
    assert_eq!(a3.last_success_at, Some(a2.last_success_at.unwrap()));
    assert_eq!(
        s.claim_due_feeds(now, 10, lease, "claim-1").await.unwrap().iter().map(|f| f.id).collect::<Vec<_>>(),
        [a.id]
    );
    let clash = s
        .update_feed_after_poll(a.id, None, FeedPollUpdate { new_url: Some(b.url.clone()), ..failing })
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(s.feed_by_id(off.id).await.unwrap().unwrap().state(), FeedState::Disabled);
}

contract!(
    sources_are_unique_by_name,
    feeds_belong_to_a_source_and_are_followed_once,
    due_feeds_are_claimed_once_until_their_poll_is_recorded,
);
