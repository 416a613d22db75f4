//! The storage contract: every case runs against a fresh SQLite file and a fresh PostgreSQL
//! database. PostgreSQL cases need `FREEWIRE_TEST_POSTGRES_URL`; see `freewire_store::testing`.
//!
//! The cases are grouped as the contract is, one module per aggregate trait; each module
//! stamps its cases out per engine with [`contract!`], as `<module>::sqlite::<case>` and
//! `<module>::postgres::<case>`. The helpers every module uses, and the one case about the
//! store as a whole (reopening a database), are here.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use chrono::{DateTime, TimeZone, Utc};
use freewire_core::Licence;
use freewire_core::model::{
    InsertOutcome, NewArticle, NewRetrieval, NewSource, NewUser, Role, SourceId, UserId,
};
use freewire_core::store::prelude::*;
use freewire_store::SqlStore;

/// Stamps the cases named out per engine, in the module that names them: `sqlite::<case>` on
/// a fresh SQLite file, `postgres::<case>` on a fresh PostgreSQL database (skipped without
/// `FREEWIRE_TEST_POSTGRES_URL`, failing under `CI=true`).
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = format!("sqlite://{}", dir.path().join("freewire.db").display());
                    let store = freewire_store::SqlStore::connect(&url).await.unwrap();
                    let fixture = crate::Fixture { store, url };
                    super::$case(&fixture).await;
                    fixture.store.close().await.unwrap();
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(admin) = freewire_store::testing::postgres_admin_url() else { return };
                    let url = freewire_store::testing::create_postgres_database(&admin).await;
                    let store = freewire_store::SqlStore::connect(&url).await.unwrap();
                    let fixture = crate::Fixture { store, url };
                    super::$case(&fixture).await;
                    fixture.store.close().await.unwrap();
                    freewire_store::testing::drop_postgres_database(&admin, &fixture.url).await;
                }
            )*
        }
    };
}

mod accounts;
mod articles;
mod audit;
mod changes;
mod coordination;
mod planner;
mod revisions;
mod settings;
mod sources;
mod stories;
mod timeline;
mod websub;

/// A store on a fresh database, with the URL it was opened from.
struct Fixture {
    store: SqlStore,
    url: String,
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

async fn source(store: &SqlStore, name: &str) -> SourceId {
    store
        .insert_source(NewSource {
            name: name.to_owned(),
            homepage: Some(format!("https://{name}.example/")),
            licence: Licence::CcBy4,
            credit: None,
        })
        .await
        .unwrap()
        .id
}

fn article(
    source: SourceId,
    guid: &str,
    title: &str,
    published: DateTime<Utc>,
) -> (NewArticle, NewRetrieval) {
    (
        NewArticle {
            source_id: source,
            feed_id: None,
            guid: guid.to_owned(),
            original_url: Some(format!("https://outlet.example/{guid}")),
            title: title.to_owned(),
            author: None,
            summary: None,
            body_html: "<p>Text — “quoted” …</p>".to_owned(),
            language: Some("en".to_owned()),
            published_at: published,
            updated_at: None,
            licence: Licence::CcBy4,
            normalized_url: None,
            simhash: None,
            media: Vec::new(),
            tags: Vec::new(),
        },
        NewRetrieval {
            location: "file:///tmp/feed.xml".to_owned(),
            retrieved_at: at(2024, 1, 1, 0, 0, 0),
            http_status: None,
            sha256: "ab".repeat(32),
        },
    )
}

fn inserted(outcome: &InsertOutcome) -> &freewire_core::Article {
    match outcome {
        InsertOutcome::Inserted(a) => a,
        other => panic!("expected a new article, got {other:?}"),
    }
}

async fn user(store: &SqlStore, name: &str, role: Role) -> UserId {
    store
        .insert_user(NewUser {
            username: name.to_owned(),
            email: None,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            role,
        })
        .await
        .unwrap()
        .id
}

// ------------------------------------------------------------------------------------------
// The store as a whole.

async fn reopening_a_database_keeps_rows_and_reruns_no_migration(f: &Fixture) {
    source(&f.store, "outlet").await;
    let again = SqlStore::connect(&f.url).await.unwrap();
    assert!(again.source_by_name("outlet").await.unwrap().is_some());
    again.close().await.unwrap();
}

contract!(reopening_a_database_keeps_rows_and_reruns_no_migration);
