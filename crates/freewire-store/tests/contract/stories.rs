//! [`StoryStore`](freewire_core::StoryStore): stories, the grouping's mark, and editors'
//! decisions, with each story's figures kept on its row.

use freewire_core::NewAuditEntry;
use freewire_core::model::{
    ArticleFilter, ArticleId, PageRequest, Placed, Regrouping, Role, StoryChoice, StoryEdit, StoryId, UserId,
};
use freewire_core::store::prelude::*;

use crate::{Fixture, article, at, inserted, source, user};

fn new_story(key: i64, title: &str) -> StoryChoice {
    StoryChoice::New { key, title: title.to_owned(), reuse: None }
}

fn act(actor: UserId, action: &str) -> NewAuditEntry {
    NewAuditEntry { actor_id: actor, action: action.into(), target: "story".into(), detail: String::new() }
}

/// Three articles from two outlets, stored and not yet grouped.
async fn three(f: &Fixture) -> [ArticleId; 3] {
    let a = source(&f.store, "gazette").await;
    let b = source(&f.store, "dispatch").await;
    let batch = vec![
        article(a, "g1", "Ferry plan published", at(2024, 3, 1, 8, 0, 0)),
        article(b, "d1", "Ferry grant offered", at(2024, 3, 1, 15, 0, 0)),
        article(a, "g2", "Choir wins contest", at(2024, 3, 2, 9, 0, 0)),
    ];
    let out = f.store.insert_articles_with_retrieval(batch).await.unwrap();
    [inserted(&out[0]).id, inserted(&out[1]).id, inserted(&out[2]).id]
}

/// The three articles, placed in new stories by these keys (one key, one story).
async fn placed(f: &Fixture, keys: [i64; 3]) -> ([ArticleId; 3], std::collections::HashMap<i64, StoryId>) {
    let ids = three(f).await;
    let mark = f.store.grouping_mark().await.unwrap();
    let placements = ids
        .iter()
        .zip(keys)
        .map(|(id, key)| Placed { article: *id, story: new_story(key, &format!("Story {key}")) })
        .collect();
    let created = f.store.record_grouping(mark, ids[2], placements).await.unwrap().unwrap();
    (ids, created)
}

async fn a_grouping_batch_creates_stories_and_keeps_their_figures(f: &Fixture) {
    let s = &f.store;
    let [g1, d1, g2] = three(f).await;
    let mark = s.grouping_mark().await.unwrap();
    assert_eq!((mark.through, mark.epoch), (ArticleId(0), 0));
    let todo = s.articles_to_group(mark.through, 10).await.unwrap();
    assert_eq!(todo.iter().map(|i| i.id).collect::<Vec<_>>(), [g1, d1, g2]);
    assert!(todo.iter().all(|i| i.story.is_none() && !i.pinned && i.body_html.contains("quoted")));
    let placements = vec![
        Placed { article: g1, story: new_story(-1, "Ferry plan published") },
        Placed { article: d1, story: new_story(-1, "ignored: the key exists") },
        Placed { article: g2, story: new_story(-2, "Choir wins contest") },
    ];
    let created = s.record_grouping(mark, g2, placements).await.unwrap().unwrap();
    let ferry = s.story_by_id(created[&-1]).await.unwrap().unwrap();
    assert_eq!((ferry.title.as_str(), ferry.slug.as_str()), ("Ferry plan published", "ferry-plan-published"));
    assert_eq!((ferry.article_count, ferry.outlet_count, ferry.lead_article_id), (2, 2, Some(d1)));
    assert_eq!(ferry.first_published_at, Some(at(2024, 3, 1, 8, 0, 0)));
    assert_eq!(ferry.last_published_at, Some(at(2024, 3, 1, 15, 0, 0)));
    // The mark moved; the same mark again is refused and writes nothing.
    assert_eq!(s.grouping_mark().await.unwrap().through, g2);
    let again = vec![Placed { article: g1, story: new_story(-9, "twice") }];
    assert!(s.record_grouping(mark, g2, again).await.unwrap().is_none());
    assert_eq!(s.list_stories(PageRequest::new(1, 10)).await.unwrap().total, 2);
    // Newest first; the window reads grouped originals oldest first.
    let listed = s.list_stories(PageRequest::new(1, 10)).await.unwrap();
    assert_eq!(listed.items[0].title, "Choir wins contest");
    let window = s.grouped_window(g2, 2).await.unwrap();
    assert_eq!(window, [d1, g2]);
    let read: Vec<_> =
        s.grouping_inputs(&[g2, d1]).await.unwrap().into_iter().map(|i| (i.id, i.story)).collect();
    assert_eq!(read, [(d1, Some(ferry.id)), (g2, Some(created[&-2]))]);
    let reports = s.story_reports(&[ferry.id]).await.unwrap();
    let names: Vec<_> = reports[&ferry.id].iter().map(|r| r.source_name.as_str()).collect();
    assert_eq!(names, ["gazette", "dispatch"]);
    assert_eq!(s.last_article_id().await.unwrap(), g2);
}

async fn lists_show_a_story_once_by_its_newest_report(f: &Fixture) {
    let s = &f.store;
    let ([g1, d1, g2], created) = placed(f, [-1, -1, -2]).await;
    let one = ArticleFilter { one_per_story: true, ..ArticleFilter::default() };
    let ids = |page: freewire_core::Page<freewire_core::ArticleWithSource>| {
        page.items.iter().map(|a| a.article.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(s.list_articles(&one, PageRequest::new(1, 10)).await.unwrap()), [g2, d1]);
    let of_story = ArticleFilter { story: Some(created[&-1]), ..ArticleFilter::default() };
    assert_eq!(ids(s.list_articles(&of_story, PageRequest::new(1, 10)).await.unwrap()), [d1, g1]);
    // A withdrawn lead hands the story to the report before it.
    let editor = user(s, "ed", Role::Editor).await;
    let gone = freewire_core::Withdrawal { at: at(2024, 3, 3, 0, 0, 0), reason: "error".into() };
    s.set_article_withdrawn(d1, Some(gone), act(editor, "article.withdraw")).await.unwrap();
    assert_eq!(ids(s.list_articles(&one, PageRequest::new(1, 10)).await.unwrap()), [g2, g1]);
    let story = s.story_by_id(created[&-1]).await.unwrap().unwrap();
    assert_eq!((story.article_count, story.lead_article_id), (1, Some(g1)));
}

async fn editors_merge_move_split_and_rename_with_an_audit_entry_each(f: &Fixture) {
    let s = &f.store;
    let ([g1, d1, g2], created) = placed(f, [-1, -2, -3]).await;
    let editor = user(s, "ed", Role::Editor).await;
    let mark = s.grouping_mark().await.unwrap();
    let (ferry, grant, choir) = (created[&-1], created[&-2], created[&-3]);
    let merged = s
        .edit_stories(StoryEdit::Merge { from: grant, into: ferry }, act(editor, "story.merge"))
        .await
        .unwrap();
    assert_eq!(merged, Some(ferry));
    assert_eq!(s.story_by_id(grant).await.unwrap().unwrap().merged_into, Some(ferry));
    assert_eq!(s.story_by_id(ferry).await.unwrap().unwrap().article_count, 2);
    // The epoch rose: a grouper holding the old mark must replay.
    assert_eq!(s.grouping_mark().await.unwrap().epoch, mark.epoch + 1);
    // Merging into a merged-away story, or a story into itself, changes nothing.
    assert_eq!(
        s.edit_stories(StoryEdit::Merge { from: choir, into: grant }, act(editor, "story.merge"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.edit_stories(StoryEdit::Merge { from: choir, into: choir }, act(editor, "story.merge"))
            .await
            .unwrap(),
        None
    );
    let moved =
        s.edit_stories(StoryEdit::Move { article: g2, to: ferry }, act(editor, "story.move")).await.unwrap();
    assert_eq!(moved, Some(ferry));
    assert_eq!(s.story_by_id(choir).await.unwrap().unwrap().article_count, 0);
    let split =
        s.edit_stories(StoryEdit::Split { article: d1 }, act(editor, "story.split")).await.unwrap().unwrap();
    let alone = s.story_by_id(split).await.unwrap().unwrap();
    assert_eq!((alone.title.as_str(), alone.article_count), ("Ferry grant offered", 1));
    let renamed = StoryEdit::Rename { story: ferry, title: "Saltmere ferry".into() };
    s.edit_stories(renamed, act(editor, "story.rename")).await.unwrap();
    let ferry_now = s.story_by_id(ferry).await.unwrap().unwrap();
    assert_eq!((ferry_now.slug.as_str(), ferry_now.title_locked), ("saltmere-ferry", true));
    // Every article an editor placed is pinned (the grouping will not move it); the one
    // that stayed where the grouping put it is not.
    let pinned: Vec<_> =
        s.articles_to_group(ArticleId(0), 10).await.unwrap().iter().map(|i| (i.id, i.pinned)).collect();
    assert_eq!(pinned, [(g1, false), (d1, true), (g2, true)]);
    let log = s.list_audit(PageRequest::new(1, 10)).await.unwrap();
    let actions: Vec<_> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["story.rename", "story.split", "story.move", "story.merge"]);
    // A missing article or story changes nothing and records nothing.
    let none = s
        .edit_stories(StoryEdit::Move { article: ArticleId(999), to: ferry }, act(editor, "story.move"))
        .await;
    assert_eq!(none.unwrap(), None);
    assert_eq!(s.list_audit(PageRequest::new(1, 10)).await.unwrap().total, 4);
    // The operator at the command line is named as such.
    s.edit_stories(StoryEdit::Split { article: g2 }, act(UserId::OPERATOR, "story.split")).await.unwrap();
    assert_eq!(s.list_audit(PageRequest::new(1, 1)).await.unwrap().items[0].actor, "operator (command line)");
}

async fn a_regrouping_keeps_reused_ids_and_leads_emptied_stories_on(f: &Fixture) {
    let s = &f.store;
    let ([g1, d1, g2], created) = placed(f, [-1, -2, -3]).await;
    let mark = s.grouping_mark().await.unwrap();
    let (ferry, grant, choir) = (created[&-1], created[&-2], created[&-3]);
    let regrouping = Regrouping {
        placements: vec![
            Placed {
                article: g1,
                story: StoryChoice::New { key: -1, title: "Ferry".into(), reuse: Some(ferry) },
            },
            Placed {
                article: d1,
                story: StoryChoice::New { key: -1, title: "Ferry".into(), reuse: Some(ferry) },
            },
            Placed { article: g2, story: StoryChoice::Existing(choir) },
        ],
        redirects: vec![(grant, ferry)],
        through: g2,
    };
    s.apply_regrouping(regrouping).await.unwrap();
    assert_eq!(s.story_by_id(ferry).await.unwrap().unwrap().article_count, 2);
    let emptied = s.story_by_id(grant).await.unwrap().unwrap();
    assert_eq!((emptied.merged_into, emptied.article_count), (Some(ferry), 0));
    assert_eq!(s.list_stories(PageRequest::new(1, 10)).await.unwrap().total, 2);
    assert_eq!(s.grouping_mark().await.unwrap().epoch, mark.epoch + 1);
    let unknown: StoryId = StoryId(12345);
    assert!(s.story_by_id(unknown).await.unwrap().is_none());
}

contract!(
    a_grouping_batch_creates_stories_and_keeps_their_figures,
    lists_show_a_story_once_by_its_newest_report,
    editors_merge_move_split_and_rename_with_an_audit_entry_each,
    a_regrouping_keeps_reused_ids_and_leads_emptied_stories_on,
);
