//! Scoring the extractor against a labelled set of sentences.
//!
//! A set is JSON Lines in the format of `data/GUIDELINES.md`: one sentence a line, with its
//! dateline and the people, places, organisations and dates a careful reader takes from it.
//! [`score`] runs the extractor on each sentence alone and counts agreements; [`misses`] lists
//! the disagreements, one line each, for tuning on the dev set.
//!
//! Matching, per sentence, as multisets:
//! - names of each kind by case-insensitive equality after trimming whitespace, a leading
//!   "the " and a trailing possessive "'s" or "’s" ("the Taliban's" matches `Taliban`); a
//!   name found with the wrong kind is a false positive for the kind found and a false
//!   negative for the kind labelled;
//! - dates by calendar day alone, each labelled date matched at most once; the words found
//!   ("on Friday" or "Friday") do not matter.

use std::fmt;
use std::ops::AddAssign;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::{DateMention, Entity, EntityKind};

/// The styles a labelled sentence may be written in.
const STYLES: [&str; 7] = ["wire", "broadcast", "local", "magazine", "release", "opinion", "feature"];

/// A labelled date: the words that say it and the calendar day they mean.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledDate {
    /// The words as written in the sentence ("by May 1", "on Wednesday").
    pub text: String,
    /// The day meant, resolved against the dateline.
    pub date: NaiveDate,
}

/// One labelled sentence.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// Unique within the set ("d001", "t001").
    pub id: String,
    /// The day the sentence's article was published.
    pub dateline: NaiveDate,
    /// `wire`, `broadcast`, `local`, `magazine`, `release`, `opinion` or `feature`.
    pub style: String,
    /// The sentence itself.
    pub sentence: String,
    /// People named, without titles.
    pub people: Vec<String>,
    /// Places named.
    pub places: Vec<String>,
    /// Organisations named, without a leading "the".
    pub organisations: Vec<String>,
    /// Dates that resolve to one calendar day, each day once.
    pub dates: Vec<LabelledDate>,
}

/// Reads a labelled set from JSON Lines. Blank lines are skipped; every other line must be
/// one [`Labelled`] sentence with all its fields, a known style and an id not used before.
/// The error names the (1-based) line at fault.
pub fn read_set(jsonl: &str) -> Result<Vec<Labelled>, String> {
    let mut set: Vec<Labelled> = Vec::new();
    for (index, line) in jsonl.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let labelled: Labelled =
            serde_json::from_str(line).map_err(|error| format!("line {number}: {error}"))?;
        if !STYLES.contains(&labelled.style.as_str()) {
            return Err(format!("line {number}: unknown style {:?}", labelled.style));
        }
        if set.iter().any(|earlier| earlier.id == labelled.id) {
            return Err(format!("line {number}: duplicate id {:?}", labelled.id));
        }
        set.push(labelled);
    }
    Ok(set)
}

/// Agreements and disagreements of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Found and labelled.
    pub true_pos: usize,
    /// Found but not labelled.
    pub false_pos: usize,
    /// Labelled but not found.
    pub false_neg: usize,
}

/// `numerator / denominator`, or `empty` when the denominator is zero.
#[expect(clippy::cast_precision_loss, reason = "counts stay far below 2^52")]
fn ratio(numerator: usize, denominator: usize, empty: f64) -> f64 {
    if denominator == 0 { empty } else { numerator as f64 / denominator as f64 }
}

impl Counts {
    /// The share of what was found that was labelled. 1.0 when nothing was found: no wrong
    /// answers were given (what was missed shows in [`Counts::recall`]).
    #[must_use]
    pub fn precision(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_pos, 1.0)
    }

    /// The share of what was labelled that was found. 1.0 when nothing was labelled: there
    /// was nothing to miss.
    #[must_use]
    pub fn recall(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_neg, 1.0)
    }

    /// The harmonic mean of precision and recall, `2·TP / (2·TP + FP + FN)`. 1.0 only when
    /// nothing was labelled and nothing found; 0.0 whenever there was something to find or
    /// something found and no agreement, so finding nothing never scores well.
    #[must_use]
    pub fn f1(&self) -> f64 {
        ratio(2 * self.true_pos, 2 * self.true_pos + self.false_pos + self.false_neg, 1.0)
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.true_pos += other.true_pos;
        self.false_pos += other.false_pos;
        self.false_neg += other.false_neg;
    }
}

/// The extractor's agreement with a labelled set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scores {
    /// People.
    pub people: Counts,
    /// Places.
    pub places: Counts,
    /// Organisations.
    pub organisations: Counts,
    /// People, places and organisations pooled: the sums of the three (a name found with the
    /// wrong kind is one false positive and one false negative here too).
    pub names: Counts,
    /// Dates, matched by calendar day.
    pub dates: Counts,
    /// Sentences scored.
    pub sentences: usize,
}

impl Scores {
    /// Each kind's name and counts, in the order the table prints them.
    #[must_use]
    pub fn rows(&self) -> [(&'static str, Counts); 5] {
        [
            ("people", self.people),
            ("places", self.places),
            ("organisations", self.organisations),
            ("names", self.names),
            ("dates", self.dates),
        ]
    }
}

/// A table: one row per kind with precision, recall, F1 and the counts behind them.
impl fmt::Display for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} sentences", self.sentences)?;
        writeln!(f, "{:<14} {:>6} {:>6} {:>6} {:>5} {:>5} {:>5}", "kind", "P", "R", "F1", "TP", "FP", "FN")?;
        for (kind, counts) in self.rows() {
            writeln!(
                f,
                "{kind:<14} {:>6.3} {:>6.3} {:>6.3} {:>5} {:>5} {:>5}",
                counts.precision(),
                counts.recall(),
                counts.f1(),
                counts.true_pos,
                counts.false_pos,
                counts.false_neg
            )?;
        }
        Ok(())
    }
}

/// Runs the extractor on each sentence of `set` alone (names from the sentence, dates
/// against its dateline) and counts agreements with the labels.
#[must_use]
pub fn score(set: &[Labelled]) -> Scores {
    let mut scores = Scores { sentences: set.len(), ..Scores::default() };
    for labelled in set {
        let comparison = run(labelled);
        scores.people += comparison.people;
        scores.places += comparison.places;
        scores.organisations += comparison.organisations;
        scores.dates += comparison.dates;
    }
    scores.names = scores.people;
    scores.names += scores.places;
    scores.names += scores.organisations;
    scores
}

/// One line per disagreement between the extractor and the labels, in set order:
///
/// ```text
/// d003 "Ohio": expected place, found nothing
/// d003 "Turkey": expected nothing, found place
/// d012 "May Okafor": expected person, found place "May Okafor's"
/// d010 date "on Thursday" (dateline 2027-02-11, Thu): expected 2027-02-11 (Thu), found 2027-02-18 (Thu) from "Thursday"
/// d010 date "March 14" (dateline 2027-02-11, Thu): expected 2027-03-14 (Sun), found nothing
/// ```
#[must_use]
pub fn misses(set: &[Labelled]) -> Vec<String> {
    set.iter().flat_map(|labelled| run(labelled).misses).collect()
}

/// Runs the extractor on one labelled sentence and compares.
fn run(labelled: &Labelled) -> Comparison {
    let entities = crate::names::find(&[labelled.sentence.as_str()]);
    let dates: Vec<DateMention> =
        crate::dates::find(&labelled.sentence, labelled.dateline).into_iter().collect();
    compare(labelled, &entities, &dates)
}

/// How one sentence's findings compare with its labels.
#[derive(Debug, Default)]
struct Comparison {
    people: Counts,
    places: Counts,
    organisations: Counts,
    dates: Counts,
    misses: Vec<String>,
}

/// A name ready for comparison: trimmed, without a leading "the " or a trailing possessive,
/// lowercased.
fn normalise(name: &str) -> String {
    let mut name = name.trim();
    if name.get(..4).is_some_and(|start| start.eq_ignore_ascii_case("the ")) {
        name = name[4..].trim_start();
    }
    for possessive in ["'s", "’s", "'S", "’S"] {
        if let Some(stem) = name.strip_suffix(possessive) {
            name = stem.trim_end();
            break;
        }
    }
    name.to_lowercase()
}

/// Labelled names of one kind that were not found, and found names that were not labelled,
/// as `(normalised, as written)`.
type Unmatched = Vec<(String, String)>;

/// Matches `found` against `labelled` as multisets of normalised names.
fn match_names(labelled: &[String], found: &[&str]) -> (Counts, Unmatched, Unmatched) {
    let mut missed: Unmatched = labelled.iter().map(|name| (normalise(name), name.clone())).collect();
    let mut spurious: Unmatched = Vec::new();
    let mut counts = Counts::default();
    for name in found {
        let key = normalise(name);
        if let Some(at) = missed.iter().position(|(label, _)| *label == key) {
            missed.remove(at);
            counts.true_pos += 1;
        } else {
            spurious.push((key, (*name).to_owned()));
            counts.false_pos += 1;
        }
    }
    counts.false_neg = missed.len();
    (counts, missed, spurious)
}

/// Compares what the extractor found in one sentence with its labels.
fn compare(labelled: &Labelled, entities: &[Entity], dates: &[DateMention]) -> Comparison {
    let id = &labelled.id;
    let mut comparison = Comparison::default();

    let mut missed: Vec<(EntityKind, String, String)> = Vec::new();
    let mut spurious: Vec<(EntityKind, String, String)> = Vec::new();
    for (kind, gold) in [
        (EntityKind::Person, &labelled.people),
        (EntityKind::Place, &labelled.places),
        (EntityKind::Organisation, &labelled.organisations),
    ] {
        let found: Vec<&str> =
            entities.iter().filter(|entity| entity.kind == kind).map(|entity| entity.name.as_str()).collect();
        let (counts, kind_missed, kind_spurious) = match_names(gold, &found);
        match kind {
            EntityKind::Person => comparison.people = counts,
            EntityKind::Place => comparison.places = counts,
            EntityKind::Organisation => comparison.organisations = counts,
        }
        missed.extend(kind_missed.into_iter().map(|(key, name)| (kind, key, name)));
        spurious.extend(kind_spurious.into_iter().map(|(key, name)| (kind, key, name)));
    }
    // Report a name found with the wrong kind as one disagreement, not two.
    for (found_kind, key, name) in spurious {
        if let Some(at) = missed.iter().position(|(_, label, _)| *label == key) {
            let (expected_kind, _, label) = missed.remove(at);
            comparison.misses.push(format!(
                "{id} {label:?}: expected {}, found {} {name:?}",
                expected_kind.as_str(),
                found_kind.as_str()
            ));
        } else {
            comparison.misses.push(format!("{id} {name:?}: expected nothing, found {}", found_kind.as_str()));
        }
    }
    for (kind, _, label) in missed {
        comparison.misses.push(format!("{id} {label:?}: expected {}, found nothing", kind.as_str()));
    }

    let mut unmatched: Vec<&LabelledDate> = labelled.dates.iter().collect();
    let mut wrong: Vec<&DateMention> = Vec::new();
    for mention in dates {
        if let Some(at) = unmatched.iter().position(|gold| gold.date == mention.date) {
            unmatched.remove(at);
            comparison.dates.true_pos += 1;
        } else {
            wrong.push(mention);
            comparison.dates.false_pos += 1;
        }
    }
    comparison.dates.false_neg = unmatched.len();
    let dateline = labelled.dateline;
    let context = format!("(dateline {dateline}, {})", dateline.format("%a"));
    let day = |date: NaiveDate| format!("{date} ({})", date.format("%a"));
    // A wrong day for the right words is one disagreement, not two.
    for mention in wrong {
        let found = mention.text.to_lowercase();
        let same_words = unmatched.iter().position(|gold| {
            let expected = gold.text.to_lowercase();
            expected.contains(&found) || found.contains(&expected)
        });
        if let Some(at) = same_words {
            let gold = unmatched.remove(at);
            comparison.misses.push(format!(
                "{id} date {:?} {context}: expected {}, found {} from {:?}",
                gold.text,
                day(gold.date),
                day(mention.date),
                mention.text
            ));
        } else {
            comparison.misses.push(format!(
                "{id} date {:?} {context}: expected nothing, found {}",
                mention.text,
                day(mention.date)
            ));
        }
    }
    for gold in unmatched {
        comparison.misses.push(format!(
            "{id} date {:?} {context}: expected {}, found nothing",
            gold.text,
            day(gold.date)
        ));
    }
    comparison
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DateKind;

    const LINE: &str = r#"{"id": "d001", "dateline": "2026-03-04", "style": "wire", "sentence": "Secretary of State Antony Blinken will meet Taliban envoys in Doha on Friday.", "people": ["Antony Blinken"], "places": ["Doha"], "organisations": ["Taliban"], "dates": [{"text": "on Friday", "date": "2026-03-06"}]}"#;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn reads_a_set_skipping_blank_lines() {
        let other = LINE.replace("d001", "d002");
        let set = read_set(&format!("{LINE}\n\n{other}\n")).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set[0].people, ["Antony Blinken"]);
        assert_eq!(set[0].dateline, date("2026-03-04"));
        assert_eq!(set[1].id, "d002");
        assert_eq!(set[1].dates[0], LabelledDate { text: "on Friday".into(), date: date("2026-03-06") });
        assert!(read_set("").unwrap().is_empty());
    }

    #[test]
    fn read_errors_name_the_line() {
        let cases = [
            (format!("{LINE}\nnot json"), "line 2:"),
            (format!("\n{}", LINE.replace(r#""people": ["Antony Blinken"], "#, "")), "line 2:"),
            (LINE.replace("2026-03-06", "2026-02-30"), "line 1:"),
            (LINE.replace("2026-03-06", "6 March"), "line 1:"),
            (LINE.replace(r#""style": "wire""#, r#""style": "blog""#), "line 1: unknown style"),
            (LINE.replace(r#""style""#, r#""extra": 1, "style""#), "line 1:"),
            (format!("{LINE}\n{LINE}"), "line 2: duplicate id"),
        ];
        for (text, expected) in cases {
            let error = read_set(&text).unwrap_err();
            assert!(error.starts_with(expected), "{error:?} should start with {expected:?}");
        }
    }

    #[test]
    fn counts_arithmetic() {
        let counts = Counts { true_pos: 6, false_pos: 2, false_neg: 4 };
        assert!((counts.precision() - 0.75).abs() < 1e-12);
        assert!((counts.recall() - 0.6).abs() < 1e-12);
        assert!((counts.f1() - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);

        let nothing = Counts::default();
        assert!((nothing.precision() - 1.0).abs() < f64::EPSILON);
        assert!((nothing.recall() - 1.0).abs() < f64::EPSILON);
        assert!((nothing.f1() - 1.0).abs() < f64::EPSILON);

        let found_nothing = Counts { true_pos: 0, false_pos: 0, false_neg: 3 };
        assert!((found_nothing.precision() - 1.0).abs() < f64::EPSILON);
        assert!(found_nothing.recall().abs() < f64::EPSILON);
        assert!(found_nothing.f1().abs() < f64::EPSILON);

        let all_wrong = Counts { true_pos: 0, false_pos: 2, false_neg: 0 };
        assert!(all_wrong.precision().abs() < f64::EPSILON);
        assert!((all_wrong.recall() - 1.0).abs() < f64::EPSILON);
        assert!(all_wrong.f1().abs() < f64::EPSILON);

        let mut sum = counts;
        sum += all_wrong;
        assert_eq!(sum, Counts { true_pos: 6, false_pos: 4, false_neg: 4 });
    }

    #[test]
    fn scores_table_lists_every_kind() {
        let scores = Scores { sentences: 3, ..Scores::default() };
        let table = scores.to_string();
        assert!(table.starts_with("3 sentences\n"));
        for kind in ["people", "places", "organisations", "names", "dates"] {
            assert!(table.contains(kind), "{table}");
        }
    }

    #[test]
    fn normalises_names() {
        assert_eq!(normalise("  The Taliban's "), "taliban");
        assert_eq!(normalise("the U.N. Security Council"), "u.n. security council");
        assert_eq!(normalise("Okonkwo’s"), "okonkwo");
        assert_eq!(normalise("KABUL"), "kabul");
        assert_eq!(normalise("Theresa"), "theresa");
        assert_eq!(normalise("the"), "the");
    }

    fn entity(kind: EntityKind, name: &str) -> Entity {
        Entity { kind, name: name.into(), sentence: String::new() }
    }

    fn mention(text: &str, day: &str) -> DateMention {
        DateMention { date: date(day), text: text.into(), kind: DateKind::Relative, sentence: String::new() }
    }

    #[test]
    fn compares_names_by_kind() {
        let labelled = read_set(LINE).unwrap().remove(0);
        let found = [
            entity(EntityKind::Person, "Blinken"),
            entity(EntityKind::Place, "DOHA"),
            entity(EntityKind::Person, "the Taliban's"),
            entity(EntityKind::Place, "Secretary of State"),
        ];
        let comparison = compare(&labelled, &found, &[]);
        assert_eq!(comparison.people, Counts { true_pos: 0, false_pos: 2, false_neg: 1 });
        assert_eq!(comparison.places, Counts { true_pos: 1, false_pos: 1, false_neg: 0 });
        assert_eq!(comparison.organisations, Counts { true_pos: 0, false_pos: 0, false_neg: 1 });
        assert_eq!(
            comparison.misses[..4],
            [
                r#"d001 "Blinken": expected nothing, found person"#,
                r#"d001 "Taliban": expected organisation, found person "the Taliban's""#,
                r#"d001 "Secretary of State": expected nothing, found place"#,
                r#"d001 "Antony Blinken": expected person, found nothing"#,
            ]
        );
        assert_eq!(comparison.misses.len(), 5);
    }

    #[test]
    fn compares_dates_by_day() {
        let mut labelled = read_set(LINE).unwrap().remove(0);
        labelled.dates.push(LabelledDate { text: "next week".into(), date: date("2026-03-09") });
        // The right day in other words counts; the same day twice counts once.
        let found = [mention("Friday", "2026-03-06"), mention("March 6", "2026-03-06")];
        let comparison = compare(&labelled, &[], &found);
        assert_eq!(comparison.dates, Counts { true_pos: 1, false_pos: 1, false_neg: 1 });

        let found = [mention("on Friday", "2026-02-27"), mention("next week", "2026-03-09")];
        let comparison = compare(&labelled, &[], &found);
        assert_eq!(comparison.dates, Counts { true_pos: 1, false_pos: 1, false_neg: 1 });
        let dates: Vec<&String> = comparison.misses.iter().filter(|line| line.contains(" date ")).collect();
        assert_eq!(
            dates,
            ["d001 date \"on Friday\" (dateline 2026-03-04, Wed): expected 2026-03-06 (Fri), \
                 found 2026-02-27 (Fri) from \"on Friday\""]
        );
    }
}
