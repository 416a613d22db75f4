//! What changed and what it turns on, on the site: an outlet's edit shown on the article page,
//! its revisions page (word diff, retrieval record, escaped), its updates feed and its story's
//! timeline; the names and dates found in articles on article and story pages; and search by
//! person, place and organisation. On SQLite and PostgreSQL.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

mod common;

use common::*;
use freewire_core::escape_html as html;

async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = TestApp::client().get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Re-sends a stored article with another text, as its feed would; returns the outcome.
async fn resend(app: &TestApp, a: &Article, title: &str, body_html: &str) -> InsertOutcome {
    let mut again =
        fixture_article(a.source_id, title, a.published_at, body_html, a.original_url.as_deref().unwrap());
    again.guid.clone_from(&a.guid);
    let retrieval =
        NewRetrieval { location: "https://harbour.example/feed.xml".into(), ..fixture_retrieval() };
    app.store.insert_articles_with_retrieval(vec![(again, retrieval)]).await.unwrap().remove(0)
}

/// Finds and keeps an article's names and dates, as ingest does.
async fn record_facts(app: &TestApp, a: &Article) {
    let stored = app.store.article_by_id(a.id).await.unwrap().unwrap().article;
    let facts = freewire_ingest::facts::facts_of(&stored);
    app.store.set_facts(&[(a.id, facts)]).await.unwrap();
}

async fn edits_and_facts_are_shown(app: TestApp) {
    let [gazette, dispatch, _] = <[Article; 3]>::try_from(app.add_story().await).unwrap();
    let page_path = TestApp::page_path(&gazette);
    // (Pages are read only after the edit: without a search index following the change log, a
    // page kept for anonymous readers would not see a change made behind this process.)
    // A cosmetic re-send is not an edit.
    let cosmetic = gazette.body_html.replace("<p>", "<p>  ").replace("winter.", "<b>winter</b>.");
    assert!(matches!(resend(&app, &gazette, &gazette.title, &cosmetic).await, InsertOutcome::Duplicate(_)));
    // The outlet's edit: a corrected sentence, a new one with a date and a deadline, words that
    // would be markup if they were not escaped, and a new headline.
    let edited = gazette.body_html.replace(
        "wrote to the operator's board.",
        "wrote to the operator's board on Monday. The Harbour Authority must answer by January 15 &lt;script&gt;alert(1)&lt;/script&gt;.",
    );
    let new_title = "Council sets out grant plan to rescue island ferry";
    assert!(matches!(resend(&app, &gazette, new_title, &edited).await, InsertOutcome::Revised(_)));
    record_facts(&app, &gazette).await;
    record_facts(&app, &dispatch).await;

    let (status, page) = get(&app, &page_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Edited by the outlet on"), "{page}");
    let revisions_path = format!("{page_path}revisions/");
    assert!(page.contains(&format!("href=\"{revisions_path}\"")), "{page}");
    // Key dates and names: "by January 15" after a 1 December dateline is next year's.
    assert!(page.contains("Key dates") && page.contains("datetime=\"2027-01-15\""), "{page}");
    assert!(page.contains("People and places") && page.contains("Ines Varga"), "{page}");
    assert!(page.contains("search?q=person%3A%22Ines%20Varga%22"), "names link to search: {page}");

    let (status, revisions) = get(&app, &revisions_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(revisions.contains("changed this article 1 time after"), "{revisions}");
    assert!(revisions.contains("<ins>grant</ins>"), "the headline's diff: {revisions}");
    assert!(
        revisions.contains("<del>board.</del> <ins>board on Monday. The Harbour Authority"),
        "{revisions}"
    );
    assert!(revisions.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{revisions}");
    assert!(!revisions.contains("<script>alert"), "third-party text stays text: {revisions}");
    assert!(revisions.contains("https://harbour.example/feed.xml"), "the retrieval record: {revisions}");
    assert!(revisions.contains("the earliest version kept"), "{revisions}");

    // The updates feed carries the edit; the story's timeline shows it after both reports.
    let (_, feed) = get(&app, &format!("{page_path}updates.atom")).await;
    assert!(feed.contains("Edited by Harbour Gazette: Headline changed;"), "{feed}");
    let story = app.store.story_by_id(gazette.story_id.unwrap()).await.unwrap().unwrap();
    let (_, story_page) = get(&app, &format!("/story/{}-{}/", story.id, story.slug)).await;
    let timeline = &story_page[story_page.find("What happened").unwrap()..];
    let edit = timeline.find(&html(&format!("Harbour Gazette edited “{new_title}”"))).expect("the edit");
    assert!(timeline.find(&html(&dispatch.title)).unwrap() < edit, "{timeline}");
    assert!(timeline.contains(&format!("{revisions_path}#edit-")), "{timeline}");
    // Merged names and dates of both reports.
    assert!(
        story_page.contains("Key dates") && story_page.contains("datetime=\"2027-01-15\""),
        "{story_page}"
    );
    assert!(story_page.contains("Ines Varga") && story_page.contains("Harbour Authority"), "{story_page}");
    // Another article's revisions page: none.
    let (status, none) = get(&app, &format!("{}revisions/", TestApp::page_path(&dispatch))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(none.contains("has not changed this article"), "{none}");
}

#[tokio::test]
async fn edits_and_facts_are_shown_on_sqlite() {
    edits_and_facts_are_shown(TestApp::spawn().await).await;
}

#[tokio::test]
async fn edits_and_facts_are_shown_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    edits_and_facts_are_shown(TestApp::spawn_on(&url).await).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}

#[tokio::test]
async fn search_filters_by_person_place_and_organisation() {
    let app = TestApp::spawn_searchable().await;
    let [gazette, dispatch, orchard] = <[Article; 3]>::try_from(app.add_story().await).unwrap();
    for a in [&gazette, &dispatch, &orchard] {
        record_facts(&app, a).await;
    }
    let titles = app.search_until("person:\"Ines Varga\"", |t| t.len() == 2).await;
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert_eq!(app.search("ferry person:Varga").await["total"], 2, "a surname alone");
    assert_eq!(app.search("person:Nobody").await["total"], 0);
    assert_eq!(app.search("apple person:Varga").await["total"], 0);
    assert_eq!(app.search("org:\"Harbour Authority\"").await["total"], 0, "named by no article");
}
