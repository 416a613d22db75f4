//! Outlets' edits: when a re-sent article is a new version ([`version_key`]), and what changed
//! between two versions ([`diff`]).
//!
//! A version is its headline, its words and where its links and images point. Everything a
//! re-send changes without changing what a reader reads is left out of the key: white space,
//! markup (a `<b>` become `<strong>`, attributes reordered, classes added), typographic quote
//! forms, tracking parameters in links (`utm_*`, `fbclid` …) and "updated 5 minutes ago"
//! stamps. So a cosmetic re-send makes no revision.
//!
//! The diff is word by word, with [`similar`]: the diff crate with a word tokeniser built in
//! (`TextDiff::from_words`), Myers and Patience algorithms and a deadline that bounds the work
//! on long, very different texts, which keeps a hostile pair of versions from costing more
//! than a fixed time. (`imara-diff` is faster on lines but has no word tokeniser;
//! `dissimilar` diffs characters, too fine for readers.)

use std::time::Duration;

use sha2::{Digest, Sha256};
use similar::{ChangeTag, TextDiff};

use crate::html::push_escaped_html;
use crate::story::plain_text;

/// The key of one version of an article: equal keys are the same version to a reader.
#[must_use]
pub fn version_key(title: &str, body_html: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(words(title).as_bytes());
    hasher.update(b"\n");
    hasher.update(words(&without_stamps(&reader_text(body_html))).as_bytes());
    for target in targets(body_html) {
        hasher.update(b"\n");
        hasher.update(target.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Inline elements a browser runs into the words around them: `in <em>May</em>.` reads
/// "in May.", not "in May .".
#[rustfmt::skip]
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "small", "span", "strong", "sub", "sup", "time", "u", "var",
];

/// A body's text as a reader reads it: lines broken at block elements ([`plain_text`]), words
/// joined across inline ones, so emphasis added or removed beside punctuation is no edit.
fn reader_text(body_html: &str) -> String {
    let mut joined = String::with_capacity(body_html.len());
    let mut rest = body_html;
    while let Some(open) = rest.find('<') {
        joined.push_str(&rest[..open]);
        rest = &rest[open..];
        let Some(close) = rest.find('>') else { break };
        let tag = rest[1..close].trim_start_matches('/');
        let name = tag.split([' ', '/', '\t', '\n', '\r']).next().unwrap_or_default();
        if !INLINE.iter().any(|inline| inline.eq_ignore_ascii_case(name)) {
            joined.push_str(&rest[..=close]);
        }
        rest = &rest[close + 1..];
    }
    joined.push_str(rest);
    plain_text(&joined)
}

/// Text with white space folded to single spaces and typographic quotes made plain.
fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => '"',
            c => c,
        }));
    }
    out
}

/// Units a "… ago" stamp counts in.
const STAMP_UNITS: &[&str] = &[
    "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours",
    "day", "days", "week", "weeks",
];

/// Words that may open a stamp ("Updated 5 minutes ago", "Published: 2 hours ago").
const STAMP_LEADS: &[&str] = &["updated", "posted", "published", "edited", "modified", "last"];

/// `text` without relative time stamps: a line that is only "Updated 5 minutes ago", "Last
/// updated an hour ago", "Updated just now" or "3 hours ago". Such stamps change on every fetch
/// of a page while the article stays the same; "met 5 days ago" or "posted 2 days ago" inside
/// a sentence is text.
fn without_stamps(text: &str) -> String {
    text.lines().map(line_without_stamps).collect::<Vec<_>>().join("\n")
}

fn line_without_stamps(line: &str) -> String {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let bare = |t: &str| t.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    // Only a line that is a stamp loses anything, and every stamp ends in "ago" or "now": the
    // other lines, nearly all of them, need no look at each word.
    let ends_a_stamp = |t: &&str| {
        let t = t.trim_matches(|c: char| !c.is_alphanumeric());
        t.eq_ignore_ascii_case("ago") || t.eq_ignore_ascii_case("now")
    };
    if !tokens.last().is_some_and(ends_a_stamp) {
        return tokens.join(" ");
    }
    let mut keep = vec![true; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        let stamp_end = if bare(tokens[i]) == "just" && tokens.get(i + 1).is_some_and(|t| bare(t) == "now") {
            Some(i + 1)
        } else if i + 2 < tokens.len()
            && is_count(&bare(tokens[i]))
            && STAMP_UNITS.contains(&bare(tokens[i + 1]).as_str())
            && bare(tokens[i + 2]) == "ago"
        {
            Some(i + 2)
        } else {
            None
        };
        let Some(end) = stamp_end else {
            i += 1;
            continue;
        };
        let mut start = i;
        while start > 0 && STAMP_LEADS.contains(&bare(tokens[start - 1]).as_str()) {
            start -= 1;
        }
        if start == 0 && end + 1 == tokens.len() {
            keep[start..=end].iter_mut().for_each(|k| *k = false);
        }
        i = end + 1;
    }
    tokens.iter().zip(keep).filter(|(_, k)| *k).map(|(t, _)| *t).collect::<Vec<_>>().join(" ")
}

fn is_count(word: &str) -> bool {
    matches!(word, "a" | "an" | "one" | "few")
        || (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()))
}

/// Where the version's links and images point, in order, with tracking parameters and
/// fragments removed (a share link's `utm_source` is not an edit).
fn targets(body_html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body_html;
    while let Some(at) = rest.find(['h', 's']) {
        rest = &rest[at..];
        let value_start = if rest.starts_with("href=\"") {
            6
        } else if rest.starts_with("src=\"") {
            5
        } else {
            rest = &rest[1..];
            continue;
        };
        let after = &rest[value_start..];
        let Some(end) = after.find('"') else { break };
        out.push(without_tracking(&after[..end].replace("&amp;", "&")));
        rest = &after[end..];
    }
    out
}

fn without_tracking(target: &str) -> String {
    let Ok(mut url) = url::Url::parse(target) else { return target.to_owned() };
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !crate::address::is_tracking(name))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.into()
}

/// What changed from one version to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// The headline's word diff, when the headline changed (safe HTML).
    pub title_html: Option<String>,
    /// The text's word diff in paragraphs, `<ins>` for words added, `<del>` for words removed
    /// (safe HTML: every word is escaped text).
    pub body_html: String,
    /// Words added.
    pub added: usize,
    /// Words removed.
    pub removed: usize,
}

impl Diff {
    /// One line for lists and feeds: "Headline changed; 12 words added, 3 removed".
    #[must_use]
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.title_html.is_some() {
            parts.push("headline changed".to_owned());
        }
        match (self.added, self.removed) {
            (0, 0) if parts.is_empty() => parts.push("links or images changed".to_owned()),
            (0, 0) => {}
            (a, 0) => parts.push(format!("{a} {} added", plural(a))),
            (0, r) => parts.push(format!("{r} {} removed", plural(r))),
            (a, r) => parts.push(format!("{a} {} added, {r} removed", plural(a))),
        }
        let mut line = parts.join("; ");
        if let Some(first) = line.get(..1) {
            line.replace_range(..1, &first.to_uppercase());
        }
        line
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "word" } else { "words" }
}

/// What each version changed from the one before it, for at most the latest `most` edits:
/// `(index of the version in `versions`, its diff)`, oldest first. `versions` are an article's
/// kept versions, oldest first.
#[must_use]
pub fn edits(versions: &[crate::model::Revision], most: usize) -> Vec<(usize, Diff)> {
    let first = versions.len().saturating_sub(most).max(1);
    (first..versions.len())
        .map(|i| {
            let (before, after) = (&versions[i - 1], &versions[i]);
            (i, diff(&before.title, &before.body_html, &after.title, &after.body_html))
        })
        .collect()
}

/// How long one diff may search for the smallest edit before it settles for a larger one.
const DIFF_DEADLINE: Duration = Duration::from_millis(200);

/// The word diff from the version `(old_title, old_body_html)` to `(new_title, new_body_html)`.
/// Bodies are sanitised HTML; the diff is of their text, paragraph by paragraph.
#[must_use]
pub fn diff(old_title: &str, old_body_html: &str, new_title: &str, new_body_html: &str) -> Diff {
    let title_html = (words(old_title) != words(new_title)).then(|| word_diff(old_title, new_title).0);
    let (old_text, new_text) = (paragraphs(old_body_html), paragraphs(new_body_html));
    let (body, added, removed) = word_diff(&old_text, &new_text);
    let body_html = format!("<p>{}</p>", body.replace("\n\n", "</p><p>"));
    Diff { title_html, body_html, added, removed }
}

/// A sanitised body's text with paragraphs separated by a blank line and white space inside
/// them folded.
fn paragraphs(body_html: &str) -> String {
    reader_text(body_html).split('\n').map(words).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// The escaped word diff of two texts (paragraph breaks kept as "\n\n"), and the words added
/// and removed.
fn word_diff(old: &str, new: &str) -> (String, usize, usize) {
    let diff = TextDiff::configure().timeout(DIFF_DEADLINE).diff_words(old, new);
    let (mut out, mut added, mut removed) = (String::with_capacity(new.len() + 64), 0, 0);
    let mut open: Option<ChangeTag> = None;
    for change in diff.iter_all_changes() {
        let tag = change.tag();
        let value = change.value();
        if value.trim().is_empty() {
            let paragraph = value.contains('\n');
            match tag {
                // Inside a run of added or removed words the space stays in the run; a paragraph
                // break closes it (an element cannot span paragraphs).
                ChangeTag::Insert | ChangeTag::Delete if open == Some(tag) && !paragraph => out.push(' '),
                // A removed break still parts the words around it, unless one is there already.
                ChangeTag::Delete if out.ends_with(char::is_whitespace) => close(&mut out, &mut open),
                ChangeTag::Insert | ChangeTag::Delete | ChangeTag::Equal => {
                    close(&mut out, &mut open);
                    out.push_str(if paragraph { "\n\n" } else { " " });
                }
            }
            continue;
        }
        let wanted = (tag != ChangeTag::Equal).then_some(tag);
        if open != wanted {
            let after_removal = open == Some(ChangeTag::Delete);
            close(&mut out, &mut open);
            match wanted {
                Some(ChangeTag::Insert) => {
                    if after_removal {
                        out.push(' ');
                    }
                    out.push_str("<ins>");
                }
                Some(ChangeTag::Delete) => out.push_str("<del>"),
                _ => {}
            }
            open = wanted;
        }
        match tag {
            ChangeTag::Insert => added += 1,
            ChangeTag::Delete => removed += 1,
            ChangeTag::Equal => {}
        }
        push_escaped_html(value, &mut out);
    }
    close(&mut out, &mut open);
    (out, added, removed)
}

/// Ends an open run of added or removed words, with a space it ended on moved outside it.
fn close(out: &mut String, open: &mut Option<ChangeTag>) {
    let end = match open.take() {
        Some(ChangeTag::Insert) => "</ins>",
        Some(ChangeTag::Delete) => "</del>",
        _ => return,
    };
    let trailing_space = out.ends_with(' ');
    if trailing_space {
        out.pop();
    }
    out.push_str(end);
    if trailing_space {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(body: &str) -> String {
        version_key("Ferry plan", body)
    }

    #[test]
    fn white_space_and_markup_alone_make_no_new_version() {
        let a = key("<p>The council met on Tuesday.</p><p>It voted.</p>");
        assert_eq!(a, key("<p>The  council\n met on Tuesday. </p>\n<p>It voted.</p>"));
        assert_eq!(a, key("<p>The <strong>council</strong> met on Tuesday.</p><p>It voted.</p>"));
        assert_eq!(a, key("<div><p class=\"lead\">The council met on Tuesday.</p></div><p>It voted.</p>"));
        assert_eq!(a, key("<p>The council met on <em>Tuesday</em>.</p><p>It <span>voted</span>.</p>"));
        assert_ne!(a, key("<p>The council met on Wednesday.</p><p>It voted.</p>"));
    }

    #[test]
    fn typographic_quotes_are_one_version() {
        assert_eq!(key("<p>“It’s done,” she said.</p>"), key("<p>\"It's done,\" she said.</p>"));
    }

    #[test]
    fn tracking_parameters_and_attribute_order_are_not_edits() {
        let a = key(r#"<p>See <a href="https://outlet.example/report?id=4" title="r">the report</a>.</p>"#);
        let tracked = r#"<p>See <a title="r" href="https://outlet.example/report?id=4&amp;utm_source=rss&amp;fbclid=9">the report</a>.</p>"#;
        assert_eq!(a, key(tracked));
        assert_ne!(a, key(r#"<p>See <a href="https://outlet.example/report?id=5">the report</a>.</p>"#));
        let image = key(r#"<p>A</p><img src="https://cdn.example/a.jpg" alt="x">"#);
        assert_ne!(image, key(r#"<p>A</p><img src="https://cdn.example/b.jpg" alt="x">"#));
        assert_eq!(image, key(r#"<p>A</p><img alt="x" src="https://cdn.example/a.jpg#top">"#));
    }

    #[test]
    fn relative_time_stamps_are_not_edits() {
        let a = key("<p>Updated 5 minutes ago</p><p>The council met.</p>");
        assert_eq!(a, key("<p>Updated 2 hours ago</p><p>The council met.</p>"));
        assert_eq!(a, key("<p>Updated just now</p><p>The council met.</p>"));
        assert_eq!(a, key("<p>Last updated an hour ago</p><p>The council met.</p>"));
        assert_eq!(a, key("<p>The council met.</p>"));
        assert_eq!(a, key("<p>3 hours ago</p><p>The council met.</p>"));
        // A number of days in the story itself is text.
        assert_ne!(key("<p>The council met 5 days ago.</p>"), key("<p>The council met 6 days ago.</p>"));
    }

    #[test]
    fn an_entity_before_accented_letters_is_read_as_text() {
        // "&nbsp;? Où": the tenth byte after '&' falls inside 'ù'.
        assert_eq!(
            key("<p>Mystique&nbsp;? Où est la frontière</p>"),
            key("<p>Mystique ? Où est la frontière</p>")
        );
        assert_ne!(
            key("<p>Mystique&nbsp;? Où est la frontière</p>"),
            key("<p>Mystique ? Où est la limite</p>")
        );
    }

    #[test]
    fn a_changed_headline_is_a_new_version() {
        assert_ne!(version_key("Ferry plan", "<p>x</p>"), version_key("Ferry plan dropped", "<p>x</p>"));
        assert_eq!(version_key("Ferry  plan", "<p>x</p>"), version_key("Ferry plan", "<p>x</p>"));
    }

    #[test]
    fn the_diff_marks_words_added_and_removed_and_escapes_them() {
        let d = diff(
            "Council backs ferry plan",
            "<p>The council voted 7 to 2.</p><p>Work starts in May.</p>",
            "Council backs ferry plan <b>",
            "<p>The council voted 6 to 3.</p><p>Work starts in May.</p><p>A new paragraph &lt;script&gt;.</p>",
        );
        assert_eq!(d.title_html.as_deref(), Some("Council backs ferry plan <ins>&lt;b&gt;</ins>"));
        assert!(d.body_html.starts_with("<p>The council voted <del>7</del>"), "{}", d.body_html);
        assert!(d.body_html.contains("<ins>6</ins>"), "{}", d.body_html);
        assert!(d.body_html.contains("&lt;script&gt;"), "{}", d.body_html);
        assert!(!d.body_html.contains("<script>"), "{}", d.body_html);
        assert!(d.body_html.contains("</p><p>"), "paragraphs kept: {}", d.body_html);
        assert_eq!((d.added, d.removed), (2 + 4, 2), "{}", d.body_html);
        assert_eq!(d.summary(), "Headline changed; 6 words added, 2 removed");
    }

    #[test]
    fn removed_words_and_paragraphs_keep_their_neighbours_apart() {
        let words = diff("T", "<p>A B</p><p>C</p>", "T", "<p>A</p><p>C</p>").body_html;
        assert_eq!(words, "<p>A <del>B</del></p><p>C</p>");
        let paragraph = diff("T", "<p>A</p><p>B</p><p>C</p>", "T", "<p>A</p><p>C</p>").body_html;
        assert_eq!(paragraph, "<p>A</p><p><del>B</del></p><p>C</p>");
        assert_eq!(diff("T", "<p>a b c</p>", "T", "<p>a</p>").body_html, "<p>a <del>b c</del></p>");
    }

    #[test]
    fn stamps_inside_a_sentence_are_text() {
        assert_ne!(
            key("<p>The video, posted 2 days ago, spread.</p>"),
            key("<p>The video, posted 3 days ago, spread.</p>")
        );
    }

    #[test]
    fn summaries_name_what_changed() {
        let same = diff("T", "<p>a b</p>", "T", "<p>a b c</p>");
        assert_eq!(same.title_html, None);
        assert_eq!(same.summary(), "1 word added");
        assert_eq!(diff("T", "<p>a b c</p>", "T", "<p>a</p>").summary(), "2 words removed");
        assert_eq!(diff("T", "<p>a</p>", "T", "<p>a</p>").summary(), "Links or images changed");
    }
}
