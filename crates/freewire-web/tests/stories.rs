//! Stories on the site: the story page with every outlet's report and one timeline, its
//! feeds with autodiscovery, the article page's and the lists' story lines, search within a
//! story, and editors' decisions through the forms (CSRF, audit), on SQLite and PostgreSQL.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

mod common;

use common::*;
// Titles as pages escape them.
use freewire_core::escape_html as html;
use freewire_core::{NewAttachment, NewUpdate, StoryId};

async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = TestApp::client().get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The story page, its feeds and the pages that link it, on one database.
async fn a_story_is_shown_followed_and_linked(app: TestApp) {
    let [gazette, dispatch, orchard] = <[Article; 3]>::try_from(app.add_story().await).unwrap();
    let story_id = gazette.story_id.expect("grouped");
    assert_eq!(dispatch.story_id, Some(story_id), "the same event in other words is one story");
    assert_ne!(orchard.story_id, Some(story_id));
    let story = app.store.story_by_id(story_id).await.unwrap().unwrap();
    let path = format!("/story/{story_id}-{}/", story.slug);

    // A reader's update under one of the reports joins the story's timeline.
    app.add_user("ada", Role::Contributor).await;
    let ada = app.store.user_by_name("ada").await.unwrap().unwrap().id;
    let note =
        NewUpdate { article_id: dispatch.id, author_id: ada, body: "The *full letter* is attached.".into() };
    app.store.insert_update_with_attachments(note, Vec::<NewAttachment>::new()).await.unwrap();

    // The bare id and a stale slug lead to the page's address.
    for stale in [format!("/story/{story_id}/"), format!("/story/{story_id}-old-name/")] {
        let res = TestApp::client().get(app.url(&stale)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT, "{stale}");
        assert_eq!(res.headers()["location"], path.as_str());
    }
    let (status, page) = get(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("2 reports from 2 outlets"), "{page}");
    for a in [&gazette, &dispatch] {
        assert!(page.contains(&html(&a.title)), "{}", a.title);
        assert!(page.contains(&format!("href=\"{}\"", TestApp::page_path(a))));
        assert!(page.contains(a.original_url.as_deref().unwrap()));
    }
    assert!(!page.contains(&orchard.title));
    assert!(
        page.contains("Harbour Gazette") && page.contains("Valley Dispatch") && page.contains("CC BY 4.0")
    );
    // One timeline: both arrivals, then the update, in time order.
    let timeline = &page[page.find("What happened").unwrap()..];
    let (first, second, update) = (
        timeline.find(&html(&gazette.title)).unwrap(),
        timeline.find(&html(&dispatch.title)).unwrap(),
        timeline.find("<em>full letter</em>").unwrap(),
    );
    assert!(first < second && second < update, "{timeline}");
    assert!(timeline.contains("ada added an update"));
    // Autodiscovery of the three feeds.
    for (kind, ext) in
        [("application/rss+xml", "xml"), ("application/atom+xml", "atom"), ("application/feed+json", "json")]
    {
        let link = format!("type=\"{kind}\"");
        assert!(page.contains(&link) && page.contains(&format!("{path}feed.{ext}")), "{kind}");
    }

    // The feeds carry both reports; JSON Feed items name their story.
    let (status, rss) = get(&app, &format!("{path}feed.xml")).await;
    assert_eq!(status, StatusCode::OK);
    let parsed = feed_rs::parser::parse(rss.as_bytes()).unwrap();
    assert_eq!(parsed.entries.len(), 2);
    let (_, atom) = get(&app, &format!("{path}feed.atom")).await;
    assert_eq!(feed_rs::parser::parse(atom.as_bytes()).unwrap().entries.len(), 2);
    let (_, json) = get(&app, &format!("{path}feed.json")).await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(item["_freewire"]["story"]["id"], story_id.0);
        assert_eq!(item["_freewire"]["story"]["url"], app.url(&path));
        assert_eq!(item["_freewire"]["story"]["title"], story.title);
    }
    let (_, site_json) = get(&app, "/feed.json").await;
    let site_json: serde_json::Value = serde_json::from_str(&site_json).unwrap();
    let orchard_item =
        site_json["items"].as_array().unwrap().iter().find(|i| i["title"] == orchard.title).unwrap();
    assert_eq!(orchard_item["_freewire"]["story"]["id"], orchard.story_id.unwrap().0);

    // The article page links its story and the other outlet's report.
    let (_, article) = get(&app, &TestApp::page_path(&gazette)).await;
    assert!(article.contains("This story from 2 outlets"), "{article}");
    assert!(article.contains(&format!("href=\"{path}\"")));
    assert!(article.contains(&format!("href=\"{}\"", TestApp::page_path(&dispatch))));
    let (_, lonely) = get(&app, &TestApp::page_path(&orchard)).await;
    assert!(!lonely.contains("This story from"));

    // The home page shows the story once, by its newest report, with the other outlet named.
    let (_, home) = get(&app, "/").await;
    assert!(
        home.contains(&html(&dispatch.title)) && !home.contains(&format!(">{}</a></h2>", gazette.title)),
        "{home}"
    );
    assert!(home.contains("This story from 2 outlets") && home.contains(&orchard.title));

    // A merged-away story's address leads to the story it went into; unknown ones are 404.
    let orchard_story = orchard.story_id.unwrap();
    let audit = freewire_core::NewAuditEntry {
        actor_id: freewire_core::UserId::OPERATOR,
        action: "story.merge".into(),
        target: String::new(),
        detail: String::new(),
    };
    app.store
        .edit_stories(freewire_core::StoryEdit::Merge { from: orchard_story, into: story_id }, audit)
        .await
        .unwrap();
    let res = TestApp::client().get(app.url(&format!("/story/{orchard_story}/"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()["location"], path.as_str());
    assert_eq!(get(&app, "/story/99999-nothing/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/story/not-a-story/").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_story_is_shown_followed_and_linked_on_sqlite() {
    a_story_is_shown_followed_and_linked(TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_story_is_shown_followed_and_linked_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    a_story_is_shown_followed_and_linked(TestApp::spawn_on(&url).await).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}

#[tokio::test]
async fn search_narrows_to_one_story() {
    let app = TestApp::spawn_searchable().await;
    let [gazette, _, orchard] = <[Article; 3]>::try_from(app.add_story().await).unwrap();
    let story = gazette.story_id.unwrap();
    let titles = app.search_until(&format!("ferry story:{story}"), |t| t.len() == 2).await;
    assert_eq!(titles.len(), 2, "{titles:?}");
    // The orchard's own story finds it (once the index, which follows the store in rounds,
    // holds it too); the same words as the ferry's in that story find nothing.
    let orchard_story = orchard.story_id.unwrap();
    let apples = app.search_until(&format!("apple story:{orchard_story}"), |t| t.len() == 1).await;
    assert_eq!(apples.len(), 1, "{apples:?}");
    assert_eq!(app.search(&format!("ferry story:{orchard_story}")).await["total"], 0);
    // The story page's form sends `story=` beside the words.
    let res = TestApp::client().get(app.url(&format!("/search?q=ferry&story={story}"))).send().await.unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains(&html(&gazette.title)) && !page.contains(&orchard.title), "{page}");
}

/// Posts an editor's form on the story page with the page's token.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let html = client.get(app.url(page)).send().await.unwrap().text().await.unwrap();
    let token = form_token(&html);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &token));
    client.post(app.url(action)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn editors_arrange_stories_through_the_forms_and_each_act_is_audited() {
    let app = TestApp::spawn().await;
    let [gazette, dispatch, orchard] = <[Article; 3]>::try_from(app.add_story().await).unwrap();
    let story: StoryId = gazette.story_id.unwrap();
    let story_path = |slug: &str| format!("/story/{story}-{slug}/");
    let slug = app.store.story_by_id(story).await.unwrap().unwrap().slug;

    // A contributor sees no forms and is refused; a form without its token is refused.
    let reader = app.signed_in("cora").await;
    let (_, page) =
        (StatusCode::OK, reader.get(app.url(&story_path(&slug))).send().await.unwrap().text().await.unwrap());
    assert!(!page.contains("Arrange this story"));
    let refused =
        post_form(&app, &reader, &story_path(&slug), &format!("/story/{story}/rename"), &[("title", "x")])
            .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    app.add_user("ed", Role::Editor).await;
    let editor = TestApp::client();
    app.login(&editor, "ed", PASSWORD).await;
    let no_token = editor
        .post(app.url(&format!("/story/{story}/rename")))
        .form(&[("title", "x"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let page = editor.get(app.url(&story_path(&slug))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Arrange this story"));

    // Rename: the address follows the new name.
    let res = post_form(
        &app,
        &editor,
        &story_path(&slug),
        &format!("/story/{story}/rename"),
        &[("title", "Saltmere ferry grant")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], story_path("saltmere-ferry-grant").as_str());
    let renamed = app.store.story_by_id(story).await.unwrap().unwrap();
    assert_eq!((renamed.title.as_str(), renamed.title_locked), ("Saltmere ferry grant", true));

    // Split the Valley Dispatch report off, move it back by the story's address, merge the
    // orchard story in by number; a bad story name is a clear 400.
    let here = story_path("saltmere-ferry-grant");
    let res = post_form(&app, &editor, &here, &format!("/admin/articles/{}/split", dispatch.id), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let alone = app.store.article_by_id(dispatch.id).await.unwrap().unwrap().article.story_id.unwrap();
    assert_ne!(alone, story);
    let res = post_form(
        &app,
        &editor,
        &here,
        &format!("/admin/articles/{}/story", dispatch.id),
        &[("story", &app.url(&here))],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.article_by_id(dispatch.id).await.unwrap().unwrap().article.story_id, Some(story));
    let bad =
        post_form(&app, &editor, &here, &format!("/story/{story}/merge"), &[("into", "the other one")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let orchard_story = orchard.story_id.unwrap();
    let res = post_form(
        &app,
        &editor,
        &here,
        &format!("/story/{orchard_story}/merge"),
        &[("into", &story.to_string())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.story_by_id(story).await.unwrap().unwrap().article_count, 3);

    // The grouping keeps every decision: nothing is moved by the next round.
    freewire_app::stories::group_new(app.store.as_ref(), &mut freewire_app::stories::Grouping::default())
        .await
        .unwrap();
    assert_eq!(app.store.article_by_id(orchard.id).await.unwrap().unwrap().article.story_id, Some(story));

    let log = app.store.list_audit(freewire_core::PageRequest::new(1, 20)).await.unwrap();
    let acts: Vec<_> = log.items.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(
        acts,
        [("story.merge", "ed"), ("story.move", "ed"), ("story.split", "ed"), ("story.rename", "ed")]
    );
}
