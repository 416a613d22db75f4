//! The query language readers type:
//!
//! - words: all must match (`ferry strike`), stemmed in each article's language;
//! - `"a phrase"`: the words in this order;
//! - `-word`: results without it;
//! - `source:NAME` (or `source:"Two Words"`), `-source:NAME`: by outlet;
//! - `tag:NAME`: by tag;
//! - `from:2021-03-01`, `to:2021-03-31` (or `2021-03`, `2021`): by publication date, inclusive;
//! - `person:NAME`, `place:NAME`, `org:NAME` (quoted when several words): articles naming
//!   them (a person also by surname alone: `person:Blinken`);
//! - `story:N`: one story's articles.
//!
//! Filters are taken out here; the words, phrases and exclusions go to tantivy's query parser.

use chrono::{Datelike, NaiveDate};
use freewire_core::slugify;

/// A query split into its words and its filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// For tantivy's query parser.
    pub words: String,
    /// What was taken out as filters.
    pub filters: Filters,
}

/// The filters of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Source slugs, any of which may match.
    pub sources: Vec<String>,
    /// Source slugs excluded (`-source:`).
    pub not_sources: Vec<String>,
    /// Tag slugs, all of which must match.
    pub tags: Vec<String>,
    /// Published on or after this day.
    pub from: Option<NaiveDate>,
    /// Published on or before this day.
    pub to: Option<NaiveDate>,
    /// Name terms (`person:…`, `place:…`, `org:…`, see [`crate::index::name_term`]), all of
    /// which must match.
    pub names: Vec<String>,
    /// `story:N`: the story's articles (and their updates) only.
    pub story: Option<i64>,
    /// The articles a `story:` filter stands for, filled in by whoever can read stories
    /// ([`crate::Indexer::search`]); the index itself knows no stories.
    pub articles: Option<Vec<i64>>,
}

/// Splits on spaces outside quotes, keeping the quotes.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                current.push(ch);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn unquote(value: &str) -> &str {
    value.trim_matches('"')
}

/// `2021-03-08`, `2021-03` or `2021`: the first day, or with `end` the last day, it names.
fn date(value: &str, end: bool) -> Option<NaiveDate> {
    let parts: Vec<&str> = value.split('-').collect();
    let number = |s: &str| s.parse::<u32>().ok();
    let year = i32::try_from(number(parts.first()?)?).ok()?;
    match parts.len() {
        1 => NaiveDate::from_ymd_opt(year, if end { 12 } else { 1 }, if end { 31 } else { 1 }),
        2 => {
            let first = NaiveDate::from_ymd_opt(year, number(parts[1])?, 1)?;
            if end {
                let next = if first.month() == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(year, first.month() + 1, 1)?
                };
                next.pred_opt()
            } else {
                Some(first)
            }
        }
        3 => NaiveDate::from_ymd_opt(year, number(parts[1])?, number(parts[2])?),
        _ => None,
    }
}

/// Splits a query into words and filters.
#[must_use]
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut words: Vec<String> = Vec::new();
    for token in tokens(text) {
        let (negated, body) = match token.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, token.as_str()),
        };
        let Some((key, value)) = body.split_once(':') else {
            words.push(token.clone());
            continue;
        };
        let value = unquote(value);
        match (key.to_ascii_lowercase().as_str(), negated) {
            ("source", false) if !slugify(value).is_empty() => parsed.filters.sources.push(slugify(value)),
            ("source", true) if !slugify(value).is_empty() => parsed.filters.not_sources.push(slugify(value)),
            ("tag", false) if !slugify(value).is_empty() => parsed.filters.tags.push(slugify(value)),
            ("from", false) => match date(value, false) {
                Some(d) => parsed.filters.from = Some(d),
                None => words.push(value.to_owned()),
            },
            (key @ ("person" | "place" | "org" | "organisation" | "organization"), false)
                if !value.trim().is_empty() =>
            {
                let key = if key.starts_with("org") { "org" } else { key };
                parsed.filters.names.push(crate::index::name_term(key, value));
            }
            ("story", false) if value.parse::<i64>().is_ok_and(|n| n > 0) => {
                parsed.filters.story = value.parse().ok();
            }
            ("to", false) => match date(value, true) {
                Some(d) => parsed.filters.to = Some(d),
                None => words.push(value.to_owned()),
            },
            // Any other `a:b` is searched as text, without the colon tantivy would read as a
            // field name.
            _ => words.push(format!("{}{}", if negated { "-" } else { "" }, body.replace(':', " "))),
        }
    }
    parsed.words = words.join(" ");
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_come_out_and_words_stay() {
        let p = parse(
            r#"ferry "night service" -strike source:"Harbour Gazette" tag:Transport from:2021-03 to:2021-03"#,
        );
        assert_eq!(p.words, r#"ferry "night service" -strike"#);
        assert_eq!(p.filters.sources, ["harbour-gazette"]);
        assert_eq!(p.filters.tags, ["transport"]);
        assert_eq!(parse("ferry story:12").filters.story, Some(12));
        assert_eq!(parse("ferry story:12").words, "ferry");
        assert_eq!(parse("story:x").filters.story, None);
        let names = parse("talks person:\"Antony Blinken\" place:Doha organisation:Taliban").filters.names;
        assert_eq!(names, ["person:antony blinken", "place:doha", "org:taliban"]);
        assert_eq!(p.filters.from, NaiveDate::from_ymd_opt(2021, 3, 1));
        assert_eq!(p.filters.to, NaiveDate::from_ymd_opt(2021, 3, 31));
    }

    #[test]
    fn dates_name_whole_years_months_and_days() {
        assert_eq!(date("2020", true), NaiveDate::from_ymd_opt(2020, 12, 31));
        assert_eq!(date("2020-02", true), NaiveDate::from_ymd_opt(2020, 2, 29));
        assert_eq!(date("2020-12", true), NaiveDate::from_ymd_opt(2020, 12, 31));
        assert_eq!(date("2020-02-30", false), None);
    }

    #[test]
    fn unknown_fields_and_bad_dates_are_searched_as_words() {
        let p = parse("title:x from:yesterday -source:Wire");
        assert_eq!(p.words, "title x yesterday");
        assert_eq!(p.filters.not_sources, ["wire"]);
        assert_eq!(p.filters.from, None);
    }
}
