//! SQLite's query planner, given statistics: without them it read one story's reports by
//! walking every published article in date order (seconds a page at a million articles).
//! SQLite only: PostgreSQL keeps its own statistics.

use freewire_core::model::{Placed, StoryChoice};
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
async fn a_stores_statistics_lead_the_planner_to_a_storys_own_rows() {
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
    store.close().await.unwrap();

    // Opening the store again analyses a database that has articles and no statistics.
    let store = SqlStore::connect(&url).await.unwrap();
    let reports = "SELECT id FROM articles WHERE story_id IN (5, 9) AND status = 'published' \
                   ORDER BY published_at, id";
    let chosen = plan(&url, reports).await;
    assert!(chosen.contains("ix_articles_story"), "{chosen}");
    assert!(!chosen.contains("ix_articles_status_published"), "{chosen}");
    // The hourly housekeeping's call keeps them, and is cheap to repeat.
    store.optimize().await.unwrap();
    assert!(plan(&url, reports).await.contains("ix_articles_story"));
    store.close().await.unwrap();
}
