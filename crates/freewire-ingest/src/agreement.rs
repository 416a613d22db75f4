//! Our reading of a feed set beside a reference reader's (Python feedparser, through
//! `scripts/bench/feedparser_fields.py`), field by field: feed title, link and updated; each
//! entry's title, link, id, published, updated, author, summary, content and enclosures. Used by
//! the agreement test and `freewire-bench agreement`, so both count the same way.
//!
//! Fields are compared as a reader sees them: HTML reduced to text with white space folded,
//! addresses parsed, times to the second in UTC, enclosures as sets. A field counts where either
//! reader has a value; an entry id counts only where the reference has one (an item without an
//! id gets one of our making, which the reference has no counterpart for). feedparser fills an
//! entry's summary from its content where the entry has none, so our summary is read the same way
//! (summary, else content); and its `updated` is taken as the document gave it, without the
//! fallback to `published` that feedparser's dictionaries answer with.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

use crate::parse::{FeedItem, ParseError, ParsedFeed, parse_feed};
use crate::sanitize::html_to_text;

/// The address both readers are given for a document: `BASE/<file name>`.
pub const BASE: &str = "https://feeds.example/corpus";

/// The reference script, beside the repository's benchmarks.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/bench/feedparser_fields.py");

/// The XML documents in `dirs` and in their subfolders one level down, sorted: JSON is left out
/// (feedparser 6 reads no JSON Feed), as are notes and scripts.
///
/// # Errors
/// A folder that cannot be read.
pub fn documents(dirs: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                for inner in std::fs::read_dir(&path)? {
                    files.push(inner?.path());
                }
            } else {
                files.push(path);
            }
        }
    }
    files.retain(|f| {
        f.is_file() && !matches!(f.extension().and_then(|e| e.to_str()).unwrap_or(""), "json" | "md" | "py")
    });
    files.sort();
    Ok(files)
}

/// Both readings of a set of documents, tallied.
#[derive(Debug)]
pub struct Measured {
    /// The reference reader's version.
    pub feedparser: String,
    /// Documents read.
    pub documents: usize,
    /// The tally over the documents the reference found well-formed.
    pub well_formed: Tally,
    /// The tally over all of them.
    pub all: Tally,
}

/// Reads `files` with the reference (`python` must have feedparser) and with freewire, each
/// document given the address `BASE/<file name>`, and tallies the fields. Disagreements name
/// files by their folder and name (`formats/atom03.xml`).
///
/// # Errors
/// The reference could not be run, or a document could not be read.
pub fn measure(python: &str, files: &[PathBuf]) -> Result<Measured, String> {
    let out = Command::new(python)
        .arg(SCRIPT)
        .arg(BASE)
        .args(files)
        .output()
        .map_err(|e| format!("running {python}: {e}"))?;
    if !out.status.success() {
        return Err(format!("feedparser_fields.py failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let reference: Reference = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("feedparser_fields.py printed no reading: {e}"))?;
    let (mut well_formed, mut all) = (Tally::default(), Tally::default());
    for doc in &reference.documents {
        let path = Path::new(&doc.file);
        let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", doc.file))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let location = Url::parse(&format!("{BASE}/{name}")).map_err(|e| e.to_string())?;
        let mut tally = compare(doc, parse_feed(&bytes, Some(&location)).as_ref());
        let folder = path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap_or("");
        for d in &mut tally.disagreements {
            d.file = format!("{folder}/{name}");
        }
        if !doc.bozo {
            well_formed.add(tally.clone());
        }
        all.add(tally);
    }
    Ok(Measured { feedparser: reference.feedparser, documents: reference.documents.len(), well_formed, all })
}

/// The reference reader's output for a set of documents.
#[derive(Debug, Deserialize)]
pub struct Reference {
    /// The reference reader's version.
    pub feedparser: String,
    /// One reading per document, in the order given.
    pub documents: Vec<ReferenceDocument>,
}

/// The reference reader's reading of one document.
#[derive(Debug, Deserialize)]
pub struct ReferenceDocument {
    /// The document's path, as given.
    pub file: String,
    /// The format the reference recognised (`rss20`, `atom03`, …; empty when none).
    pub version: String,
    /// Whether the reference found the document ill-formed (feedparser's `bozo`).
    pub bozo: bool,
    /// Why, when it did.
    pub bozo_exception: Option<String>,
    /// The feed's own fields.
    pub feed: ReferenceFeed,
    /// Its entries, in document order.
    pub entries: Vec<ReferenceEntry>,
}

/// A text field with its type (`text/plain`, `text/html`, `application/xhtml+xml`).
#[derive(Debug, Deserialize)]
pub struct TypedText {
    /// The text, or the markup.
    pub value: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The feed-level fields of a reference reading.
#[derive(Debug, Deserialize)]
pub struct ReferenceFeed {
    /// Title.
    pub title: Option<TypedText>,
    /// Link to the site.
    pub link: Option<String>,
    /// Last updated, ISO 8601 UTC.
    pub updated: Option<String>,
}

/// One entry of a reference reading.
#[derive(Debug, Default, Deserialize)]
pub struct ReferenceEntry {
    /// Title.
    pub title: Option<TypedText>,
    /// Link.
    pub link: Option<String>,
    /// Identifier.
    pub id: Option<String>,
    /// Published, ISO 8601 UTC.
    pub published: Option<String>,
    /// Updated, ISO 8601 UTC.
    pub updated: Option<String>,
    /// Author's name.
    pub author: Option<String>,
    /// Summary.
    pub summary: Option<TypedText>,
    /// Full content.
    pub content: Option<TypedText>,
    /// Enclosure and Media RSS addresses.
    #[serde(default)]
    pub enclosures: Vec<String>,
}

/// One field on which the readers differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The document's path.
    pub file: String,
    /// The entry's position (from 0), or `None` for a feed field.
    pub entry: Option<usize>,
    /// The field's name (`title`, `link`, …).
    pub field: &'static str,
    /// Our value, as compared.
    pub ours: String,
    /// The reference's value, as compared.
    pub theirs: String,
}

/// The tally for a set of documents.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Fields compared.
    pub fields: usize,
    /// Fields on which both readers agree.
    pub agreeing: usize,
    /// Every field on which they differ.
    pub disagreements: Vec<Disagreement>,
}

impl Tally {
    /// Agreement as a share of the fields compared (1.0 when nothing was compared).
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "field counts are far below 2^52")]
    pub fn share(&self) -> f64 {
        if self.fields == 0 { 1.0 } else { self.agreeing as f64 / self.fields as f64 }
    }

    /// Adds another tally to this one.
    pub fn add(&mut self, other: Tally) {
        self.fields += other.fields;
        self.agreeing += other.agreeing;
        self.disagreements.extend(other.disagreements);
    }

    fn field(
        &mut self,
        file: &str,
        entry: Option<usize>,
        field: &'static str,
        ours: Option<String>,
        theirs: Option<String>,
    ) {
        if ours.is_none() && theirs.is_none() {
            return;
        }
        self.fields += 1;
        if ours == theirs {
            self.agreeing += 1;
        } else {
            self.disagreements.push(Disagreement {
                file: file.to_owned(),
                entry,
                field,
                ours: ours.unwrap_or_else(|| "(none)".to_owned()),
                theirs: theirs.unwrap_or_else(|| "(none)".to_owned()),
            });
        }
    }

    /// The disagreements as Markdown table rows (`| file | entry | field | ours | reference |`),
    /// values shortened to `width` characters.
    #[must_use]
    pub fn table(&self, width: usize) -> String {
        let mut out =
            String::from("| file | entry | field | freewire | feedparser |\n|---|---|---|---|---|\n");
        for d in &self.disagreements {
            let entry = d.entry.map_or_else(|| "feed".to_owned(), |e| e.to_string());
            // Long values are shown from a little before where they part.
            let from =
                d.ours.chars().zip(d.theirs.chars()).take_while(|(a, b)| a == b).count().saturating_sub(20);
            let _ = writeln!(
                out,
                "| {} | {entry} | {} | {} | {} |",
                d.file,
                d.field,
                cell(&d.ours, from, width),
                cell(&d.theirs, from, width)
            );
        }
        out
    }
}

fn cell(value: &str, from: usize, width: usize) -> String {
    let total = value.chars().count();
    let from = if total > width { from.min(total - width) } else { 0 };
    let short: String = value.chars().skip(from).take(width).collect();
    let short = if from > 0 { format!("…{short}") } else { short };
    let short = if from + width < total { format!("{short}…") } else { short };
    short.replace('|', "\\|").replace('\n', " ")
}

/// Compares our reading of one document (or our refusal of it) with the reference's.
#[must_use]
pub fn compare(reference: &ReferenceDocument, ours: Result<&ParsedFeed, &ParseError>) -> Tally {
    let mut tally = Tally::default();
    let file = reference.file.as_str();
    let feed = ours.ok();
    tally.field(
        file,
        None,
        "title",
        feed.and_then(|f| text(f.title.as_deref())),
        typed(reference.feed.title.as_ref()),
    );
    tally.field(
        file,
        None,
        "link",
        feed.and_then(|f| address(f.link.as_deref())),
        address(reference.feed.link.as_deref()),
    );
    tally.field(file, None, "updated", feed.and_then(|f| time(f.updated)), reference.feed.updated.clone());
    let items: &[FeedItem] = feed.map_or(&[], |f| &f.items);
    for (i, theirs) in reference.entries.iter().enumerate() {
        entry(&mut tally, file, i, items.get(i), theirs);
    }
    // Entries only we found count against us as well: a reader that invents items is wrong too.
    for (i, ours) in items.iter().enumerate().skip(reference.entries.len()) {
        entry(&mut tally, file, i, Some(ours), &ReferenceEntry::default());
    }
    tally
}

fn entry(tally: &mut Tally, file: &str, i: usize, ours: Option<&FeedItem>, theirs: &ReferenceEntry) {
    let at = Some(i);
    tally.field(file, at, "title", ours.and_then(|o| text(Some(&o.title))), typed(theirs.title.as_ref()));
    tally.field(
        file,
        at,
        "link",
        ours.and_then(|o| address(o.link.as_deref())),
        address(theirs.link.as_deref()),
    );
    if let Some(id) = theirs.id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        tally.field(file, at, "id", ours.map(|o| o.guid.trim().to_owned()), Some(id.to_owned()));
    }
    tally.field(file, at, "published", ours.and_then(|o| time(o.published)), theirs.published.clone());
    tally.field(file, at, "updated", ours.and_then(|o| time(o.updated)), theirs.updated.clone());
    tally.field(
        file,
        at,
        "author",
        ours.and_then(|o| text(o.author.as_deref())),
        text(theirs.author.as_deref()),
    );
    let summary = ours.and_then(|o| o.summary_html.as_deref().or(o.content_html.as_deref()));
    tally.field(file, at, "summary", html(summary), typed(theirs.summary.as_ref()));
    tally.field(
        file,
        at,
        "content",
        ours.and_then(|o| html(o.content_html.as_deref())),
        typed(theirs.content.as_ref()),
    );
    let ours_media: BTreeSet<String> =
        ours.map(|o| o.media.iter().filter_map(|m| address(Some(&m.url))).collect()).unwrap_or_default();
    let theirs_media: BTreeSet<String> = theirs.enclosures.iter().filter_map(|u| address(Some(u))).collect();
    let set = |s: &BTreeSet<String>| (!s.is_empty()).then(|| s.iter().cloned().collect::<Vec<_>>().join(" "));
    tally.field(file, at, "enclosures", set(&ours_media), set(&theirs_media));
}

/// Text with white space folded; `None` when empty.
fn text(value: Option<&str>) -> Option<String> {
    let folded = value?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!folded.is_empty()).then_some(folded)
}

/// HTML as the text a reader reads.
fn html(value: Option<&str>) -> Option<String> {
    text(Some(&html_to_text(value?)))
}

/// A reference text field as text, by its type.
fn typed(value: Option<&TypedText>) -> Option<String> {
    let value = value?;
    if value.kind.contains("html") { html(Some(&value.value)) } else { text(Some(&value.value)) }
}

/// An address in its parsed form, so `https://a.example` and `https://a.example/` agree.
fn address(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    if value.is_empty() {
        return None;
    }
    Some(Url::parse(value).map_or_else(|_| value.to_owned(), |u| u.to_string()))
}

fn time(value: Option<DateTime<Utc>>) -> Option<String> {
    value.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(json: &str) -> ReferenceDocument {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn fields_are_compared_as_a_reader_sees_them() {
        let theirs = reference(
            r#"{"file":"f.xml","version":"rss20","bozo":false,"bozo_exception":null,
            "feed":{"title":{"value":"Harbour &amp; Gazette","type":"text/html"},"link":"https://h.example","updated":null},
            "entries":[{"title":{"value":"One  two","type":"text/plain"},"link":"https://h.example/1","id":"a",
            "published":"2024-03-05T07:30:00Z","updated":null,"author":"Mira","summary":{"value":"<p>Hi</p>","type":"text/html"},
            "content":null,"enclosures":["https://h.example/a.mp3"]}]}"#,
        );
        let ours = crate::parse::parse_feed(
            br#"<rss version="2.0"><channel><title>Harbour &amp; Gazette</title><link>https://h.example/</link>
            <item><title>One two</title><link>https://h.example/1</link><guid>b</guid><author>Mira</author>
            <pubDate>Tue, 05 Mar 2024 08:30:00 +0100</pubDate><description>&lt;p&gt;Hi&lt;/p&gt;</description></item></channel></rss>"#,
            None,
        )
        .unwrap();
        let tally = compare(&theirs, Ok(&ours));
        // feed title, link; entry title, link, id, published, author, summary, enclosures.
        assert_eq!(tally.fields, 9, "{:?}", tally.disagreements);
        let fields: Vec<_> = tally.disagreements.iter().map(|d| d.field).collect();
        assert_eq!(fields, ["id", "enclosures"]);
        assert_eq!(tally.agreeing, 7);
        assert!(tally.table(20).contains("| f.xml | 0 | id | b | a |"));
    }

    #[test]
    fn a_refused_document_disagrees_on_everything_the_reference_read() {
        let theirs = reference(
            r#"{"file":"f.xml","version":"atom03","bozo":false,"bozo_exception":null,
            "feed":{"title":{"value":"T","type":"text/plain"},"link":null,"updated":null},
            "entries":[{"title":{"value":"E","type":"text/plain"},"link":null,"id":null,"published":null,
            "updated":null,"author":null,"summary":null,"content":null,"enclosures":[]}]}"#,
        );
        let refused = ParseError { reason: "no".into() };
        let tally = compare(&theirs, Err(&refused));
        assert_eq!((tally.fields, tally.agreeing), (2, 0));
        assert!(tally.share() < 0.01);
    }
}
