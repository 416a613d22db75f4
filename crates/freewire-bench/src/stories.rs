//! Story grouping against a labelled set: each article gets a time of our own (a story's
//! reports within a day and a half of each other, stories spread over `days`), arrives in
//! time order, and is placed by [`Grouper`]; the stories it makes are scored against the labels
//! with B-cubed and pairwise precision, recall and F1.
//!
//! The labelled set is read in place and never copied (see its README).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use freewire_core::story::{Arrival, Features, Grouper, Rules};
use serde::Deserialize;
use xxhash_rust::xxh3::xxh3_64_with_seed;

#[derive(Debug, Deserialize)]
struct Labelled {
    id: String,
    story: String,
    title: String,
    text: String,
}

/// One article of the set, with the time we give it.
#[derive(Debug)]
pub struct Item {
    story: String,
    published: i64,
    features: Features,
    /// Which half of the set: stories are split by a hash of their label, so a setting chosen
    /// on one half can be checked on the other.
    half: u8,
}

/// Scores of one grouping against the labels.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Scores {
    pub articles: usize,
    pub stories_labelled: usize,
    pub stories_made: usize,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub articles_per_second: f64,
}

/// Reads the set and gives each article its time; `days` spreads the stories.
pub fn load(path: &Path, days: i64) -> anyhow::Result<Vec<Item>> {
    let text = std::fs::read_to_string(path)?;
    let base = 1_735_689_600; // 2025-01-01
    let mut items = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: Labelled = serde_json::from_str(line)?;
        let start = spread(&row.story, 1, days * 86_400);
        let offset = spread(&row.id, 2, 36 * 3600);
        let features = Features::of(&row.title, &row.text);
        let half = u8::from(xxh3_64_with_seed(row.story.as_bytes(), 3) % 2 == 1);
        items.push(Item { story: row.story, published: base + start + offset, features, half });
    }
    items.sort_by_key(|i| i.published);
    Ok(items)
}

fn spread(key: &str, seed: u64, range: i64) -> i64 {
    i64::try_from(xxh3_64_with_seed(key.as_bytes(), seed) % u64::try_from(range).unwrap()).unwrap()
}

/// Groups the items (those of `half`, or all) in time order and scores the result.
pub fn score(items: &[Item], rules: Rules, half: Option<u8>) -> Scores {
    let chosen: Vec<&Item> = items.iter().filter(|i| half.is_none_or(|h| i.half == h)).collect();
    let mut grouper = Grouper::new(rules);
    let started = Instant::now();
    let mut made = Vec::with_capacity(chosen.len());
    for (seq, item) in chosen.iter().enumerate() {
        let arrival = Arrival { seq: seq as u64, published: item.published, features: item.features.clone() };
        made.push(grouper.place(arrival).story());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let labels: Vec<&str> = chosen.iter().map(|i| i.story.as_str()).collect();
    let mut scores = measure(&labels, &made);
    scores.articles_per_second = chosen.len() as f64 / elapsed;
    scores
}

/// B-cubed (Bagga and Baldwin 1998) and pairwise scores of `made` against `labels`.
fn measure(labels: &[&str], made: &[i64]) -> Scores {
    let mut by_label: HashMap<&str, usize> = HashMap::new();
    let mut by_made: HashMap<i64, usize> = HashMap::new();
    let mut by_both: HashMap<(&str, i64), usize> = HashMap::new();
    for (label, story) in labels.iter().zip(made) {
        *by_label.entry(label).or_default() += 1;
        *by_made.entry(*story).or_default() += 1;
        *by_both.entry((label, *story)).or_default() += 1;
    }
    let n = labels.len() as f64;
    let (mut precision, mut recall) = (0.0, 0.0);
    for (label, story) in labels.iter().zip(made) {
        let both = by_both[&(*label, *story)] as f64;
        precision += both / by_made[story] as f64;
        recall += both / by_label[label] as f64;
    }
    let (precision, recall) = (precision / n, recall / n);
    let pairs = |count: usize| (count * count.saturating_sub(1) / 2) as f64;
    let true_pairs: f64 = by_both.values().map(|c| pairs(*c)).sum();
    let made_pairs: f64 = by_made.values().map(|c| pairs(*c)).sum();
    let label_pairs: f64 = by_label.values().map(|c| pairs(*c)).sum();
    let pp = if made_pairs > 0.0 { true_pairs / made_pairs } else { 1.0 };
    let pr = true_pairs / label_pairs;
    Scores {
        articles: labels.len(),
        stories_labelled: by_label.len(),
        stories_made: by_made.len(),
        bcubed_precision: precision,
        bcubed_recall: recall,
        bcubed_f1: f1(precision, recall),
        pairwise_precision: pp,
        pairwise_recall: pr,
        pairwise_f1: f1(pp, pr),
        articles_per_second: 0.0,
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

/// The reference the labelled set's README describes: TF-IDF over headline and text (the
/// same words the grouper reads), each article joined to its most similar earlier article
/// when the cosine reaches a threshold, the threshold chosen on the same data (the best F1 of
/// a sweep): an optimistic baseline. Returns (threshold, scores).
fn reference(items: &[Item]) -> (f64, Scores) {
    let n = items.len() as f64;
    let mut df: HashMap<u32, f64> = HashMap::new();
    for item in items {
        for (term, _) in &item.features.text {
            *df.entry(*term).or_default() += 1.0;
        }
    }
    let vectors: Vec<HashMap<u32, f64>> = items
        .iter()
        .map(|item| {
            let mut v: HashMap<u32, f64> = item
                .features
                .text
                .iter()
                .map(|(t, c)| (*t, (1.0 + f64::from(*c).ln()) * (n / df[t]).ln()))
                .collect();
            let norm = v.values().map(|w| w * w).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
            for w in v.values_mut() {
                *w /= norm;
            }
            v
        })
        .collect();
    // Each article's nearest earlier article and their cosine.
    let nearest: Vec<Option<(usize, f64)>> = (0..items.len())
        .map(|i| {
            (0..i)
                .map(|j| {
                    let (small, large) = if vectors[i].len() < vectors[j].len() {
                        (&vectors[i], &vectors[j])
                    } else {
                        (&vectors[j], &vectors[i])
                    };
                    (j, small.iter().map(|(t, w)| w * large.get(t).copied().unwrap_or(0.0)).sum::<f64>())
                })
                .max_by(|a, b| a.1.total_cmp(&b.1))
        })
        .collect();
    let labels: Vec<&str> = items.iter().map(|i| i.story.as_str()).collect();
    let mut best: Option<(f64, Scores)> = None;
    for step in 1..=16 {
        let threshold = f64::from(step) * 0.05;
        let mut cluster: Vec<i64> = Vec::with_capacity(items.len());
        for (i, near) in nearest.iter().enumerate() {
            let joined = near.filter(|(_, cos)| *cos >= threshold).map(|(j, _)| cluster[j]);
            cluster.push(joined.unwrap_or(i as i64));
        }
        let scores = measure(&labels, &cluster);
        if best.as_ref().is_none_or(|(_, b)| scores.bcubed_f1 > b.bcubed_f1) {
            best = Some((threshold, scores));
        }
    }
    best.unwrap()
}

/// The Markdown table of a run: the default rules on each half and the whole set, at
/// several densities of stories per day.
pub fn report(path: &Path, sweep: bool) -> anyhow::Result<String> {
    let mut out = String::from(
        "| stories spread over | articles/day | set | B³ precision | B³ recall | B³ F1 | pairwise P | pairwise R | pairwise F1 | stories made / labelled | articles/s |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for days in [365, 182, 60, 14] {
        let items = load(path, days)?;
        if sweep && days == 60 {
            sweep_rules(&items);
        }
        if days == 182 {
            let (threshold, r) = reference(&items);
            let set = format!(
                "all, **reference**: TF-IDF nearest earlier article, threshold {threshold:.2} tuned on this set"
            );
            row(&mut out, days, &set, &r, None);
        }
        for (name, half) in [("half A", Some(0)), ("half B", Some(1)), ("all", None)] {
            let s = score(&items, Rules::default(), half);
            row(&mut out, days, name, &s, Some(s.articles_per_second));
        }
    }
    Ok(out)
}

/// One line of the table.
fn row(out: &mut String, days: i64, set: &str, s: &Scores, rate: Option<f64>) {
    let rate = rate.map_or_else(|| "—".to_owned(), |r| format!("{r:.0}"));
    let _ = writeln!(
        out,
        "| {days} days | {:.0} | {set} | {:.3} | {:.3} | **{:.3}** | {:.3} | {:.3} | {:.3} | {} / {} | {rate} |",
        s.articles as f64 / days as f64,
        s.bcubed_precision,
        s.bcubed_recall,
        s.bcubed_f1,
        s.pairwise_precision,
        s.pairwise_recall,
        s.pairwise_f1,
        s.stories_made,
        s.stories_labelled,
    );
}

/// Tries a grid of rules on half A only and prints the best by B-cubed F1 among those with
/// precision ≥ 0.95 (what the defaults are chosen from; half B checks they carry).
fn sweep_rules(items: &[Item]) {
    let mut results = Vec::new();
    for threshold in [0.08, 0.1, 0.12, 0.15, 0.2] {
        for weights in [[1.0, 0.0, 0.0], [0.6, 0.2, 0.2], [0.5, 0.4, 0.1], [0.5, 0.3, 0.2], [0.7, 0.3, 0.0]] {
            for half_life_hours in [24.0, 48.0] {
                let rules = Rules { threshold, weights, half_life_hours, ..Rules::default() };
                let s = score(items, rules, Some(0));
                results.push((rules, s));
            }
        }
    }
    results.sort_by(|a, b| b.1.bcubed_f1.total_cmp(&a.1.bcubed_f1));
    for (rules, s) in results.iter().filter(|(_, s)| s.bcubed_precision >= 0.95).take(15) {
        eprintln!(
            "threshold {:.2} weights {:?} gap {}h half-life {}h: B3 P {:.3} R {:.3} F1 {:.3}; pairwise F1 {:.3}",
            rules.threshold,
            rules.weights,
            rules.max_gap_hours,
            rules.half_life_hours,
            s.bcubed_precision,
            s.bcubed_recall,
            s.bcubed_f1,
            s.pairwise_f1
        );
    }
    for (rules, s) in results.iter().take(4) {
        eprintln!(
            "(any precision) threshold {:.2} weights {:?} gap {}h: B3 P {:.3} R {:.3} F1 {:.3}",
            rules.threshold,
            rules.weights,
            rules.max_gap_hours,
            s.bcubed_precision,
            s.bcubed_recall,
            s.bcubed_f1
        );
    }
}

/// Groups every article of a populated database that has no story yet, through the real
/// store (as `freewire serve` does), and reports the rate: the grouping's own cost with
/// every stored article around it.
pub async fn grouping(url: &str) -> anyhow::Result<serde_json::Value> {
    use freewire_core::store::prelude::*;
    let store = freewire_store::SqlStore::connect(url).await?;
    let stored = store.last_article_id().await?.0;
    let before = store.grouping_mark().await?.through.0;
    let started = Instant::now();
    let placed =
        freewire_app::stories::group_new(&store, &mut freewire_app::stories::Grouping::default()).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let stories = store.list_stories(freewire_core::PageRequest::new(1, 1)).await?.total;
    Ok(serde_json::json!({
        "stored_articles": stored, "grouped_before": before, "placed": placed, "stories": stories,
        "seconds": elapsed, "articles_per_second": placed as f64 / elapsed,
    }))
}
