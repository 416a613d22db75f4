//! The search index over a real SQLite store: the query language on a small corpus written
//! for these tests, updates and moderation reaching the index through the change sequence,
//! and an interrupted indexing run caught up on the next start.
#![expect(clippy::unwrap_used, reason = "the fixture helpers stop the test at the first failure")]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use freewire_core::model::{
    Hidden, InsertOutcome, NewArticle, NewAttachment, NewAuditEntry, NewSource, NewUpdate, NewUser, Role,
    Withdrawal,
};
use freewire_core::store::prelude::*;
use freewire_core::{Article, Licence, UserId};
use freewire_search::{Indexer, Kind, Results, SearchIndex};
use freewire_store::SqlStore;

struct Fixture {
    store: Arc<SqlStore>,
    dir: tempfile::TempDir,
    articles: Vec<Article>,
}

struct Item {
    source: &'static str,
    licence: Licence,
    title: &'static str,
    body: &'static str,
    language: Option<&'static str>,
    day: (i32, u32, u32),
    tags: &'static [&'static str],
    author: Option<&'static str>,
}

const HIDDEN_WORD_PAST_EXCERPT: &str = "zeppelin";

fn long_excerpt_only_body() -> String {
    let filler: Vec<String> = (0..80).map(|i| format!("paragraph{i}")).collect();
    let mut words = format!("<p>The regional paper reports that the tide tables {} ", filler.join(" "));
    words.push_str(HIDDEN_WORD_PAST_EXCERPT);
    words.push_str(" ended the season.</p>");
    words
}

fn corpus() -> Vec<Item> {
    vec![
        Item {
            source: "Harbour Gazette",
            licence: Licence::CcBy4,
            title: "Ferry Workers Vote To Strike",
            body: "<p>Crews on the island ferries voted on Monday to strike over winter rosters. \
                   The harbour master said sailings would continue until the end of the month.</p>",
            language: Some("en-GB"),
            day: (2024, 3, 5),
            tags: &["Ferries", "Labour"],
            author: Some("Mara Quinn"),
        },
        Item {
            source: "Harbour Gazette",
            licence: Licence::CcBy4,
            title: "Council Publishes Letter On Winter Sailing",
            body: "<p>The council published a letter from the harbour master explaining the winter \
                   rosters and asking crews to keep the morning sailing.</p>",
            language: Some("en"),
            day: (2024, 4, 12),
            tags: &["Ferries"],
            author: None,
        },
        Item {
            source: "Valley Courier",
            licence: Licence::CcBySa4,
            title: "Mill Closure Leaves Town Uncertain",
            body: "<p>Workers at the paper mill learned of the closure from a letter pinned to the \
                   gate. The harbour road will lose its busiest lorries.</p>",
            language: Some("en"),
            day: (2024, 4, 20),
            tags: &["Labour"],
            author: Some("Ivo Brandt"),
        },
        Item {
            source: "Journal du Port",
            licence: Licence::CcBy4,
            title: "Les traversiers reprennent le service",
            body: "<p>Les traversiers de l'île reprennent leur service après la grève des équipages. \
                   Le capitaine du port a annoncé que les horaires d'hiver resteront en vigueur \
                   jusqu'à la fin du mois, et la mairie publiera une lettre aux habitants.</p>",
            language: None,
            day: (2024, 4, 2),
            tags: &[],
            author: None,
        },
        Item {
            source: "Excerpt Weekly",
            licence: Licence::ExcerptOnly,
            title: "Tide Tables Revised",
            body: "",
            language: Some("en"),
            day: (2024, 2, 1),
            tags: &[],
            author: None,
        },
        Item {
            source: "Harbour Gazette",
            licence: Licence::CcBy4,
            title: "<script>alert(1)</script> Quay Notice",
            body: "<p>A notice on the quay read &lt;img src=x onerror=alert(1)&gt; and nothing more \
                   about the quay.</p>",
            language: Some("en"),
            day: (2023, 12, 30),
            tags: &[],
            author: None,
        },
    ]
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("freewire.db").display());
        let store = Arc::new(SqlStore::connect(&url).await.unwrap());
        let mut articles = Vec::new();
        for item in corpus() {
            let source = match store.source_by_name(item.source).await.unwrap() {
                Some(s) => s,
                None => store
                    .insert_source(NewSource {
                        name: item.source.into(),
                        homepage: Some("https://outlet.example/".into()),
                        licence: item.licence,
                        credit: None,
                    })
                    .await
                    .unwrap(),
            };
            let body = if item.body.is_empty() { long_excerpt_only_body() } else { item.body.to_owned() };
            let (y, m, d) = item.day;
            let new = NewArticle {
                source_id: source.id,
                feed_id: None,
                guid: format!("guid-{}", item.title),
                original_url: Some(format!("https://outlet.example/{}", articles.len())),
                title: item.title.into(),
                author: item.author.map(str::to_owned),
                summary: None,
                body_html: body,
                language: item.language.map(str::to_owned),
                published_at: Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap(),
                updated_at: None,
                licence: item.licence,
                normalized_url: None,
                simhash: None,
                media: Vec::new(),
                tags: item.tags.iter().filter_map(|t| freewire_core::model::Tag::new(t)).collect(),
            };
            let retrieval = freewire_store::testing::fixture_retrieval();
            match store.insert_articles_with_retrieval(vec![(new, retrieval)]).await.unwrap().remove(0) {
                InsertOutcome::Inserted(a) => articles.push(*a),
                other => panic!("fixture articles are new: {other:?}"),
            }
        }
        Fixture { store, dir, articles }
    }

    fn index_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("search")
    }

    fn indexer(&self) -> Indexer {
        let index = Arc::new(SearchIndex::open(&self.index_dir()).unwrap());
        Indexer::new(self.store.clone(), index, freewire_ingest::html_to_text)
    }

    async fn user(&self) -> UserId {
        self.store
            .insert_user(NewUser {
                username: "reader".into(),
                email: None,
                password_hash: "not used here".into(),
                role: Role::Editor,
            })
            .await
            .unwrap()
            .id
    }
}

async fn query(indexer: &Indexer, q: &str) -> Results {
    indexer.search(q.to_owned(), 1, 20).await.unwrap()
}

async fn titles(indexer: &Indexer, q: &str) -> Vec<String> {
    let mut out: Vec<String> = query(indexer, q).await.hits.into_iter().map(|h| h.meta.title).collect();
    out.sort();
    out
}

#[tokio::test]
async fn words_phrases_exclusions_and_filters_find_what_they_name() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    assert_eq!(indexer.catch_up().await.unwrap(), fx.articles.len());

    // Stemmed words: "strikes" finds "strike", "sailings" finds "Sailing".
    assert_eq!(titles(&indexer, "strikes").await, ["Ferry Workers Vote To Strike"]);
    assert_eq!(
        titles(&indexer, "sailings").await,
        ["Council Publishes Letter On Winter Sailing", "Ferry Workers Vote To Strike"]
    );
    // All words must match.
    assert_eq!(titles(&indexer, "letter mill").await, ["Mill Closure Leaves Town Uncertain"]);
    // A phrase matches its words in order only.
    assert_eq!(
        titles(&indexer, "\"winter rosters\"").await,
        ["Council Publishes Letter On Winter Sailing", "Ferry Workers Vote To Strike"]
    );
    assert!(titles(&indexer, "\"rosters winter\"").await.is_empty());
    // Exclusion.
    assert_eq!(
        titles(&indexer, "harbour -strike -mill").await,
        ["Council Publishes Letter On Winter Sailing"]
    );
    // Filters by source, tag and date, alone and together.
    assert_eq!(
        titles(&indexer, "harbour source:valley-courier").await,
        ["Mill Closure Leaves Town Uncertain"]
    );
    assert_eq!(
        titles(&indexer, "harbour -source:harbour-gazette").await,
        ["Mill Closure Leaves Town Uncertain"]
    );
    assert_eq!(
        titles(&indexer, "tag:labour").await,
        ["Ferry Workers Vote To Strike", "Mill Closure Leaves Town Uncertain"]
    );
    assert_eq!(titles(&indexer, "letter from:2024-04-15").await, ["Mill Closure Leaves Town Uncertain"]);
    assert_eq!(titles(&indexer, "harbour from:2024-03 to:2024-03").await, ["Ferry Workers Vote To Strike"]);
    assert_eq!(
        titles(&indexer, "source:\"Harbour Gazette\" tag:ferries to:2024-03-05").await,
        ["Ferry Workers Vote To Strike"]
    );
    // Author names are searchable text.
    assert_eq!(titles(&indexer, "quinn").await, ["Ferry Workers Vote To Strike"]);
    // Nothing to search for finds nothing rather than everything.
    assert_eq!(query(&indexer, "   ").await.total, 0);
    // A stray quote or colon does not fail the query.
    assert_eq!(titles(&indexer, "\"winter").await.len(), 2);
}

#[tokio::test]
async fn french_is_detected_and_stemmed_as_french() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    indexer.catch_up().await.unwrap();
    let results = query(&indexer, "traversier").await;
    assert_eq!(results.hits.len(), 1, "the singular finds the plural through French stemming");
    assert_eq!(results.hits[0].meta.language, "fr");
    assert_eq!(results.hits[0].meta.title, "Les traversiers reprennent le service");
    assert!(results.hits[0].snippet_html.contains("<b>traversiers</b>"), "{}", results.hits[0].snippet_html);
    // English stemming is not applied to it: the English stem of "lettre" is not "letter".
    assert_eq!(titles(&indexer, "lettre").await, ["Les traversiers reprennent le service"]);
}

#[tokio::test]
async fn results_are_ranked_faceted_and_snippets_are_escaped() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    indexer.catch_up().await.unwrap();

    let results = query(&indexer, "harbour").await;
    assert_eq!(results.total, 3);
    let sources: Vec<(&str, u64)> = results.sources.iter().map(|f| (f.value.as_str(), f.count)).collect();
    assert_eq!(sources, [("Harbour Gazette", 2), ("Valley Courier", 1)]);
    let months: Vec<(&str, u64)> = results.months.iter().map(|f| (f.value.as_str(), f.count)).collect();
    assert_eq!(months, [("2024-04", 2), ("2024-03", 1)]);
    for hit in &results.hits {
        assert!(hit.snippet_html.contains("<b>harbour</b>"), "highlighted: {}", hit.snippet_html);
    }
    let scores: Vec<f32> = results.hits.iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");

    // A title match outranks a passing mention in the body.
    let ranked = query(&indexer, "closure").await;
    assert_eq!(ranked.hits[0].meta.title, "Mill Closure Leaves Town Uncertain");

    // Text that looks like markup comes back as text.
    let hostile = query(&indexer, "onerror").await;
    assert_eq!(hostile.hits.len(), 1);
    let snippet = &hostile.hits[0].snippet_html;
    assert!(!snippet.contains("<img"), "{snippet}");
    assert!(snippet.contains("&lt;img"), "{snippet}");
    // Paging past the end is empty, not an error.
    assert!(indexer.search("harbour".into(), 9, 20).await.unwrap().hits.is_empty());
    // Paging splits the results.
    let first = indexer.search("harbour".into(), 1, 2).await.unwrap();
    let second = indexer.search("harbour".into(), 2, 2).await.unwrap();
    assert_eq!((first.hits.len(), second.hits.len(), second.total), (2, 1, 3));
    assert!(first.hits.iter().all(|h| h.meta.path != second.hits[0].meta.path));
}

#[tokio::test]
async fn an_excerpt_only_article_is_found_by_its_excerpt_only() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    indexer.catch_up().await.unwrap();
    assert_eq!(titles(&indexer, "tide tables").await, ["Tide Tables Revised"]);
    assert_eq!(titles(&indexer, "paragraph3").await, ["Tide Tables Revised"]);
    assert!(
        query(&indexer, HIDDEN_WORD_PAST_EXCERPT).await.hits.is_empty(),
        "words past the excerpt are neither shown nor searchable"
    );
}

#[tokio::test]
async fn updates_become_searchable_and_hidden_or_withdrawn_content_leaves() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    indexer.catch_up().await.unwrap();
    let article = &fx.articles[0];
    let user = fx.user().await;
    assert!(query(&indexer, "transcript").await.hits.is_empty());

    let (update, _) = fx
        .store
        .insert_update_with_attachments(
            NewUpdate {
                article_id: article.id,
                author_id: user,
                body: "The union released a transcript of the vote.".into(),
            },
            vec![NewAttachment {
                object_key: "k/1".into(),
                file_name: "ballot-count.pdf".into(),
                media_type: "application/pdf".into(),
                size: 10,
                sha256: "11".repeat(32),
                thumbnail_key: None,
            }],
        )
        .await
        .unwrap();
    assert_eq!(indexer.catch_up().await.unwrap(), 1, "only the changed article is re-read");
    let found = query(&indexer, "transcript").await;
    assert_eq!(found.hits.len(), 1);
    let hit = &found.hits[0].meta;
    assert_eq!((hit.kind, hit.update_id), (Kind::Update, Some(update.id.0)));
    assert_eq!(hit.title, article.title);
    assert!(hit.path.ends_with(&format!("#update-{}", update.id.0)), "{}", hit.path);
    assert_eq!(hit.author.as_deref(), Some("reader"));
    assert_eq!(query(&indexer, "ballot").await.hits.len(), 1, "attachment names are searchable");

    let audit = |action: &str| NewAuditEntry {
        actor_id: user,
        action: action.into(),
        target: "test".into(),
        detail: String::new(),
    };
    let hidden = Hidden { at: Utc::now(), by: user, reason: "spam".into() };
    assert!(fx.store.set_update_hidden(update.id, Some(hidden), audit("hide")).await.unwrap());
    indexer.catch_up().await.unwrap();
    assert!(query(&indexer, "transcript").await.hits.is_empty(), "a hidden update leaves the index");
    assert_eq!(titles(&indexer, "strike").await, ["Ferry Workers Vote To Strike"], "its article stays");

    let withdrawal = Withdrawal { at: Utc::now(), reason: "At the outlet's request.".into() };
    assert!(fx.store.set_article_withdrawn(article.id, Some(withdrawal), audit("withdraw")).await.unwrap());
    indexer.catch_up().await.unwrap();
    assert!(query(&indexer, "strike").await.hits.is_empty(), "a withdrawn article leaves the index");
    assert!(query(&indexer, "quinn").await.hits.is_empty());

    assert!(fx.store.set_article_withdrawn(article.id, None, audit("reinstate")).await.unwrap());
    indexer.catch_up().await.unwrap();
    assert_eq!(titles(&indexer, "strike").await, ["Ferry Workers Vote To Strike"], "reinstated");
    // Nothing changed: nothing re-read.
    assert_eq!(indexer.catch_up().await.unwrap(), 0);
}

#[tokio::test]
async fn an_index_that_missed_pruned_changes_is_rebuilt_and_finds_them() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    assert_eq!(indexer.catch_up().await.unwrap(), fx.articles.len());
    // While this index is stopped, a note is added and the change sequence pruned past it.
    let user = fx.user().await;
    fx.store
        .insert_update_with_attachments(
            NewUpdate {
                article_id: fx.articles[0].id,
                author_id: user,
                body: "The harbourmaster's logbook was published.".into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    let pruned = fx.store.prune_changes(Utc::now() + chrono::Duration::minutes(1), 1000).await.unwrap();
    assert!(pruned > fx.articles.len() as u64, "{pruned}");
    assert!(query(&indexer, "logbook").await.hits.is_empty());
    // Reading the sequence alone it would never see the note: it starts again from the articles.
    assert_eq!(indexer.catch_up().await.unwrap(), fx.articles.len(), "rebuilt");
    assert_eq!(query(&indexer, "logbook").await.hits.len(), 1);
    // Rebuilt at the newest position, it follows on from there.
    assert_eq!(indexer.catch_up().await.unwrap(), 0);
}

#[tokio::test]
async fn an_index_interrupted_mid_write_catches_up_from_the_database_on_start() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    indexer.catch_up().await.unwrap();
    let position = indexer.index().position().unwrap().unwrap();
    let user = fx.user().await;
    let article = &fx.articles[1];
    fx.store
        .insert_update_with_attachments(
            NewUpdate {
                article_id: article.id,
                author_id: user,
                body: "A lighthouse keeper wrote in.".into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    // The process writes the change's documents and is killed before it commits.
    let found = fx.store.article_by_id(article.id).await.unwrap().unwrap();
    let docs = indexer.docs_for(&found).await.unwrap();
    indexer.index().add(&docs).unwrap();
    drop(indexer);

    let reopened = fx.indexer();
    assert_eq!(reopened.index().position().unwrap(), Some(position), "the position never ran ahead");
    assert!(query(&reopened, "lighthouse").await.hits.is_empty(), "uncommitted documents are not served");
    // A new process reads the last moments' changes again besides those past its position.
    assert!(reopened.catch_up().await.unwrap() >= 1);
    let hits = query(&reopened, "lighthouse").await.hits;
    assert_eq!(hits.len(), 1, "caught up from the change sequence");
    assert_eq!(query(&reopened, "rosters").await.total, 2, "and nothing is indexed twice");
}

#[tokio::test]
async fn a_lost_index_is_rebuilt_with_progress_reported() {
    let fx = Fixture::new().await;
    let indexer = fx.indexer();
    indexer.catch_up().await.unwrap();
    let docs = indexer.index().len();
    drop(indexer);
    std::fs::remove_dir_all(fx.index_dir()).unwrap();

    let fresh = fx.indexer();
    assert_eq!(fresh.index().position().unwrap(), None);
    let seen = std::sync::Mutex::new(Vec::new());
    let built = fresh.rebuild(&|done, total| seen.lock().unwrap().push((done, total))).await.unwrap();
    assert_eq!(built, fx.articles.len() as u64);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&(built, built)), "progress reaches the total: {seen:?}");
    assert_eq!(fresh.index().len(), docs);
    assert_eq!(titles(&fresh, "mill").await, ["Mill Closure Leaves Town Uncertain"]);
}
