//! The search benchmark: an on-disk index of generated articles (1,000,000 unless
//! `FREEWIRE_BENCH_ARTICLES` says otherwise), then a mix of word, two-word, phrase and faceted
//! queries as the search page runs them (top 20 ranked, both facets counted, snippets made).
//! Reports the indexing rate, query latency percentiles, the index's size on disk and the
//! process's memory, as a Markdown table on standard output. A measurement: nothing fails on
//! a number.
//!
//! `cargo bench -p freewire-search --bench search` (`FREEWIRE_BENCH_ARTICLES=N` for another
//! size; `FREEWIRE_BENCH_DIR=DIR` keeps the index there, and a later run with the same folder
//! only queries it).
//!
//! The articles are generated here, from a fixed seed: English, French and German text, each
//! article about three topic words (popular topics more often) amid function words and a long
//! tail of 30,000 words with a Zipf-like spread, so popular topics match a large share of the
//! articles and rare words few, as in news text. They are written through [`SearchIndex::add`] and committed in
//! batches, as `freewire search rebuild` does; reading them from the database is the ingest
//! benchmark's business.
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]
#![expect(clippy::cast_precision_loss, reason = "figures for people to read")]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use freewire_search::{IndexDoc, Kind, SearchIndex};

/// A small, fast, seeded generator: the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    /// An index in `0..n`, small indexes far more likely (roughly Zipf with s = 1).
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let x = (n as f64 + 1.0).powf(u) - 1.0;
        (x as usize).min(n - 1)
    }
}

const SYLLABLES: [&str; 40] = [
    "ba", "ker", "lo", "mi", "ran", "ste", "vo", "qui", "dar", "nel", "pa", "tor", "si", "gu", "hen", "fa",
    "ri", "mon", "cle", "ta", "bur", "wen", "do", "lis", "ka", "por", "zu", "thel", "ma", "ges", "ro", "vin",
    "sa", "bel", "tu", "ham", "ne", "cor", "di", "lan",
];

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
const SOURCES: usize = 200;
/// Words in an article's body.
const BODY_WORDS: usize = 220;
/// Articles committed together.
const BATCH: usize = 10_000;

struct Corpus {
    rng: Rng,
    vocabulary: Vec<String>,
}

impl Corpus {
    fn new() -> Self {
        let mut rng = Rng(0x5eed_f00d_1234_5678);
        let mut vocabulary = Vec::with_capacity(30_000);
        while vocabulary.len() < 30_000 {
            let n = 2 + rng.below(3);
            let word: String = (0..n).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect();
            vocabulary.push(word);
        }
        Corpus { rng, vocabulary }
    }

    /// A word of the long tail, shared by every language.
    fn rare(&mut self) -> String {
        self.vocabulary[self.rng.zipf(self.vocabulary.len())].clone()
    }

    fn article(&mut self, id: i64) -> IndexDoc {
        let language = match self.rng.below(20) {
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
        let about: Vec<&str> = (0..3).map(|_| topics[self.rng.zipf(topics.len())]).collect();
        let mut title = vec![about[0].to_owned(), about[1].to_owned()];
        title.extend((0..5).map(|_| self.rare()));
        let mut text = String::with_capacity(BODY_WORDS * 8);
        for i in 0..BODY_WORDS {
            let word = match self.rng.below(10) {
                0 => about[self.rng.below(about.len())].to_owned(),
                1..=3 => function[self.rng.zipf(function.len())].to_owned(),
                _ => self.rare(),
            };
            text.push_str(&word);
            text.push(if i % 17 == 16 { '.' } else { ' ' });
        }
        let source = self.rng.zipf(SOURCES);
        // Spread over ten years.
        let start = Utc.with_ymd_and_hms(2016, 1, 1, 0, 0, 0).unwrap();
        let published =
            start + chrono::Duration::minutes(i64::try_from(self.rng.below(10 * 365 * 24 * 60)).unwrap());
        IndexDoc {
            kind: Kind::Article,
            article_id: id,
            update_id: None,
            title: title.join(" "),
            text,
            path: format!("{}/article-{id}/", published.format("%Y/%m/%d")),
            source: format!("Outlet {source}"),
            source_slug: format!("outlet-{source}"),
            author: Some(format!("Reporter {}", self.rng.below(5000))),
            language: language.to_owned(),
            tags: vec![format!("topic-{}", self.rng.zipf(100))],
            published,
        }
    }
}

/// A `/proc/self/status` figure, in MiB.
fn status_mib(name: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resident memory as "N MiB (A MiB own, F MiB mapped index files)": the mapped pages are the
/// kernel's page cache, shared and given back under memory pressure.
fn resident() -> String {
    format!(
        "{:.0} MiB ({:.0} MiB own, {:.0} MiB mapped index files)",
        status_mib("VmRSS:"),
        status_mib("RssAnon:"),
        status_mib("RssFile:")
    )
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    (status_mib("VmRSS:"), status_mib("VmHWM:"))
}

fn folder_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => folder_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
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

fn main() {
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
        .env("FREEWIRE_BENCH_QUERY_ROOT", root)
        .status()
        .unwrap();
    assert!(status.success(), "the query phase failed");
}
