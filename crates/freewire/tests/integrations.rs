//! The command line's part in integrations, through the real binary on SQLite and PostgreSQL:
//! `freewire user token` prints a token once (its last line) and keeps only its hash; `freewire
//! source edit` renames a source and changes its terms, on the audit log as the operator's act.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

use freewire_core::store::prelude::*;

mod common;
use common::Cli;

async fn tokens_and_sources(cli: Cli) {
    cli.ok(&["user", "add", "cora", "--role", "contributor"]);
    let out = cli.ok(&["user", "token", "cora", "--scope", "write", "--label", "newsroom bot"]);
    let secret = out.lines().last().unwrap().trim().to_owned();
    assert!(secret.starts_with("fw_") && secret.len() > 40, "the last line is the token: {out}");
    assert!(out.contains("shown once"), "{out}");
    let (ok, _, err) = cli.run(&["user", "token", "cora", "--scope", "admin"]);
    assert!(!ok && err.contains("admin scope is for editors"), "{err}");
    let (ok, _, err) = cli.run(&["user", "token", "nobody"]);
    assert!(!ok && err.contains("freewire user add nobody"), "says what to do next: {err}");
    let (ok, _, err) = cli.run(&["user", "token", "cora", "--scope", "everything"]);
    assert!(!ok && err.contains("expected read, write or admin"), "{err}");

    let store = cli.store().await;
    let cora = store.user_by_name("cora").await.unwrap().unwrap();
    let tokens = store.api_tokens_for_user(cora.id).await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        (tokens[0].label.as_str(), tokens[0].scope),
        ("newsroom bot", freewire_core::TokenScope::Write)
    );
    let (found, holder) =
        store.api_token_by_hash(&freewire_core::password::token_hash(&secret)).await.unwrap().unwrap();
    assert_eq!((found.id, holder.username.as_str()), (tokens[0].id, "cora"), "kept by its hash");

    cli.ok(&[
        "source",
        "add",
        "Harbour Gazette",
        "--homepage",
        "https://harbour.example/",
        "--licence",
        "excerpt-only",
    ]);
    let out = cli.ok(&[
        "source",
        "edit",
        "Harbour Gazette",
        "--name",
        "Harbour Gazette Weekly",
        "--licence",
        "CC-BY-4.0",
        "--credit",
        "With reporting by the Harbour Desk",
        "--index-policy",
        "ours",
    ]);
    assert!(out.contains("“Harbour Gazette Weekly”, CC-BY-4.0, search ours"), "{out}");
    let edited = store.source_by_name("Harbour Gazette Weekly").await.unwrap().unwrap();
    assert_eq!(edited.credit.as_deref(), Some("With reporting by the Harbour Desk"));
    assert_eq!(edited.homepage.as_deref(), Some("https://harbour.example/"), "what is not given stays");
    assert_eq!(store.source_by_former_slug("harbour-gazette").await.unwrap(), Some(edited.id));
    // By id, and clearing a field with "".
    cli.ok(&["source", "edit", &edited.id.0.to_string(), "--credit", ""]);
    assert_eq!(store.source_by_id(edited.id).await.unwrap().unwrap().credit, None);
    let (ok, _, err) = cli.run(&["source", "edit", "Nowhere Times", "--licence", "CC-BY-4.0"]);
    assert!(!ok && err.contains("freewire source list"), "{err}");
    let (ok, _, err) = cli.run(&["source", "edit", "Harbour Gazette Weekly"]);
    assert!(!ok && err.contains("nothing to change"), "{err}");
    let (ok, _, err) = cli.run(&["source", "edit", "Harbour Gazette Weekly", "--licence", "GPL"]);
    assert!(!ok && err.contains("GPL"), "{err}");

    // A feed asked to be polled now: due at once; a disabled one says how to switch it on.
    cli.ok(&["feed", "add", "https://harbour.example/feed.xml", "--source", "Harbour Gazette Weekly"]);
    let feed = store.list_feeds().await.unwrap().remove(0);
    let out = cli.ok(&["feed", "poll-now", &feed.id.0.to_string()]);
    assert!(out.contains("due now"), "{out}");
    assert!(store.feed_by_id(feed.id).await.unwrap().unwrap().next_poll_at <= chrono::Utc::now());
    let polled = freewire_core::FeedPollUpdate {
        new_url: None,
        title: None,
        etag: None,
        last_modified: None,
        polled_at: chrono::Utc::now(),
        next_poll_at: chrono::Utc::now() + chrono::Duration::hours(1),
        poll_interval_secs: 3600,
        error_count: 0,
        last_error: None,
        success: true,
        last_status: Some(200),
    };
    store.update_feed_after_poll(feed.id, None, polled).await.unwrap();
    let (ok, _, err) = cli.run(&["feed", "poll-now", &feed.id.0.to_string()]);
    assert!(!ok && err.contains("polled moments ago"), "the outlet is not hammered: {err}");
    cli.ok(&["feed", "disable", &feed.id.0.to_string()]);
    let (ok, _, err) = cli.run(&["feed", "poll-now", &feed.id.0.to_string()]);
    assert!(!ok && err.contains("freewire feed enable"), "{err}");

    let audit = store.list_audit(freewire_core::PageRequest::new(1, 50)).await.unwrap();
    let acts: Vec<(&str, &str)> =
        audit.items.iter().map(|e| (e.action.as_str(), e.detail.as_str())).collect();
    assert!(acts.iter().any(|(a, d)| *a == "token.create" && d.contains("newsroom bot")), "{acts:?}");
    assert!(
        acts.iter().any(|(a, d)| *a == "source.edit"
            && d.contains("name “Harbour Gazette” → “Harbour Gazette Weekly”")
            && d.contains("licence excerpt-only → CC-BY-4.0")),
        "{acts:?}"
    );
    assert!(audit.items.iter().all(|e| e.actor_id == freewire_core::UserId::OPERATOR), "the operator's acts");
}

#[tokio::test]
async fn tokens_and_source_edits_from_the_command_line_on_sqlite() {
    tokens_and_sources(Cli::new()).await;
}

#[tokio::test]
async fn tokens_and_source_edits_from_the_command_line_on_postgres() {
    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
    let url = freewire_store::testing::create_postgres_database(&admin).await;
    tokens_and_sources(Cli { database: Some(url.clone()), ..Cli::new() }).await;
    freewire_store::testing::drop_postgres_database(&admin, &url).await;
}

/// A line `serve` printed that contains `marker`, and the address after it.
fn address_after(lines: &mut impl Iterator<Item = std::io::Result<String>>, marker: &str) -> String {
    loop {
        let line = lines.next().expect("serve prints its addresses").unwrap();
        if let Some(rest) = line.split(marker).nth(1) {
            return rest.trim().trim_end_matches('/').to_owned();
        }
    }
}

#[tokio::test]
async fn metrics_are_served_on_an_address_of_their_own_when_configured() {
    use std::io::BufRead;
    let cli = Cli::new();
    let mut child = cli
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .env("FREEWIRE_METRICS__LISTEN", "127.0.0.1:0")
        .env("FREEWIRE_POLL__ENABLED", "false")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let metrics = address_after(&mut lines, "metrics at ");
    let site = address_after(&mut lines, " at ");
    std::thread::spawn(move || for _ in lines {});
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    assert_eq!(client.get(format!("{site}/about")).send().await.unwrap().status(), 200);
    assert_eq!(
        client.get(format!("{site}/metrics")).send().await.unwrap().status(),
        404,
        "not on the site's address"
    );
    let res = client.get(&metrics).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.contains(r#"freewire_http_requests_total{method="GET",route="/about",status="200"} 1"#),
        "{text}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
