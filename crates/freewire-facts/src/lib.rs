//! The dates and names an article turns on. From plain text and the article's dateline:
//! people, places and organisations ([`names`]), and dates — absolute ("April 16"), relative
//! to the dateline ("on Wednesday", "next week", "by the end of the month") and deadlines
//! ("by May 1") — each resolved to a calendar date ([`dates`]), with the sentence it comes
//! from.
//!
//! Written by hand, with small gazetteers kept in this crate: no maintained Rust crate finds
//! names or resolves relative dates in running English text without downloading a model at
//! run time. Its quality on our own labelled sentences (`data/`) is in BENCHMARKS.md, "Dates and
//! names".

pub mod dates;
pub mod eval;
pub mod names;
pub mod sentences;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What kind of name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A person.
    Person,
    /// A place: country, region, city, geographic feature.
    Place,
    /// An organisation: government body, party, company, armed group, agency, outlet.
    Organisation,
}

impl EntityKind {
    /// The stored and queried name of the kind.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Place => "place",
            EntityKind::Organisation => "organisation",
        }
    }
}

/// A name found in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Person, place or organisation.
    pub kind: EntityKind,
    /// The name in its fullest form in the text ("Antony Blinken", not a later "Blinken"),
    /// without titles ("Secretary of State") or a leading "the".
    pub name: String,
    /// The first sentence that names it.
    pub sentence: String,
}

/// How a date is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateKind {
    /// Written out: "April 16", "16 April 2021", "2021-04-16".
    Absolute,
    /// Counted from the dateline: "on Wednesday", "next week", "yesterday", "in two weeks".
    Relative,
    /// A limit: "by May 1", "before the end of the month", "within 90 days", "no later than".
    Deadline,
}

/// A date found in the text, resolved to a calendar day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateMention {
    /// The calendar day meant.
    pub date: NaiveDate,
    /// The words that say it, as written ("by May 1", "on Wednesday").
    pub text: String,
    /// How it is said.
    pub kind: DateKind,
    /// The sentence it comes from.
    pub sentence: String,
}

/// Everything found in one text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// People, places and organisations, each once, in order of first mention.
    pub entities: Vec<Entity>,
    /// Dates in order of mention; the same day said twice in one sentence once.
    pub dates: Vec<DateMention>,
}

/// The people, places, organisations and dates in `text` (plain text, paragraphs separated
/// by blank lines), with relative dates counted from `dateline` (the day the article was
/// published, in its own words' time zone as far as we know it: UTC).
///
/// Bounded for hostile text: only the first [`MAX_TEXT_BYTES`] are read, a sentence longer
/// than [`MAX_SENTENCE_BYTES`] is read only that far, and at most [`MAX_FOUND`] names and as
/// many dates are kept. News articles are far inside these limits.
#[must_use]
pub fn extract(text: &str, dateline: NaiveDate) -> Facts {
    let sentences: Vec<&str> =
        sentences::split(cut(text, MAX_TEXT_BYTES)).map(|s| cut(s, MAX_SENTENCE_BYTES)).collect();
    let mut entities = names::find(&sentences);
    entities.truncate(MAX_FOUND);
    let dates = sentences.iter().flat_map(|s| dates::find(s, dateline)).take(MAX_FOUND).collect();
    Facts { entities, dates }
}

/// The most of an article's text that is read (a 10,000-word feature is about 60 KB). Name
/// matching within an article compares each new name with those found before, so this also
/// bounds that work.
pub const MAX_TEXT_BYTES: usize = 96 * 1024;
/// The most of one sentence that is read (a long news sentence is about 400 bytes).
pub const MAX_SENTENCE_BYTES: usize = 2_000;
/// The most names, and the most dates, kept for one article.
pub const MAX_FOUND: usize = 300;

/// `text` up to `max` bytes, ended on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_read_only_so_far() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default();
        // One endless "sentence" of dates and names, with a multi-byte character at the cut.
        let endless = "on 1 January 2001 Ana Lima met Ó Briain in Kabul, ".repeat(20_000);
        let facts = extract(&endless, day);
        assert!(facts.dates.len() <= MAX_FOUND && facts.entities.len() <= MAX_FOUND);
        assert!(facts.dates.iter().all(|d| d.sentence.len() <= MAX_SENTENCE_BYTES));
        assert_eq!(cut("aé", 2), "a", "never inside a character");
        // Many sentences: only the first part of the text is read.
        let many = "Talks resume in Doha on Friday. ".repeat(50_000);
        assert!(extract(&many, day).dates.len() <= MAX_FOUND);
    }
}
