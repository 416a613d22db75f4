//! Search through the real binary. Several serving processes on one PostgreSQL database, as
//! deployed at scale: each keeps its own search index and follows the database's change
//! sequence, so what is stored through one process (or by a command) is found on every other
//! within seconds, and what is withdrawn through one leaves all of them. And the `search`
//! commands.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use freewire_store::testing;

mod common;
use common::{Running, browser as client, form_token as token};

const PASSWORD: &str = "a long enough password";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_freewire")
}

/// One `freewire` invocation on the shared database with its own data folder.
fn command(database: &str, dir: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env("FREEWIRE_DATA_DIR", dir)
        .env("FREEWIRE_DATABASE_URL", database)
        .env("FREEWIRE_POLL__ENABLED", "false")
        .env("FREEWIRE_LOG", "warn");
    cmd
}

/// A running `freewire serve` on the shared database.
type Node = Running;

/// Starts `freewire serve` on `database`, in a data folder of its own.
fn start_node(database: &str) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let cmd = command(database, dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    Running::start(cmd, dir, " at ")
}

impl Running {
    /// The titles a search finds here.
    async fn search(&self, q: &str) -> Vec<String> {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("q", q).finish();
        let res = client().get(self.url(&format!("/api/search?{query}"))).send().await.unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        let body: serde_json::Value = res.json().await.unwrap();
        body["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap().to_owned()).collect()
    }

    /// Waits up to ten seconds for a search here to satisfy `done`; returns how long it took.
    async fn wait_for(&self, q: &str, done: impl Fn(&[String]) -> bool) -> Duration {
        let started = Instant::now();
        loop {
            let found = self.search(q).await;
            if done(&found) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{}: {q:?} still gives {found:?}",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn login(&self, name: &str) -> reqwest::Client {
        let c = client();
        let page = c.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let res = c
            .post(self.url("/login"))
            .form(&[("username", name), ("password", PASSWORD), ("csrf", &token(&page)), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "signed in");
        c
    }
}

fn run(database: &str, dir: &std::path::Path, args: &[&str], stdin: &str) {
    let mut child = command(database, dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "freewire {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>https://harbour.example/</link>
<item><guid>hg-ferry</guid><title>Ferry Crews Return To Work</title><link>https://harbour.example/return</link>
<pubDate>Tue, 05 Mar 2024 08:30:00 +0000</pubDate>
<description><![CDATA[<p>The ferry crews went back to work on Tuesday after the council agreed new rosters.</p>]]></description></item>
</channel></rss>"#;

#[tokio::test(flavor = "multi_thread")]
async fn two_serving_processes_on_one_postgres_find_each_others_changes_within_seconds() {
    let Some(admin) = testing::postgres_admin_url() else { return };
    let database = testing::create_postgres_database(&admin).await;
    let work = tempfile::tempdir().unwrap();
    // The schema exists before either node starts, as after an upgrade.
    run(&database, work.path(), &["user", "add", "ed", "--role", "editor"], PASSWORD);
    let a = start_node(&database);
    let b = start_node(&database);
    assert_ne!(a.base, b.base);

    // Stored by a command: found on both nodes.
    let feed = work.path().join("gazette.xml");
    std::fs::write(&feed, FEED).unwrap();
    let file = feed.to_str().unwrap();
    run(
        &database,
        work.path(),
        &["import", file, "--source", "Harbour Gazette", "--licence", "CC-BY-4.0"],
        "",
    );
    let title = "Ferry Crews Return To Work".to_owned();
    let on_a = a.wait_for("rosters", |t| t.contains(&title)).await;
    let on_b = b.wait_for("rosters", |t| t.contains(&title)).await;
    eprintln!("imported article searchable after {on_a:?} on one node, {on_b:?} on the other");

    // Posted through node A: found on node B.
    let ed = a.login("ed").await;
    let article_path = "/2024/03/05/ferry-crews-return-to-work/";
    let page = ed.get(a.url(article_path)).send().await.unwrap().text().await.unwrap();
    let id =
        page.split("/articles/").nth(1).and_then(|s| s.split('/').next()).expect("an upload form").to_owned();
    let form = reqwest::multipart::Form::new()
        .text("csrf", token(&page))
        .text("note", "The union's letter to members about the lighthouse roster.");
    let res = ed.post(a.url(&format!("/articles/{id}/updates"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    let took = b.wait_for("lighthouse", |t| t.contains(&title)).await;
    eprintln!("update posted on one node searchable on the other after {took:?}");
    assert!(a.search("lighthouse").await.contains(&title), "and on the node it was posted through");

    // Withdrawn through node B: gone from node A.
    let ed_b = b.login("ed").await;
    let page = ed_b.get(b.url(article_path)).send().await.unwrap().text().await.unwrap();
    let res = ed_b
        .post(b.url(&format!("/admin/articles/{id}/withdraw")))
        .form(&[("csrf", token(&page).as_str()), ("reason", "At the outlet's request.")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    a.wait_for("rosters", <[String]>::is_empty).await;
    a.wait_for("lighthouse", <[String]>::is_empty).await;
    b.wait_for("rosters", <[String]>::is_empty).await;

    drop((a, b));
    testing::drop_postgres_database(&admin, &database).await;
}

#[test]
fn search_is_rebuilt_and_queried_from_the_command_line_and_a_busy_index_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("freewire.db").display());
    let feed = dir.path().join("gazette.xml");
    std::fs::write(&feed, FEED).unwrap();
    run(&database, dir.path(), &["import", feed.to_str().unwrap(), "--source", "Harbour Gazette"], "");

    let out = command(&database, dir.path(), &["search", "rebuild"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("search index rebuilt: 1 article(s)"), "{stdout}");
    assert!(dir.path().join("search").join("meta.json").exists(), "in the data folder by default");

    let out = command(&database, dir.path(), &["search", "query", "rosters", "-strike"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 result(s)") && stdout.contains("Ferry Crews Return To Work"), "{stdout}");
    assert!(stdout.contains("/2024/03/05/ferry-crews-return-to-work/"), "{stdout}");
    let out = command(&database, dir.path(), &["search", "query", "lighthouse"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 result(s)"));

    // While `serve` holds the index, a rebuild says what to do instead of failing obscurely.
    let mut serve = command(&database, dir.path(), &["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("serving"), "serve started");
    let out = command(&database, dir.path(), &["search", "rebuild"]).output().unwrap();
    let _ = serve.kill();
    let _ = serve.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("in use by another freewire process") && stderr.contains("FREEWIRE_SEARCH__DIR"),
        "{stderr}"
    );
}

/// A feed of `n` items numbered from `first`, each with the word `marker`.
fn numbered_feed(first: usize, n: usize, marker: &str) -> String {
    let items: Vec<String> = (first..first + n)
        .map(|i| {
            format!(
                "<item><guid>item-{i}</guid><title>Harbour notice number {i}</title>\
                 <link>https://harbour.example/notice-{i}</link><pubDate>Tue, 05 Mar 2024 08:30:00 +0000</pubDate>\
                 <description>Notice {i} about the {marker} of the quay.</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour Gazette</title>\
         <link>https://harbour.example/</link>{}</channel></rss>",
        items.concat()
    )
}

/// The number of results a search on a node counts.
async fn total(base: &str, q: &str) -> u64 {
    let res = client().get(format!("{base}/api/search?q={q}")).send().await.unwrap();
    res.json::<serde_json::Value>().await.unwrap()["total"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_while_indexing_catches_up_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("freewire.db").display());
    let feed = dir.path().join("first.xml");
    std::fs::write(&feed, numbered_feed(0, 400, "dredging")).unwrap();
    run(&database, dir.path(), &["import", feed.to_str().unwrap(), "--source", "Harbour Gazette"], "");

    let start = || {
        let mut child = command(&database, dir.path(), &["serve", "--listen", "127.0.0.1:0"])
            .env("FREEWIRE_SEARCH__EVERY_MILLIS", "100")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        let base = line.split(" at ").nth(1).unwrap().trim().trim_end_matches('/').to_owned();
        std::thread::spawn(move || for _ in lines {});
        (child, base)
    };
    let settle = |base: String, q: &'static str, want: u64| async move {
        let started = Instant::now();
        loop {
            let n = total(&base, q).await;
            if n == want {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{q}: {n} of {want} after restart");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };

    // Killed (SIGKILL, no shutdown) while building its first index.
    let (mut child, _) = start();
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, base) = start();
    settle(base, "dredging", 400).await;

    // Killed while following new articles stored by another process.
    let feed = dir.path().join("second.xml");
    std::fs::write(&feed, numbered_feed(400, 300, "lighting")).unwrap();
    run(&database, dir.path(), &["import", feed.to_str().unwrap(), "--source", "Harbour Gazette"], "");
    std::thread::sleep(Duration::from_millis(120));
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, base) = start();
    settle(base.clone(), "lighting", 300).await;
    settle(base, "harbour notice", 700).await;
    child.kill().unwrap();
    child.wait().unwrap();
}
