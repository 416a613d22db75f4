//! The index under many quick changes: hundreds of notes posted to a few articles while the
//! follower runs, on a real SQLite file and a real index folder. Each note re-indexes its whole
//! article (its documents deleted and added again in one commit), so the segments written a
//! moment earlier empty out while tantivy may be merging them. What tantivy reports is read
//! back: a merge that lost its segments says `couldn't find segment in SegmentManager`.
//!
//! A test binary of its own: the logger it installs is the process's only one.
#![expect(clippy::unwrap_used, reason = "the fixture helpers stop the test at the first failure")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use freewire_core::model::{
    Hidden, InsertOutcome, NewArticle, NewAuditEntry, NewSource, NewUpdate, NewUser, Role,
};
use freewire_core::store::prelude::*;
use freewire_core::{Article, Licence, UpdateId};
use freewire_search::{Indexer, Kind, SearchIndex};
use freewire_store::SqlStore;

/// Counts tantivy's warnings and errors, keeping the first few.
struct Reports {
    lost_merges: AtomicUsize,
    seen: Mutex<Vec<String>>,
}

static REPORTS: Reports = Reports { lost_merges: AtomicUsize::new(0), seen: Mutex::new(Vec::new()) };

impl log::Log for Reports {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        if message.contains("couldn't find segment") {
            self.lost_merges.fetch_add(1, Ordering::Relaxed);
        }
        let mut seen = self.seen.lock().unwrap();
        if seen.len() < 20 {
            seen.push(format!("{} {}: {message}", record.level(), record.target()));
        }
    }

    fn flush(&self) {}
}

const ARTICLES: usize = 12;
const NOTES: usize = 500;

/// A word only the `n`th note holds.
fn marker(n: usize) -> String {
    format!("harbournote{n}")
}

/// Waits for the follower to apply every change made so far.
async fn caught_up(store: &SqlStore, index: &SearchIndex) {
    let last = store.last_change().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while index.position().unwrap() != Some(last) {
        assert!(Instant::now() < deadline, "the follower did not catch up");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn articles(store: &SqlStore) -> Vec<Article> {
    let source = store
        .insert_source(NewSource {
            name: "Harbour Gazette".into(),
            homepage: Some("https://outlet.example/".into()),
            licence: Licence::CcBy4,
            credit: None,
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    for i in 0..ARTICLES {
        let new = NewArticle {
            source_id: source.id,
            feed_id: None,
            guid: format!("guid-{i}"),
            original_url: Some(format!("https://outlet.example/{i}")),
            title: format!("Ferry Timetable Changes Part {i}"),
            author: None,
            summary: None,
            body_html: format!("<p>The ferry timetable changes again, part {i}.</p>"),
            language: Some("en".into()),
            published_at: Utc.with_ymd_and_hms(2024, 3, 5, 9, 0, 0).unwrap(),
            updated_at: None,
            licence: Licence::CcBy4,
            normalized_url: None,
            simhash: None,
            media: Vec::new(),
            tags: Vec::new(),
        };
        let retrieval = freewire_store::testing::fixture_retrieval();
        match store.insert_articles_with_retrieval(vec![(new, retrieval)]).await.unwrap().remove(0) {
            InsertOutcome::Inserted(a) => out.push(*a),
            other => panic!("fixture articles are new: {other:?}"),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_quick_notes_are_all_found_and_nothing_stale_remains() {
    log::set_logger(&REPORTS).unwrap();
    log::set_max_level(log::LevelFilter::Warn);

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("freewire.db").display());
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    let articles = articles(&store).await;
    let user = store
        .insert_user(NewUser {
            username: "reporter".into(),
            email: None,
            password_hash: "not used here".into(),
            role: Role::Editor,
        })
        .await
        .unwrap()
        .id;
    let index = Arc::new(SearchIndex::open(&dir.path().join("search")).unwrap());
    let indexer = Arc::new(Indexer::new(store.clone(), index.clone(), freewire_ingest::html_to_text));
    indexer.catch_up().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let follower = tokio::spawn(indexer.clone().follow(Duration::from_millis(200), async move {
        let _ = stopped.await;
    }));

    // Notes posted as the form posts them: each one stored, then the follower nudged.
    // Every fifth is hidden again a moment later, as a moderator would.
    let started = Instant::now();
    let mut notes: Vec<(usize, UpdateId, bool)> = Vec::new();
    for n in 0..NOTES {
        let article = &articles[n % ARTICLES];
        let (update, _) = store
            .insert_update_with_attachments(
                NewUpdate {
                    article_id: article.id,
                    author_id: user,
                    body: format!("Note {n}: {} from the quay.", marker(n)),
                },
                Vec::new(),
            )
            .await
            .unwrap();
        indexer.nudge();
        let hidden = n % 5 == 4;
        if hidden {
            let audit = NewAuditEntry {
                actor_id: user,
                action: "hide".into(),
                target: "test".into(),
                detail: String::new(),
            };
            let why = Hidden { at: Utc::now(), by: user, reason: "duplicate".into() };
            assert!(store.set_update_hidden(update.id, Some(why), audit).await.unwrap());
            indexer.nudge();
        }
        notes.push((n, update.id, hidden));
        // The next note comes once this one is searchable, as the next form post follows the
        // page that shows this one: a commit per note or two, as on a busy server.
        caught_up(&store, &index).await;
    }
    let took = started.elapsed();

    let applied = indexer.changes_applied();
    stop.send(()).unwrap();
    follower.await.unwrap();

    for (n, update, hidden) in &notes {
        let hits = indexer.search(marker(*n), 1, 10).await.unwrap().hits;
        if *hidden {
            assert!(hits.is_empty(), "hidden note {n} is still found: {hits:?}");
        } else {
            assert_eq!(hits.len(), 1, "note {n} is found once: {hits:?}");
            assert_eq!((hits[0].meta.kind, hits[0].meta.update_id), (Kind::Update, Some(update.0)));
        }
    }
    let visible = notes.iter().filter(|(_, _, hidden)| !hidden).count();
    assert_eq!(
        usize::try_from(index.len()).unwrap(),
        ARTICLES + visible,
        "every article and visible note once, nothing left over"
    );
    // An update's document carries its article's title: the title finds the article and
    // each of its visible notes, once.
    for (i, article) in articles.iter().enumerate() {
        let total = indexer.search(format!("\"{}\"", article.title), 1, 10).await.unwrap().total;
        let notes = notes.iter().filter(|(n, _, hidden)| n % ARTICLES == i && !hidden).count();
        assert_eq!(total, 1 + notes, "{}", article.title);
    }

    let seen = REPORTS.seen.lock().unwrap().clone();
    eprintln!(
        "{NOTES} notes ({} hidden) posted and searchable in {took:?}, {applied} commits; \
         tantivy reported: {seen:#?}",
        NOTES - visible
    );
    assert_eq!(REPORTS.lost_merges.load(Ordering::Relaxed), 0, "merges lost their segments: {seen:#?}");
}
