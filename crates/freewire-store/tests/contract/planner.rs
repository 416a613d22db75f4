//! SQLite's query planner on a grouped site: one story's reports are read by the story's own
//! rows, with or without statistics (asked for published and in date order, they were read by
//! walking every published article: 60 ms a page at 20,000 articles, and more with every one), and the store
//! gives the planner statistics. SQLite only: PostgreSQL keeps its own.

use freewire_core::model::{Placed, StoryChoice, StoryId};
use freewire_core::store::prelude::*;
use freewire_store::SqlStore;
use sea_orm::{ConnectionTrait, Database, Statement};

use crate::{article, at, inserted, source};

/// The plan SQLite chooses for `sql`, its lines joined.
async fn plan(url: &str, sql: &str) -> String {
    let db = Database::connect(url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), format!("EXPLAIN QUERY PLAN {sql}")))
        .await
        .unwrap();
    let lines: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "detail").unwrap()).collect();
    db.close().await.unwrap();
    lines.join("\n")
}

#[tokio::test]
async fn a_storys_reports_are_read_by_its_own_rows_and_the_planner_has_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("freewire.db").display());
    let store = SqlStore::connect(&url).await.unwrap();
    let outlet = source(&store, "gazette").await;
    // 2,000 articles in 1,000 stories of two, as a grouped site has them.
    let batch = (0..2000u32)
        .map(|n| {
            article(outlet, &format!("g{n}"), &format!("Report {n}"), at(2024, 1, 1 + n % 28, n % 24, 0, 0))
        })
        .collect();
    let stored = store.insert_articles_with_retrieval(batch).await.unwrap();
    let mark = store.grouping_mark().await.unwrap();
    let last = inserted(stored.last().unwrap()).id;
    let placements = stored
        .iter()
        .enumerate()
        .map(|(n, o)| Placed {
            article: inserted(o).id,
            story: StoryChoice::New { key: -(n as i64 / 2) - 1, title: format!("Story {n}"), reuse: None },
        })
        .collect();
    store.record_grouping(mark, last, placements).await.unwrap().unwrap();
    // The query `story_reports` makes, planned before the database has statistics.
    let reports = "SELECT id, status, published_at FROM articles WHERE story_id IN (5, 9)";
    let chosen = plan(&url, reports).await;
    assert!(chosen.contains("ix_articles_story"), "{chosen}");
    let asked = store.story_reports(&[StoryId(5), StoryId(9)]).await.unwrap();
    assert_eq!(asked.values().map(Vec::len).sum::<usize>(), 4, "two stories of two");
    store.close().await.unwrap();

    // Opening the store again analyses a database that has articles and no statistics.
    let store = SqlStore::connect(&url).await.unwrap();
    let stats = plan_stats(&url).await;
    assert!(stats.iter().any(|(idx, _)| idx == "ix_articles_story"), "{stats:?}");
    assert!(plan(&url, reports).await.contains("ix_articles_story"));
    // The hourly housekeeping's call keeps them: nothing grew, nothing is analysed again.
    store.optimize().await.unwrap();
    assert_eq!(plan_stats(&url).await, stats);
    store.close().await.unwrap();
}

/// The statistics SQLite keeps of the articles' indexes.
async fn plan_stats(url: &str) -> Vec<(String, String)> {
    let db = Database::connect(url).await.unwrap();
    let sql = "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'articles'";
    let rows =
        db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap_or_default();
    let stats = rows
        .iter()
        .map(|r| (r.try_get::<String>("", "idx").unwrap(), r.try_get::<String>("", "stat").unwrap()))
        .collect();
    db.close().await.unwrap();
    stats
}
