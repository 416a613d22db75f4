//! Search as readers meet it: the page (plain HTML forms and links), the JSON endpoint, and
//! changes made on the site reaching results, against a real server over a real SQLite file
//! and a real index folder.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

mod common;

use common::*;

async fn article_from(app: &TestApp, source: &str, title: &str, body: &str, at: DateTime<Utc>) -> Article {
    let s = match app.store.source_by_name(source).await.unwrap() {
        Some(s) => s,
        None => app
            .store
            .insert_source(NewSource {
                name: source.into(),
                homepage: Some("https://outlet.example/".into()),
                licence: Licence::CcBy4,
                credit: None,
            })
            .await
            .unwrap(),
    };
    let mut new = fixture_article(
        s.id,
        title,
        at,
        body,
        &format!("https://outlet.example/{}", freewire_core::slugify(title)),
    );
    new.guid = title.into();
    new.author = Some("Noor Hale".into());
    let retrieval = fixture_retrieval();
    match app.store.insert_articles_with_retrieval(vec![(new, retrieval)]).await.unwrap().remove(0) {
        InsertOutcome::Inserted(a) => *a,
        other => panic!("fixture article is new: {other:?}"),
    }
}

async fn corpus(app: &TestApp) -> Vec<Article> {
    let march = Utc.with_ymd_and_hms(2024, 3, 5, 8, 0, 0).unwrap();
    let april = Utc.with_ymd_and_hms(2024, 4, 9, 8, 0, 0).unwrap();
    vec![
        article_from(
            app,
            "Harbour Gazette",
            "Ferry Crews Walk Out",
            "<p>The ferry crews walked out at dawn.</p>",
            march,
        )
        .await,
        article_from(
            app,
            "Harbour Gazette",
            "Council Answers Ferry Crews",
            "<p>The council wrote to the ferry crews about rosters.</p>",
            april,
        )
        .await,
        article_from(
            app,
            "Valley Courier",
            "Valley Buses Follow The Ferries",
            "<p>Bus drivers said the ferry dispute showed the way.</p>",
            april,
        )
        .await,
        article_from(
            app,
            "Valley Courier",
            "<script>alert('t')</script> Quay Rumours",
            "<p>Nothing about boats here, only a quay &lt;img src=x onerror=alert(1)&gt;.</p>",
            march,
        )
        .await,
    ]
}

/// The `href` of the first link whose text is `text`.
fn link_named(html: &str, text: &str) -> String {
    let end = html.find(&format!("\">{text}</a>")).unwrap_or_else(|| panic!("a link named {text}: {html}"));
    let start = html[..end].rfind("href=\"").unwrap() + 6;
    html[start..end].replace("&amp;", "&")
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = TestApp::client().get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_search_page_finds_highlights_and_narrows_by_plain_links() {
    let app = TestApp::spawn_searchable().await;
    corpus(&app).await;
    // The index follows the store in rounds: each of the searches below waits for its articles.
    assert_eq!(app.search_until("ferry", |t| t.len() == 3).await.len(), 3);
    assert_eq!(app.search_until("quay", |t| t.len() == 1).await.len(), 1);

    // Every page offers search in its masthead, as a plain form.
    let (_, home) = page(&app, "/").await;
    assert!(home.contains("role=\"search\"") && home.contains("action=\"/search\""));

    let (status, html) = page(&app, "/search?q=ferry").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("3 results"), "{html}");
    assert!(html.contains("<b>ferry</b>"), "highlighted");
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"), "result pages stay out of indexes");
    assert!(html.contains("value=\"ferry\""), "the query stays in the box");

    // The source facet narrows by a link that adds the filter to the words.
    let narrowed = link_named(&html, "Valley Courier");
    assert!(narrowed.contains("source%3Avalley-courier"), "{narrowed}");
    let (_, html) = page(&app, &narrowed).await;
    assert!(html.contains("1 result<"), "{html}");
    assert!(html.contains("Valley Buses Follow The Ferries"));
    assert!(!html.contains("Ferry Crews Walk Out"));

    // And the month facet by a date range.
    let (_, html) = page(&app, "/search?q=ferry").await;
    let march = link_named(&html, "2024-03");
    let (_, html) = page(&app, &march).await;
    assert!(html.contains("Ferry Crews Walk Out") && !html.contains("Council Answers Ferry Crews"), "{html}");

    // A result links to its article.
    let article_link = link_named(&html, "Ferry Crews Walk Out");
    assert_eq!(page(&app, &article_link).await.0, StatusCode::OK);

    // Titles and text that look like markup stay text.
    let (_, html) = page(&app, "/search?q=quay").await;
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains("<img src=x"));

    let (_, html) = page(&app, "/search?q=zeppelin").await;
    assert!(html.contains("Nothing matched <strong>zeppelin</strong>"));
    let (status, html) = page(&app, "/search").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Nothing matched"), "an empty search is just the form");

    let (status, html) = page(&app, &format!("/search?q={}", "a".repeat(501))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("too long"), "{html}");
    assert_eq!(page(&app, "/search?q=ferry&page=0").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_json_endpoint_returns_ranked_hits_with_facets_and_addresses() {
    let app = TestApp::spawn_searchable().await;
    let articles = corpus(&app).await;
    app.search_until("ferry", |t| t.len() == 3).await;
    let body = app.search("crews -council").await;
    assert_eq!(body["query"], "crews -council");
    assert_eq!(body["total"], 1);
    let hit = &body["hits"][0];
    assert_eq!(hit["title"], "Ferry Crews Walk Out");
    assert_eq!(hit["kind"], "article");
    assert_eq!(hit["article_id"], articles[0].id.0);
    assert_eq!(hit["author"], "Noor Hale");
    assert_eq!(hit["language"], "en");
    assert_eq!(hit["published"], "2024-03-05T08:00:00Z");
    assert_eq!(hit["url"], app.permalink_url(&articles[0]));
    assert!(hit["snippet_html"].as_str().unwrap().contains("<b>crews</b>"));

    let all = app.search("ferry").await;
    assert_eq!(all["facets"]["sources"][0]["value"], "Harbour Gazette");
    assert_eq!(all["facets"]["sources"][0]["count"], 2);
    assert_eq!(all["facets"]["months"][0]["value"], "2024-04");
    let scores: Vec<f64> =
        all["hits"].as_array().unwrap().iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    // Pages of the API's own size.
    let res = TestApp::client().get(app.url("/api/search?q=ferry&size=2&page=2")).send().await.unwrap();
    let second: serde_json::Value = res.json().await.unwrap();
    assert_eq!((second["total"].as_u64(), second["hits"].as_array().unwrap().len()), (Some(3), 1));
}

#[tokio::test]
async fn an_update_posted_on_the_site_is_searchable_at_once_and_leaves_when_hidden() {
    let app = TestApp::spawn_searchable().await;
    let a = app.article().await;
    app.search_until("ferry", |t| !t.is_empty()).await;
    let client = app.signed_in("ada").await;
    let article_page =
        client.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let res = client
        .post(app.url(&format!("/articles/{}/updates", a.id)))
        .multipart(upload_form(
            Some(&form_token(&article_page)),
            "The harbourmaster's **logbook** for the week.",
            vec![("tide-readings.pdf", pdf(), "application/pdf")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let found = app.search_until("logbook", |t| !t.is_empty()).await;
    assert_eq!(found, ["Ferry Talks Resume"]);
    let hit = app.search("logbook").await["hits"][0].clone();
    assert_eq!(hit["kind"], "update");
    let update_id = hit["update_id"].as_i64().unwrap();
    assert!(hit["url"].as_str().unwrap().ends_with(&format!("/#update-{update_id}")), "{hit}");
    assert_eq!(app.search("tide readings").await["total"], 1, "found by its file's name");
    let (_, html) = page(&app, "/search?q=logbook").await;
    assert!(html.contains("Update on</span> Ferry Talks Resume"), "{html}");

    app.add_user("ed", Role::Editor).await;
    let ed = TestApp::client();
    app.login(&ed, "ed", PASSWORD).await;
    let ed_page = ed.get(app.url(&TestApp::page_path(&a))).send().await.unwrap().text().await.unwrap();
    let res = ed
        .post(app.url(&format!("/updates/{update_id}/hide")))
        .form(&[("csrf", form_token(&ed_page).as_str()), ("reason", "Posted on the wrong story")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.search_until("logbook", <[String]>::is_empty).await.is_empty(), "hidden updates leave");
    assert_eq!(app.search("ferry").await["total"], 1, "the article stays");
}

#[tokio::test]
async fn without_an_index_search_says_it_is_not_enabled() {
    let app = TestApp::spawn().await;
    let (status, html) = page(&app, "/search?q=ferry").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("Search is not enabled on this site."), "{html}");
    assert_eq!(page(&app, "/search").await.0, StatusCode::OK, "the form alone needs no index");
}
