//! `freewire article show` through the real binary, on SQLite and on PostgreSQL: a feed
//! imported, then imported again after the outlet edited one article (and re-sent another with
//! only cosmetic changes), shows every version with its retrieval and what changed, and the
//! names and dates the article turns on.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use std::path::Path;

use serde_json::Value;

mod common;
use common::Cli;

/// A feed written for this test, as first published and after the outlet's edit. The dateline
/// is Tuesday 1 December 2026.
fn feed(vote: &str, headline: &str, library: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title><link>https://harbour.example/</link>
<item><guid>hg-1</guid><title>{headline}</title><link>https://harbour.example/ferry</link><pubDate>Tue, 01 Dec 2026 08:00:00 +0000</pubDate><description>&lt;p&gt;Council leader Ines Varga said the Saltmere council will vote on Friday on a bridging grant for the island ferry.&lt;/p&gt;&lt;p&gt;The grant passed its first reading {vote}, and the Harbour Authority must answer by May 1.&lt;/p&gt;</description></item>
<item><guid>hg-2</guid><title>Library extends opening hours</title><link>https://harbour.example/library</link><pubDate>Tue, 01 Dec 2026 09:00:00 +0000</pubDate><description>{library}</description></item>
</channel></rss>"#
    )
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

fn articles_from_the_command_line(database: String) {
    let cli = Cli { database: Some(database), base_url: Some("https://news.example/".into()), ..Cli::new() };
    let library = "&lt;p&gt;The town library will open on Sundays, the trustees said.&lt;/p&gt;";
    let first =
        write(cli.dir.path(), "first.xml", &feed("7 to 2", "Council to vote on ferry grant", library));
    cli.ok(&["import", &first, "--source", "Harbour Gazette", "--licence", "CC-BY-4.0"]);
    let shown = cli.json(&["article", "show", "1", "--json"]);
    assert_eq!(shown["title"], "Council to vote on ferry grant");
    assert_eq!(shown["revisions"], serde_json::json!([]), "not edited yet: {shown:#}");

    // The outlet corrects the vote and the headline; the library item comes back with only
    // its markup, spacing and a stamp changed.
    let cosmetic = "&lt;p&gt;Updated 5 minutes ago&lt;/p&gt;&lt;div&gt;&lt;p&gt;The town  library will open on &lt;b&gt;Sundays&lt;/b&gt;, the trustees said.&lt;/p&gt;&lt;/div&gt;";
    let edited = write(
        cli.dir.path(),
        "edited.xml",
        &feed("6 to 3", "Council to vote on ferry rescue grant", cosmetic),
    );
    let out = cli.ok(&["import", &edited, "--source", "Harbour Gazette"]);
    assert!(out.contains("1 article(s) edited by the outlet"), "{out}");

    let permalink = shown["permalink"].as_str().unwrap().to_owned();
    assert!(permalink.starts_with("https://news.example/2026/12/01/"), "{permalink}");
    // By address, by path and by id: the same article.
    let path = permalink.trim_start_matches("https://news.example/").to_owned();
    for which in [permalink.as_str(), path.as_str(), "1"] {
        assert_eq!(cli.json(&["article", "show", which, "--json"])["id"], 1, "{which}");
    }
    let shown = cli.json(&["article", "show", &permalink, "--json"]);
    assert_eq!(shown["source"], "Harbour Gazette");
    assert_eq!(shown["original_url"], "https://harbour.example/ferry");
    assert_eq!(shown["title"], "Council to vote on ferry rescue grant");
    assert!(shown["story"]["url"].as_str().unwrap().starts_with("https://news.example/story/"), "{shown:#}");
    let revisions = shown["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "the first version and the edit: {shown:#}");
    assert_eq!(revisions[0]["summary"], "The earliest version kept");
    assert_eq!(revisions[1]["summary"], "Headline changed; 2 words added, 2 removed");
    for r in revisions {
        assert!(r["retrieval"]["location"].as_str().unwrap().starts_with("file://"), "{r:#}");
        assert_eq!(r["retrieval"]["sha256"].as_str().unwrap().len(), 64);
    }
    assert_ne!(revisions[0]["retrieval"]["id"], revisions[1]["retrieval"]["id"]);
    assert!(strings(&shown["entities"]["people"]).contains(&"Ines Varga"), "{shown:#}");
    assert!(strings(&shown["entities"]["organisations"]).contains(&"Harbour Authority"), "{shown:#}");
    let dates: Vec<(&str, &str)> = shown["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["date"].as_str().unwrap(), d["text"].as_str().unwrap()))
        .collect();
    assert!(dates.contains(&("2026-12-04", "on Friday")), "the Friday after the dateline: {dates:?}");
    assert!(dates.contains(&("2027-05-01", "by May 1")), "a deadline, next year from December: {dates:?}");
    assert_eq!(
        shown["dates"][0]["ahead"].as_bool(),
        Some(chrono::Utc::now().date_naive() < chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap())
    );

    // The cosmetic re-send made no revision.
    let library = cli.json(&["article", "show", "2", "--json"]);
    assert_eq!(library["revisions"], serde_json::json!([]), "{library:#}");
    // Names and dates found again for every article (as after an upgrade): the same ones.
    let out = cli.ok(&["article", "facts"]);
    assert!(out.contains("names and dates found again in 2 article(s)"), "{out}");
    assert_eq!(cli.json(&["article", "show", "1", "--json"])["entities"], shown["entities"]);
    // The text form, and an unknown article's clear error.
    let text = cli.ok(&["article", "show", "1"]);
    assert!(text.contains("edited by the outlet 1 time(s)") && text.contains("Ines Varga"), "{text}");
    let (ok, _, err) = cli.run(&["article", "show", "2020/01/01/nothing"]);
    assert!(!ok && err.contains("there is no article"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn articles_from_the_command_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("articles.db").display());
    articles_from_the_command_line(url);
}

#[tokio::test(flavor = "multi_thread")]
async fn articles_from_the_command_line_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    articles_from_the_command_line(url.clone());
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}
