//! [`TimelineStore`](freewire_core::TimelineStore): updates with their files, shared objects,
//! and moderation.

use chrono::Duration;
use freewire_core::StoreError;
use freewire_core::model::{ArticleId, NewAttachment, NewUpdate, PageRequest, Role, UserId};
use freewire_core::store::prelude::*;

use crate::{Fixture, article, at, inserted, source, user};

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

async fn the_objects_attachments_use_are_told_from_the_rest(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "outlet").await;
    let out = s
        .insert_articles_with_retrieval(vec![article(src, "g", "T", at(2024, 1, 1, 0, 0, 0))])
        .await
        .unwrap();
    let article_id = inserted(&out[0]).id;
    let author = user(s, "ada", Role::Contributor).await;
    let mut photo = file("updates/photo", "photo.png", "image/png");
    photo.thumbnail_key = Some("updates/photo.thumb.jpg".into());
    s.insert_update_with_attachments(
        NewUpdate { article_id, author_id: author, body: "x".into() },
        vec![file("updates/letter", "letter.pdf", "application/pdf"), photo],
    )
    .await
    .unwrap();
    let asked: Vec<String> =
        ["updates/letter", "updates/photo.thumb.jpg", "updates/left-behind", "updates/photo"]
            .map(str::to_owned)
            .into();
    let used = s.referenced_object_keys(&asked).await.unwrap();
    let mut used: Vec<_> = used.into_iter().collect();
    used.sort();
    assert_eq!(used, ["updates/letter", "updates/photo", "updates/photo.thumb.jpg"]);
    assert_eq!(
        s.referenced_object_keys(&["updates/letter".to_owned()]).await.unwrap().len(),
        1,
        "only the keys asked about"
    );
    assert!(s.referenced_object_keys(&[]).await.unwrap().is_empty());
    // Many keys at once: more than one statement's worth of parameters.
    let many: Vec<String> =
        (0..1500).map(|i| format!("updates/other-{i}")).chain(["updates/letter".to_owned()]).collect();
    assert_eq!(s.referenced_object_keys(&many).await.unwrap().len(), 1);
}

contract!(
    the_objects_attachments_use_are_told_from_the_rest,
    updates_with_files_form_a_newest_first_timeline,
    an_update_that_cannot_be_stored_leaves_nothing,
    identical_files_share_one_stored_object,
    moderation_hides_edits_and_removes_updates_and_is_audited,
);
