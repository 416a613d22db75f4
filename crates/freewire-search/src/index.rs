//! The tantivy index: its schema, writing documents under a change-sequence position, and
//! queries with filters, facets and highlighted snippets.
//!
//! Text is indexed in one field per stemming language (`text_en`, `text_fr`, …, `text_other`
//! without stemming): tantivy fixes a field's analyzer, so a document goes to the field of its
//! language and a query is analysed once per field. Titles also go to `title`, boosted.
//! Every commit carries the sequence position it brings the index to, so the index and its
//! position never disagree, whatever moment the process is killed at.
#![expect(
    missing_docs,
    reason = "document and hit fields are named for what they hold; fields that need more say so"
)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::merge_policy::{LogMergePolicy, MergePolicy, NoMergePolicy};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::query::{Filters, parse};

/// Languages whose words are reduced to their stems, by ISO 639-1 code.
pub const STEMMED: [(&str, Language); 12] = [
    ("en", Language::English),
    ("fr", Language::French),
    ("de", Language::German),
    ("es", Language::Spanish),
    ("it", Language::Italian),
    ("pt", Language::Portuguese),
    ("nl", Language::Dutch),
    ("ru", Language::Russian),
    ("sv", Language::Swedish),
    ("da", Language::Danish),
    ("no", Language::Norwegian),
    ("fi", Language::Finnish),
];

/// How text is analysed (tokenizers, stop words, stemmers). The schema alone does not show
/// it; an index committed under another version is rebuilt rather than queried wrongly.
const ANALYSIS_VERSION: &str = "a1";

/// Memory the writer may fill before it flushes a segment: part of a serving process's peak
/// footprint during a rebuild. Changes otherwise arrive a few articles at a time.
const WRITER_MEMORY: usize = 24 * 1024 * 1024;
/// Results per page at most.
pub const MAX_PAGE_SIZE: usize = 50;
/// The longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;

/// Why the index failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy's own error.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index folder cannot be made or read.
    #[error("search index folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    /// Another process holds the index's writer lock.
    #[error("search index: in use by another process")]
    InUse,
    /// A writer panicked earlier.
    #[error("search index: the writer is unavailable after an earlier failure")]
    Poisoned,
    /// Stored data that does not read back.
    #[error("search index: {0}")]
    Corrupt(String),
}

/// What is indexed of one article or one update.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDoc {
    pub kind: Kind,
    pub article_id: i64,
    pub update_id: Option<i64>,
    /// The article's title (an update's article's title).
    pub title: String,
    /// The text readers may see: the article's text (an excerpt where its licence allows no
    /// more), or the update's note with its files' names.
    pub text: String,
    /// Site-relative address of the hit (`2021/03/08/slug/`, `…#update-7`).
    pub path: String,
    pub source: String,
    pub source_slug: String,
    pub author: Option<String>,
    /// ISO 639-1, detected when the feed does not say.
    pub language: String,
    pub tags: Vec<String>,
    pub published: DateTime<Utc>,
    /// The people, places and organisations the article names, as filter terms
    /// ([`name_term`]).
    pub names: Vec<String>,
}

/// The query key of a kind of name: `person`, `place`, `org`.
#[must_use]
pub fn name_key(kind: freewire_core::facts::EntityKind) -> &'static str {
    match kind {
        freewire_core::facts::EntityKind::Person => "person",
        freewire_core::facts::EntityKind::Place => "place",
        freewire_core::facts::EntityKind::Organisation => "org",
    }
}

/// The filter term of a name: its kind's key (`person`, `place`, `org`) and the name in lower
/// case, `person:antony blinken`.
#[must_use]
pub fn name_term(key: &str, name: &str) -> String {
    format!("{key}:{}", name.trim().to_lowercase())
}

/// An article or an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Article,
    Update,
}

/// What a hit shows, stored with the document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HitMeta {
    pub kind: Kind,
    pub article_id: i64,
    pub update_id: Option<i64>,
    pub title: String,
    pub path: String,
    pub source: String,
    pub author: Option<String>,
    pub language: String,
    pub published: DateTime<Utc>,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub meta: HitMeta,
    pub score: f32,
    /// Escaped HTML with the matched words in `<b>`.
    pub snippet_html: String,
}

/// A facet value and how many results have it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// A page of results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// By source name, most results first.
    pub sources: Vec<FacetCount>,
    /// By month (`2021-03`), newest first.
    pub months: Vec<FacetCount>,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    kind: Field,
    article_id: Field,
    title: Field,
    texts: [Field; STEMMED.len() + 1],
    stored_text: Field,
    source_slug: Field,
    tag: Field,
    names: Field,
    published: Field,
    source_facet: Field,
    month_facet: Field,
    meta: Field,
}

fn tokenizer_name(code: &str) -> String {
    format!("freewire_{code}")
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |name: String| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&name)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let mut texts = Vec::new();
    for (code, _) in STEMMED {
        texts.push(b.add_text_field(&format!("text_{code}"), text(tokenizer_name(code))));
    }
    texts.push(b.add_text_field("text_other", text(tokenizer_name("other"))));
    let fields = Fields {
        kind: b.add_text_field("kind", STRING),
        article_id: b.add_u64_field("article_id", INDEXED | FAST),
        title: b.add_text_field("title", text(tokenizer_name("other"))),
        texts: texts.try_into().unwrap_or_else(|_| unreachable!("one field per language and one more")),
        stored_text: b.add_text_field("stored_text", STORED),
        source_slug: b.add_text_field("source", STRING),
        tag: b.add_text_field("tag", STRING),
        names: b.add_text_field("names", STRING),
        published: b.add_date_field("published", INDEXED | FAST),
        source_facet: b.add_facet_field("source_facet", FacetOptions::default()),
        month_facet: b.add_facet_field("month_facet", FacetOptions::default()),
        meta: b.add_text_field("meta", STORED),
    };
    (b.build(), fields)
}

fn register_tokenizers(index: &Index) {
    let base = || {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
    };
    // Stop words ("the", "of" …) are left out where the language is known: they match nearly
    // every article, and phrases with them would read the positions of the whole index. A
    // phrase keeps its other words' distances, so "mayor of the town" still means that.
    for (code, language) in STEMMED {
        let stop = StopWordFilter::new(language).unwrap_or_else(|| StopWordFilter::remove(Vec::new()));
        index
            .tokenizers()
            .register(&tokenizer_name(code), base().filter(stop).filter(Stemmer::new(language)).build());
    }
    index.tokenizers().register(&tokenizer_name("other"), base().build());
}

/// The position of a language's field in [`Fields::texts`].
fn language_slot(code: &str) -> usize {
    STEMMED.iter().position(|(c, _)| *c == code).unwrap_or(STEMMED.len())
}

fn tantivy_date(t: DateTime<Utc>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_micros(t.timestamp_micros())
}

/// The embedded index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// The one writer. Whoever holds it also merges segments, after each commit (see
    /// [`SearchIndex::merge_segments`]): tantivy never merges on its own here.
    writer: Mutex<IndexWriter>,
    /// Which committed segments to merge: tantivy's usual choice, run by us.
    merges: LogMergePolicy,
    fields: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent. An index written with another
    /// schema (an older freewire) is set aside and a new one started: it is rebuilt from the
    /// database, never read wrongly.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let folder = |source| SearchError::Folder { path: dir.display().to_string(), source };
        std::fs::create_dir_all(dir).map_err(folder)?;
        let (schema, fields) = schema();
        let index = if dir.join("meta.json").exists() {
            let existing = Index::open_in_dir(dir)?;
            if existing.schema() == schema {
                existing
            } else {
                tracing::warn!(dir = %dir.display(), "search index has another schema; starting a new one");
                drop(existing);
                std::fs::remove_dir_all(dir).map_err(folder)?;
                std::fs::create_dir_all(dir).map_err(folder)?;
                Index::create_in_dir(dir, schema)?
            }
        } else {
            Index::create_in_dir(dir, schema)?
        };
        Self::from_index(index, fields, 1)
    }

    /// An index in memory (tests, benchmarks). `threads` indexing threads.
    pub fn in_memory(threads: usize) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields, threads)
    }

    fn from_index(mut index: Index, fields: Fields, threads: usize) -> Result<Self, SearchError> {
        register_tokenizers(&index);
        // A query reads the index's segments on every core at once: the heaviest queries are
        // the ones readers wait on.
        index.set_default_multithread_executor()?;
        let writer = index.writer_with_num_threads(threads.max(1), WRITER_MEMORY * threads.max(1)).map_err(
            |e| match e {
                tantivy::TantivyError::LockFailure(..) => SearchError::InUse,
                other => SearchError::Index(other),
            },
        )?;
        // tantivy's background merges race our commits: every change deletes an article's
        // documents and adds them again, so the segments a merge was started on a moment ago
        // are often empty by the next commit, which drops them. The merge then ends on
        // segments that are gone, logs "couldn't find segment in SegmentManager" and throws
        // its work away (nothing is lost, but under a stream of changes a good share of all
        // merging is wasted, and every `clear`/`rollback` of a rebuild discards merges the
        // same way). So merges run only in `merge_segments`, with the writer held: no commit,
        // clear or rollback can come between a merge's start and its end.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            merges: LogMergePolicy::default(),
            fields,
        })
    }

    /// The change-sequence position the index holds everything up to; `None` for an index
    /// never built, which must be rebuilt from the database.
    /// An index analysed another way (an older freewire) has no position either.
    pub fn position(&self) -> Result<Option<i64>, SearchError> {
        let metas = self.index.load_metas()?;
        let Some(payload) = metas.payload else { return Ok(None) };
        match payload.split_once(':') {
            Some((version, position)) if version == ANALYSIS_VERSION => position
                .parse::<i64>()
                .map(Some)
                .map_err(|e| SearchError::Corrupt(format!("position {payload:?}: {e}"))),
            _ => Ok(None),
        }
    }

    fn document(&self, d: &IndexDoc) -> Result<TantivyDocument, SearchError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.kind, if d.kind == Kind::Article { "article" } else { "update" });
        doc.add_u64(f.article_id, u64::try_from(d.article_id).unwrap_or_default());
        doc.add_text(f.title, &d.title);
        let text_field = f.texts[language_slot(&d.language)];
        doc.add_text(text_field, &d.title);
        doc.add_text(text_field, &d.text);
        if let Some(author) = &d.author {
            doc.add_text(text_field, author);
        }
        doc.add_text(f.stored_text, &d.text);
        doc.add_text(f.source_slug, &d.source_slug);
        for tag in &d.tags {
            doc.add_text(f.tag, tag);
        }
        for name in &d.names {
            doc.add_text(f.names, name);
        }
        doc.add_date(f.published, tantivy_date(d.published));
        doc.add_facet(f.source_facet, Facet::from_path([d.source.as_str()]));
        let month = format!("{}-{:02}", d.published.year(), d.published.month());
        doc.add_facet(f.month_facet, Facet::from_path([month]));
        let meta = HitMeta {
            kind: d.kind,
            article_id: d.article_id,
            update_id: d.update_id,
            title: d.title.clone(),
            path: d.path.clone(),
            source: d.source.clone(),
            author: d.author.clone(),
            language: d.language.clone(),
            published: d.published,
        };
        let meta = serde_json::to_string(&meta).map_err(|e| SearchError::Corrupt(e.to_string()))?;
        doc.add_text(f.meta, meta);
        Ok(doc)
    }

    /// Replaces everything indexed for `articles` with `docs` (an article left out of `docs`
    /// leaves the index: withdrawn, or no longer there) and records `position`, in one commit.
    pub fn replace(&self, articles: &[i64], docs: &[IndexDoc], position: i64) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        for id in articles {
            writer.delete_term(Term::from_field_u64(
                self.fields.article_id,
                u64::try_from(*id).unwrap_or_default(),
            ));
        }
        for d in docs {
            writer.add_document(self.document(d)?)?;
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&format!("{ANALYSIS_VERSION}:{position}"));
        commit.commit()?;
        self.merge_segments(&mut writer);
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Merges the committed segments tantivy's log-size policy picks, waiting for each merge
    /// to end, while the caller holds the writer (why: see [`SearchIndex::from_index`]). The
    /// policy merges segments of like size, so most merges are of a few small segments and
    /// the big ones are rare. A merge keeps the commit's payload, so the position stands.
    /// A failed merge leaves its segments as they were: it is logged, not returned, as the
    /// commit before it stands.
    fn merge_segments(&self, writer: &mut IndexWriter) {
        let segments = match self.index.searchable_segment_metas() {
            Ok(segments) => segments,
            Err(e) => {
                tracing::warn!(error = %e, "search index: could not list segments to merge");
                return;
            }
        };
        for candidate in self.merges.compute_merge_candidates(&segments) {
            if let Err(e) = writer.merge(&candidate.0).wait() {
                tracing::warn!(error = %e, segments = candidate.0.len(), "search index: a merge failed");
            }
        }
    }

    /// Empties the index (the start of a rebuild); nothing is committed until [`Self::add`]
    /// batches end with [`Self::commit`].
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer.lock().map_err(|_| SearchError::Poisoned)?.delete_all_documents()?;
        Ok(())
    }

    /// Adds documents without committing (a rebuild).
    pub fn add(&self, docs: &[IndexDoc]) -> Result<(), SearchError> {
        let writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        for d in docs {
            writer.add_document(self.document(d)?)?;
        }
        Ok(())
    }

    /// Commits what was added, at `position`.
    pub fn commit(&self, position: i64) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&format!("{ANALYSIS_VERSION}:{position}"));
        commit.commit()?;
        self.merge_segments(&mut writer);
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Forgets what was added since the last commit (a rebuild that failed half way).
    pub fn rollback(&self) -> Result<(), SearchError> {
        self.writer.lock().map_err(|_| SearchError::Poisoned)?.rollback()?;
        Ok(())
    }

    /// Documents in the index.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs a query (see [`crate::query`] for its syntax): `page` counts from 1.
    pub fn search(&self, text: &str, page: usize, size: usize) -> Result<Results, SearchError> {
        self.search_parsed(&parse(text), page, size)
    }

    /// [`SearchIndex::search`] of a parsed query (whose `articles` filter a caller may have
    /// filled in).
    pub fn search_parsed(
        &self,
        parsed: &crate::query::Parsed,
        page: usize,
        size: usize,
    ) -> Result<Results, SearchError> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let mut parser =
            QueryParser::for_index(&self.index, std::iter::once(f.title).chain(f.texts).collect());
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 2.0);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let words = parsed.words.trim();
        let text_query: Option<Box<dyn Query>> = if words.is_empty() {
            None
        } else {
            // Lenient: a stray quote or colon searches for what it can instead of failing.
            let (query, _errors) = parser.parse_query_lenient(words);
            Some(query)
        };
        if let Some(q) = &text_query {
            clauses.push((Occur::Must, q.box_clone()));
        }
        self.filter_clauses(&parsed.filters, &mut clauses);
        if clauses.is_empty() {
            return Ok(Results::default());
        }
        let query = BooleanQuery::new(clauses);
        let size = size.clamp(1, MAX_PAGE_SIZE);
        let offset = page.saturating_sub(1).saturating_mul(size);
        let mut sources = FacetCollector::for_field("source_facet");
        sources.add_facet("/");
        let mut months = FacetCollector::for_field("month_facet");
        months.add_facet("/");
        let top = TopDocs::with_limit(size).and_offset(offset).order_by_score();
        let (top, total, source_counts, month_counts) =
            searcher.search(&query, &(top, Count, sources, months))?;
        let mut generators: HashMap<usize, SnippetGenerator> = HashMap::new();
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let meta: HitMeta = doc
                .get_first(f.meta)
                .and_then(|v| v.as_str())
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| SearchError::Corrupt(e.to_string()))?
                .ok_or_else(|| SearchError::Corrupt("a document without its metadata".into()))?;
            let stored = doc.get_first(f.stored_text).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let slot = language_slot(&meta.language);
            let snippet_html = match &text_query {
                Some(q) => {
                    let generator = match generators.entry(slot) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => {
                            let mut g = SnippetGenerator::create(&searcher, q.as_ref(), f.texts[slot])?;
                            g.set_max_num_chars(SNIPPET_CHARS);
                            e.insert(g)
                        }
                    };
                    let snippet = generator.snippet(&stored);
                    if snippet.fragment().is_empty() { escape_start(&stored) } else { snippet.to_html() }
                }
                None => escape_start(&stored),
            };
            hits.push(Hit { meta, score, snippet_html });
        }
        let mut source_facets: Vec<FacetCount> = source_counts
            .get("/")
            .map(|(facet, count)| FacetCount { value: facet_leaf(facet), count })
            .collect();
        source_facets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let mut month_facets: Vec<FacetCount> = month_counts
            .get("/")
            .map(|(facet, count)| FacetCount { value: facet_leaf(facet), count })
            .collect();
        month_facets.sort_by(|a, b| b.value.cmp(&a.value));
        Ok(Results { total, hits, sources: source_facets, months: month_facets })
    }

    fn filter_clauses(&self, filters: &Filters, clauses: &mut Vec<(Occur, Box<dyn Query>)>) {
        let f = &self.fields;
        let term_query = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
        };
        if !filters.sources.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> =
                filters.sources.iter().map(|s| (Occur::Should, term_query(f.source_slug, s))).collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        for tag in &filters.tags {
            clauses.push((Occur::Must, term_query(f.tag, tag)));
        }
        for name in &filters.names {
            clauses.push((Occur::Must, term_query(f.names, name)));
        }
        if let Some(ids) = &filters.articles {
            let any: Vec<(Occur, Box<dyn Query>)> = ids
                .iter()
                .filter_map(|id| u64::try_from(*id).ok())
                .map(|id| -> (Occur, Box<dyn Query>) {
                    let term = Term::from_field_u64(f.article_id, id);
                    (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
                })
                .collect();
            // No articles: nothing matches (an empty `Should` list would not restrict).
            if any.is_empty() {
                clauses.push((Occur::Must, Box::new(tantivy::query::EmptyQuery)));
            } else {
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
        }
        for excluded in &filters.not_sources {
            clauses.push((Occur::MustNot, term_query(f.source_slug, excluded)));
        }
        if filters.from.is_some() || filters.to.is_some() {
            use std::ops::Bound;
            let bound = |d: Option<NaiveDate>, end: bool| match d {
                Some(day) => {
                    let day = if end { day.succ_opt().unwrap_or(day) } else { day };
                    let t = day.and_time(chrono::NaiveTime::MIN).and_utc();
                    let term = Term::from_field_date_for_search(f.published, tantivy_date(t));
                    if end { Bound::Excluded(term) } else { Bound::Included(term) }
                }
                None => Bound::Unbounded,
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(filters.from, false), bound(filters.to, true))),
            ));
        }
        // Exclusions alone select nothing in tantivy; give them everything to subtract from.
        if clauses.iter().all(|(o, _)| *o == Occur::MustNot) && !clauses.is_empty() {
            clauses.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        }
    }
}

fn facet_leaf(facet: &Facet) -> String {
    facet.to_path().last().map(|s| (*s).to_owned()).unwrap_or_default()
}

/// The opening of a text, escaped, when no word of the query is in it.
fn escape_start(text: &str) -> String {
    let start: String = text.chars().take(SNIPPET_CHARS).collect();
    let mut out = freewire_core::escape_html(&start);
    if text.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, language: &str, text: &str) -> IndexDoc {
        IndexDoc {
            kind: Kind::Article,
            article_id: id,
            update_id: None,
            title: format!("Article {id}"),
            text: text.to_owned(),
            path: format!("2024/01/01/article-{id}/"),
            source: "Harbour Gazette".into(),
            source_slug: "harbour-gazette".into(),
            author: None,
            language: language.to_owned(),
            tags: Vec::new(),
            names: Vec::new(),
            published: chrono::Utc::now(),
        }
    }

    #[test]
    fn phrases_keep_their_words_distances_when_stop_words_are_left_out() {
        let index = SearchIndex::in_memory(1).unwrap();
        index
            .replace(&[1], &[doc(1, "en", "Yesterday the mayor of the town spoke at the harbour.")], 7)
            .unwrap();
        let total = |q: &str| index.search(q, 1, 10).unwrap().total;
        assert_eq!(total("\"mayor of the town\""), 1);
        assert_eq!(total("\"mayor town\""), 0, "the left-out words still hold their places");
        assert_eq!(total("\"town mayor\""), 0);
        assert_eq!(total("the"), 0, "a stop word alone finds nothing rather than everything");
        assert_eq!(index.position().unwrap(), Some(7));
    }

    #[test]
    fn an_index_analysed_another_way_has_no_position_and_is_rebuilt() {
        let index = SearchIndex::in_memory(1).unwrap();
        assert_eq!(index.position().unwrap(), None, "never built");
        {
            let mut writer = index.writer.lock().unwrap();
            let mut commit = writer.prepare_commit().unwrap();
            commit.set_payload("41");
            commit.commit().unwrap();
        }
        assert_eq!(index.position().unwrap(), None, "a position without this analysis version");
        index.commit(42).unwrap();
        assert_eq!(index.position().unwrap(), Some(42));
    }
}
