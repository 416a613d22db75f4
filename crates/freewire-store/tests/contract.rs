//! The storage contract: every case runs against a fresh SQLite file and a fresh PostgreSQL
//! database. PostgreSQL cases need `FREEWIRE_TEST_POSTGRES_URL`; see `freewire_store::testing`.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use chrono::{DateTime, Duration, TimeZone, Utc};
use freewire_core::model::{
    ArticleId, ArticleStatus, FeedPollUpdate, FeedState, InsertOutcome, NewArticle, NewAttachment, NewFeed,
    NewRetrieval, NewSource, NewUpdate, NewUser, PageRequest, Role, Session, SourceId, UserId,
};
use freewire_core::store::prelude::*;
use freewire_core::{
    ArticleFilter, IndexPolicy, Licence, NewAuditEntry, Permalink, SourceTerms, StoreError, Tag, Withdrawal,
};
use freewire_store::{SqlStore, testing};

/// A store on a fresh database, with the URL it was opened from.
struct Fixture {
    store: SqlStore,
    url: String,
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

async fn source(store: &SqlStore, name: &str) -> SourceId {
    store
        .insert_source(NewSource {
            name: name.to_owned(),
            homepage: Some(format!("https://{name}.example/")),
            licence: Licence::CcBy4,
            credit: None,
        })
        .await
        .unwrap()
        .id
}

fn article(
    source: SourceId,
    guid: &str,
    title: &str,
    published: DateTime<Utc>,
) -> (NewArticle, NewRetrieval) {
    (
        NewArticle {
            source_id: source,
            feed_id: None,
            guid: guid.to_owned(),
            original_url: Some(format!("https://outlet.example/{guid}")),
            title: title.to_owned(),
            author: None,
            summary: None,
            body_html: "<p>Text — “quoted” …</p>".to_owned(),
            language: Some("en".to_owned()),
            published_at: published,
            updated_at: None,
            licence: Licence::CcBy4,
            normalized_url: None,
            simhash: None,
            media: Vec::new(),
            tags: Vec::new(),
        },
        NewRetrieval {
            location: "file:///tmp/feed.xml".to_owned(),
            retrieved_at: at(2024, 1, 1, 0, 0, 0),
            http_status: None,
            sha256: "ab".repeat(32),
        },
    )
}

fn inserted(outcome: &InsertOutcome) -> &freewire_core::Article {
    match outcome {
        InsertOutcome::Inserted(a) => a,
        other => panic!("expected a new article, got {other:?}"),
    }
}

async fn user(store: &SqlStore, name: &str, role: Role) -> UserId {
    store
        .insert_user(NewUser {
            username: name.to_owned(),
            email: None,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            role,
        })
        .await
        .unwrap()
        .id
}

// ------------------------------------------------------------------------------------------
// The cases.

async fn settings_keep_the_first_value_written(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.setting_by_key("secret").await.unwrap(), None);
    assert_eq!(s.setting_or_insert("secret", "one").await.unwrap(), "one");
    assert_eq!(s.setting_or_insert("secret", "two").await.unwrap(), "one");
    assert_eq!(s.setting_by_key("secret").await.unwrap().as_deref(), Some("one"));
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

async fn an_article_gets_its_permalink_on_its_utc_day(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let when = at(2021, 3, 8, 1, 13, 26);
    let (mut new, retr) = article(src, "g1", "Plan To Revitalize Talks", when);
    new.media = vec![freewire_core::Media {
        url: "https://outlet.example/a.mp3".into(),
        media_type: Some("audio/mpeg".into()),
        length: Some(42),
        title: Some("Interview".into()),
        thumbnail: None,
    }];
    let out = s.insert_articles_with_retrieval(vec![(new.clone(), retr)]).await.unwrap();
    let a = inserted(&out[0]).clone();
    assert_eq!(a.permalink.path(), "2021/03/08/plan-to-revitalize-talks");
    assert_eq!(a.published_at, when);
    assert_eq!(a.body_html, "<p>Text — “quoted” …</p>", "typography survives storage");
    assert_eq!(a.media, new.media, "enclosures are kept with the article");
    let by_link = s.article_by_permalink(&a.permalink).await.unwrap().unwrap();
    assert_eq!(by_link.article, a);
    assert_eq!(by_link.source.name, "outlet");
    assert_eq!(s.article_by_id(a.id).await.unwrap().unwrap().article, a);
    assert!(s.article_by_id(ArticleId(a.id.0 + 100)).await.unwrap().is_none());
    let some = s.articles_by_ids(&[ArticleId(a.id.0 + 100), a.id, a.id]).await.unwrap();
    assert_eq!(some.len(), 1, "unknown ids are left out, each article comes once");
    assert_eq!((some[0].article.clone(), some[0].source.name.as_str()), (a.clone(), "outlet"));
    assert!(s.articles_by_ids(&[]).await.unwrap().is_empty());
    let other_day = Permalink::from_path("2021/03/09/plan-to-revitalize-talks").unwrap();
    assert!(s.article_by_permalink(&other_day).await.unwrap().is_none());
    let retrievals = s.retrievals_for_article(a.id).await.unwrap();
    assert_eq!(retrievals.len(), 1);
    assert_eq!(retrievals[0].sha256, "ab".repeat(32));
    assert_eq!(retrievals[0].location, "file:///tmp/feed.xml");
}

async fn the_same_guid_is_stored_once_and_retrieved_once(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let when = at(2024, 2, 2, 12, 0, 0);
    let first = s.insert_articles_with_retrieval(vec![article(src, "same", "One", when)]).await.unwrap();
    let id = inserted(&first[0]).id;
    // Twice in one batch and once more in a later batch: nothing new either time.
    let again = s
        .insert_articles_with_retrieval(vec![
            article(src, "same", "One (edited)", when),
            article(src, "same", "One", when),
        ])
        .await
        .unwrap();
    assert_eq!(again, vec![InsertOutcome::Duplicate(id), InsertOutcome::Duplicate(id)]);
    let known = s.existing_guids(src, &["same".to_owned(), "other".to_owned()]).await.unwrap();
    assert_eq!(known, ["same"]);
    assert_eq!(s.retrievals_for_article(id).await.unwrap().len(), 1);
    assert_eq!(
        s.list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        1
    );
    // The same GUID from another source is another article.
    let other = source(s, "elsewhere").await;
    let theirs = s.insert_articles_with_retrieval(vec![article(other, "same", "One", when)]).await.unwrap();
    assert_eq!(inserted(&theirs[0]).permalink.path(), "2024/02/02/one-2");
}

async fn a_same_day_title_clash_gets_numbered_permalinks(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let day = at(2024, 5, 1, 9, 0, 0);
    let out = s
        .insert_articles_with_retrieval(vec![
            article(src, "a", "Same Title", day),
            article(src, "b", "Same Title", day + Duration::hours(1)),
            article(src, "c", "Same  title!", day + Duration::hours(2)),
            article(src, "d", "Same Title", day + Duration::days(1)),
        ])
        .await
        .unwrap();
    let paths: Vec<_> = out.iter().map(|o| inserted(o).permalink.path()).collect();
    assert_eq!(
        paths,
        [
            "2024/05/01/same-title",
            "2024/05/01/same-title-2",
            "2024/05/01/same-title-3",
            "2024/05/02/same-title"
        ]
    );
}

async fn articles_list_newest_first_in_pages(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let base = at(2024, 1, 1, 0, 0, 0);
    let batch = (0..5)
        .map(|i| article(src, &format!("g{i}"), &format!("Item {i}"), base + Duration::days(i)))
        .collect();
    s.insert_articles_with_retrieval(batch).await.unwrap();
    let first =
        s.list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 2)).await.unwrap();
    assert_eq!(first.total, 5);
    assert_eq!(first.page_count(), 3);
    let titles: Vec<_> = first.items.iter().map(|a| a.article.title.as_str()).collect();
    assert_eq!(titles, ["Item 4", "Item 3"]);
    let last =
        s.list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(3, 2)).await.unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.items[0].article.title, "Item 0");
    assert_eq!(last.items[0].source.name, "outlet");
    assert!(
        s.list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(4, 2))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

async fn users_are_unique_and_keep_their_role(f: &Fixture) {
    let s = &f.store;
    let id = user(s, "ada", Role::Editor).await;
    let found = s.user_by_name("ada").await.unwrap().unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.role, Role::Editor);
    assert_eq!(s.user_by_id(id).await.unwrap(), Some(found));
    assert!(s.user_by_name("bob").await.unwrap().is_none());
    let dup = s
        .insert_user(NewUser {
            username: "ada".into(),
            email: None,
            password_hash: "x".into(),
            role: Role::Admin,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(ref m)) if m.contains("ada")), "{dup:?}");
}

async fn sessions_expire_and_can_be_ended(f: &Fixture) {
    let s = &f.store;
    let uid = user(s, "ada", Role::Contributor).await;
    let now = at(2024, 6, 1, 12, 0, 0);
    let session = |hash: &str, expires| Session {
        token_hash: hash.to_owned(),
        user_id: uid,
        csrf_token: format!("csrf-{hash}"),
        created_at: now,
        expires_at: expires,
        user_agent: Some("test".into()),
        pending_second_factor: false,
    };
    s.insert_session(session("live", now + Duration::days(7))).await.unwrap();
    s.insert_session(session("old", now - Duration::seconds(1))).await.unwrap();
    let (found, who) = s.session_by_token_hash("live", now).await.unwrap().unwrap();
    assert_eq!(found.csrf_token, "csrf-live");
    assert_eq!(who.username, "ada");
    assert!(
        s.session_by_token_hash("old", now).await.unwrap().is_none(),
        "expired sessions are not returned"
    );
    assert!(s.session_by_token_hash("live", now + Duration::days(8)).await.unwrap().is_none());
    s.insert_session(session("other", now + Duration::days(7))).await.unwrap();
    let mine: Vec<_> =
        s.sessions_for_user(uid, now).await.unwrap().into_iter().map(|x| x.token_hash).collect();
    assert_eq!(mine.len(), 2, "live sessions only: {mine:?}");
    assert_eq!(
        s.delete_sessions_for_user(uid, Some("live")).await.unwrap(),
        2,
        "the other and the expired one"
    );
    assert!(s.session_by_token_hash("other", now).await.unwrap().is_none());
    assert!(s.session_by_token_hash("live", now).await.unwrap().is_some(), "the kept one lives");
    s.insert_session(session("old", now - Duration::seconds(1))).await.unwrap();
    assert!(s.update_password(uid, "new-hash".into()).await.unwrap());
    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().password_hash, "new-hash");
    assert!(!s.update_password(UserId(9999), "x".into()).await.unwrap());
    s.insert_session(Session { pending_second_factor: true, ..session("half", now + Duration::days(1)) })
        .await
        .unwrap();
    assert!(s.session_by_token_hash("half", now).await.unwrap().unwrap().0.pending_second_factor);

    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().totp_secret, None);
    s.enable_totp(uid, "JBSWY3DPEHPK3PXP".into(), vec!["h1".into(), "h2".into()]).await.unwrap();
    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(s.use_recovery_code(uid, "h1").await.unwrap());
    assert!(!s.use_recovery_code(uid, "h1").await.unwrap(), "a recovery code works once");
    assert!(!s.use_recovery_code(uid, "nope").await.unwrap());
    s.enable_totp(uid, "JBSWY3DPEHPK3PXQ".into(), vec!["h3".into()]).await.unwrap();
    assert!(!s.use_recovery_code(uid, "h2").await.unwrap(), "new codes replace the old");
    assert!(s.use_recovery_code(uid, "h3").await.unwrap());
    s.disable_totp(uid).await.unwrap();
    assert_eq!(s.user_by_id(uid).await.unwrap().unwrap().totp_secret, None);
    assert!(matches!(s.enable_totp(UserId(9999), "x".into(), vec![]).await, Err(StoreError::Missing(_))));
    assert_eq!(s.delete_expired_sessions(now).await.unwrap(), 1);
    s.delete_session("live").await.unwrap();
    assert!(s.session_by_token_hash("live", now).await.unwrap().is_none());
    s.delete_session("never-existed").await.unwrap();
    let orphan = s.insert_session(Session { user_id: UserId(9999), ..session("x", now) }).await;
    assert!(matches!(orphan, Err(StoreError::Missing(_))), "{orphan:?}");
}

fn file(key: &str, name: &str, media_type: &str) -> NewAttachment {
    NewAttachment {
        object_key: key.to_owned(),
        file_name: name.to_owned(),
        media_type: media_type.to_owned(),
        size: 1234,
        sha256: "cd".repeat(32),
        thumbnail_key: None,
    }
}

async fn updates_with_files_form_a_newest_first_timeline(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let out = s
        .insert_articles_with_retrieval(vec![article(src, "g", "T", at(2024, 1, 1, 0, 0, 0))])
        .await
        .unwrap();
    let article_id = inserted(&out[0]).id;
    let author = user(s, "ada", Role::Contributor).await;
    assert!(s.timeline_for_article(article_id).await.unwrap().is_empty());

    let (first, files) = s
        .insert_update_with_attachments(
            NewUpdate { article_id, author_id: author, body: "The letter, in full.".into() },
            vec![file("k/1", "letter.pdf", "application/pdf"), file("k/2", "photo.png", "image/png")],
        )
        .await
        .unwrap();
    assert_eq!(files.len(), 2);
    let (second, none) = s
        .insert_update_with_attachments(
            NewUpdate { article_id, author_id: author, body: "Later note".into() },
            vec![],
        )
        .await
        .unwrap();
    assert!(none.is_empty());

    let timeline = s.timeline_for_article(article_id).await.unwrap();
    let ids: Vec<_> = timeline.iter().map(|e| e.update.id).collect();
    assert_eq!(ids, [second.id, first.id], "newest first");
    assert_eq!(timeline[1].author, "ada");
    let names: Vec<_> = timeline[1].attachments.iter().map(|a| a.file_name.as_str()).collect();
    assert_eq!(names, ["letter.pdf", "photo.png"]);
    assert_eq!(s.attachment_by_id(files[0].id).await.unwrap(), Some(files[0].clone()));
    let hour_ago = chrono::Utc::now() - Duration::hours(1);
    assert_eq!(s.upload_bytes_since(author, hour_ago).await.unwrap(), 2 * 1234);
    assert_eq!(s.upload_bytes_since(author, chrono::Utc::now() + Duration::hours(1)).await.unwrap(), 0);
    let other = user(s, "bob", Role::Contributor).await;
    assert_eq!(s.upload_bytes_since(other, hour_ago).await.unwrap(), 0);
}

async fn an_update_that_cannot_be_stored_leaves_nothing(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let out = s
        .insert_articles_with_retrieval(vec![article(src, "g", "T", at(2024, 1, 1, 0, 0, 0))])
        .await
        .unwrap();
    let article_id = inserted(&out[0]).id;
    let author = user(s, "ada", Role::Contributor).await;
    let missing = s
        .insert_update_with_attachments(
            NewUpdate { article_id: ArticleId(article_id.0 + 50), author_id: author, body: "x".into() },
            vec![file("k/1", "a.pdf", "application/pdf")],
        )
        .await;
    assert!(matches!(missing, Err(StoreError::Missing(_))), "{missing:?}");
    // A missing author: nothing of the update is stored either.
    let no_author = s
        .insert_update_with_attachments(
            NewUpdate { article_id, author_id: UserId(author.0 + 77), body: "x".into() },
            vec![file("k/2", "b.pdf", "application/pdf")],
        )
        .await;
    assert!(matches!(no_author, Err(StoreError::Missing(_))), "{no_author:?}");
    assert!(s.timeline_for_article(article_id).await.unwrap().is_empty());
}

async fn reopening_a_database_keeps_rows_and_reruns_no_migration(f: &Fixture) {
    source(&f.store, "outlet").await;
    let again = SqlStore::connect(&f.url).await.unwrap();
    assert!(again.source_by_name("outlet").await.unwrap().is_some());
    again.close().await.unwrap();
}

async fn feed(s: &SqlStore, src: SourceId, url: &str) -> freewire_core::Feed {
    s.insert_feed(NewFeed { source_id: src, url: url.to_owned(), title: None }).await.unwrap()
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
    let claimed = s.claim_due_feeds(now, 10, lease).await.unwrap();
    assert_eq!(claimed.iter().map(|f| f.id).collect::<Vec<_>>(), [a.id, b.id], "enabled, due feeds only");
    assert!(
        s.claim_due_feeds(now, 10, lease).await.unwrap().is_empty(),
        "a claimed feed is not handed out twice"
    );
    let limited =
        s.claim_due_feeds(lease + Duration::seconds(1), 1, lease + Duration::minutes(5)).await.unwrap();
    assert_eq!(limited.len(), 1, "the limit is respected");

    s.update_feed_after_poll(
        a.id,
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
    s.update_feed_after_poll(a.id, failing.clone()).await.unwrap();
    let a3 = s.feed_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(a3.state(), FeedState::Failing);
    assert_eq!(a3.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(a3.etag.as_deref(), Some("\"v1\""), "a failure keeps the validators");
    assert_eq!(a3.last_success_at, Some(a2.last_success_at.unwrap()));
    assert_eq!(
        s.claim_due_feeds(now, 10, lease).await.unwrap().iter().map(|f| f.id).collect::<Vec<_>>(),
        [a.id]
    );
    let clash =
        s.update_feed_after_poll(a.id, FeedPollUpdate { new_url: Some(b.url.clone()), ..failing }).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(s.feed_by_id(off.id).await.unwrap().unwrap().state(), FeedState::Disabled);
}

async fn the_same_url_through_another_feed_is_one_article(f: &Fixture) {
    let s = &f.store;
    let one = source(s, "one").await;
    let two = source(s, "two").await;
    let when = at(2024, 7, 1, 8, 0, 0);
    let with_url = |src, guid: &str| {
        let (mut a, r) = article(src, guid, "Shared Story", when);
        a.normalized_url = Some("https://wire.example/story-1".into());
        (a, r)
    };
    let first = s.insert_articles_with_retrieval(vec![with_url(one, "x1")]).await.unwrap();
    let id = inserted(&first[0]).id;
    let again = s.insert_articles_with_retrieval(vec![with_url(two, "y9")]).await.unwrap();
    assert_eq!(again, vec![InsertOutcome::Duplicate(id)]);
    // The same source listing the link twice under two GUIDs keeps both (linked-list posts).
    let same_source = s.insert_articles_with_retrieval(vec![with_url(one, "x2")]).await.unwrap();
    assert!(matches!(same_source[0], InsertOutcome::Inserted(_)), "{same_source:?}");
    assert_eq!(
        s.list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        2
    );
}

async fn a_near_duplicate_from_another_source_is_linked_not_republished(f: &Fixture) {
    let s = &f.store;
    let one = source(s, "one").await;
    let two = source(s, "two").await;
    let when = at(2024, 7, 1, 8, 0, 0);
    let hashed = |src, guid: &str, title: &str, hash: i64| {
        let (mut a, r) = article(src, guid, title, when);
        a.simhash = Some(hash);
        (a, r)
    };
    let base: i64 = 0x1234_5678_9abc_def0;
    let out = s.insert_articles_with_retrieval(vec![hashed(one, "a", "Wire Story", base)]).await.unwrap();
    let first = inserted(&out[0]).id;
    // Three bits apart, spread over three bands: found through the fourth band.
    let near = base ^ 0b1 ^ (1 << 20) ^ (1 << 40);
    let far = base ^ 0xffff_0000_ffff;
    let out = s
        .insert_articles_with_retrieval(vec![
            hashed(two, "b", "Wire Story, Rewritten Headline", near),
            hashed(two, "c", "Another Story", far),
        ])
        .await
        .unwrap();
    let InsertOutcome::NearDuplicate { id, of } = out[0] else {
        panic!("expected a near-duplicate: {:?}", out[0])
    };
    assert_eq!(of, first);
    let dup = s.article_by_id(id).await.unwrap().unwrap().article;
    assert_eq!(dup.status, ArticleStatus::Duplicate);
    assert_eq!(dup.duplicate_of, Some(first));
    assert!(matches!(out[1], InsertOutcome::Inserted(_)), "a different text is a different story");
    let listed: Vec<_> = s
        .list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 10))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.article.title)
        .collect();
    assert_eq!(listed, ["Another Story", "Wire Story"], "the duplicate is not republished");
    // The same source repeating itself is not a cross-outlet duplicate.
    let out = s.insert_articles_with_retrieval(vec![hashed(one, "d", "Follow-up", near)]).await.unwrap();
    assert!(matches!(out[0], InsertOutcome::Inserted(_)));
}

async fn changed_text_under_the_same_guid_becomes_a_revision(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let when = at(2024, 8, 1, 8, 0, 0);
    let out = s.insert_articles_with_retrieval(vec![article(src, "g", "Story", when)]).await.unwrap();
    let original = inserted(&out[0]).clone();
    let (mut edited, mut retr) = article(src, "g", "Story (corrected)", when);
    edited.body_html = "<p>Corrected text.</p>".into();
    retr.retrieved_at = at(2024, 8, 2, 9, 0, 0);
    retr.sha256 = "cd".repeat(32);
    let out = s.insert_articles_with_retrieval(vec![(edited.clone(), retr.clone())]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Revised(original.id)]);
    let now = s.article_by_id(original.id).await.unwrap().unwrap().article;
    assert_eq!(now.body_html, "<p>Corrected text.</p>");
    assert_eq!(now.title, "Story (corrected)");
    assert_eq!(now.permalink, original.permalink, "the permalink never changes");
    let revisions = s.revisions_for_article(original.id).await.unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].body_html, "<p>Corrected text.</p>");
    assert_eq!(revisions[0].seen_at, retr.retrieved_at);
    assert_eq!(
        s.retrievals_for_article(original.id).await.unwrap().len(),
        2,
        "each fetch of new text is recorded"
    );
    // Seeing the corrected text again changes nothing.
    let out = s.insert_articles_with_retrieval(vec![(edited, retr)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(original.id)]);
    assert_eq!(s.revisions_for_article(original.id).await.unwrap().len(), 1);
}

async fn moderation_hides_edits_and_removes_updates_and_is_audited(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let out = s
        .insert_articles_with_retrieval(vec![article(src, "g", "T", at(2024, 1, 1, 0, 0, 0))])
        .await
        .unwrap();
    let article_id = inserted(&out[0]).id;
    let author = user(s, "ada", Role::Contributor).await;
    let editor = user(s, "ed", Role::Editor).await;
    let (u, files) = s
        .insert_update_with_attachments(
            NewUpdate { article_id, author_id: author, body: "first".into() },
            vec![file("k/a", "a.pdf", "application/pdf")],
        )
        .await
        .unwrap();
    assert!(s.update_by_id(freewire_core::UpdateId(u.id.0 + 99)).await.unwrap().is_none());

    let edited_at = at(2024, 1, 1, 0, 5, 0);
    assert!(s.edit_update(u.id, "second".into(), edited_at).await.unwrap());
    let entry = s.update_by_id(u.id).await.unwrap().unwrap();
    assert_eq!((entry.update.body.as_str(), entry.update.edited_at), ("second", Some(edited_at)));
    assert_eq!(entry.author, "ada");
    assert_eq!(entry.attachments, files);

    let hide =
        freewire_core::Hidden { at: at(2024, 1, 2, 0, 0, 0), by: editor, reason: "personal data".into() };
    let act = |action: &str| freewire_core::NewAuditEntry {
        actor_id: editor,
        action: action.into(),
        target: format!("update {}", u.id),
        detail: "personal data".into(),
    };
    assert!(s.set_update_hidden(u.id, Some(hide.clone()), act("update.hide")).await.unwrap());
    let entry = s.update_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(entry.update.hidden, Some(hide));
    assert_eq!(
        s.timeline_for_article(article_id).await.unwrap().len(),
        1,
        "hidden updates stay on the timeline"
    );
    assert!(!s.set_update_hidden(freewire_core::UpdateId(9999), None, act("update.unhide")).await.unwrap());
    assert!(!s.edit_update(u.id, "sneaky".into(), edited_at).await.unwrap(), "a hidden update is not edited");
    s.insert_audit(act("feed.disable")).await.unwrap();

    let log = s.list_audit(PageRequest::new(1, 10)).await.unwrap();
    assert_eq!(log.total, 2, "the refused unhide recorded nothing");
    assert_eq!(log.items[1].action, "update.hide");
    assert_eq!(log.items[1].actor, "ed");
    assert_eq!(log.items[1].detail, "personal data");

    let keys = s
        .delete_update(
            u.id,
            freewire_core::NewAuditEntry {
                actor_id: author,
                action: "update.delete".into(),
                target: format!("update {}", u.id),
                detail: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(keys, ["k/a"], "the caller removes the file no one else uses");
    assert!(s.update_by_id(u.id).await.unwrap().is_none());
    assert!(s.attachment_by_id(files[0].id).await.unwrap().is_none());
    assert_eq!(s.list_audit(PageRequest::new(1, 10)).await.unwrap().total, 3);
    let again = s
        .delete_update(
            u.id,
            freewire_core::NewAuditEntry {
                actor_id: author,
                action: "x".into(),
                target: String::new(),
                detail: String::new(),
            },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Missing(_))));
    assert_eq!(
        s.list_audit(PageRequest::new(1, 10)).await.unwrap().total,
        3,
        "a failed removal records nothing"
    );
}

async fn an_invitation_makes_one_account_before_it_expires(f: &Fixture) {
    let s = &f.store;
    let editor = user(s, "ed", Role::Editor).await;
    let now = at(2024, 9, 1, 12, 0, 0);
    let invite = |hash: &str, expires| freewire_core::Invite {
        token_hash: hash.into(),
        created_by: editor,
        role: Role::Contributor,
        created_at: now,
        expires_at: expires,
        used_at: None,
    };
    s.insert_invite(invite("live", now + Duration::days(7))).await.unwrap();
    s.insert_invite(invite("stale", now - Duration::days(1))).await.unwrap();
    assert_eq!(s.open_invites(now).await.unwrap().len(), 1);
    assert!(s.invite_by_token_hash("stale", now).await.unwrap().is_none());
    assert_eq!(s.invite_by_token_hash("live", now).await.unwrap().unwrap().role, Role::Contributor);
    let new = |name: &str| NewUser {
        username: name.into(),
        email: None,
        password_hash: "h".into(),
        role: Role::Contributor,
    };
    let made = s.insert_user_with_invite(new("ada"), "live", now).await.unwrap();
    assert_eq!(made.username, "ada");
    let again = s.insert_user_with_invite(new("bob"), "live", now).await;
    assert!(matches!(again, Err(StoreError::Missing(_))), "{again:?}");
    assert!(s.user_by_name("bob").await.unwrap().is_none(), "the refused registration left no account");
    assert!(matches!(s.insert_user_with_invite(new("eve"), "stale", now).await, Err(StoreError::Missing(_))));
    assert!(s.open_invites(now).await.unwrap().is_empty());
}

async fn identical_files_share_one_stored_object(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let out = s
        .insert_articles_with_retrieval(vec![article(src, "g", "T", at(2024, 1, 1, 0, 0, 0))])
        .await
        .unwrap();
    let article_id = inserted(&out[0]).id;
    let author = user(s, "ada", Role::Contributor).await;
    let post = |name: &str| {
        s.insert_update_with_attachments(
            NewUpdate { article_id, author_id: author, body: "x".into() },
            vec![file("shared/key", name, "application/pdf")],
        )
    };
    let (first, a) = post("one.pdf").await.unwrap();
    let (second, b) = post("two.pdf").await.unwrap();
    assert_eq!(a[0].object_key, b[0].object_key);
    assert_eq!(
        s.attachment_by_sha256(&"cd".repeat(32)).await.unwrap().map(|x| x.id),
        Some(a[0].id),
        "the first copy"
    );
    assert!(s.attachment_by_sha256("ff").await.unwrap().is_none());
    let audit = |id| freewire_core::NewAuditEntry {
        actor_id: author,
        action: "update.delete".into(),
        target: format!("update {id}"),
        detail: String::new(),
    };
    assert!(s.delete_update(first.id, audit(first.id)).await.unwrap().is_empty(), "the object is still used");
    assert_eq!(
        s.delete_update(second.id, audit(second.id)).await.unwrap(),
        ["shared/key"],
        "the last user frees it"
    );
}

/// A feed's items are stored together; each is judged exactly as if it came alone, against
/// what was stored before and what came earlier in the same batch.
async fn a_batch_is_judged_item_by_item(f: &Fixture) {
    let s = &f.store;
    let one = source(s, "one").await;
    let two = source(s, "two").await;
    let day = at(2024, 9, 3, 7, 0, 0);
    let hash: i64 = 0x0fed_cba9_8765_4321;
    let (mut first, retr) = article(one, "x", "Harbour Report", day);
    first.normalized_url = Some("https://wire.example/harbour".into());
    first.simhash = Some(hash);
    let stored = inserted(&s.insert_articles_with_retrieval(vec![(first, retr)]).await.unwrap()[0]).clone();

    let (mut corrected, r1) = article(one, "x", "Harbour Report (corrected)", day);
    corrected.body_html = "<p>Corrected.</p>".into();
    let (mut same_link, r2) = article(two, "p", "Harbour Story", day);
    same_link.normalized_url = Some("https://wire.example/harbour".into());
    let (mut near, r3) = article(two, "q", "Harbour Report, Rewritten", day);
    near.simhash = Some(hash ^ 0b101);
    let (clash, r4) = article(two, "r", "Harbour Report", day);
    let (mut plain, r5) = article(two, "s", "Quay Notes", day);
    plain.tags = vec![Tag { name: "Ports".into(), slug: "ports".into() }];
    let out = s
        .insert_articles_with_retrieval(vec![
            (corrected, r1),
            (same_link, r2),
            (near, r3),
            (clash, r4),
            (plain, r5),
        ])
        .await
        .unwrap();
    assert_eq!(out.len(), 5, "{out:?}");
    assert_eq!(out[0], InsertOutcome::Revised(stored.id));
    assert_eq!(out[1], InsertOutcome::Duplicate(stored.id));
    assert!(matches!(out[2], InsertOutcome::NearDuplicate { of, .. } if of == stored.id), "{:?}", out[2]);
    assert_eq!(inserted(&out[3]).permalink.path(), "2024/09/03/harbour-report-2");
    let quay = inserted(&out[4]);
    assert_eq!(quay.permalink.path(), "2024/09/03/quay-notes");
    let tagged = s
        .list_articles(
            &ArticleFilter { tag: Some("ports".into()), ..ArticleFilter::default() },
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(tagged.items.iter().map(|a| a.article.id).collect::<Vec<_>>(), [quay.id]);
    assert_eq!(
        s.retrievals_for_article(quay.id).await.unwrap().len(),
        1,
        "each new article has its retrieval"
    );
    let changed: Vec<ArticleId> =
        s.changes_since(0, None, 100).await.unwrap().into_iter().map(|c| c.article_id).collect();
    for id in [stored.id, inserted(&out[3]).id, quay.id] {
        assert!(changed.contains(&id), "{id:?} joins the change sequence: {changed:?}");
    }

    // Items of one batch that bear on each other: the second copy of a GUID is a revision of
    // the first, and a second title on the same day takes the next number.
    let tide_first = article(two, "t", "Tide Table", day);
    let mut tide_again = article(two, "t", "Tide Table", day);
    tide_again.0.body_html = "<p>Later text.</p>".into();
    let tide_other = article(two, "u", "Tide Table", day);
    let out = s.insert_articles_with_retrieval(vec![tide_first, tide_again, tide_other]).await.unwrap();
    let tide = inserted(&out[0]);
    assert_eq!(tide.permalink.path(), "2024/09/03/tide-table");
    assert_eq!(out[1], InsertOutcome::Revised(tide.id));
    assert_eq!(inserted(&out[2]).permalink.path(), "2024/09/03/tide-table-2");
}

// ------------------------------------------------------------------------------------------
// Stamping the cases out per engine.

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = format!("sqlite://{}", dir.path().join("freewire.db").display());
                    let store = freewire_store::SqlStore::connect(&url).await.unwrap();
                    let fixture = super::Fixture { store, url };
                    super::$case(&fixture).await;
                    fixture.store.close().await.unwrap();
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(admin) = super::testing::postgres_admin_url() else { return };
                    let url = super::testing::create_postgres_database(&admin).await;
                    let store = freewire_store::SqlStore::connect(&url).await.unwrap();
                    let fixture = super::Fixture { store, url };
                    super::$case(&fixture).await;
                    fixture.store.close().await.unwrap();
                    super::testing::drop_postgres_database(&admin, &fixture.url).await;
                }
            )*
        }
    };
}

async fn lists_filter_by_source_tag_and_dates(f: &Fixture) {
    let s = &f.store;
    let a = source(s, "alpha").await;
    let b = source(s, "beta").await;
    let mut first = article(a, "a1", "Harbour Opens", at(2024, 3, 5, 23, 59, 0));
    first.0.tags =
        vec![Tag::new("Ferries").unwrap(), Tag::new("Local Politics").unwrap(), Tag::new("ferries").unwrap()];
    let mut second = article(b, "b1", "Bridge Closes", at(2024, 3, 6, 0, 0, 0));
    second.0.tags = vec![Tag::new("Ferries").unwrap()];
    let third = article(a, "a2", "Market Day", at(2024, 4, 1, 12, 0, 0));
    s.insert_articles_with_retrieval(vec![first, second, third]).await.unwrap();
    let titles = |page: freewire_core::Page<freewire_core::ArticleWithSource>| {
        page.items.into_iter().map(|x| x.article.title).collect::<Vec<_>>()
    };
    let list = |f: ArticleFilter| async move { s.list_articles(&f, PageRequest::new(1, 10)).await.unwrap() };
    assert_eq!(
        titles(list(ArticleFilter { source: Some(a), ..ArticleFilter::default() }).await),
        ["Market Day", "Harbour Opens"]
    );
    let tagged = list(ArticleFilter { tag: Some("ferries".into()), ..ArticleFilter::default() }).await;
    assert_eq!(titles(tagged.clone()), ["Bridge Closes", "Harbour Opens"]);
    let harbour = tagged.items.into_iter().find(|x| x.article.title == "Harbour Opens").unwrap();
    let names: Vec<&str> = harbour.article.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Ferries", "Local Politics"], "one tag per slug, in name order");
    let day = ArticleFilter {
        from: Some(at(2024, 3, 5, 0, 0, 0)),
        until: Some(at(2024, 3, 6, 0, 0, 0)),
        ..ArticleFilter::default()
    };
    assert_eq!(titles(list(day).await), ["Harbour Opens"], "the day's bounds are exact");
    assert_eq!(s.tag_by_slug("local-politics").await.unwrap().unwrap().name, "Local Politics");
    assert!(s.tag_by_slug("nothing").await.unwrap().is_none());
    let stubs = s.list_article_stubs(&ArticleFilter::default(), PageRequest::new(1, 2)).await.unwrap();
    assert_eq!(stubs.total, 3);
    assert_eq!(
        stubs.items.iter().map(|x| x.title.as_str()).collect::<Vec<_>>(),
        ["Market Day", "Bridge Closes"]
    );
    // Only sources whose own page is canonical reach the sitemap.
    let here = ArticleFilter { canonical_here: true, ..ArticleFilter::default() };
    assert_eq!(s.list_article_stubs(&here, PageRequest::new(1, 10)).await.unwrap().total, 0);
}

async fn withdrawal_and_source_terms_change_what_is_published_and_are_audited(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "alpha").await;
    let editor = user(s, "ed", Role::Editor).await;
    let outcome = s
        .insert_articles_with_retrieval(vec![article(src, "a1", "Harbour Opens", at(2024, 3, 5, 9, 0, 0))])
        .await
        .unwrap();
    let id = inserted(&outcome[0]).id;
    let act = |action: &str| NewAuditEntry {
        actor_id: editor,
        action: action.into(),
        target: "t".into(),
        detail: "d".into(),
    };
    let when = at(2024, 3, 6, 10, 0, 0);
    assert!(
        s.set_article_withdrawn(
            id,
            Some(Withdrawal { at: when, reason: "At the outlet's request".into() }),
            act("article.withdraw")
        )
        .await
        .unwrap()
    );
    let gone = s.article_by_id(id).await.unwrap().unwrap().article;
    assert_eq!(gone.status, ArticleStatus::Withdrawn);
    assert_eq!(gone.withdrawn, Some(Withdrawal { at: when, reason: "At the outlet's request".into() }));
    assert_eq!(s.list_articles(&ArticleFilter::default(), PageRequest::new(1, 10)).await.unwrap().total, 0);
    let withdrawn = ArticleFilter { withdrawn: true, ..ArticleFilter::default() };
    assert_eq!(s.list_articles(&withdrawn, PageRequest::new(1, 10)).await.unwrap().total, 1);
    assert!(s.set_article_withdrawn(id, None, act("article.reinstate")).await.unwrap());
    let back = s.article_by_id(id).await.unwrap().unwrap().article;
    assert_eq!((back.status, back.withdrawn), (ArticleStatus::Published, None));
    assert!(!s.set_article_withdrawn(freewire_core::ArticleId(9999), None, act("x")).await.unwrap());

    let terms = SourceTerms {
        homepage: None,
        licence: Licence::ExcerptOnly,
        credit: Some("Shared".into()),
        index_policy: IndexPolicy::Ours,
    };
    assert!(s.update_source_terms(src, terms, act("source.terms")).await.unwrap());
    let changed = s.source_by_id(src).await.unwrap().unwrap();
    assert_eq!(
        (changed.licence, changed.index_policy, changed.homepage, changed.credit.as_deref()),
        (Licence::ExcerptOnly, IndexPolicy::Ours, None, Some("Shared"))
    );
    assert_eq!(
        s.article_by_id(id).await.unwrap().unwrap().article.licence,
        Licence::ExcerptOnly,
        "the licence reaches stored articles"
    );
    let here = ArticleFilter { canonical_here: true, ..ArticleFilter::default() };
    assert_eq!(s.list_article_stubs(&here, PageRequest::new(1, 10)).await.unwrap().total, 1);
    let actions: Vec<String> =
        s.list_audit(PageRequest::new(1, 10)).await.unwrap().items.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["source.terms", "article.reinstate", "article.withdraw"]);
}

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
}

contract!(
    settings_keep_the_first_value_written,
    sources_are_unique_by_name,
    feeds_belong_to_a_source_and_are_followed_once,
    an_article_gets_its_permalink_on_its_utc_day,
    the_same_guid_is_stored_once_and_retrieved_once,
    a_same_day_title_clash_gets_numbered_permalinks,
    articles_list_newest_first_in_pages,
    users_are_unique_and_keep_their_role,
    sessions_expire_and_can_be_ended,
    updates_with_files_form_a_newest_first_timeline,
    an_update_that_cannot_be_stored_leaves_nothing,
    reopening_a_database_keeps_rows_and_reruns_no_migration,
    due_feeds_are_claimed_once_until_their_poll_is_recorded,
    the_same_url_through_another_feed_is_one_article,
    a_near_duplicate_from_another_source_is_linked_not_republished,
    changed_text_under_the_same_guid_becomes_a_revision,
    a_batch_is_judged_item_by_item,
    moderation_hides_edits_and_removes_updates_and_is_audited,
    an_invitation_makes_one_account_before_it_expires,
    identical_files_share_one_stored_object,
    lists_filter_by_source_tag_and_dates,
    withdrawal_and_source_terms_change_what_is_published_and_are_audited,
    every_change_to_an_article_or_its_timeline_joins_the_change_sequence,
);
