//! The story commands through the real binary, on SQLite and on PostgreSQL: articles imported
//! from two outlets are grouped as they are stored, listed and shown (also as JSON), and an
//! editor's decisions from the terminal are applied, kept through a rebuild, and audited.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use std::path::Path;

use freewire_core::PageRequest;
use freewire_core::store::prelude::*;
use serde_json::Value;

mod common;
use common::Cli;

/// Reports written for this test: one event told by two outlets, and unrelated news.
const GAZETTE: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title><link>https://harbour.example/</link>
<item><guid>hg-1</guid><title>Council sets out plan to rescue island ferry</title><link>https://harbour.example/ferry</link><pubDate>Tue, 01 Dec 2026 08:00:00 +0000</pubDate><description>&lt;p&gt;The Saltmere council published a letter proposing a bridging grant to keep the island ferry running through winter. Council leader Ines Varga wrote to the operator's board.&lt;/p&gt;</description></item>
<item><guid>hg-2</guid><title>Library extends opening hours</title><link>https://harbour.example/library</link><pubDate>Tue, 01 Dec 2026 09:00:00 +0000</pubDate><description>&lt;p&gt;The town library will open on Sundays from March, the trustees said after a survey of readers.&lt;/p&gt;</description></item>
</channel></rss>"#;
const DISPATCH: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Dispatch</title><link>https://valley.example/</link>
<item><guid>vd-1</guid><title>Ferry winter crossings hang on Varga's grant offer</title><link>https://valley.example/ferry-grant</link><pubDate>Tue, 01 Dec 2026 15:00:00 +0000</pubDate><description>&lt;p&gt;A letter from Saltmere council leader Ines Varga offers the island ferry operator a bridging grant so that winter crossings continue, with a shared timetable and a review of fares.&lt;/p&gt;</description></item>
<item><guid>vd-2</guid><title>Orchard harvest best in a decade</title><link>https://valley.example/orchard</link><pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate><description>&lt;p&gt;Apple growers in the valley reported their largest crop since 2016 after a mild spring.&lt;/p&gt;</description></item>
</channel></rss>"#;

fn write(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

/// The titles of each story's articles, as `story list --json` gives them.
fn grouped(list: &Value) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut ids: Vec<String> = s["articles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["source"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        })
        .collect();
    out.sort();
    out
}

async fn stories_from_the_command_line(database: String) {
    let cli = Cli { database: Some(database), base_url: Some("https://news.example/".into()), ..Cli::new() };
    assert_eq!(cli.json(&["story", "list", "--json"]), serde_json::json!([]));
    assert!(cli.ok(&["story", "list"]).contains("no stories yet"));
    let gazette = write(cli.dir.path(), "gazette.xml", GAZETTE);
    let dispatch = write(cli.dir.path(), "dispatch.xml", DISPATCH);
    cli.ok(&["import", &gazette, "--source", "Harbour Gazette", "--licence", "CC-BY-4.0"]);
    cli.ok(&["import", &dispatch, "--source", "Valley Dispatch", "--licence", "CC-BY-4.0"]);

    // Grouped as imported: four articles, three stories, the ferry told by both outlets.
    let list = cli.json(&["story", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 3, "{list:#}");
    assert_eq!(
        grouped(&list),
        [
            vec!["Harbour Gazette".to_owned()],
            vec!["Harbour Gazette".into(), "Valley Dispatch".into()],
            vec!["Valley Dispatch".into()]
        ]
    );
    // Newest first (by the newest report): the ferry story, whose newest report is 15:00.
    let ferry = &list[0];
    let id = ferry["id"].as_i64().unwrap();
    let url = ferry["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("https://news.example/story/{id}-")), "{url}");
    let first = &ferry["articles"][0];
    assert!(first["permalink"].as_str().unwrap().starts_with("https://news.example/2026/12/01/"));
    assert_eq!(first["original_url"], "https://harbour.example/ferry");
    assert_eq!(first["published"], "2026-12-01T08:00:00+00:00");
    assert!(first["id"].is_i64());

    // `--limit` keeps the newest; an empty site lists `[]`.
    let newest = cli.json(&["story", "list", "--json", "--limit", "1"]);
    assert_eq!(newest.as_array().unwrap().len(), 1);
    assert_eq!(newest[0], *ferry);

    // `show` as JSON is the list's entry; as text it names both outlets.
    assert_eq!(cli.json(&["story", "show", &id.to_string(), "--json"]), *ferry);
    let text = cli.ok(&["story", "show", &id.to_string()]);
    assert!(text.contains("2 article(s) from 2 outlet(s)") && text.contains("Valley Dispatch"), "{text}");

    // The editor splits the Valley Dispatch report off, renames it, then a rebuild keeps both.
    let valley = ferry["articles"][1]["id"].as_i64().unwrap().to_string();
    let out = cli.ok(&["story", "split", &valley]);
    let alone: i64 = out.split("story ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    cli.ok(&["story", "rename", &alone.to_string(), "The", "grant", "offer"]);
    let rebuilt = cli.ok(&["story", "rebuild"]);
    assert!(rebuilt.contains("4 article(s)"), "{rebuilt}");
    let after = cli.json(&["story", "list", "--json"]);
    assert_eq!(after.as_array().unwrap().len(), 4);
    let renamed = after.as_array().unwrap().iter().find(|s| s["id"] == alone).unwrap();
    assert_eq!(renamed["title"], "The grant offer");

    // Merging back: the old address leads on, and `show` says so.
    cli.ok(&["story", "merge", &alone.to_string(), &id.to_string()]);
    let shown = cli.ok(&["story", "show", &alone.to_string()]);
    assert!(shown.contains(&format!("merged into story {id}")), "{shown}");
    // Errors say what to do next.
    let (ok, _, err) = cli.run(&["story", "show", "9999"]);
    assert!(!ok && err.contains("freewire story list"), "{err}");
    let (ok, _, err) = cli.run(&["story", "move", "9999", &id.to_string()]);
    assert!(!ok && err.contains("does not exist"), "{err}");

    // Every decision is in the audit log, by the operator.
    let store = cli.store().await;
    let log = store.list_audit(PageRequest::new(1, 20)).await.unwrap();
    let acts: Vec<_> = log
        .items
        .iter()
        .filter(|e| e.action.starts_with("story."))
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        acts,
        [
            ("story.merge", "operator (command line)"),
            ("story.rename", "operator (command line)"),
            ("story.split", "operator (command line)")
        ]
    );
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn stories_from_the_command_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("stories.db").display());
    stories_from_the_command_line(url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stories_from_the_command_line_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    stories_from_the_command_line(url.clone()).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}
