//! The dates and names extractor: its quality on the labelled sets in `freewire-facts`
//! (precision, recall, F1 per kind; the dev set was tuned on, the test set held out), and its
//! cost on real articles (the stories corpus), as Markdown.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use freewire_core::facts::eval::{read_set, score};
use serde::Deserialize;

const DEV: &str = include_str!("../../freewire-facts/data/labelled-dev.jsonl");
const TEST: &str = include_str!("../../freewire-facts/data/labelled-test.jsonl");

#[derive(Debug, Deserialize)]
struct Article {
    text: String,
}

/// The report: a quality table per set, then the cost over `corpus` (JSON lines with `text`).
pub fn report(corpus: &Path) -> anyhow::Result<String> {
    let mut out = String::from(
        "| set | sentences | kind | precision | recall | F1 | TP | FP | FN |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, jsonl) in [("dev (tuned on)", DEV), ("test (held out)", TEST)] {
        let set = read_set(jsonl).map_err(anyhow::Error::msg)?;
        let scores = score(&set);
        for (kind, c) in scores.rows() {
            let _ = writeln!(
                out,
                "| {name} | {} | {kind} | {:.3} | {:.3} | **{:.3}** | {} | {} | {} |",
                scores.sentences,
                c.precision(),
                c.recall(),
                c.f1(),
                c.true_pos,
                c.false_pos,
                c.false_neg
            );
        }
    }
    let texts: Vec<String> = std::fs::read_to_string(corpus)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Article>(l).map(|a| a.text))
        .collect::<Result<_, _>>()?;
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    let dateline = NaiveDate::from_ymd_opt(2025, 6, 4).unwrap_or_default();
    // One pass to load the gazetteers and warm caches, then the timed passes.
    let warm: usize = texts.iter().map(|t| freewire_core::facts::extract(t, dateline).entities.len()).sum();
    let passes = 3;
    let start = Instant::now();
    let mut found = (0usize, 0usize);
    for _ in 0..passes {
        for t in &texts {
            let f = freewire_core::facts::extract(t, dateline);
            found.0 += f.entities.len();
            found.1 += f.dates.len();
        }
    }
    let seconds = start.elapsed().as_secs_f64() / f64::from(passes);
    let _ = writeln!(
        out,
        "\nCost over {} articles ({} words, {:.0} words per article): **{:.0} µs per article**, {:.0} µs per 1,000 words, {:.0} articles/s on one core; {:.1} names and {:.1} dates per article ({warm} names in the warm-up pass).",
        texts.len(),
        words,
        words as f64 / texts.len().max(1) as f64,
        seconds * 1e6 / texts.len().max(1) as f64,
        seconds * 1e9 / words.max(1) as f64,
        texts.len() as f64 / seconds,
        found.0 as f64 / f64::from(passes) / texts.len().max(1) as f64,
        found.1 as f64 / f64::from(passes) / texts.len().max(1) as f64,
    );
    Ok(out)
}
