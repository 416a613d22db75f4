//! The public surface as readers, feed readers and search engines meet it: lists, outgoing
//! feeds, sitemaps, JSON-LD, canonical links, licences and takedown, against a real server on
//! a loopback port over a real SQLite file.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

mod common;

use common::*;
use freewire_core::{IndexPolicy, NewAuditEntry, SourceTerms, UserId};

/// A sentence placed deep in a long body: it must never appear where only an excerpt may.
const DEEP_MARKER: &str = "Zanzibar-cormorant-marker sentence deep in the text";

struct Fixture {
    app: TestApp,
    open: Article,
    closed: Article,
}

/// Adds a source with its terms and one article of it.
async fn add_source_article(
    app: &TestApp,
    (source, licence, policy): (&str, Licence, IndexPolicy),
    title: &str,
    at: DateTime<Utc>,
    tags: &[&str],
    body_html: &str,
) -> Article {
    let s = if let Some(s) = app.store.source_by_name(source).await.unwrap() {
        s
    } else {
        {
            let s = app
                .store
                .insert_source(NewSource {
                    name: source.into(),
                    homepage: Some(format!("https://{}.example/", source.to_lowercase().replace(' ', "-"))),
                    licence,
                    credit: Some(format!("With reporting by {source} staff")),
                })
                .await
                .unwrap();
            if app.store.user_by_name("terms-setter").await.unwrap().is_none() {
                app.add_user("terms-setter", Role::Admin).await;
            }
            let editor = app.store.user_by_name("terms-setter").await.unwrap().unwrap().id;
            let terms = SourceTerms {
                name: s.name.clone(),
                moved_slugs: Vec::new(),
                homepage: s.homepage.clone(),
                licence,
                credit: s.credit.clone(),
                index_policy: policy,
            };
            assert!(app.store.update_source_terms(s.id, terms, audit(editor)).await.unwrap());
            app.store.source_by_id(s.id).await.unwrap().unwrap()
        }
    };
    let new = NewArticle {
        source_id: s.id,
        feed_id: None,
        guid: format!("guid-{title}"),
        original_url: Some(format!(
            "{}stories/{}",
            s.homepage.clone().unwrap(),
            freewire_core::slugify(title)
        )),
        title: title.to_owned(),
        author: Some("Mara Quist".into()),
        summary: None,
        body_html: body_html.to_owned(),
        language: Some("en".into()),
        published_at: at,
        updated_at: None,
        licence,
        normalized_url: None,
        simhash: None,
        media: Vec::new(),
        tags: tags.iter().filter_map(|t| freewire_core::Tag::new(t)).collect(),
    };
    let retrieval = NewRetrieval {
        location: "file:///fixture.xml".into(),
        retrieved_at: Utc::now(),
        http_status: None,
        sha256: "00".repeat(32),
    };
    match app.store.insert_articles_with_retrieval(vec![(new, retrieval)]).await.unwrap().remove(0) {
        InsertOutcome::Inserted(a) => *a,
        other => panic!("fixture article is new: {other:?}"),
    }
}

fn audit(actor: UserId) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: actor,
        action: "source.terms".into(),
        target: "fixture".into(),
        detail: String::new(),
    }
}

fn long_body() -> String {
    let filler: Vec<String> = (0..150).map(|i| format!("word{i}")).collect();
    format!("<p>{}</p><p>{DEEP_MARKER}.</p><p>Closing paragraph.</p>", filler.join(" "))
}

/// Two sources: one CC BY with our page canonical, one excerpt-only pointing at the original.
async fn fixture() -> Fixture {
    let app = TestApp::spawn_searchable().await;
    let recent = Utc::now() - Duration::hours(3);
    let open = add_source_article(
        &app,
        ("Harbour Gazette", Licence::CcBy4, IndexPolicy::Ours),
        "Ferry Talks Resume",
        recent,
        &["Ferries", "Local politics"],
        "<p>The ferry operators met the council on Monday.</p><p>Both sides agreed to talk again.</p>",
    )
    .await;
    let closed = add_source_article(
        &app,
        ("Closed Courier", Licence::ExcerptOnly, IndexPolicy::Original),
        "Harbour Dredging Plan Revealed",
        recent - Duration::hours(1),
        &["Ferries"],
        &long_body(),
    )
    .await;
    Fixture { app, open, closed }
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = TestApp::client().get(app.url(path)).send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

async fn ok_text(app: &TestApp, path: &str) -> String {
    let (status, _, body) = get(app, path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// Every address where an article's words could appear.
const FEEDS: [&str; 9] = [
    "/feed.xml",
    "/feed.atom",
    "/feed.json",
    "/source/closed-courier/feed.xml",
    "/source/closed-courier/feed.atom",
    "/source/closed-courier/feed.json",
    "/tag/ferries/feed.xml",
    "/tag/ferries/feed.atom",
    "/tag/ferries/feed.json",
];

fn parse_feed(body: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body.as_bytes()).expect("our feed parses")
}

#[tokio::test]
async fn every_outgoing_feed_parses_back_with_credit_and_licence() {
    let f = fixture().await;
    for path in [
        "/feed.xml",
        "/feed.atom",
        "/feed.json",
        "/source/harbour-gazette/feed.xml",
        "/source/harbour-gazette/feed.atom",
        "/source/harbour-gazette/feed.json",
        "/tag/local-politics/feed.xml",
        "/tag/local-politics/feed.atom",
        "/tag/local-politics/feed.json",
    ] {
        let (status, headers, body) = get(&f.app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let kind = headers[reqwest::header::CONTENT_TYPE].to_str().unwrap();
        let expected = match path.rsplit('.').next().unwrap() {
            "xml" => "application/rss+xml",
            "atom" => "application/atom+xml",
            _ => "application/feed+json",
        };
        assert!(kind.starts_with(expected), "{path}: {kind}");
        let feed = parse_feed(&body);
        let entry = feed
            .entries
            .iter()
            .find(|e| e.title.as_ref().is_some_and(|t| t.content == "Ferry Talks Resume"))
            .unwrap_or_else(|| panic!("{path} carries the article"));
        let permalink = f.app.permalink_url(&f.open);
        assert!(entry.links.iter().any(|l| l.href == permalink), "{path}: {:?}", entry.links);
        let content = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
        let content = if content.is_empty() {
            entry.summary.as_ref().map(|s| s.content.clone()).unwrap_or_default()
        } else {
            content
        };
        assert!(content.contains("The ferry operators met the council"), "{path}: full text: {content}");
        assert!(content.contains("Originally published by"), "{path}: credit in the text");
        assert!(content.contains("Harbour Gazette"), "{path}: outlet named");
        assert!(content.contains("With reporting by Harbour Gazette staff"), "{path}: credit line");
        assert!(
            content.contains("https://harbour-gazette.example/stories/ferry-talks-resume"),
            "{path}: original"
        );
        assert!(content.contains("https://creativecommons.org/licenses/by/4.0/"), "{path}: licence link");
        assert!(
            entry.authors.iter().any(|a| a.name.as_deref() == Some("Mara Quist")),
            "{path}: author {:?}",
            entry.authors
        );
        // Licence as metadata too, where the format has a place for it.
        match expected {
            "application/atom+xml" => {
                assert!(entry.rights.as_ref().is_some_and(|r| r.content.contains("CC BY 4.0")), "{path}");
                assert!(body.contains("rel=\"license\""), "{path}");
                assert!(body.contains("<source>"), "{path}: atom source element");
            }
            "application/rss+xml" => {
                assert!(
                    body.contains("<creativeCommons:license>https://creativecommons.org/licenses/by/4.0/")
                );
                assert!(body.contains("<dc:rights>CC BY 4.0"), "{path}");
                assert!(body.contains("<source url="), "{path}");
            }
            _ => {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                let item = json["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|i| i["title"] == "Ferry Talks Resume")
                    .unwrap();
                assert_eq!(item["_freewire"]["licence"]["id"], "CC-BY-4.0");
                assert_eq!(item["_freewire"]["source"]["name"], "Harbour Gazette");
                assert_eq!(
                    item["external_url"],
                    "https://harbour-gazette.example/stories/ferry-talks-resume"
                );
                assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
            }
        }
    }
    // A source's feed holds only that source; a tag's only that tag.
    let own = parse_feed(&ok_text(&f.app, "/source/harbour-gazette/feed.atom").await);
    assert_eq!(own.entries.len(), 1);
    let tagged = parse_feed(&ok_text(&f.app, "/tag/ferries/feed.json").await);
    assert_eq!(tagged.entries.len(), 2);
    let politics = parse_feed(&ok_text(&f.app, "/tag/local-politics/feed.xml").await);
    assert_eq!(politics.entries.len(), 1);
    assert_eq!(get(&f.app, "/tag/no-such-tag/feed.xml").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&f.app, "/source/harbour-gazette/feed.rss").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_announce_their_feeds_for_autodiscovery() {
    let f = fixture().await;
    let home = ok_text(&f.app, "/").await;
    for (kind, href) in [
        ("application/rss+xml", "/feed.xml"),
        ("application/atom+xml", "/feed.atom"),
        ("application/feed+json", "/feed.json"),
    ] {
        assert!(home.contains(&format!("<link rel=\"alternate\" type=\"{kind}\"")), "{kind}");
        assert!(home.contains(&format!("href=\"{href}\"")), "{href}");
    }
    let source = ok_text(&f.app, "/source/harbour-gazette/").await;
    assert!(source.contains("href=\"/source/harbour-gazette/feed.atom\""));
    let tag = ok_text(&f.app, "/tag/local-politics/").await;
    assert!(tag.contains("href=\"/tag/local-politics/feed.json\""));
    let article = ok_text(&f.app, &TestApp::page_path(&f.open)).await;
    assert!(article.contains("href=\"/source/harbour-gazette/feed.xml\""), "the article's source feed");
}

#[tokio::test]
async fn an_excerpt_only_source_never_has_its_full_text_on_any_page_or_feed() {
    let f = fixture().await;
    let page_path = TestApp::page_path(&f.closed);
    let article = ok_text(&f.app, &page_path).await;
    assert!(article.contains("word0 word1"), "the excerpt is shown");
    assert!(article.contains("terms allow us to show only this excerpt"));
    assert!(
        article.contains("href=\"https://closed-courier.example/stories/harbour-dredging-plan-revealed\""),
        "a prominent link to the original"
    );
    assert!(article.contains("Excerpt only"), "the licence is named");
    let found = f.app.search_until("word0", |t| !t.is_empty()).await;
    assert_eq!(found, ["Harbour Dredging Plan Revealed"], "searchable by its excerpt");
    for hidden in ["word120", "Zanzibar"] {
        assert_eq!(f.app.search(hidden).await["total"], 0, "{hidden} lies past the excerpt");
    }
    let mut surfaces = vec![
        "/search?q=word0+dredging".to_owned(),
        "/api/search?q=word0".to_owned(),
        "/search?q=source:closed-courier".to_owned(),
        "/".into(),
        page_path,
        "/source/closed-courier/".into(),
        "/tag/ferries/".into(),
        format!("/{}/", f.closed.permalink.date().format("%Y/%m/%d")),
        "/about".into(),
        format!("/cite/{}.bib", f.closed.id.0),
        format!("/cite/{}.ris", f.closed.id.0),
        format!("/cite/{}.json", f.closed.id.0),
        "/sitemap.xml".into(),
        "/news-sitemap.xml".into(),
    ];
    surfaces.extend(FEEDS.iter().map(|s| (*s).to_owned()));
    for path in &surfaces {
        let body = ok_text(&f.app, path).await;
        assert!(!body.contains("Zanzibar-cormorant-marker"), "{path} shows text past the excerpt");
        assert!(!body.contains("word120"), "{path} shows text past the excerpt");
    }
    // The feeds still carry the article, as an excerpt with the credit and a link.
    let feed = parse_feed(&ok_text(&f.app, "/source/closed-courier/feed.atom").await);
    let content = feed.entries[0].content.as_ref().unwrap().body.clone().unwrap();
    assert!(content.contains("word0"), "{content}");
    assert!(content.contains("Read the original"), "{content}");
    assert!(content.contains("Excerpt only"), "{content}");
    // A full-text source's words are all there: the check above can tell the difference.
    let open = ok_text(&f.app, &TestApp::page_path(&f.open)).await;
    assert!(open.contains("Both sides agreed to talk again."));
}

#[tokio::test]
async fn a_licence_change_applies_to_articles_already_published() {
    let f = fixture().await;
    let path = TestApp::page_path(&f.open);
    assert!(ok_text(&f.app, &path).await.contains("Both sides agreed to talk again."));
    let admin = f.app.store.user_by_name("terms-setter").await.unwrap().unwrap();
    let source = f.app.store.source_by_name("Harbour Gazette").await.unwrap().unwrap();
    let terms = SourceTerms {
        name: source.name.clone(),
        moved_slugs: Vec::new(),
        homepage: source.homepage.clone(),
        licence: Licence::ExcerptOnly,
        credit: None,
        index_policy: IndexPolicy::NoIndex,
    };
    assert!(f.app.store.update_source_terms(source.id, terms, audit(admin.id)).await.unwrap());
    let page = f.app.page_showing(&path, "terms allow us to show only this excerpt").await;
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
}

fn canonical(html: &str) -> String {
    let start = html.find("<link rel=\"canonical\" href=\"").expect("a canonical link") + 28;
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn canonical_links_and_sitemaps_follow_each_sources_policy() {
    let f = fixture().await;
    let ours = ok_text(&f.app, &TestApp::page_path(&f.open)).await;
    assert_eq!(canonical(&ours), f.app.permalink_url(&f.open));
    assert!(!ours.contains("noindex"));
    let theirs = ok_text(&f.app, &TestApp::page_path(&f.closed)).await;
    assert_eq!(canonical(&theirs), "https://closed-courier.example/stories/harbour-dredging-plan-revealed");
    assert!(!theirs.contains("noindex"));
    let hidden = add_source_article(
        &f.app,
        ("Quiet Quarterly", Licence::Permission, IndexPolicy::NoIndex),
        "Lighthouse Keepers Return",
        Utc::now() - Duration::hours(2),
        &[],
        "<p>The keepers are back.</p>",
    )
    .await;
    let page = ok_text(&f.app, &TestApp::page_path(&hidden)).await;
    assert_eq!(canonical(&page), f.app.permalink_url(&hidden));
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));

    let sitemap = ok_text(&f.app, "/sitemap.xml").await;
    assert!(sitemap.contains(&f.app.permalink_url(&f.open)), "our canonical page is listed");
    assert!(!sitemap.contains(&f.app.permalink_url(&f.closed)), "a copy canonical elsewhere is not");
    assert!(!sitemap.contains(&f.app.permalink_url(&hidden)), "a noindex page is not");
    assert!(sitemap.contains(&format!("<loc>{}/about</loc>", f.app.base)));
    let news = ok_text(&f.app, "/news-sitemap.xml").await;
    assert!(news.contains(&f.app.permalink_url(&f.open)));
    assert!(news.contains("<news:name>Test Wire</news:name>"));
    assert!(news.contains("<news:title>Ferry Talks Resume</news:title>"));
    assert!(!news.contains(&f.app.permalink_url(&hidden)));
    let robots = ok_text(&f.app, "/robots.txt").await;
    assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml", f.app.base)), "{robots}");
    assert!(robots.contains(&format!("Sitemap: {}/news-sitemap.xml", f.app.base)), "{robots}");
    assert!(robots.contains("Disallow: /admin/"), "{robots}");
    assert!(robots.contains("Disallow: /search\n"), "result pages are not crawled: {robots}");
}

#[tokio::test]
async fn the_news_sitemap_holds_only_the_last_two_days() {
    let f = fixture().await;
    let old = add_source_article(
        &f.app,
        ("Harbour Gazette", Licence::CcBy4, IndexPolicy::Ours),
        "Old Pier Reopens",
        Utc::now() - Duration::days(3),
        &[],
        "<p>Last week.</p>",
    )
    .await;
    let news = ok_text(&f.app, "/news-sitemap.xml").await;
    assert!(!news.contains(&f.app.permalink_url(&old)));
    assert!(news.contains(&f.app.permalink_url(&f.open)));
    assert!(ok_text(&f.app, "/sitemap.xml").await.contains(&f.app.permalink_url(&old)));
}

fn json_ld(html: &str) -> serde_json::Value {
    let start = html.find("<script type=\"application/ld+json\">").expect("JSON-LD") + 35;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("JSON-LD parses as JSON")
}

#[tokio::test]
async fn json_ld_parses_and_names_the_original() {
    let f = fixture().await;
    let html = ok_text(&f.app, &TestApp::page_path(&f.open)).await;
    let doc = json_ld(&html);
    assert_eq!(doc["@context"], "https://schema.org");
    assert_eq!(doc["@type"], "NewsArticle");
    assert_eq!(doc["headline"], "Ferry Talks Resume");
    assert_eq!(doc["url"], f.app.permalink_url(&f.open));
    assert_eq!(doc["isBasedOn"]["url"], "https://harbour-gazette.example/stories/ferry-talks-resume");
    assert_eq!(doc["isBasedOn"]["publisher"]["name"], "Harbour Gazette");
    assert_eq!(doc["author"]["name"], "Mara Quist");
    assert_eq!(doc["publisher"]["name"], "Test Wire");
    assert_eq!(doc["license"], "https://creativecommons.org/licenses/by/4.0/");
    assert!(doc["datePublished"].as_str().unwrap().ends_with('Z'));
    // Open Graph for link previews.
    assert!(html.contains("<meta property=\"og:type\" content=\"article\">"));
    assert!(html.contains("<meta property=\"og:title\" content=\"Ferry Talks Resume\">"));
    assert!(
        html.contains(&format!("<meta property=\"og:url\" content=\"{}\">", f.app.permalink_url(&f.open)))
    );
    assert!(html.contains("<meta property=\"article:tag\" content=\"Local politics\">"));
}

#[tokio::test]
async fn a_hostile_title_cannot_break_out_of_the_json_ld() {
    let app = TestApp::spawn().await;
    let title = "Quay </script><script>alert(1)</script> & \"Dock\"";
    let a = add_source_article(
        &app,
        ("Harbour Gazette", Licence::CcBy4, IndexPolicy::Ours),
        title,
        Utc::now(),
        &[],
        "<p>Text.</p>",
    )
    .await;
    let html = ok_text(&app, &TestApp::page_path(&a)).await;
    assert!(!html.contains("<script>alert(1)"), "no script element from the title");
    assert_eq!(json_ld(&html)["headline"], title, "the JSON keeps the title exactly");
}

#[tokio::test]
async fn lists_by_source_tag_and_date() {
    let f = fixture().await;
    let source = ok_text(&f.app, "/source/harbour-gazette/").await;
    assert!(source.contains("Ferry Talks Resume"));
    assert!(!source.contains("Harbour Dredging Plan Revealed"));
    assert!(source.contains("With reporting by Harbour Gazette staff"));
    let tag = ok_text(&f.app, "/tag/ferries/").await;
    assert!(tag.contains("Ferry Talks Resume") && tag.contains("Harbour Dredging Plan Revealed"));
    let politics = ok_text(&f.app, "/tag/local-politics/").await;
    assert!(politics.contains("Ferry Talks Resume") && !politics.contains("Harbour Dredging Plan Revealed"));
    let day = f.open.permalink.date();
    let day_page = ok_text(&f.app, &format!("/{}/", day.format("%Y/%m/%d"))).await;
    assert!(day_page.contains("Ferry Talks Resume"));
    assert!(ok_text(&f.app, &format!("/{}/", day.format("%Y/%m"))).await.contains("Ferry Talks Resume"));
    assert!(ok_text(&f.app, &format!("/{}/", day.format("%Y"))).await.contains("Ferry Talks Resume"));
    let empty_day = ok_text(&f.app, "/2001/02/03/").await;
    assert!(empty_day.contains("Nothing was published on these dates."));
    assert!(!empty_day.contains("Ferry Talks Resume"));
    for missing in
        ["/2001/02/30/", "/2001/2/03/", "/source/nobody/", "/tag/nothing/", "/source/harbour-gazette/?page=2"]
    {
        assert_eq!(get(&f.app, missing).await.0, StatusCode::NOT_FOUND, "{missing}");
    }
    let about = ok_text(&f.app, "/about").await;
    assert!(about.contains("Harbour Gazette") && about.contains("Closed Courier"));
    assert!(about.contains("href=\"https://creativecommons.org/licenses/by/4.0/\""));
    assert!(about.contains("Excerpt with a link"));
    // Landmarks, and a page that works without scripts.
    for landmark in ["<header", "<main id=\"main\"", "<footer", "<nav aria-label=\"Site\""] {
        assert!(about.contains(landmark), "{landmark}");
    }
}

#[tokio::test]
async fn public_pages_answer_conditional_requests() {
    let f = fixture().await;
    let client = TestApp::client();
    for path in ["/", "/feed.xml", "/sitemap.xml", &TestApp::page_path(&f.open)] {
        let first = client.get(f.app.url(path)).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[reqwest::header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(first.headers()[reqwest::header::CACHE_CONTROL], "public, max-age=60", "{path}");
        let again =
            client.get(f.app.url(path)).header(reqwest::header::IF_NONE_MATCH, &etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.text().await.unwrap().is_empty());
        let stale = client
            .get(f.app.url(path))
            .header(reqwest::header::IF_NONE_MATCH, "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
    }
    let page = client.get(f.app.url(&TestApp::page_path(&f.open))).send().await.unwrap();
    let modified = page.headers()[reqwest::header::LAST_MODIFIED].to_str().unwrap().to_owned();
    let since = client
        .get(f.app.url(&TestApp::page_path(&f.open)))
        .header(reqwest::header::IF_MODIFIED_SINCE, &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(since.status(), StatusCode::NOT_MODIFIED);
    // A signed-in reader's page carries their name: no shared cache may keep it.
    let reader = f.app.signed_in("ines").await;
    let mine = reader.get(f.app.url("/")).send().await.unwrap();
    assert_eq!(mine.headers()[reqwest::header::CACHE_CONTROL], "private, no-cache");
}

#[tokio::test]
async fn citation_downloads_are_files_for_reference_managers() {
    let f = fixture().await;
    let id = f.open.id.0;
    for (ext, kind, first) in [
        ("bib", "application/x-bibtex", "@"),
        ("ris", "application/x-research-info-systems", "TY  - "),
        ("json", "application/vnd.citationstyles.csl+json", "["),
    ] {
        let (status, headers, body) = get(&f.app, &format!("/cite/{id}.{ext}")).await;
        assert_eq!(status, StatusCode::OK, "{ext}");
        assert!(headers[reqwest::header::CONTENT_TYPE].to_str().unwrap().starts_with(kind), "{ext}");
        assert_eq!(
            headers[reqwest::header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"ferry-talks-resume.{ext}\"").as_str()
        );
        assert!(body.trim_start().starts_with(first), "{ext}: {body}");
        assert!(body.contains("Ferry Talks Resume"), "{ext}: {body}");
    }
    let csl: serde_json::Value =
        serde_json::from_str(&ok_text(&f.app, &format!("/cite/{id}.json")).await).unwrap();
    assert_eq!(csl[0]["URL"], f.app.permalink_url(&f.open));
    assert_eq!(get(&f.app, &format!("/cite/{id}.txt")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&f.app, "/cite/999999.bib").await.0, StatusCode::NOT_FOUND);
    // The article page lists every style with its copy button and the downloads.
    let page = ok_text(&f.app, &TestApp::page_path(&f.open)).await;
    for style in [
        "APA (7th edition)",
        "MLA (9th edition)",
        "Chicago (note)",
        "Chicago (bibliography)",
        "BibTeX",
        "RIS",
        "CSL-JSON",
    ] {
        assert!(page.contains(style), "{style}");
    }
    assert_eq!(page.matches("class=\"copy\"").count(), 7);
    assert!(page.contains(&format!("href=\"/cite/{id}.ris\"")));
}

async fn withdraw(app: &TestApp, client: &reqwest::Client, a: &Article, reason: &str) -> reqwest::Response {
    let page = client.get(app.url(&TestApp::page_path(a))).send().await.unwrap().text().await.unwrap();
    let token = form_token(&page);
    client
        .post(app.url(&format!("/admin/articles/{}/withdraw", a.id.0)))
        .form(&[("csrf", token.as_str()), ("reason", reason)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_withdrawn_article_answers_410_and_is_gone_from_feeds_and_sitemaps() {
    let f = fixture().await;
    let path = TestApp::page_path(&f.open);
    let url = f.app.permalink_url(&f.open);
    assert!(ok_text(&f.app, "/sitemap.xml").await.contains(&url), "listed before");
    assert!(ok_text(&f.app, "/feed.atom").await.contains(&url), "in the feed before");
    let found = f.app.search_until("ferry operators", |t| !t.is_empty()).await;
    assert_eq!(found, ["Ferry Talks Resume"], "found by search before");

    // Readers and contributors cannot withdraw.
    let reader = f.app.signed_in("reader").await;
    let page = reader.get(f.app.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Withdraw this article"));
    let refused = reader
        .post(f.app.url(&format!("/admin/articles/{}/withdraw", f.open.id.0)))
        .form(&[("csrf", form_token(&page).as_str()), ("reason", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(&f.app, &path).await.0, StatusCode::OK);

    f.app.add_user("ed", Role::Editor).await;
    let editor = TestApp::client();
    f.app.login(&editor, "ed", PASSWORD).await;
    let empty = withdraw(&f.app, &editor, &f.open, "  ").await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST, "a notice is required");
    let done = withdraw(&f.app, &editor, &f.open, "The outlet asked us to take this down.").await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);

    let (status, _, body) = get(&f.app, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("The outlet asked us to take this down."), "{body}");
    assert!(!body.contains("The ferry operators met the council"));
    for surface in FEEDS.iter().copied().chain([
        "/",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/source/harbour-gazette/",
        "/tag/local-politics/",
        "/source/harbour-gazette/feed.json",
    ]) {
        let (status, _, body) = get(&f.app, surface).await;
        assert!(status == StatusCode::OK || status == StatusCode::NOT_FOUND, "{surface}: {status}");
        assert!(!body.contains(&url), "{surface} still lists the withdrawn article");
        assert!(!body.contains("Ferry Talks Resume"), "{surface} still names the withdrawn article");
    }
    assert_eq!(get(&f.app, &format!("/cite/{}.bib", f.open.id.0)).await.0, StatusCode::GONE);
    let found = f.app.search_until("ferry operators", <[String]>::is_empty).await;
    assert!(found.is_empty(), "gone from search results: {found:?}");
    let page = ok_text(&f.app, "/search?q=ferry+operators").await;
    assert!(!page.contains("Ferry Talks Resume") && page.contains("Nothing matched"));
    assert_eq!(get(&f.app, &format!("{path}updates.atom")).await.0, StatusCode::GONE);

    // On the record, and listed for editors with a way back.
    let audit = f.app.store.list_audit(freewire_core::PageRequest::new(1, 10)).await.unwrap();
    let act = audit.items.iter().find(|e| e.action == "article.withdraw").expect("audited");
    assert_eq!(act.detail, "The outlet asked us to take this down.");
    assert_eq!(act.actor, "ed");
    let list = editor.get(f.app.url("/admin/withdrawn")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Ferry Talks Resume") && list.contains("The outlet asked us to take this down."));
    let back = editor
        .post(f.app.url(&format!("/admin/articles/{}/reinstate", f.open.id.0)))
        .form(&[("csrf", form_token(&list).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(get(&f.app, &path).await.0, StatusCode::OK);
    assert!(ok_text(&f.app, "/sitemap.xml").await.contains(&url));
    assert_eq!(f.app.search_until("ferry operators", |t| !t.is_empty()).await, ["Ferry Talks Resume"]);
    let audit = f.app.store.list_audit(freewire_core::PageRequest::new(1, 10)).await.unwrap();
    assert!(audit.items.iter().any(|e| e.action == "article.reinstate"));
}

#[tokio::test]
async fn editors_rename_a_source_and_change_its_terms_on_the_record() {
    let f = fixture().await;
    f.app.add_user("ed", Role::Editor).await;
    let editor = TestApp::client();
    f.app.login(&editor, "ed", PASSWORD).await;
    let page = editor.get(f.app.url("/admin/sources")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Harbour Gazette") && page.contains("Closed Courier"));
    let source = f.app.store.source_by_name("Closed Courier").await.unwrap().unwrap();
    let res = editor
        .post(f.app.url(&format!("/admin/sources/{}", source.id.0)))
        .form(&[
            ("csrf", form_token(&page).as_str()),
            ("name", "Closed Courier Weekly"),
            ("homepage", "https://closed-courier.example/"),
            ("credit", "Shared under an agreement"),
            ("licence", "permission"),
            ("index_policy", "noindex"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let article = ok_text(&f.app, &TestApp::page_path(&f.closed)).await;
    assert!(article.contains(DEEP_MARKER), "permission: the full text now shows");
    assert!(article.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(article.contains("Closed Courier Weekly"), "the credit carries the new name");
    // The old address, and its feeds, send readers and feed readers on.
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (old, new) in [
        ("/source/closed-courier/", "/source/closed-courier-weekly/"),
        ("/source/closed-courier/feed.atom", "/source/closed-courier-weekly/feed.atom"),
        ("/source/closed-courier/?page=2", "/source/closed-courier-weekly/?page=2"),
    ] {
        let res = no_redirects.get(f.app.url(old)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY, "{old}");
        assert_eq!(res.headers()["location"], new, "{old}");
        assert!(
            res.headers()["cache-control"].to_str().unwrap().contains("max-age=86400"),
            "not kept for ever"
        );
        if !new.contains('?') {
            assert_eq!(get(&f.app, new).await.0, StatusCode::OK, "{new}");
        }
    }
    let taken = editor
        .post(f.app.url(&format!("/admin/sources/{}", source.id.0)))
        .form(&[
            ("csrf", form_token(&page).as_str()),
            ("name", "Harbour Gazette"),
            ("licence", "permission"),
            ("index_policy", "noindex"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), StatusCode::CONFLICT, "another source's name is refused");
    let bad = editor
        .post(f.app.url(&format!("/admin/sources/{}", source.id.0)))
        .form(&[
            ("csrf", form_token(&page).as_str()),
            ("name", "Closed Courier Weekly"),
            ("licence", "GPL"),
            ("index_policy", "ours"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let audit = f.app.store.list_audit(freewire_core::PageRequest::new(1, 10)).await.unwrap();
    let act = audit.items.iter().find(|e| e.actor == "ed" && e.action == "source.edit").expect("audited");
    assert!(act.detail.contains("excerpt-only → permission"), "{}", act.detail);
    assert!(act.detail.contains("name “Closed Courier” → “Closed Courier Weekly”"), "{}", act.detail);
}

/// The Python that has feedparser and lxml: `FREEWIRE_TEST_PYTHON` (set by `.ci/run`), else
/// `python3` if it has them.
fn python_with_feedparser() -> Option<String> {
    let candidate = std::env::var("FREEWIRE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&candidate)
        .args(["-c", "import feedparser, lxml"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(candidate)
}

#[tokio::test]
async fn python_feedparser_reads_every_feed_and_the_sitemaps_validate() {
    let Some(python) = python_with_feedparser() else {
        assert!(
            !freewire_store::testing::is_ci(),
            "CI must provide Python with feedparser and lxml (FREEWIRE_TEST_PYTHON)"
        );
        eprintln!("skipped: no Python with feedparser and lxml; set FREEWIRE_TEST_PYTHON");
        return;
    };
    let f = fixture().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_surface.py");
    let mut args: Vec<String> = vec![script.display().to_string(), f.app.base.clone()];
    args.extend(FEEDS.iter().map(|s| (*s).to_owned()));
    args.extend(
        [
            "/source/harbour-gazette/feed.xml",
            "/source/harbour-gazette/feed.atom",
            "/source/harbour-gazette/feed.json",
        ]
        .map(str::to_owned),
    );
    args.extend(["--sitemap", "/sitemap.xml", "--news-sitemap", "/news-sitemap.xml"].map(str::to_owned));
    let out = tokio::process::Command::new(&python).args(&args).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("ok ")).count(), FEEDS.len() + 5, "{stdout}");

    // The checker can fail: a sitemap with an invalid entry does not validate.
    let bad = tokio::process::Command::new(&python)
        .args([script.display().to_string(), f.app.base.clone(), "--sitemap".into(), "/feed.xml".into()])
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success(), "an RSS document is not a valid sitemap");
}

#[tokio::test]
async fn citations_follow_a_corrected_title() {
    let f = fixture().await;
    let bib = format!("/cite/{}.bib", f.open.id.0);
    let page = TestApp::page_path(&f.open);
    // Drawn once, so the rendered citations are kept.
    assert!(ok_text(&f.app, &bib).await.contains("Ferry Talks Resume"));
    assert!(ok_text(&f.app, &page).await.contains("Ferry Talks Resume"));
    // The outlet corrects its headline: the same GUID arrives with other text.
    let mut corrected = f.open.clone();
    corrected.title = "Ferry Talks Resume After Strike".into();
    corrected.body_html = "<p>The ferry operators met the council on Monday, after the strike.</p>".into();
    let new = NewArticle {
        source_id: corrected.source_id,
        feed_id: None,
        guid: corrected.guid.clone(),
        original_url: corrected.original_url.clone(),
        title: corrected.title.clone(),
        author: corrected.author.clone(),
        summary: None,
        body_html: corrected.body_html.clone(),
        language: corrected.language.clone(),
        published_at: corrected.published_at,
        updated_at: None,
        licence: corrected.licence,
        normalized_url: None,
        simhash: None,
        media: Vec::new(),
        tags: Vec::new(),
    };
    let retrieval = NewRetrieval {
        location: "file:///fixture.xml".into(),
        retrieved_at: Utc::now(),
        http_status: None,
        sha256: "11".repeat(32),
    };
    let out = f.app.store.insert_articles_with_retrieval(vec![(new, retrieval)]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Revised(f.open.id)]);
    let bibtex = ok_text(&f.app, &bib).await;
    assert!(bibtex.contains("Ferry Talks Resume After Strike"), "{bibtex}");
    let html = f.app.page_showing(&page, "after the strike").await;
    let apa = html.split("id=\"cite-apa\"").nth(1).unwrap_or_default();
    assert!(apa.contains("Ferry Talks Resume After Strike"), "the page's citations are redrawn: {apa}");
}
