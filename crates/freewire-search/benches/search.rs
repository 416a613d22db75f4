//! The search benchmark: an on-disk index of generated articles (1,000,000 unless
//! `FREEWIRE_BENCH_ARTICLES` says otherwise), then a mix of word, two-word, phrase and faceted
//! queries as the search page runs them (top 20 ranked, both facets counted, snippets made).
//! Reports the indexing rate, query latency percentiles, the index's size on disk and the
//! process's memory, as a Markdown table on standard output. A measurement: nothing fails on
//! a number.
//!
//! `cargo bench -p freewire-search --bench search`
//!
//! The articles are generated here, from a fixed seed: English, French and German text drawn
//! from word lists with a Zipf-like spread, so common words match many articles and rare ones
//! few, as in news text. They are written through [`SearchIndex::add`] and committed in
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

const ENGLISH: [&str; 60] = [
    "the",
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
    "le",
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
    "der",
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

    fn word(&mut self, language: &str) -> String {
        // Half the words from the language's common list, half from the long tail.
        if self.rng.below(2) == 0 {
            let list: &[&str] = match language {
                "fr" => &FRENCH,
                "de" => &GERMAN,
                _ => &ENGLISH,
            };
            list[self.rng.zipf(list.len())].to_owned()
        } else {
            self.vocabulary[self.rng.zipf(self.vocabulary.len())].clone()
        }
    }

    fn article(&mut self, id: i64) -> IndexDoc {
        let language = match self.rng.below(20) {
            0 => "fr",
            1 => "de",
            _ => "en",
        };
        let title: Vec<String> = (0..8).map(|_| self.word(language)).collect();
        let mut text = String::with_capacity(BODY_WORDS * 8);
        for i in 0..BODY_WORDS {
            text.push_str(&self.word(language));
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

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
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
    rss: f64,
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
    let (rss, peak) = memory();
    Built { took: started.elapsed(), bytes, phrases, rss, peak }
}

/// The queries of each kind, drawn with a fixed seed.
fn query_mix(per_kind: usize, phrases: &[String]) -> Vec<(&'static str, Vec<String>)> {
    let mut rng = Rng(42);
    let english = |rng: &mut Rng| ENGLISH[1 + rng.zipf(ENGLISH.len() - 1)];
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

fn main() {
    let articles = env_number("FREEWIRE_BENCH_ARTICLES", 1_000_000);
    let per_kind = env_number("FREEWIRE_BENCH_QUERIES", 500);
    let dir = tempfile::tempdir().unwrap();
    eprintln!("indexing {articles} generated articles into {}", dir.path().display());
    let built = build(&SearchIndex::open(dir.path()).unwrap(), articles);
    let size = folder_size(dir.path());

    // Queries run on a freshly opened index, as after a restart.
    let open_started = Instant::now();
    let index = SearchIndex::open(dir.path()).unwrap();
    let open_time = open_started.elapsed();
    assert_eq!(index.len(), articles as u64, "every article is in the index");
    let (rss_opened, _) = memory();
    eprintln!("querying");
    let (rows, all, matched) = measure(&index, &query_mix(per_kind, &built.phrases));
    let (rss_queried, peak) = memory();

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
    println!("| opening the index | {} ms |", ms(open_time));
    println!("| resident memory after indexing | {:.0} MiB (peak {:.0} MiB) |", built.rss, built.peak);
    println!("| resident memory, index opened | {rss_opened:.0} MiB |");
    println!("| resident memory after the queries | {rss_queried:.0} MiB (peak since start {peak:.0} MiB) |");
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
