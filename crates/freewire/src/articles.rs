//! The `article` commands: what freewire knows of one article — where it came from, its
//! story, the outlet's edits, and the names and dates it turns on.

use anyhow::Context;
use chrono::{SecondsFormat, Utc};
use freewire_core::facts::{EntityKind, Facts};
use freewire_core::model::{ArticleId, ArticleWithSource, Retrieval, Revision};
use freewire_core::revision::edits;
use freewire_core::{Permalink, SiteUrl, Store};
use serde_json::{Value, json};

use crate::cli::ArticleCommand;
use crate::config::Config;

/// Runs an `article` command.
pub async fn run(config: &Config, store: &dyn Store, command: ArticleCommand) -> anyhow::Result<()> {
    let urls = config.web.urls();
    match command {
        ArticleCommand::Show { article, json } => show(store, &urls, &article, json).await,
        ArticleCommand::Facts => refresh_facts(store).await,
    }
}

async fn refresh_facts(store: &dyn Store) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "reading {bar:40} {pos}/{len} articles, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let done = freewire_ingest::facts::refresh_all(store, 200, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .context("finding names and dates; the articles read so far keep theirs")?;
    bar.finish_and_clear();
    println!(
        "names and dates found again in {done} article(s) in {:.1} s; search picks them up as it follows the change log",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The article an argument names: its id, its permalink path, or its full address.
async fn find(store: &dyn Store, which: &str) -> anyhow::Result<Option<ArticleWithSource>> {
    let which = which.trim();
    if let Ok(id) = which.parse::<i64>() {
        return Ok(store.article_by_id(ArticleId(id)).await?);
    }
    let path = url::Url::parse(which).map_or_else(|_| which.to_owned(), |u| u.path().to_owned());
    // The permalink is the path's last four segments (a site may live under a prefix).
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(tail) = segments.len().checked_sub(4).map(|start| segments[start..].join("/")) else {
        return Ok(None);
    };
    match Permalink::from_path(&tail) {
        Some(permalink) => Ok(store.article_by_permalink(&permalink).await?),
        None => Ok(None),
    }
}

async fn show(store: &dyn Store, urls: &SiteUrl, which: &str, as_json: bool) -> anyhow::Result<()> {
    let found = find(store, which).await?.with_context(|| {
        format!("there is no article {which:?}: give its id or its permalink (`freewire search query WORDS` finds one)")
    })?;
    let id = found.article.id;
    let revisions = store.revisions_for_article(id).await.context("reading the article's revisions")?;
    let retrievals = store.retrievals_for_article(id).await.context("reading the article's retrievals")?;
    let facts = store.facts_for_articles(&[id]).await?.pop().map(|(_, f)| f).unwrap_or_default();
    let reported_in = match found.article.story_id {
        Some(id) => store.story_by_id(id).await?,
        None => None,
    };
    let today = Utc::now().date_naive();
    let value = json!({
        "id": id.0,
        "permalink": urls.permalink(&found.article.permalink),
        "title": found.article.title,
        "source": found.source.name,
        "original_url": found.article.original_url,
        "published": found.article.published_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "status": found.article.status.as_str(),
        "story": reported_in.map(|s| json!({"id": s.id.0, "title": s.title, "url": urls.story(s.id, &s.slug)})),
        "revisions": versions(&revisions, &retrievals),
        "entities": {
            "people": names(&facts, EntityKind::Person),
            "places": names(&facts, EntityKind::Place),
            "organisations": names(&facts, EntityKind::Organisation),
        },
        "dates": facts.dates.iter().map(|d| json!({
            "date": d.date.format("%Y-%m-%d").to_string(),
            "text": d.text,
            "sentence": d.sentence,
            "ahead": d.date > today,
        })).collect::<Vec<_>>(),
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_article(&value);
    }
    Ok(())
}

/// Every kept version, oldest first, each with its retrieval and what changed from the one
/// before.
fn versions(revisions: &[Revision], retrievals: &[Retrieval]) -> Vec<Value> {
    let mut summaries: std::collections::HashMap<usize, String> =
        edits(revisions, usize::MAX).into_iter().map(|(i, d)| (i, d.summary())).collect();
    revisions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let summary = summaries.remove(&i).unwrap_or_else(|| "The earliest version kept".to_owned());
            let retrieval = r.retrieval_id.and_then(|id| retrievals.iter().find(|x| x.id == id)).map(|x| {
                json!({
                    "id": x.id,
                    "location": x.location,
                    "retrieved_at": x.retrieved_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    "http_status": x.http_status,
                    "sha256": x.sha256,
                })
            });
            json!({
                "at": r.seen_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                "retrieval": retrieval,
                "summary": summary,
            })
        })
        .collect()
}

fn names(facts: &Facts, kind: EntityKind) -> Vec<&str> {
    facts.entities.iter().filter(|e| e.kind == kind).map(|e| e.name.as_str()).collect()
}

fn print_article(v: &Value) {
    let text = |key: &str| v[key].as_str().unwrap_or("").to_owned();
    println!("{} (article {})", text("title"), v["id"]);
    println!("  {}", text("permalink"));
    println!(
        "  from {}{}",
        text("source"),
        v["original_url"].as_str().map(|u| format!(": {u}")).unwrap_or_default()
    );
    if let Some(story) = v["story"].as_object() {
        println!("  story {}: {}", story["id"], story["title"].as_str().unwrap_or(""));
    }
    let revisions = v["revisions"].as_array().map_or(&[][..], Vec::as_slice);
    if revisions.len() > 1 {
        println!("edited by the outlet {} time(s):", revisions.len() - 1);
        for r in revisions {
            println!("  {}  {}", r["at"].as_str().unwrap_or(""), r["summary"].as_str().unwrap_or(""));
        }
    }
    for (label, key) in [("people", "people"), ("places", "places"), ("organisations", "organisations")] {
        let list: Vec<&str> = v["entities"][key]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !list.is_empty() {
            println!("{label}: {}", list.join(", "));
        }
    }
    let dates = v["dates"].as_array().map_or(&[][..], Vec::as_slice);
    if !dates.is_empty() {
        println!("dates:");
        for d in dates {
            let ahead = if d["ahead"].as_bool() == Some(true) { " (ahead)" } else { "" };
            println!(
                "  {}{ahead}  \"{}\"",
                d["date"].as_str().unwrap_or(""),
                d["text"].as_str().unwrap_or("")
            );
        }
    }
}
