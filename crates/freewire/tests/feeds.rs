//! The feed commands through the real binary: sources and feeds, `poll --once` against a
//! loopback server, OPML in and out, `feed inspect`, and `serve` polling by itself.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use std::process::Stdio;
use std::time::Duration;

use freewire_core::PageRequest;
use freewire_core::store::prelude::*;

mod common;
use common::Cli;

/// A loopback server: `/feed.xml` is a feed, `/broken.xml` is not.
async fn feed_server() -> String {
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Harbour Gazette</title><link>https://harbour.example/</link>\
        <item><guid>hg-1</guid><title>Ferry Talks Resume</title><link>https://harbour.example/ferry</link><pubDate>Tue, 05 Mar 2024 08:30:00 +0000</pubDate><content:encoded><![CDATA[<p>Talks — “at last” — resumed…</p>]]></content:encoded></item>\
        </channel></rss>";
    let app = axum::Router::new()
        .route(
            "/feed.xml",
            axum::routing::get(move || async move { ([("content-type", "application/rss+xml")], feed) }),
        )
        .route("/broken.xml", axum::routing::get(|| async { "<html><body>moved</body></html>" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_and_feeds_are_managed_and_polled_from_the_command_line() {
    let base = feed_server().await;
    let cli = Cli::new();
    cli.ok(&[
        "source",
        "add",
        "Harbour Gazette",
        "--homepage",
        "https://harbour.example/",
        "--licence",
        "CC-BY-4.0",
    ]);
    let (ok, _, err) =
        cli.run(&["source", "add", "Bad", "--homepage", "https://b.example/", "--licence", "GPL"]);
    assert!(!ok && err.contains("unknown licence") && err.contains("CC-BY-4.0"), "{err}");
    cli.ok(&["feed", "add", &format!("{base}/feed.xml"), "--source", "Harbour Gazette"]);
    cli.ok(&["feed", "add", &format!("{base}/broken.xml"), "--source", "Harbour Gazette"]);
    let (ok, _, err) = cli.run(&["feed", "add", &format!("{base}/feed.xml"), "--source", "Harbour Gazette"]);
    assert!(!ok && err.contains("followed already"), "{err}");
    let (ok, _, err) = cli.run(&["feed", "add", "https://x.example/f", "--source", "Nobody"]);
    assert!(!ok && err.contains("source add"), "the error says what to do next: {err}");

    let listed = cli.ok(&["feed", "list"]);
    assert_eq!(listed.matches(" new ").count(), 2, "{listed}");

    let polled = cli.ok(&["poll", "--once"]);
    assert!(polled.contains("1 item(s): 1 new"), "{polled}");
    assert!(polled.contains("FAILED: unreadable feed") && polled.contains("HTML page"), "{polled}");
    assert!(polled.contains("polled 2 feed(s), 1 failing"), "{polled}");

    let listed = cli.ok(&["feed", "list"]);
    assert!(listed.contains(" ok ") && listed.contains(" failing "), "{listed}");
    assert!(
        listed.contains("last error (1 in a row): unreadable feed"),
        "a failing feed shows its reason: {listed}"
    );
    assert!(cli.ok(&["poll", "--once"]).contains("no feed is due"));

    cli.ok(&["feed", "disable", "2"]);
    assert!(cli.ok(&["feed", "list"]).contains(" disabled "));
    let (ok, _, err) = cli.run(&["feed", "disable", "99"]);
    assert!(!ok && err.contains("no feed 99"), "{err}");

    let store = cli.store().await;
    let page =
        store.list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 10)).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].article.body_html, "<p>Talks — “at last” — resumed…</p>");
    let retrieval = &store.retrievals_for_article(page.items[0].article.id).await.unwrap()[0];
    assert_eq!(retrieval.http_status, Some(200));
    assert_eq!(retrieval.location, format!("{base}/feed.xml"));
}

#[test]
fn opml_is_imported_with_bad_entries_reported_and_exported_back() {
    let cli = Cli::new();
    let opml = cli.dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?><opml version="2.0"><head><title>Subs</title></head><body>
<outline text="News">
  <outline text="Harbour Gazette" type="rss" xmlUrl="https://harbour.example/feed.xml" htmlUrl="https://harbour.example/"/>
  <outline text="Valley Dispatch" type="rss" xmlUrl="https://valley.example/atom.xml"/>
</outline>
<outline text="Broken" type="rss" xmlUrl="not a url"/>
<outline text="Local file" type="rss" xmlUrl="file:///etc/passwd"/>
</body></opml>"#,
    )
    .unwrap();
    let out = cli.ok(&["opml", "import", opml.to_str().unwrap()]);
    assert!(out.contains("2 feed(s) added"), "{out}");
    assert!(out.contains("skipped Broken (not a url)"), "{out}");
    assert!(out.contains("skipped Local file (file:///etc/passwd)"), "{out}");
    let again = cli.ok(&["opml", "import", opml.to_str().unwrap()]);
    assert!(again.contains("0 feed(s) added") && again.contains("followed already"), "{again}");

    let exported = cli.ok(&["opml", "export"]);
    assert!(exported.contains("xmlUrl=\"https://harbour.example/feed.xml\""), "{exported}");
    assert!(exported.contains("htmlUrl=\"https://harbour.example/\""), "{exported}");
    assert!(exported.contains("xmlUrl=\"https://valley.example/atom.xml\""), "{exported}");
    // The export reads back as the same list.
    let round = cli.dir.path().join("round.opml");
    std::fs::write(&round, &exported).unwrap();
    let other = Cli::new();
    assert!(other.ok(&["opml", "import", round.to_str().unwrap()]).contains("2 feed(s) added"));
    let (ok, _, err) = cli.run(&["opml", "import", "/nonexistent.opml"]);
    assert!(!ok && err.contains("cannot read"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn opml_export_is_well_formed_xml_whatever_the_names_held() {
    let cli = Cli::new();
    // Through the command: the name loses what XML forbids as it is stored.
    cli.ok(&[
        "source",
        "add",
        "Harbour\u{1} Gazette\u{FFFE}",
        "--homepage",
        "https://harbour.example/",
        "--licence",
        "CC-BY-4.0",
    ]);
    cli.ok(&["feed", "add", "https://harbour.example/feed.xml", "--source", "Harbour Gazette"]);
    // Straight to the store, as a database from before the cleaning holds it.
    let store = cli.store().await;
    let old = store
        .insert_source(freewire_core::NewSource {
            name: "Valley\u{3} Dispatch\u{B}".into(),
            homepage: None,
            licence: freewire_core::Licence::CcBy4,
            credit: None,
        })
        .await
        .unwrap();
    store
        .insert_feed(freewire_core::NewFeed {
            source_id: old.id,
            url: "https://valley.example/atom.xml".into(),
            title: Some("Valley\u{1} feed".into()),
        })
        .await
        .unwrap();

    let exported = cli.ok(&["opml", "export"]);
    let doc = roxmltree::Document::parse(&exported)
        .unwrap_or_else(|e| panic!("the export is not well-formed XML: {e}\n{exported:?}"));
    let outlines: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("outline"))
        .map(|n| (n.attribute("text").unwrap(), n.attribute("xmlUrl").unwrap()))
        .collect();
    assert_eq!(
        outlines,
        [
            ("Harbour Gazette", "https://harbour.example/feed.xml"),
            ("Valley Dispatch", "https://valley.example/atom.xml")
        ]
    );
}

#[test]
fn feed_inspect_describes_a_file_as_json_or_says_why_it_cannot() {
    let cli = Cli::new();
    let file = cli.dir.path().join("f.json");
    std::fs::write(
        &file,
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://j.example/","items":[
            {"id":"j1","title":"One","url":"https://j.example/1","content_html":"<p>Hello <b>world</b></p>","summary":"Hi",
             "date_published":"2024-02-03T05:05:06+01:00","authors":[{"name":"Jo"}]}]}"#,
    )
    .unwrap();
    let out = cli.ok(&["feed", "inspect", file.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["title"], "J");
    assert_eq!(v["link"], "https://j.example/");
    let item = &v["items"][0];
    assert_eq!(item["id"], "j1");
    assert_eq!(item["link"], "https://j.example/1");
    assert_eq!(item["published"], "2024-02-03T04:05:06Z", "RFC 3339 in UTC");
    assert_eq!(item["author"], "Jo");
    assert_eq!(item["content_chars"], 11);
    assert_eq!(item["summary_chars"], 2);

    let bad = cli.dir.path().join("bad.xml");
    std::fs::write(&bad, "<html><body>not a feed</body></html>").unwrap();
    let (ok, _, err) = cli.run(&["feed", "inspect", bad.to_str().unwrap(), "--json"]);
    assert!(!ok && err.contains("is not a feed freewire can read") && err.contains("HTML page"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_polls_the_followed_feeds_by_itself() {
    let base = feed_server().await;
    let cli = Cli::new();
    cli.ok(&[
        "source",
        "add",
        "Harbour Gazette",
        "--homepage",
        "https://harbour.example/",
        "--licence",
        "CC-BY-4.0",
    ]);
    cli.ok(&["feed", "add", &format!("{base}/feed.xml"), "--source", "Harbour Gazette"]);
    let mut child = cli
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .env("FREEWIRE_POLL__EVERY_SECS", "1")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let store = cli.store().await;
    let mut found = 0;
    for _ in 0..100 {
        found = store
            .list_articles(&freewire_core::ArticleFilter::default(), PageRequest::new(1, 10))
            .await
            .unwrap()
            .total;
        if found > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(found, 1, "the running server polled the feed");
}
