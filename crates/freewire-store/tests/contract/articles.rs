//! [`ArticleStore`](freewire_core::ArticleStore): storing a feed's items (GUID, link and
//! near-duplicate checks, revisions, permalinks), reading, listing and withdrawing articles.

use chrono::Duration;
use freewire_core::model::{ArticleId, ArticleStatus, InsertOutcome, PageRequest, Role};
use freewire_core::store::prelude::*;
use freewire_core::{
    ArticleFilter, IndexPolicy, Licence, NewAuditEntry, Permalink, SourceTerms, Tag, Withdrawal,
};

use crate::{Fixture, article, at, inserted, source, user};

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
    // Twice in one batch (once with only its spacing changed) and once more in a later batch:
    // nothing new either time.
    let again = s
        .insert_articles_with_retrieval(vec![
            article(src, "same", "One ", when),
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
    // The same pages uncounted say only whether another follows.
    let all = freewire_core::ArticleFilter::default();
    let titles = |items: &[freewire_core::ArticleWithSource]| {
        items.iter().map(|a| a.article.title.clone()).collect::<Vec<_>>()
    };
    let (items, more) = s.list_articles_uncounted(&all, PageRequest::new(1, 2)).await.unwrap();
    assert_eq!((titles(&items), more), (vec!["Item 4".to_owned(), "Item 3".to_owned()], true));
    let (items, more) = s.list_articles_uncounted(&all, PageRequest::new(3, 2)).await.unwrap();
    assert_eq!((titles(&items), more), (vec!["Item 0".to_owned()], false));
    assert_eq!(items[0].source.name, "outlet");
    let (items, more) = s.list_articles_uncounted(&all, PageRequest::new(1, 5)).await.unwrap();
    assert_eq!((items.len(), more), (5, false), "a full last page has none after it");
    let (items, more) = s.list_articles_uncounted(&all, PageRequest::new(4, 2)).await.unwrap();
    assert!(items.is_empty() && !more);
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
    // A cursor: the window after an article continues the newest-first order without counting.
    let all = s.list_articles_window(&ArticleFilter::default(), 10).await.unwrap();
    assert_eq!(all.len(), 3);
    let first = &all[0].article;
    let after = ArticleFilter { after: Some((first.published_at, first.id)), ..ArticleFilter::default() };
    let rest: Vec<String> =
        s.list_articles_window(&after, 1).await.unwrap().into_iter().map(|a| a.article.title).collect();
    assert_eq!(rest, [all[1].article.title.clone()], "the next one after the cursor, and only one");
    let oldest = &all[2].article;
    let past = ArticleFilter { after: Some((oldest.published_at, oldest.id)), ..ArticleFilter::default() };
    assert!(s.list_articles_window(&past, 10).await.unwrap().is_empty(), "nothing after the last");
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
    // The text as first republished is kept beside the edit.
    let revisions = s.revisions_for_article(original.id).await.unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0].body_html, original.body_html);
    assert_eq!(revisions[1].body_html, "<p>Corrected text.</p>");
    assert_eq!(revisions[1].seen_at, retr.retrieved_at);
    assert_eq!(
        s.retrievals_for_article(original.id).await.unwrap().len(),
        2,
        "each fetch of new text is recorded"
    );
    // Seeing the corrected text again changes nothing.
    let out = s.insert_articles_with_retrieval(vec![(edited, retr)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate(original.id)]);
    assert_eq!(s.revisions_for_article(original.id).await.unwrap().len(), 2);
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
        name: "Renamed Outlet".into(),
        moved_slugs: vec![("old-outlet".into(), src)],
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
    assert_eq!(changed.name, "Renamed Outlet");
    assert_eq!(s.source_by_former_slug("old-outlet").await.unwrap(), Some(src), "the old address is kept");
    assert_eq!(s.source_by_former_slug("never-was").await.unwrap(), None);
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

/// A tag many articles carry is found by walking the articles newest first, a tag few carry
/// by gathering the tag's own (see `TagPlan` in the store): both give the same pages in the
/// same order, withdrawn articles left out, and the tag's name is the earliest published
/// article's spelling.
async fn a_common_tag_and_a_rare_one_list_alike(f: &Fixture) {
    let s = &f.store;
    let src = source(s, "wire").await;
    let editor = user(s, "ed", Role::Editor).await;
    // "ports" on all but one in eight: walked (the store's unit test of `plan_for` holds the
    // choice). The rest carry "quays". Every 500th carries "locks" too: gathered.
    let ports = |n: u32| n % 8 != 3;
    let batch: Vec<_> = (0..2400u32)
        .map(|n| {
            let (mut new, retr) =
                article(src, &format!("t{n}"), &format!("Report {n}"), at(2024, 1, 1, 0, 0, 0));
            new.published_at += Duration::minutes(i64::from(n));
            let spelling = if n == 0 { "PORTS" } else { "Ports" };
            if ports(n) {
                new.tags.push(Tag { name: spelling.into(), slug: "ports".into() });
            } else {
                new.tags.push(Tag { name: "Quays".into(), slug: "quays".into() });
            }
            if n % 500 == 0 {
                new.tags.push(Tag { name: "Locks".into(), slug: "locks".into() });
            }
            (new, retr)
        })
        .collect();
    let stored = s.insert_articles_with_retrieval(batch).await.unwrap();
    assert_eq!(s.tag_by_slug("ports").await.unwrap().unwrap().name, "PORTS");
    // The earliest article withdrawn, and the newest: neither is listed, nor names the tag.
    for n in [0, 2399] {
        let id = inserted(&stored[n]).id;
        let act = NewAuditEntry {
            actor_id: editor,
            action: "article.withdraw".into(),
            target: "t".into(),
            detail: "d".into(),
        };
        let withdrawal = Withdrawal { at: at(2024, 3, 1, 0, 0, 0), reason: "test".into() };
        assert!(s.set_article_withdrawn(id, Some(withdrawal), act).await.unwrap());
    }
    assert_eq!(s.tag_by_slug("ports").await.unwrap().unwrap().name, "Ports");
    let carrying: Vec<String> =
        (1..2399).rev().filter(|n| ports(*n)).map(|n| format!("Report {n}")).collect();
    assert_eq!(carrying.len(), 2098);
    for number in [1, 2, 105] {
        let (titles, more, total) = tag_page(s, "ports", number).await;
        let from = usize::try_from((number - 1) * 20).unwrap();
        let expected: Vec<String> = carrying.iter().skip(from).take(20).cloned().collect();
        assert_eq!((titles, more, total), (expected, number < 105, 2098), "page {number}");
    }
    // "locks": articles 500, 1000, 1500 and 2000 (0 is withdrawn).
    let (rare, more, total) = tag_page(s, "locks", 1).await;
    let expected: Vec<String> = [2000, 1500, 1000, 500].iter().map(|n| format!("Report {n}")).collect();
    assert_eq!((rare, more, total), (expected, false, 4));
    let window = s
        .list_articles_window(&ArticleFilter { tag: Some("ports".into()), ..ArticleFilter::default() }, 3)
        .await
        .unwrap();
    let titles: Vec<String> = window.into_iter().map(|a| a.article.title).collect();
    assert_eq!(titles, carrying[..3]);
}

/// Titles of a page of a tag's articles, the same counted and uncounted; whether another
/// follows; how many in all.
async fn tag_page(s: &freewire_store::SqlStore, slug: &str, number: u64) -> (Vec<String>, bool, u64) {
    let filter = ArticleFilter { tag: Some(slug.into()), ..ArticleFilter::default() };
    let (items, more) = s.list_articles_uncounted(&filter, PageRequest::new(number, 20)).await.unwrap();
    let counted = s.list_articles(&filter, PageRequest::new(number, 20)).await.unwrap();
    let titles: Vec<String> = items.into_iter().map(|a| a.article.title).collect();
    let counted_titles: Vec<String> = counted.items.into_iter().map(|a| a.article.title).collect();
    assert_eq!(titles, counted_titles, "{slug}, page {number}");
    (titles, more, counted.total)
}

contract!(
    an_article_gets_its_permalink_on_its_utc_day,
    the_same_guid_is_stored_once_and_retrieved_once,
    a_same_day_title_clash_gets_numbered_permalinks,
    articles_list_newest_first_in_pages,
    lists_filter_by_source_tag_and_dates,
    the_same_url_through_another_feed_is_one_article,
    a_near_duplicate_from_another_source_is_linked_not_republished,
    changed_text_under_the_same_guid_becomes_a_revision,
    a_batch_is_judged_item_by_item,
    withdrawal_and_source_terms_change_what_is_published_and_are_audited,
    a_common_tag_and_a_rare_one_list_alike,
);
