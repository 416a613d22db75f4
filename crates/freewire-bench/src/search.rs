//! The search benchmark: an on-disk index of generated articles (1,000,000 unless
//! `FREEWIRE_BENCH_ARTICLES` says otherwise), then a mix of word, two-word, phrase and faceted
//! queries as the search page runs them (top 20 ranked, both facets counted, snippets made).
//! Reports the indexing rate, query latency percentiles, the index's size on disk and the
//! process's memory, as a Markdown table on standard output. A measurement: nothing fails on
//! a number.
//!
//! `cargo run --release -p freewire-bench -- search` (`FREEWIRE_BENCH_ARTICLES=N` for another
//! size; `FREEWIRE_BENCH_DIR=DIR` keeps the index there, and a later run with the same folder
//! only queries it).
//!
//! The articles are generated here, from a fixed seed: English, French and German text, each
//! article about three topic words (popular topics more often) amid function words and a long
//! tail of 30,000 words with a Zipf-like spread, so popular topics match a large share of the
//! articles and rare words few, as in news text. They are written through [`SearchIndex::add`] and committed in
//! batches, as `freewire search rebuild` does; reading them from the database is the ingest
//! benchmark's business.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use freewire_search::{IndexDoc, Kind, SearchIndex};

use crate::generate::{Rng, Words};
use crate::measure::{folder_size, memory, ms, percentile, resident};

const ENGLISH_FUNCTION: [&str; 12] =
    ["the", "of", "and", "to", "in", "a", "said", "that", "on", "for", "was", "with"];
const FRENCH_FUNCTION: [&str; 12] =
    ["le", "de", "et", "la", "les", "des", "en", "un", "une", "du", "a", "dans"];
const GERMAN_FUNCTION: [&str; 12] =
    ["der", "die", "und", "in", "den", "von", "zu", "das", "mit", "sich", "des", "auf"];

/// Topic words: what articles are about and readers search for.
const ENGLISH: [&str; 60] = [
    "tenants",
    "council",
    "ferry",
    "harbour",
    "workers",
    "strike",
    "minister",
    "letter",
    "government",
    "election",
    "court",
    "police",
    "water",
    "housing",
    "school",
    "report",
    "budget",
    "union",
    "health",
    "hospital",
    "protest",
    "climate",
    "energy",
    "prices",
    "farmers",
    "river",
    "bridge",
    "mayor",
    "village",
    "island",
    "journalists",
    "press",
    "rights",
    "trial",
    "evidence",
    "transcript",
    "translation",
    "inquiry",
    "fishing",
    "forest",
    "mining",
    "refugees",
    "border",
    "talks",
    "peace",
    "ceasefire",
    "aid",
    "famine",
    "drought",
    "flood",
    "storm",
    "vote",
    "parliament",
    "senate",
    "lawsuit",
    "contract",
    "pension",
    "teachers",
    "nurses",
    "railway",
];
const FRENCH: [&str; 20] = [
    "locataires",
    "conseil",
    "traversier",
    "port",
    "grève",
    "ministre",
    "lettre",
    "gouvernement",
    "élection",
    "tribunal",
    "police",
    "eau",
    "logement",
    "école",
    "rapport",
    "budget",
    "syndicat",
    "santé",
    "hôpital",
    "manifestation",
];
const GERMAN: [&str; 20] = [
    "Mieter",
    "Rat",
    "Fähre",
    "Hafen",
    "Arbeiter",
    "Streik",
    "Minister",
    "Brief",
    "Regierung",
    "Wahl",
    "Gericht",
    "Polizei",
    "Wasser",
    "Wohnung",
    "Schule",
    "Bericht",
    "Haushalt",
    "Gewerkschaft",
    "Gesundheit",
    "Krankenhaus",
];

/// Outlets the articles come from; a few large, many small.
pub const SOURCES: usize = 200;
/// Words in an article's body.
const BODY_WORDS: usize = 220;
/// Articles committed together.
const BATCH: usize = 10_000;

/// Generated articles in three languages, the same on every run.
pub struct Corpus {
    words: Words,
}

impl Corpus {
    pub fn new() -> Self {
        Corpus { words: Words::new(0x5eed_f00d_1234_5678, 30_000) }
    }

    /// A word of the long tail, shared by every language.
    fn rare(&mut self) -> String {
        self.words.next().to_owned()
    }

    /// The article with this id.
    pub fn article(&mut self, id: i64) -> IndexDoc {
        let language = match self.words.rng.below(20) {
            0 => "fr",
            1 => "de",
            _ => "en",
        };
        let (topics, function): (&[&str], &[&str]) = match language {
            "fr" => (&FRENCH, &FRENCH_FUNCTION),
            "de" => (&GERMAN, &GERMAN_FUNCTION),
            _ => (&ENGLISH, &ENGLISH_FUNCTION),
        };
        // An article is about a few topics, popular ones more often, and repeats them; the
        // rest is function words and the long tail, as in news text.
        let about: Vec<&str> = (0..3).map(|_| topics[self.words.rng.zipf(topics.len())]).collect();
        let mut title = vec![about[0].to_owned(), about[1].to_owned()];
        title.extend((0..5).map(|_| self.rare()));
        let mut text = String::with_capacity(BODY_WORDS * 8);
        for i in 0..BODY_WORDS {
            let word = match self.words.rng.below(10) {
                0 => about[self.words.rng.below(about.len())].to_owned(),
                1..=3 => function[self.words.rng.zipf(function.len())].to_owned(),
                _ => self.rare(),
            };
            text.push_str(&word);
            text.push(if i % 17 == 16 { '.' } else { ' ' });
        }
        let source = self.words.rng.zipf(SOURCES);
        // Spread over ten years.
        let start = Utc.with_ymd_and_hms(2016, 1, 1, 0, 0, 0).unwrap();
        let published = start
            + chrono::Duration::minutes(i64::try_from(self.words.rng.below(10 * 365 * 24 * 60)).unwrap());
        IndexDoc {
            kind: Kind::Article,
            article_id: id,
            update_id: None,
            title: title.join(" "),
            text,
            path: format!("{}/article-{id}/", published.format("%Y/%m/%d")),
            source: format!("Outlet {source}"),
            source_slug: format!("outlet-{source}"),
            author: Some(format!("Reporter {}", self.words.rng.below(5000))),
            language: language.to_owned(),
            tags: vec![format!("topic-{}", self.words.rng.zipf(100))],
            names: Vec::new(),
            published,
        }
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What building the index took.
struct Built {
    took: Duration,
    bytes: usize,
    phrases: Vec<String>,
    rss: String,
    peak: f64,
}

fn build(index: &SearchIndex, articles: usize) -> Built {
    let mut corpus = Corpus::new();
    let started = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    let mut phrases: Vec<String> = Vec::new();
    let mut bytes = 0usize;
    for id in 1..=articles {
        let doc = corpus.article(i64::try_from(id).unwrap());
        bytes += doc.text.len() + doc.title.len();
        if id % 997 == 0 && doc.language == "en" {
            let words: Vec<&str> = doc.text.split([' ', '.']).filter(|w| !w.is_empty()).collect();
            let at = id % (words.len() - 2);
            phrases.push(format!("\"{} {}\"", words[at], words[at + 1]));
        }
        batch.push(doc);
        if batch.len() == BATCH || id == articles {
            index.add(&batch).unwrap();
            batch.clear();
            if id % 100_000 == 0 || id == articles {
                index.commit(i64::try_from(id).unwrap()).unwrap();
                let rate = id as f64 / started.elapsed().as_secs_f64();
                eprintln!("  {id} articles, {rate:.0}/s, {:.0} MiB resident", memory().0);
            }
        }
    }
    let (_, peak) = memory();
    Built { took: started.elapsed(), bytes, phrases, rss: resident(), peak }
}

/// The queries of each kind, drawn with a fixed seed.
fn query_mix(per_kind: usize, phrases: &[String]) -> Vec<(&'static str, Vec<String>)> {
    let mut rng = Rng(42);
    let english = |rng: &mut Rng| ENGLISH[rng.zipf(ENGLISH.len())];
    let mut kinds: Vec<(&str, Vec<String>)> = vec![
        ("one word", (0..per_kind).map(|_| english(&mut rng).to_owned()).collect()),
        (
            "two words",
            (0..per_kind).map(|_| format!("{} {}", english(&mut rng), english(&mut rng))).collect(),
        ),
    ];
    if !phrases.is_empty() {
        kinds.push(("phrase", (0..per_kind).map(|i| phrases[i % phrases.len()].clone()).collect()));
    }
    kinds.push((
        "word + source + dates",
        (0..per_kind)
            .map(|_| {
                let year = 2016 + rng.below(10);
                format!(
                    "{} source:outlet-{} from:{year}-01 to:{year}-12",
                    english(&mut rng),
                    rng.zipf(SOURCES)
                )
            })
            .collect(),
    ));
    kinds.push((
        "word -word tag:",
        (0..per_kind)
            .map(|_| format!("{} -{} tag:topic-{}", english(&mut rng), english(&mut rng), rng.zipf(100)))
            .collect(),
    ));
    kinds
}

/// Runs every query once; returns a table row per kind, every latency, and the matches.
fn measure(index: &SearchIndex, kinds: &[(&str, Vec<String>)]) -> (Vec<String>, Vec<Duration>, usize) {
    // Warm the page cache and the readers as a running site would be.
    for (_, queries) in kinds {
        for q in queries.iter().take(20) {
            index.search(q, 1, 20).unwrap();
        }
    }
    let mut rows = Vec::new();
    let mut all = Vec::new();
    let mut matched = 0usize;
    for (name, queries) in kinds {
        let mut times = Vec::with_capacity(queries.len());
        let mut hits = 0usize;
        for q in queries {
            let t = Instant::now();
            let results = index.search(q, 1, 20).unwrap();
            times.push(t.elapsed());
            hits += results.total;
        }
        matched += hits;
        times.sort();
        all.extend(times.iter().copied());
        rows.push(format!(
            "| {name} | {} | {} | {} | {} | {:.0} |",
            times.len(),
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 99.0)),
            ms(*times.last().unwrap()),
            hits as f64 / times.len() as f64
        ));
    }
    all.sort();
    (rows, all, matched)
}

/// The query half, in a process of its own so that its memory is what a server with the
/// index open would hold, not what indexing left behind.
fn query_phase(root: &std::path::Path, per_kind: usize) {
    let open_started = Instant::now();
    let index = SearchIndex::open(&root.join("index")).unwrap();
    let open_time = open_started.elapsed();
    let rss_opened = resident();
    let phrases: Vec<String> =
        std::fs::read_to_string(root.join("phrases.txt")).unwrap().lines().map(str::to_owned).collect();
    let (rows, all, matched) = measure(&index, &query_mix(per_kind, &phrases));
    let rss_queried = resident();
    println!("| documents | {} |", index.len());
    println!("| opening the index | {} ms |", ms(open_time));
    println!("| resident memory, index opened | {rss_opened} |");
    println!("| resident memory after the queries | {rss_queried} (peak {:.0} MiB) |", memory().1);
    println!(
        "| all queries | {} queries, p50 {} ms, p99 {} ms |",
        all.len(),
        ms(percentile(&all, 50.0)),
        ms(percentile(&all, 99.0))
    );
    println!("\n| query kind | queries | p50 ms | p99 ms | max ms | mean results |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!(
        "\nEach query ranks the top 20, counts both facets over every match and makes 20 snippets; \
         {matched} matches in all."
    );
}

/// `freewire-bench search`.
pub fn run() {
    let per_kind = env_number("FREEWIRE_BENCH_QUERIES", 500);
    if let Ok(root) = std::env::var("FREEWIRE_BENCH_QUERY_ROOT") {
        query_phase(std::path::Path::new(&root), per_kind);
        return;
    }
    let articles = env_number("FREEWIRE_BENCH_ARTICLES", 1_000_000);
    // FREEWIRE_BENCH_DIR keeps the index for another run (which then only queries).
    let kept = std::env::var_os("FREEWIRE_BENCH_DIR").map(std::path::PathBuf::from);
    let temporary = tempfile::tempdir().unwrap();
    let root = kept.as_deref().unwrap_or(temporary.path());
    let dir = root.join("index");
    if dir.join("meta.json").exists() && root.join("phrases.txt").exists() {
        eprintln!("querying the index kept in {}", root.display());
        query_phase(root, per_kind);
        return;
    }
    eprintln!("indexing {articles} generated articles into {}", dir.display());
    let built = build(&SearchIndex::open(&dir).unwrap(), articles);
    let size = folder_size(&dir);
    std::fs::write(root.join("phrases.txt"), built.phrases.join("\n")).unwrap();

    let mib = |b: f64| b / (1024.0 * 1024.0);
    println!("## Search over {articles} generated articles\n");
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| indexing | {:.0} articles/s ({:.1} MiB/s of text), {:.1} s in all |",
        articles as f64 / built.took.as_secs_f64(),
        mib(built.bytes as f64) / built.took.as_secs_f64(),
        built.took.as_secs_f64()
    );
    println!("| text indexed | {:.0} MiB |", mib(built.bytes as f64));
    println!("| index on disk | {:.0} MiB |", mib(size as f64));
    println!(
        "| resident memory after indexing | {} (peak while indexing {:.0} MiB) |",
        built.rss, built.peak
    );
    // Flush what is printed so far before the child's lines.
    std::io::Write::flush(&mut std::io::stdout()).unwrap();
    eprintln!("querying in a fresh process");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("search")
        .env("FREEWIRE_BENCH_QUERY_ROOT", root)
        .status()
        .unwrap();
    assert!(status.success(), "the query phase failed");
}
