//! Permalinks: `{base_url}/{YYYY}/{MM}/{DD}/{slug}/`, issued once and never changed.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The longest slug we issue, in bytes; long headlines are cut at a word boundary.
const MAX_SLUG_LEN: usize = 96;

/// Folds a title to a URL slug: ASCII lowercase, every run of other characters becomes one `-`,
/// no leading or trailing `-`. A title with nothing left (all punctuation) becomes `article`.
#[must_use]
pub fn slugify(title: &str) -> String {
    let folded = deunicode::deunicode(title).to_ascii_lowercase();
    let mut slug = String::with_capacity(folded.len());
    for ch in folded.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
    }
    if slug.is_empty() {
        slug.push_str("article");
    }
    slug
}

/// The date-and-slug part of an article's address, stored with the article when it is issued.
/// Serialises as its path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Permalink {
    date: NaiveDate,
    slug: String,
}

impl Permalink {
    /// The permalink for `slug` on the UTC day of `published`.
    #[must_use]
    pub fn new(published: DateTime<Utc>, slug: impl Into<String>) -> Self {
        Permalink { date: published.date_naive(), slug: slug.into() }
    }

    /// The permalink for a day and slug given in a request path; `None` when they cannot
    /// name an article (not a date, or not a slug we could have issued).
    #[must_use]
    pub fn from_parts(year: i32, month: u32, day: u32, slug: &str) -> Option<Self> {
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        let valid = !slug.is_empty()
            && slug.len() <= MAX_SLUG_LEN + 8
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        valid.then(|| Permalink { date, slug: slug.to_owned() })
    }

    /// The same day with a suffix for the n-th article of that day with the same slug
    /// (`-2`, `-3`, …).
    #[must_use]
    pub fn with_clash_suffix(&self, n: u32) -> Self {
        Permalink { date: self.date, slug: format!("{}-{n}", self.slug) }
    }

    /// The slug.
    #[must_use]
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The day.
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The path below the site root, without slashes around it: `2021/03/08/slug`.
    /// This is the key the store looks articles up by.
    #[must_use]
    pub fn path(&self) -> String {
        format!("{:04}/{:02}/{:02}/{}", self.date.year(), self.date.month(), self.date.day(), self.slug)
    }

    /// Parses a stored path (`2021/03/08/slug`).
    #[must_use]
    pub fn from_path(path: &str) -> Option<Self> {
        let mut parts = path.splitn(4, '/');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Permalink::from_parts(year, month, day, parts.next()?)
    }
}

impl serde::Serialize for Permalink {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn slug_folds_to_ascii_and_collapses_runs() {
        assert_eq!(
            slugify("Blinken Reportedly Sets Out Plan To Revitalize Afghan Peace Talks"),
            "blinken-reportedly-sets-out-plan-to-revitalize-afghan-peace-talks"
        );
        assert_eq!(slugify("  Ça va?  Größe — “naïve” café!! "), "ca-va-grosse-naive-cafe");
        assert_eq!(slugify("U.S.-led coalition"), "u-s-led-coalition");
        assert_eq!(slugify("—…—"), "article");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let title = "word ".repeat(40);
        let slug = slugify(&title);
        assert!(slug.len() <= MAX_SLUG_LEN);
        assert!(slug.ends_with("word"));
    }

    #[test]
    fn permalink_uses_the_utc_day() {
        let late = Utc.with_ymd_and_hms(2021, 3, 8, 1, 13, 26).unwrap();
        let p = Permalink::new(late, "a-b");
        assert_eq!(p.path(), "2021/03/08/a-b");
        assert_eq!(p.with_clash_suffix(2).path(), "2021/03/08/a-b-2");
        assert_eq!(Permalink::from_path("2021/03/08/a-b"), Some(p));
    }

    #[test]
    fn request_paths_that_cannot_be_permalinks_are_rejected() {
        assert!(Permalink::from_parts(2021, 2, 30, "x").is_none());
        assert!(Permalink::from_parts(2021, 2, 3, "Upper").is_none());
        assert!(Permalink::from_parts(2021, 2, 3, "").is_none());
        assert!(Permalink::from_parts(2021, 2, 3, "ok-1").is_some());
    }
}
