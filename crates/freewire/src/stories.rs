//! The `story` commands: list and show stories, regroup everything, and an editor's
//! decisions (merge, move, split, rename) from the terminal, audited as the operator's.

use std::sync::Arc;

use anyhow::Context;
use freewire_app::Actor;
use freewire_app::stories::{self, Grouping};
use freewire_core::model::{ArticleId, PageRequest, Story, StoryEdit, StoryId, StoryReport};
use freewire_core::story::Rules;
use freewire_core::{SiteUrl, Store};
use freewire_store::SqlStore;
use serde_json::{Value, json};

use crate::cli::StoryCommand;
use crate::config::Config;

/// Runs a `story` command.
pub async fn run(config: &Config, store: Arc<SqlStore>, command: StoryCommand) -> anyhow::Result<()> {
    let urls = config.web.urls();
    // Whatever was stored since the last grouping is placed first, so lists are complete and
    // editors' acts see every article (a rebuild places everything itself).
    if !matches!(command, StoryCommand::Rebuild) {
        stories::group_new(store.as_ref(), &mut Grouping::default())
            .await
            .context("grouping new articles")?;
    }
    match command {
        StoryCommand::List { json, limit } => list(store.as_ref(), &urls, json, limit).await,
        StoryCommand::Show { id, json } => show(store.as_ref(), &urls, StoryId(id), json).await,
        StoryCommand::Rebuild => rebuild(store.as_ref()).await,
        StoryCommand::Merge { from, into } => {
            edit(store.as_ref(), &urls, StoryEdit::Merge { from: StoryId(from), into: StoryId(into) }).await
        }
        StoryCommand::Move { article, story } => {
            edit(store.as_ref(), &urls, StoryEdit::Move { article: ArticleId(article), to: StoryId(story) })
                .await
        }
        StoryCommand::Split { article } => {
            edit(store.as_ref(), &urls, StoryEdit::Split { article: ArticleId(article) }).await
        }
        StoryCommand::Rename { id, title } => {
            edit(store.as_ref(), &urls, StoryEdit::Rename { story: StoryId(id), title: title.join(" ") })
                .await
        }
    }
}

fn story_json(story: &Story, reports: &[StoryReport], urls: &SiteUrl) -> Value {
    json!({
        "id": story.id.0,
        "title": story.title,
        "url": urls.story(story.id, &story.slug),
        "articles": reports.iter().map(|r| json!({
            "id": r.article_id.0,
            "permalink": urls.permalink(&r.permalink),
            "source": r.source_name,
            "original_url": r.original_url,
            "published": r.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        })).collect::<Vec<_>>(),
    })
}

fn print_story(story: &Story, reports: &[StoryReport], urls: &SiteUrl) {
    println!(
        "story {}  {}  ({} article(s) from {} outlet(s))",
        story.id, story.title, story.article_count, story.outlet_count
    );
    println!("  {}", urls.story(story.id, &story.slug));
    for r in reports {
        println!(
            "  - article {} {}  {}  {}",
            r.article_id,
            r.published_at.format("%Y-%m-%d %H:%M"),
            r.source_name,
            urls.permalink(&r.permalink)
        );
    }
}

/// Lists stories a page at a time (a large site has hundreds of thousands), printing each
/// page as it is read; `limit` stops after that many.
async fn list(store: &dyn Store, urls: &SiteUrl, as_json: bool, limit: Option<u64>) -> anyhow::Result<()> {
    let mut printed = 0u64;
    let mut number = 1;
    if as_json {
        print!("[");
    }
    loop {
        let page = store.list_stories(PageRequest { number, size: 500 }).await?;
        let last_page = page.items.is_empty() || page.number * page.size >= page.total;
        let ids: Vec<StoryId> = page.items.iter().map(|s| s.id).collect();
        let mut reports = store.story_reports(&ids).await?;
        for story in &page.items {
            if limit.is_some_and(|l| printed >= l) {
                break;
            }
            let mine = reports.remove(&story.id).unwrap_or_default();
            if as_json {
                let sep = if printed == 0 { "\n" } else { ",\n" };
                print!("{sep}{}", serde_json::to_string_pretty(&story_json(story, &mine, urls))?);
            } else {
                print_story(story, &mine, urls);
            }
            printed += 1;
        }
        if last_page || limit.is_some_and(|l| printed >= l) {
            break;
        }
        number += 1;
    }
    if as_json {
        println!("{}]", if printed == 0 { "" } else { "\n" });
    } else if printed == 0 {
        println!("no stories yet: import a feed (`freewire import`) or follow one (`freewire feed add`)");
    }
    Ok(())
}

async fn show(store: &dyn Store, urls: &SiteUrl, id: StoryId, as_json: bool) -> anyhow::Result<()> {
    let found = stories::live_story(store, id)
        .await?
        .with_context(|| format!("there is no story {id}; `freewire story list` lists them"))?;
    let reports = store.story_reports(&[found.id]).await?.remove(&found.id).unwrap_or_default();
    if as_json {
        println!("{}", serde_json::to_string_pretty(&story_json(&found, &reports, urls))?);
    } else {
        if found.id != id {
            println!("(story {id} was merged into story {})", found.id);
        }
        print_story(&found, &reports, urls);
    }
    Ok(())
}

async fn rebuild(store: &dyn Store) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "grouping {bar:40} {pos}/{len} article ids, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let done = stories::rebuild(store, Rules::default(), &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .context("regrouping stories; nothing was changed")?;
    bar.finish_and_clear();
    println!(
        "stories regrouped: {} article(s) in {} stories, in {:.1} s; editors' placements kept",
        done.articles,
        done.stories,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn edit(store: &dyn Store, urls: &SiteUrl, edit: StoryEdit) -> anyhow::Result<()> {
    let what = match &edit {
        StoryEdit::Merge { .. } => "merged",
        StoryEdit::Move { .. } => "moved",
        StoryEdit::Split { .. } => "split off",
        StoryEdit::Rename { .. } => "renamed",
    };
    let id = stories::edit_story(store, Actor::Operator, edit).await?;
    let arranged = store.story_by_id(id).await?.context("the story just arranged is missing")?;
    println!("{what}: story {id} “{}” at {}", arranged.title, urls.story(id, &arranged.slug));
    Ok(())
}

/// Places whatever was stored since the last grouping, after a command stored articles.
pub async fn group_stored(store: &dyn Store) -> anyhow::Result<usize> {
    stories::group_new(store, &mut Grouping::default())
        .await
        .context("grouping the new articles into stories")
}

/// Groups what any process stores, every `every`, until `stop` changes: the serving process's
/// share of placing articles as they arrive (the poller's, and other processes' imports).
pub async fn follow(
    store: Arc<SqlStore>,
    site: Option<freewire_web::AppState>,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut grouping = Grouping::default().noting_placed();
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        match stories::group_new(store.as_ref(), &mut grouping).await {
            Ok(0) => {}
            Ok(n) => {
                // Kept pages show stories' lines: the pages of the articles placed, and of
                // their stories' other reports, are rendered afresh.
                let placed = grouping.take_placed();
                if let Some(site) = &site {
                    let articles = placed.iter().map(|(a, _)| freewire_web::Changed::Article(a.0));
                    let stories = placed.iter().map(|(_, s)| freewire_web::Changed::Story(s.0));
                    site.note_changed(&articles.chain(stories).collect::<Vec<_>>());
                }
                tracing::info!(articles = n, "articles placed in stories");
            }
            Err(e) => tracing::warn!(error = %e, "could not group new articles into stories; trying again"),
        }
    }
}
