//! Outlets' edits and what is kept beside an article: which re-sends are revisions (a version
//! key that leaves cosmetic changes out), the versions kept with the retrievals that brought
//! them, the names and dates found in articles, and the schedule on which pages are re-read.

use chrono::{Duration, NaiveDate};
use freewire_core::facts::{DateKind, DateMention, Entity, EntityKind, Facts};
use freewire_core::model::{ArticleId, InsertOutcome, NewArticle, NewRetrieval, Recheck};
use freewire_core::store::prelude::*;

use crate::{Fixture, article, at, inserted, source};

const BODY: &str = "<p>The council met on Tuesday and voted 7 to 2 for the ferry plan. See \
                    <a href=\"https://outlet.example/report?id=4\">the report</a>.</p>\
                    <p>Work starts in May.</p>";

/// The item `guid` of `src` with this headline and text, retrieved `hour` hours into 1 May.
fn version(
    src: freewire_core::SourceId,
    guid: &str,
    title: &str,
    body: &str,
    hour: u32,
) -> (NewArticle, NewRetrieval) {
    let (mut new, mut retr) = article(src, guid, title, at(2024, 5, 1, 6, 0, 0));
    body.clone_into(&mut new.body_html);
    retr.retrieved_at = at(2024, 5, 1, hour, 0, 0);
    retr.sha256 = format!("{hour:064x}");
    (new, retr)
}

async fn a_cosmetic_resend_is_a_duplicate_and_makes_no_revision(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let out = s
        .insert_articles_with_retrieval(vec![version(src, "g", "Ferry plan backed", BODY, 7)])
        .await
        .unwrap();
    let original = inserted(&out[0]).clone();
    let (stamped, stamped_again) =
        (format!("<p>Updated 5 minutes ago</p>{BODY}"), format!("<p>Updated 2 hours ago</p>{BODY}"));
    let cosmetic: [(&str, &str, &str); 6] = [
        (
            "white space",
            "Ferry plan backed",
            "<p>The council  met on Tuesday\n and voted 7 to 2 for the ferry plan.   See \
             <a href=\"https://outlet.example/report?id=4\">the report</a>. </p>\n\n<p>Work starts in May.</p>",
        ),
        ("white space in the headline", "Ferry  plan   backed ", BODY),
        (
            "markup",
            "Ferry plan backed",
            "<div class=\"story\"><p class=\"lead\">The <strong>council</strong> met on Tuesday and voted 7 to 2 \
             for the ferry plan. See <a title=\"r\" href=\"https://outlet.example/report?id=4\">the report</a>.</p>\
             <p>Work starts in <em>May</em>.</p></div>",
        ),
        (
            "tracking parameters",
            "Ferry plan backed",
            "<p>The council met on Tuesday and voted 7 to 2 for the ferry plan. See \
             <a href=\"https://outlet.example/report?id=4&amp;utm_source=rss&amp;utm_medium=feed&amp;fbclid=x9#top\">\
             the report</a>.</p><p>Work starts in May.</p>",
        ),
        ("a relative time stamp", "Ferry plan backed", &stamped),
        ("another relative time stamp", "Ferry plan backed", &stamped_again),
    ];
    for (hour, (what, title, body)) in (8..).zip(cosmetic) {
        let out = s.insert_articles_with_retrieval(vec![version(src, "g", title, body, hour)]).await.unwrap();
        assert_eq!(out, vec![InsertOutcome::Duplicate(original.id)], "{what}");
        assert!(s.revisions_for_article(original.id).await.unwrap().is_empty(), "{what}: no revision");
        let now = s.article_by_id(original.id).await.unwrap().unwrap().article;
        assert_eq!((now.title.as_str(), now.body_html.as_str()), ("Ferry plan backed", BODY), "{what}");
        assert_eq!(now.updated_at, None, "{what}: not marked as updated");
    }
    assert_eq!(s.retrievals_for_article(original.id).await.unwrap().len(), 1, "nothing new was stored");
    // A changed number is an edit: the key does see the words.
    let edit = BODY.replace("7 to 2", "6 to 3");
    let out = s
        .insert_articles_with_retrieval(vec![version(src, "g", "Ferry plan backed", &edit, 20)])
        .await
        .unwrap();
    assert_eq!(out, vec![InsertOutcome::Revised(original.id)]);
}

async fn an_edit_keeps_the_original_and_the_edit_each_with_its_retrieval(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let first = version(src, "g", "Ferry plan backed", BODY, 7);
    let out = s.insert_articles_with_retrieval(vec![first.clone()]).await.unwrap();
    let original = inserted(&out[0]).clone();

    let edited_body = BODY.replace("7 to 2", "6 to 3").replace("in May", "in June");
    let (mut edited, retr) = version(src, "g", "Ferry plan backed", &edited_body, 9);
    edited.updated_at = Some(at(2024, 5, 1, 8, 55, 0));
    let out = s.insert_articles_with_retrieval(vec![(edited, retr.clone())]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Revised(original.id)]);
    let now = s.article_by_id(original.id).await.unwrap().unwrap().article;
    assert_eq!(now.body_html, edited_body, "the article shows the edited text");
    assert_eq!(now.title, "Ferry plan backed");
    assert_eq!(now.permalink, original.permalink, "the permalink never changes");
    assert_eq!(now.updated_at, Some(at(2024, 5, 1, 8, 55, 0)), "the outlet's update time is kept");

    let retrievals = s.retrievals_for_article(original.id).await.unwrap();
    assert_eq!(retrievals.len(), 2, "each fetch of a new version is recorded");
    assert_eq!(
        retrievals.iter().map(|r| r.retrieved_at).collect::<Vec<_>>(),
        [first.1.retrieved_at, retr.retrieved_at]
    );
    let revisions = s.revisions_for_article(original.id).await.unwrap();
    assert_eq!(revisions.len(), 2, "the original and the edit: {revisions:?}");
    assert_eq!((revisions[0].title.as_str(), revisions[0].body_html.as_str()), ("Ferry plan backed", BODY));
    assert_eq!(revisions[0].seen_at, first.1.retrieved_at, "the original as first retrieved");
    assert_eq!(revisions[1].body_html, edited_body);
    assert_eq!(revisions[1].seen_at, retr.retrieved_at);
    assert_eq!(
        revisions.iter().map(|r| r.retrieval_id).collect::<Vec<_>>(),
        retrievals.iter().map(|r| Some(r.id)).collect::<Vec<_>>(),
        "each version points at the retrieval that brought it"
    );
    assert!(revisions.iter().all(|r| r.article_id == original.id));
    assert_ne!(revisions[0].content_sha256, revisions[1].content_sha256);
    assert!(revisions[0].id < revisions[1].id, "oldest first");

    // A headline-only change is an edit too; the earlier versions stay as they were.
    let (retitled, retr3) = version(src, "g", "Ferry plan backed after all", &edited_body, 11);
    let out = s.insert_articles_with_retrieval(vec![(retitled, retr3.clone())]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Revised(original.id)]);
    let now = s.article_by_id(original.id).await.unwrap().unwrap().article;
    assert_eq!(
        (now.title.as_str(), now.body_html.as_str()),
        ("Ferry plan backed after all", edited_body.as_str())
    );
    assert_eq!(now.updated_at, Some(retr3.retrieved_at), "without the outlet's time, the retrieval's");
    let retrievals = s.retrievals_for_article(original.id).await.unwrap();
    let again = s.revisions_for_article(original.id).await.unwrap();
    assert_eq!(again.len(), 3, "{again:?}");
    assert_eq!(again[..2], revisions[..], "earlier versions are not rewritten");
    assert_eq!(again[2].title, "Ferry plan backed after all");
    assert_eq!(again[2].retrieval_id, Some(retrievals[2].id));
    assert_eq!(retrievals[2].retrieved_at, retr3.retrieved_at);

    // Seeing the latest version again changes nothing.
    let out = s
        .insert_articles_with_retrieval(vec![version(
            src,
            "g",
            "Ferry plan backed after all",
            &edited_body,
            12,
        )])
        .await
        .unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(original.id)]);
    assert_eq!(s.revisions_for_article(original.id).await.unwrap().len(), 3);
    assert_eq!(s.retrievals_for_article(original.id).await.unwrap().len(), 3);
}

async fn a_version_coming_back_is_an_edit_only_when_it_holds(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let a = BODY;
    let b = BODY.replace("Work starts in May.", "Work starts in May, the operator said.");
    let out = s.insert_articles_with_retrieval(vec![version(src, "g", "Ferry", a, 7)]).await.unwrap();
    let id = inserted(&out[0]).id;
    let out = s.insert_articles_with_retrieval(vec![version(src, "g", "Ferry", &b, 8)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Revised(id)]);
    // Two caches out of step: A comes back, then B again.
    let out = s.insert_articles_with_retrieval(vec![version(src, "g", "Ferry", a, 9)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(id)], "A is not an edit of B");
    let now = s.article_by_id(id).await.unwrap().unwrap().article;
    assert_eq!(now.body_html, b, "the article still shows B after A came back");
    let out = s.insert_articles_with_retrieval(vec![version(src, "g", "Ferry", &b, 10)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(id)]);
    // Also within one batch.
    let out = s
        .insert_articles_with_retrieval(vec![
            version(src, "g", "Ferry", a, 11),
            version(src, "g", "Ferry", &b, 12),
        ])
        .await
        .unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(id), InsertOutcome::Duplicate(id)]);

    let revisions = s.revisions_for_article(id).await.unwrap();
    assert_eq!(
        revisions.iter().map(|r| r.body_html.as_str()).collect::<Vec<_>>(),
        [a, b.as_str()],
        "exactly the two versions"
    );
    assert_eq!(s.article_by_id(id).await.unwrap().unwrap().article.body_html, b);
    assert_eq!(s.retrievals_for_article(id).await.unwrap().len(), 2, "a version seen before is not stored");

    // The outlet takes the passage out again for good: A comes back and holds. The second A in
    // a row is the edit, and the article shows A again.
    let out = s.insert_articles_with_retrieval(vec![version(src, "g", "Ferry", a, 13)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(id)], "once may be a cache out of step");
    let out = s.insert_articles_with_retrieval(vec![version(src, "g", "Ferry", a, 14)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Revised(id)], "twice in a row is the outlet's edit");
    assert_eq!(s.article_by_id(id).await.unwrap().unwrap().article.body_html, a);
    let revisions = s.revisions_for_article(id).await.unwrap();
    assert_eq!(revisions.iter().map(|r| r.body_html.as_str()).collect::<Vec<_>>(), [a, b.as_str(), a]);
    // And B coming back once after that is again no edit.
    let out = s.insert_articles_with_retrieval(vec![version(src, "g", "Ferry", &b, 15)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(id)]);
}

fn facts(entities: &[(EntityKind, &str)], dates: &[(NaiveDate, &str, DateKind)]) -> Facts {
    Facts {
        entities: entities
            .iter()
            .map(|(kind, name)| Entity {
                kind: *kind,
                name: (*name).to_owned(),
                sentence: format!("A sentence naming {name}."),
            })
            .collect(),
        dates: dates
            .iter()
            .map(|(date, text, kind)| DateMention {
                date: *date,
                text: (*text).to_owned(),
                kind: *kind,
                sentence: format!("It happens {text}."),
            })
            .collect(),
    }
}

async fn names_and_dates_are_replaced_per_article_and_read_back_in_order(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let day = at(2024, 4, 12, 9, 0, 0);
    let out = s
        .insert_articles_with_retrieval(vec![
            article(src, "a", "Ferry", day),
            article(src, "b", "Bridge", day),
        ])
        .await
        .unwrap();
    let (ferry, bridge) = (inserted(&out[0]).id, inserted(&out[1]).id);
    let date = |month, day| NaiveDate::from_ymd_opt(2024, month, day).unwrap();
    let ferry_facts = facts(
        &[
            (EntityKind::Place, "Skye"),
            (EntityKind::Person, "Ann Smith"),
            (EntityKind::Organisation, "CalMac"),
            (EntityKind::Person, "Bo Lee"),
        ],
        &[
            (date(4, 17), "on Wednesday", DateKind::Relative),
            (date(5, 1), "by May 1", DateKind::Deadline),
            (date(4, 16), "April 16", DateKind::Absolute),
        ],
    );
    let bridge_facts = facts(&[(EntityKind::Organisation, "Highland Council")], &[]);
    s.set_facts(&[(ferry, ferry_facts.clone()), (bridge, bridge_facts.clone())]).await.unwrap();
    let missing = ArticleId(bridge.0 + 100);
    assert_eq!(
        s.facts_for_articles(&[bridge, missing, ferry]).await.unwrap(),
        vec![(bridge, bridge_facts.clone()), (ferry, ferry_facts.clone())],
        "in the order asked, an article without any left out"
    );

    // Replacing one article's facts leaves the other's.
    let ferry_again =
        facts(&[(EntityKind::Place, "Mull")], &[(date(6, 30), "by the end of June", DateKind::Deadline)]);
    s.set_facts(&[(ferry, ferry_again.clone())]).await.unwrap();
    assert_eq!(
        s.facts_for_articles(&[ferry, bridge]).await.unwrap(),
        vec![(ferry, ferry_again), (bridge, bridge_facts.clone())]
    );
    // Nothing found any more: nothing kept.
    s.set_facts(&[(ferry, Facts::default())]).await.unwrap();
    assert_eq!(s.facts_for_articles(&[ferry, bridge]).await.unwrap(), vec![(bridge, bridge_facts)]);
    s.set_facts(&[]).await.unwrap();
    assert!(s.facts_for_articles(&[]).await.unwrap().is_empty());
}

fn recheck(article_id: ArticleId, due_at: chrono::DateTime<chrono::Utc>) -> Recheck {
    let changed_at = due_at - Duration::minutes(15);
    Recheck {
        article_id,
        url: format!("https://outlet.example/page/{}", article_id.0),
        due_at,
        changed_at,
        until: changed_at + Duration::days(30),
        etag: Some("\"v1\"".to_owned()),
        last_modified: Some("Wed, 01 May 2024 06:00:00 GMT".to_owned()),
        page_key: Some("key-1".to_owned()),
        checks: 0,
    }
}

async fn rechecks_are_claimed_when_due_leased_and_finished(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let day = at(2024, 5, 1, 6, 0, 0);
    let out = s
        .insert_articles_with_retrieval(vec![
            article(src, "a", "One", day),
            article(src, "b", "Two", day),
            article(src, "c", "Three", day),
        ])
        .await
        .unwrap();
    let (one, two, three) = (inserted(&out[0]).id, inserted(&out[1]).id, inserted(&out[2]).id);
    let start = at(2024, 5, 1, 7, 0, 0);
    let ra = recheck(one, start);
    let rb = recheck(two, start + Duration::minutes(5));
    let rc = recheck(three, start + Duration::hours(2));
    for r in [&rc, &ra, &rb] {
        s.schedule_recheck(r.clone()).await.unwrap();
    }
    assert_eq!(s.recheck_for_article(one).await.unwrap(), Some(ra.clone()), "kept as scheduled");
    assert!(
        s.claim_due_rechecks(start - Duration::seconds(1), 10, start).await.unwrap().is_empty(),
        "none due yet"
    );

    // Only the due ones, earliest first, up to the limit.
    let lease = start + Duration::minutes(20);
    let first = s.claim_due_rechecks(start + Duration::minutes(10), 1, lease).await.unwrap();
    assert_eq!(first, vec![Recheck { due_at: lease, ..ra.clone() }], "each comes back with its lease");
    let second = s.claim_due_rechecks(start + Duration::minutes(10), 10, lease).await.unwrap();
    assert_eq!(
        second,
        vec![Recheck { due_at: lease, ..rb.clone() }],
        "the claimed one is not claimed again; the later one is not due"
    );
    assert_eq!(s.recheck_for_article(one).await.unwrap().unwrap().due_at, lease, "held until the lease ends");
    assert!(
        s.claim_due_rechecks(lease - Duration::seconds(1), 10, lease + Duration::minutes(20))
            .await
            .unwrap()
            .is_empty(),
        "not claimed again before the lease ends"
    );

    // A visit recorded: the next due time and what the page said are kept.
    let next = Recheck {
        due_at: start + Duration::minutes(30),
        etag: Some("\"v2\"".to_owned()),
        last_modified: None,
        page_key: Some("key-2".to_owned()),
        checks: 1,
        ..ra.clone()
    };
    s.finish_recheck(one, lease, Some(next.clone())).await.unwrap();
    assert_eq!(s.recheck_for_article(one).await.unwrap(), Some(next.clone()));
    assert!(
        s.claim_due_rechecks(start + Duration::minutes(19), 10, start + Duration::hours(1))
            .await
            .unwrap()
            .is_empty(),
        "neither the finished one nor the one still leased is due"
    );
    // A process that held a claim and died: after the lease, the recheck is claimed again.
    let later = start + Duration::minutes(31);
    let relet = later + Duration::minutes(10);
    let retaken = s.claim_due_rechecks(later, 10, relet).await.unwrap();
    assert_eq!(
        retaken,
        vec![Recheck { due_at: relet, ..rb.clone() }, Recheck { due_at: relet, ..next.clone() }],
        "the one whose lease ran out and the one due again, earliest first"
    );
    // The process whose lease ran out finishes late: the claim it held is gone, nothing changes.
    s.finish_recheck(two, lease, None).await.unwrap();
    assert!(s.recheck_for_article(two).await.unwrap().is_some(), "a stale claim finishes nothing");

    // Stopped: gone, and never claimed again.
    s.finish_recheck(two, relet, None).await.unwrap();
    assert_eq!(s.recheck_for_article(two).await.unwrap(), None);
    let all = s.claim_due_rechecks(start + Duration::days(60), 10, start + Duration::days(61)).await.unwrap();
    assert_eq!(all.iter().map(|r| r.article_id).collect::<Vec<_>>(), [one, three]);

    // Scheduling again (the outlet edited the article) with no page key keeps the key recorded;
    // with a key, replaces it.
    let restarted = Recheck {
        due_at: start + Duration::hours(5),
        changed_at: start + Duration::hours(4) + Duration::minutes(45),
        until: start + Duration::days(31),
        etag: None,
        page_key: None,
        checks: 7,
        ..next.clone()
    };
    s.schedule_recheck(restarted.clone()).await.unwrap();
    assert_eq!(
        s.recheck_for_article(one).await.unwrap(),
        Some(Recheck { page_key: Some("key-2".to_owned()), ..restarted.clone() })
    );
    // The visit that held `one` when the edit restarted its schedule finishes: the restart stands.
    let stale = Recheck { due_at: start + Duration::days(90), checks: 99, ..restarted.clone() };
    s.finish_recheck(one, start + Duration::days(61), Some(stale)).await.unwrap();
    assert_eq!(s.recheck_for_article(one).await.unwrap().unwrap().checks, 7, "the restart stands");
    s.schedule_recheck(Recheck { page_key: Some("key-3".to_owned()), ..restarted.clone() }).await.unwrap();
    assert_eq!(s.recheck_for_article(one).await.unwrap().unwrap().page_key.as_deref(), Some("key-3"));
    // A new recheck without a key has none.
    s.schedule_recheck(Recheck { page_key: None, ..recheck(two, start) }).await.unwrap();
    assert_eq!(s.recheck_for_article(two).await.unwrap().unwrap().page_key, None);
    assert_eq!(s.recheck_for_article(ArticleId(three.0 + 100)).await.unwrap(), None);
}

contract!(
    a_cosmetic_resend_is_a_duplicate_and_makes_no_revision,
    an_edit_keeps_the_original_and_the_edit_each_with_its_retrieval,
    a_version_coming_back_is_an_edit_only_when_it_holds,
    names_and_dates_are_replaced_per_article_and_read_back_in_order,
    rechecks_are_claimed_when_due_leased_and_finished,
);
