//! The commands for sources, feeds, OPML and polling.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use freewire_app::sources::{self, FollowFeed, SourceInput};
use freewire_app::{Actor, AppError};
use freewire_core::store::prelude::*;
use freewire_core::{FeedId, Licence};
use freewire_ingest::fetch::{FetchOutcome, Fetcher, Validators};
use freewire_ingest::parse::{ParsedFeed, parse_feed_with_charset};
use freewire_ingest::poll::{PollOutcome, Poller};
use freewire_ingest::sanitize::html_to_text;
use freewire_store::SqlStore;

use crate::config::Config;

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// `source add`
pub async fn source_add(
    store: &SqlStore,
    name: &str,
    homepage: &str,
    licence: &str,
    credit: Option<String>,
) -> anyhow::Result<()> {
    let licence: Licence = licence.parse()?;
    let input = SourceInput { name: name.to_owned(), homepage: Some(homepage.to_owned()), licence, credit };
    let s = sources::add_source(store, Actor::Operator, input).await?;
    println!("added source “{}” ({}), id {}", s.name, s.licence, s.id);
    Ok(())
}

/// What `source edit` was asked to change.
pub struct SourceEditArgs {
    pub name: Option<String>,
    pub homepage: Option<String>,
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub index_policy: Option<String>,
}

/// `source edit`
pub async fn source_edit(store: &SqlStore, source: &str, args: SourceEditArgs) -> anyhow::Result<()> {
    let found = match store.source_by_name(source).await? {
        Some(s) => Some(s),
        None => match source.parse::<i64>() {
            Ok(id) => store.source_by_id(freewire_core::SourceId(id)).await?,
            Err(_) => None,
        },
    };
    let Some(before) = found else {
        bail!("there is no source named {source:?}; `freewire source list` shows the names and ids");
    };
    if args.name.is_none()
        && args.homepage.is_none()
        && args.credit.is_none()
        && args.licence.is_none()
        && args.index_policy.is_none()
    {
        bail!("nothing to change: give --name, --homepage, --credit, --licence or --index-policy");
    }
    let edit = sources::SourceEdit {
        name: args.name,
        homepage: args.homepage,
        credit: args.credit,
        licence: args.licence.as_deref().map(str::parse::<Licence>).transpose()?,
        index_policy: args
            .index_policy
            .as_deref()
            .map(str::parse::<freewire_core::IndexPolicy>)
            .transpose()
            .map_err(anyhow::Error::msg)?,
    };
    let s = sources::edit_source(store, Actor::Operator, before.id, edit).await?;
    println!(
        "source {}: “{}”, {}, search {}, homepage {}, credit {}",
        s.id,
        s.name,
        s.licence.id(),
        s.index_policy.id(),
        s.homepage.as_deref().unwrap_or("(none)"),
        s.credit.as_deref().unwrap_or("(none)")
    );
    Ok(())
}

/// `source list`
pub async fn source_list(store: &SqlStore) -> anyhow::Result<()> {
    for s in store.list_sources().await? {
        println!("{:>4}  {:<30}  {:<16}  {}", s.id, s.name, s.licence.id(), s.homepage.unwrap_or_default());
    }
    Ok(())
}

/// `feed add`
pub async fn feed_add(store: &SqlStore, url: &str, source: &str) -> anyhow::Result<()> {
    let input = FollowFeed {
        url: url.to_owned(),
        source: source.to_owned(),
        homepage: None,
        licence: None,
        title: None,
    };
    let (f, src) = match sources::follow_feed(store, Actor::Operator, input).await {
        Ok(found) => found,
        Err(AppError::NotFound(_)) => {
            bail!("there is no source named {source:?}; add it first with `freewire source add`")
        }
        Err(e) => return Err(e.into()),
    };
    println!("following {} for “{}” as feed {}; it is polled at the next round", f.url, src.name, f.id);
    Ok(())
}

/// `feed list`
pub async fn feed_list(store: &SqlStore) -> anyhow::Result<()> {
    let sources: std::collections::HashMap<_, _> =
        store.list_sources().await?.into_iter().map(|s| (s.id, s.name)).collect();
    let feeds = store.list_feeds().await?;
    if feeds.is_empty() {
        println!("no feeds yet: add one with `freewire feed add URL --source NAME`");
        return Ok(());
    }
    println!(
        "{:>4}  {:<8}  {:<20}  {:<20}  {:<20}  url",
        "id", "state", "source", "last success", "next poll"
    );
    for f in feeds {
        println!(
            "{:>4}  {:<8}  {:<20}  {:<20}  {:<20}  {}",
            f.id,
            f.state().to_string(),
            sources.get(&f.source_id).map_or("?", String::as_str),
            when(f.last_success_at),
            if f.enabled { when(Some(f.next_poll_at)) } else { "-".to_owned() },
            f.url
        );
        if let Some(err) = &f.last_error {
            println!("      last error ({} in a row): {err}", f.error_count);
        }
    }
    Ok(())
}

/// `feed disable` / `feed enable`
pub async fn feed_set_enabled(store: &SqlStore, id: i64, enabled: bool) -> anyhow::Result<()> {
    match sources::set_feed_enabled(store, Actor::Operator, FeedId(id), enabled).await {
        Ok(()) => {}
        Err(AppError::NotFound(_)) => bail!("there is no feed {id}; see `freewire feed list`"),
        Err(e) => return Err(e.into()),
    }
    println!("feed {id} {}", if enabled { "enabled: polled at the next round" } else { "disabled" });
    Ok(())
}

/// `feed poll-now`
pub async fn feed_poll_now(store: &SqlStore, id: i64) -> anyhow::Result<()> {
    match sources::poll_feed_now(store, Actor::Operator, FeedId(id)).await {
        Ok(feed) => println!("feed {id} ({}) is due now: polled at the next round", feed.url),
        Err(AppError::NotFound(_)) => bail!("there is no feed {id}; see `freewire feed list`"),
        Err(AppError::Conflict(m)) if m.contains("switched off") => {
            bail!("feed {id} is switched off; `freewire feed enable {id}` polls it again")
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// `poll --once`
pub async fn poll_once(config: &Config, store: Arc<SqlStore>) -> anyhow::Result<()> {
    let fetcher = Fetcher::new(config.fetch.clone())?;
    let poller = Poller::new(store, fetcher, config.poll.clone());
    let reports = poller.poll_due().await?;
    if reports.is_empty() {
        println!("no feed is due");
    }
    let mut failed = 0;
    for r in &reports {
        match &r.outcome {
            PollOutcome::NotModified => println!("{}: not modified", r.url),
            PollOutcome::Updated { items, new, duplicates, revised, near_duplicates } => println!(
                "{}: {items} item(s): {new} new, {duplicates} known, {revised} revised, {near_duplicates} near-duplicate(s)",
                r.url
            ),
            PollOutcome::Failed(reason) => {
                failed += 1;
                println!("{}: FAILED: {reason} (next try {})", r.url, when(Some(r.next_poll_at)));
            }
        }
    }
    println!("polled {} feed(s), {failed} failing", reports.len());
    let visits = poller.recheck_due_at(chrono::Utc::now()).await?;
    if !visits.is_empty() {
        let edited = visits.iter().filter(|v| v.outcome == freewire_ingest::recheck::Visit::Edited).count();
        println!("read {} article page(s) again for edits: {edited} edited by the outlet", visits.len());
    }
    Ok(())
}

/// `feed inspect`: parse a file or URL and describe it.
pub async fn feed_inspect(config: &Config, target: &str, json: bool) -> anyhow::Result<()> {
    let (bytes, charset, location) = if target.starts_with("http://") || target.starts_with("https://") {
        let url = sources::feed_url(target)?;
        let fetcher = Fetcher::new(config.fetch.clone())?;
        match fetcher.get(&url, &Validators::default()).await.with_context(|| format!("fetching {url}"))? {
            FetchOutcome::Fetched(f) => (f.body.to_vec(), f.charset, Some(f.final_url)),
            FetchOutcome::NotModified { .. } => bail!("{url} answered 304 Not Modified to a plain request"),
        }
    } else {
        let path = Path::new(target);
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        (bytes, None, None)
    };
    let parsed = tokio::task::spawn_blocking(move || {
        parse_feed_with_charset(&bytes, charset.as_deref(), location.as_ref())
    })
    .await?
    .with_context(|| format!("{target} is not a feed freewire can read"))?;
    if json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &inspection(&parsed))?;
        writeln!(out)?;
    } else {
        println!("title: {}", parsed.title.as_deref().unwrap_or("(none)"));
        println!("link:  {}", parsed.link.as_deref().unwrap_or("(none)"));
        println!("items: {}", parsed.items.len());
        for item in &parsed.items {
            println!(
                "- {} [{}] {}",
                item.published
                    .map_or_else(|| "undated".to_owned(), |d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
                item.guid,
                item.title
            );
        }
    }
    // What was read but left out goes to standard error, so `--json` output stays one document.
    for warning in &parsed.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

fn inspection(parsed: &ParsedFeed) -> serde_json::Value {
    let chars = |html: Option<&String>| html.map_or(0, |h| html_to_text(h).chars().count());
    serde_json::json!({
        "title": parsed.title,
        "link": parsed.link,
        "items": parsed.items.iter().map(|i| serde_json::json!({
            "title": i.title,
            "link": i.link,
            "id": i.guid,
            "published": i.published.map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
            "author": i.author,
            "summary_chars": chars(i.summary_html.as_ref()),
            "content_chars": chars(i.content_html.as_ref()),
        })).collect::<Vec<_>>(),
        "warnings": parsed.warnings,
    })
}

/// `opml import`: one source and one feed per outline with an `xmlUrl`. A bad entry is
/// reported and the rest go on.
pub async fn opml_import(store: &SqlStore, file: &Path, licence: Option<&str>) -> anyhow::Result<()> {
    let licence: Licence = licence.map_or(Ok(Licence::ExcerptOnly), str::parse)?;
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc = opml::OPML::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not OPML freewire can read: {e}", file.display()))?;
    let mut entries = Vec::new();
    collect_outlines(&doc.body.outlines, &mut entries);
    let bar = indicatif::ProgressBar::new(entries.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut added, mut problems) = (0, Vec::new());
    for (name, xml_url, html_url) in entries {
        bar.set_message(name.clone());
        match add_outline(store, &name, &xml_url, html_url.as_deref(), licence).await {
            Ok(()) => added += 1,
            Err(e) => problems.push(format!("{name} ({xml_url}): {e:#}")),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!("{added} feed(s) added from {}", file.display());
    for p in &problems {
        println!("skipped {p}");
    }
    Ok(())
}

fn collect_outlines(outlines: &[opml::Outline], out: &mut Vec<(String, String, Option<String>)>) {
    for o in outlines {
        if let Some(xml) = &o.xml_url {
            let name = o.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| o.text.clone());
            out.push((name.trim().to_owned(), xml.trim().to_owned(), o.html_url.clone()));
        }
        collect_outlines(&o.outlines, out);
    }
}

async fn add_outline(
    store: &SqlStore,
    name: &str,
    xml_url: &str,
    html_url: Option<&str>,
    licence: Licence,
) -> anyhow::Result<()> {
    if name.is_empty() {
        bail!("the outline has no title");
    }
    let input = FollowFeed {
        url: xml_url.to_owned(),
        source: name.to_owned(),
        homepage: html_url.map(str::to_owned),
        licence: Some(licence),
        title: Some(name.to_owned()),
    };
    match sources::follow_feed(store, Actor::Operator, input).await {
        Ok(_) => Ok(()),
        Err(AppError::Conflict(_)) => bail!("followed already"),
        Err(e) => Err(e.into()),
    }
}

/// `opml export`
pub async fn opml_export(store: &SqlStore) -> anyhow::Result<()> {
    let sources: std::collections::HashMap<_, _> =
        store.list_sources().await?.into_iter().map(|s| (s.id, s)).collect();
    let mut doc = opml::OPML {
        head: Some(opml::Head { title: Some("freewire feeds".to_owned()), ..opml::Head::default() }),
        ..opml::OPML::default()
    };
    for f in store.list_feeds().await? {
        let source = sources.get(&f.source_id);
        let name = source.map_or_else(|| f.title.clone().unwrap_or_default(), |s| s.name.clone());
        doc.body.outlines.push(opml::Outline {
            text: name.clone(),
            title: Some(name),
            r#type: Some("rss".to_owned()),
            xml_url: Some(f.url.clone()),
            html_url: source.and_then(|s| s.homepage.clone()),
            ..opml::Outline::default()
        });
    }
    let text = doc.to_string().map_err(|e| anyhow::anyhow!("writing OPML: {e}"))?;
    // Names stored before they were cleaned on the way in must not make the file unreadable.
    println!("{}", freewire_core::xml::strip_forbidden_chars(text));
    Ok(())
}
