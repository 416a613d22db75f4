//! The site citation printed under every article (DESIGN.md §4):
//! `{byline} | {site name} ({published, RFC 3339 with +00:00}) {title}. Retrieved from {permalink}`.

use chrono::{DateTime, SecondsFormat, Utc};

/// The site's own citation line for an article.
///
/// The byline is the article's author, or the site name when the feed names none. The title
/// is followed by a full stop unless it already ends in terminal punctuation, so a headline
/// ending in `?` is not printed as `?.`.
#[must_use]
pub fn site_citation(
    site_name: &str,
    author: Option<&str>,
    published: DateTime<Utc>,
    title: &str,
    permalink_url: &str,
) -> String {
    let byline = author.map(str::trim).filter(|a| !a.is_empty()).unwrap_or(site_name);
    let title = title.trim();
    let stop = if title.ends_with(['.', '?', '!']) { "" } else { "." };
    format!(
        "{byline} | {site_name} ({}) {title}{stop} Retrieved from {permalink_url}",
        published.to_rfc3339_opts(SecondsFormat::Secs, false)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn when() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap()
    }

    #[test]
    fn without_an_author_the_site_is_the_byline() {
        assert_eq!(
            site_citation("Wire", None, when(), "A Headline", "https://w.example/2024/05/06/a-headline/"),
            "Wire | Wire (2024-05-06T07:08:09+00:00) A Headline. Retrieved from https://w.example/2024/05/06/a-headline/"
        );
        assert!(site_citation("Wire", Some("  "), when(), "T", "u").starts_with("Wire | Wire"));
    }

    #[test]
    fn the_author_is_the_byline_when_named() {
        let line = site_citation("Wire", Some("Ada Park"), when(), "T", "u");
        assert_eq!(line, "Ada Park | Wire (2024-05-06T07:08:09+00:00) T. Retrieved from u");
    }

    #[test]
    fn a_question_is_not_followed_by_a_full_stop() {
        let line = site_citation("Wire", None, when(), "Who Pays?", "u");
        assert!(line.contains("Who Pays? Retrieved"), "{line}");
    }
}
