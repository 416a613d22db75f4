//! [`CoordinationStore`](freewire_core::CoordinationStore) and the feed lease's token: what
//! processes on one database share. Where it matters, a second store opened on the same
//! database stands for a second process, and many calls are made at once.

use std::sync::Arc;

use chrono::{Duration, Utc};
use freewire_core::model::{FeedPollUpdate, NewFeed};
use freewire_core::store::prelude::*;
use freewire_store::SqlStore;

use crate::{Fixture, source};

fn polled(now: chrono::DateTime<Utc>, error: &str) -> FeedPollUpdate {
    FeedPollUpdate {
        new_url: None,
        title: None,
        etag: None,
        last_modified: None,
        polled_at: now,
        next_poll_at: now + Duration::hours(1),
        poll_interval_secs: 3600,
        error_count: 1,
        last_error: Some(error.to_owned()),
        success: false,
        last_status: Some(500),
    }
}

async fn a_claim_whose_lease_ran_out_cannot_record_over_the_next(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let feed = s
        .insert_feed(NewFeed { source_id: src, url: "https://outlet.example/feed".into(), title: None })
        .await
        .unwrap();
    let now = Utc::now() + Duration::seconds(1);
    let first = s.claim_due_feeds(now, 10, now + Duration::seconds(30), "first").await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].lease_token.as_deref(), Some("first"));
    // The first holder stalls past its lease; the feed is due again and another claim takes it.
    let later = now + Duration::seconds(31);
    let second = s.claim_due_feeds(later, 10, later + Duration::seconds(30), "second").await.unwrap();
    assert_eq!(second.iter().map(|f| f.id).collect::<Vec<_>>(), [feed.id], "taken again after the lease");
    assert!(
        !s.update_feed_after_poll(feed.id, Some("first"), polled(now, "stale")).await.unwrap(),
        "the stale holder's record is refused"
    );
    let kept = s.feed_by_id(feed.id).await.unwrap().unwrap();
    assert_eq!(kept.last_error, None, "nothing of the stale poll was written");
    assert_eq!(kept.lease_token.as_deref(), Some("second"));
    assert!(s.update_feed_after_poll(feed.id, Some("second"), polled(later, "current")).await.unwrap());
    let done = s.feed_by_id(feed.id).await.unwrap().unwrap();
    assert_eq!(done.last_error.as_deref(), Some("current"));
    assert_eq!(done.lease_token, None, "the claim ends with its poll");
    assert!(
        s.update_feed_after_poll(freewire_core::FeedId(9999), Some("x"), polled(later, "x")).await.is_err(),
        "a feed that does not exist is an error, not a lost lease"
    );
}

async fn a_hosts_slots_are_shared_and_free_themselves(f: &Fixture) {
    let s = &f.store;
    let now = Utc::now();
    let until = now + Duration::seconds(60);
    assert_eq!(s.take_host_slot("outlet.example", 2, "a", now, until).await.unwrap(), Some(0));
    assert_eq!(s.take_host_slot("outlet.example", 2, "b", now, until).await.unwrap(), Some(1));
    assert_eq!(s.take_host_slot("outlet.example", 2, "c", now, until).await.unwrap(), None, "both held");
    assert_eq!(
        s.take_host_slot("other.example", 2, "c", now, until).await.unwrap(),
        Some(0),
        "hosts are counted apart"
    );
    s.give_host_slot("outlet.example", 0, "not-a").await.unwrap();
    assert_eq!(
        s.take_host_slot("outlet.example", 2, "c", now, until).await.unwrap(),
        None,
        "only its holder gives a slot back"
    );
    s.give_host_slot("outlet.example", 0, "a").await.unwrap();
    assert_eq!(s.take_host_slot("outlet.example", 2, "c", now, until).await.unwrap(), Some(0));
    // A holder that died: its slot is free once its time has run out.
    let after = until + Duration::seconds(1);
    assert_eq!(
        s.take_host_slot("outlet.example", 2, "d", after, after + Duration::seconds(60)).await.unwrap(),
        Some(0)
    );
    assert_eq!(
        s.take_host_slot("outlet.example", 1, "e", after, after + Duration::seconds(60)).await.unwrap(),
        None,
        "a lower limit counts only its own slots"
    );

    // Many takers at once, half of them through another connection pool (another process):
    // never more than the capacity.
    let other = Arc::new(SqlStore::connect(&f.url).await.unwrap());
    let here = Arc::new(s.clone());
    let at = after + Duration::seconds(120);
    let takers = (0..24).map(|i| {
        let store = if i % 2 == 0 { here.clone() } else { other.clone() };
        tokio::spawn(async move {
            store
                .take_host_slot("busy.example", 3, &format!("t{i}"), at, at + Duration::seconds(60))
                .await
                .unwrap()
        })
    });
    let mut taken: Vec<u32> =
        futures_util::future::join_all(takers).await.into_iter().filter_map(|r| r.unwrap()).collect();
    taken.sort_unstable();
    assert_eq!(taken, [0, 1, 2], "each slot went to exactly one taker");
}

async fn attempts_are_counted_once_for_every_process(f: &Fixture) {
    let s = &f.store;
    let now = Utc::now();
    let every = std::time::Duration::from_mins(1);
    for i in 0..3 {
        assert_eq!(s.count_attempt("sign-in:account:ada", now, every, 3).await.unwrap(), None, "attempt {i}");
    }
    let wait = s.count_attempt("sign-in:account:ada", now, every, 3).await.unwrap().unwrap();
    assert!(wait > std::time::Duration::from_secs(59) && wait <= every, "{wait:?}");
    assert_eq!(s.count_attempt("sign-in:account:bob", now, every, 3).await.unwrap(), None, "keys apart");
    // One interval on, one more attempt fits; the refused one was not counted.
    let later = now + Duration::seconds(60);
    assert_eq!(s.count_attempt("sign-in:account:ada", later, every, 3).await.unwrap(), None);
    assert!(s.count_attempt("sign-in:account:ada", later, every, 3).await.unwrap().is_some());

    // Forty attempts at once through two connection pools: exactly the burst is admitted.
    let other = Arc::new(SqlStore::connect(&f.url).await.unwrap());
    let here = Arc::new(s.clone());
    let attempts = (0..40).map(|i| {
        let store = if i % 2 == 0 { here.clone() } else { other.clone() };
        tokio::spawn(
            async move { store.count_attempt("sign-in:address:192.0.2.1", now, every, 5).await.unwrap() },
        )
    });
    let admitted = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .filter(|r| r.as_ref().unwrap().is_none())
        .count();
    assert_eq!(admitted, 5);

    assert_eq!(s.forget_attempts(now).await.unwrap(), 0, "nothing has refilled yet");
    let removed = s.forget_attempts(now + Duration::hours(1)).await.unwrap();
    assert_eq!(removed, 3, "every refilled counter is forgotten");
    assert_eq!(s.count_attempt("sign-in:account:ada", now, every, 3).await.unwrap(), None, "a fresh count");
}

contract!(
    a_claim_whose_lease_ran_out_cannot_record_over_the_next,
    a_hosts_slots_are_shared_and_free_themselves,
    attempts_are_counted_once_for_every_process,
);
