//! [`ChangeStore`](freewire_core::ChangeStore): the change sequence, and what a rebuild of the
//! index reads.

use chrono::{Duration, Utc};
use freewire_core::facts::Facts;
use freewire_core::model::{ArticleId, NewUpdate, Role};
use freewire_core::store::prelude::*;
use freewire_core::{NewAuditEntry, Withdrawal};

use crate::{Fixture, article, at, inserted, source, user};

async fn every_change_to_an_article_or_its_timeline_joins_the_change_sequence(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.last_change().await.unwrap(), 0, "nothing changed yet");
    let src = source(s, "alpha").await;
    let editor = user(s, "ed", Role::Editor).await;
    let outcome = s
        .insert_articles_with_retrieval(vec![
            article(src, "a1", "Harbour Opens", at(2024, 3, 5, 9, 0, 0)),
            article(src, "a2", "Market Day", at(2024, 3, 6, 9, 0, 0)),
        ])
        .await
        .unwrap();
    let (one, two) = (inserted(&outcome[0]).id, inserted(&outcome[1]).id);
    // The same item again is no change.
    s.insert_articles_with_retrieval(vec![article(src, "a1", "Harbour Opens", at(2024, 3, 5, 9, 0, 0))])
        .await
        .unwrap();
    let (update, _) = s
        .insert_update_with_attachments(
            NewUpdate { article_id: two, author_id: editor, body: "A note.".into() },
            Vec::new(),
        )
        .await
        .unwrap();
    let both = s.timelines_for_articles(&[one, two]).await.unwrap();
    assert_eq!(
        both.iter().map(|e| (e.update.article_id, e.author.as_str())).collect::<Vec<_>>(),
        [(two, "ed")]
    );
    assert!(s.timelines_for_articles(&[]).await.unwrap().is_empty());
    let act = NewAuditEntry { actor_id: editor, action: "a".into(), target: "t".into(), detail: "d".into() };
    s.set_article_withdrawn(one, Some(Withdrawal { at: Utc::now(), reason: "r".into() }), act.clone())
        .await
        .unwrap();
    s.delete_update(update.id, act).await.unwrap();
    let all = s.changes_since(0, None, 100).await.unwrap();
    let articles: Vec<ArticleId> = all.iter().map(|c| c.article_id).collect();
    assert_eq!(articles, [one, two, two, one, two], "in the order they happened");
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let last = s.last_change().await.unwrap();
    assert_eq!(last, all[4].seq);
    assert_eq!(s.changes_since(all[2].seq, None, 100).await.unwrap(), all[3..].to_vec());
    assert_eq!(s.changes_since(0, None, 2).await.unwrap(), all[..2].to_vec(), "limited");
    // Past the end, only the recent window is read again.
    assert!(s.changes_since(last, None, 100).await.unwrap().is_empty());
    let recent = s.changes_since(last, Some(Utc::now() - Duration::minutes(1)), 100).await.unwrap();
    assert_eq!(recent, all, "all of them happened within the minute");
    let both = s.changes_since(all[2].seq, Some(Utc::now() - Duration::minutes(1)), 100).await.unwrap();
    assert_eq!(both, all, "after a position and within the window, each once, in order");
    let capped = s.changes_since(all[2].seq, Some(Utc::now() - Duration::minutes(1)), 3).await.unwrap();
    assert_eq!(capped, all[..3].to_vec(), "limited");
    assert!(s.changes_since(last, Some(Utc::now() + Duration::minutes(1)), 100).await.unwrap().is_empty());
    // What a rebuild reads: published articles by id, in batches.
    assert_eq!(s.count_published().await.unwrap(), 1);
    let batch = s.published_articles_after(ArticleId(0), 10).await.unwrap();
    assert_eq!(batch.iter().map(|x| x.article.id).collect::<Vec<_>>(), [two]);
    assert!(s.published_articles_after(two, 10).await.unwrap().is_empty());
    // New names and dates: the index takes the articles up again, each once, in the order given.
    s.set_facts(&[(two, Facts::default()), (one, Facts::default())]).await.unwrap();
    let facts_changes = s.changes_since(last, None, 100).await.unwrap();
    assert_eq!(facts_changes.iter().map(|c| c.article_id).collect::<Vec<_>>(), [two, one]);
    assert!(facts_changes.iter().all(|c| c.seq > last));
}

async fn old_changes_are_pruned_in_batches_and_the_horizon_is_kept(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.pruned_through().await.unwrap(), 0, "nothing pruned yet");
    let src = source(s, "alpha").await;
    let batch = (0..5)
        .map(|n| article(src, &format!("a{n}"), &format!("Item {n}"), at(2024, 3, 5, n, 0, 0)))
        .collect();
    s.insert_articles_with_retrieval(batch).await.unwrap();
    let last = s.last_change().await.unwrap();
    let all = s.changes_since(0, None, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    // Nothing is older than an hour ago: nothing goes.
    assert_eq!(s.prune_changes(Utc::now() - Duration::hours(1), 100).await.unwrap(), 0);
    assert_eq!(s.pruned_through().await.unwrap(), 0);
    // Everything is older than a minute from now: the oldest two go first.
    let later = Utc::now() + Duration::minutes(1);
    assert_eq!(s.prune_changes(later, 2).await.unwrap(), 2);
    assert_eq!(s.pruned_through().await.unwrap(), all[1].seq);
    let kept: Vec<i64> = s.changes_since(0, None, 100).await.unwrap().iter().map(|c| c.seq).collect();
    assert_eq!(kept, all[2..].iter().map(|c| c.seq).collect::<Vec<_>>());
    // Then the rest, fewer than a batch; the newest position is still the newest.
    assert_eq!(s.prune_changes(later, 100).await.unwrap(), 3);
    assert_eq!(s.pruned_through().await.unwrap(), last);
    assert!(s.changes_since(0, None, 100).await.unwrap().is_empty());
    assert_eq!(s.last_change().await.unwrap(), last, "with none kept, the newest is the newest pruned");
    assert_eq!(s.prune_changes(later, 100).await.unwrap(), 0);
    assert_eq!(s.pruned_through().await.unwrap(), last, "the horizon never goes back");
    // New changes follow on from the horizon.
    s.insert_articles_with_retrieval(vec![article(src, "b", "Next", at(2024, 3, 6, 9, 0, 0))]).await.unwrap();
    assert!(s.last_change().await.unwrap() > last);
}

contract!(
    every_change_to_an_article_or_its_timeline_joins_the_change_sequence,
    old_changes_are_pruned_in_batches_and_the_horizon_is_kept,
);
