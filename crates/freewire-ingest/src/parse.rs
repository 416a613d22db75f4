//! Feeds in: RSS 0.9x/1.0/2.0, Atom and JSON Feed through feed-rs, normalised to the few
//! fields freewire needs. Nothing here is sanitised yet: bodies are the feed's own HTML.
//!
//! Before feed-rs sees a document it is made safe and readable here, because the web serves
//! feeds that are neither: the bytes are decoded once to UTF-8 ([`crate::decode`]); junk
//! before the first tag, the XML declaration and any document type declaration (DTD) are
//! removed, which defuses entity bombs (billion laughs, quadratic blow-up) and external
//! entities, parameter entities and external DTDs without ever resolving one; characters XML
//! forbids, raw or as references, are dropped or replaced; references to entities that are no
//! longer declared keep their text instead of failing the whole feed; and documents nested
//! deeper than [`MAX_XML_DEPTH`] are refused before any tree is built.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Feed, Link, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use quick_xml::events::Event;
use url::Url;

use crate::decode;
use crate::sanitize::html_to_text;

mod dates;
mod dialect;
use dialect::Dialect;

/// The largest document [`parse_feed`] reads. Parsing holds the document, its UTF-8 text and
/// the parsed items at once, so a 64 MiB feed costs a few hundred MiB at most; real feeds are
/// below 2 MiB.
pub const MAX_FEED_BYTES_PARSED: usize = 64 * 1024 * 1024;

/// The deepest nesting of XML elements a feed may have. Real feeds stay below 20; the limit
/// leaves room for XHTML content while keeping every recursive consumer far from the stack's
/// end.
pub const MAX_XML_DEPTH: usize = 256;

/// The longest entity name looked up; longer "names" are ordinary text with an ampersand.
const MAX_ENTITY_NAME: usize = 32;

/// A feed, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    /// The feed's title, as text.
    pub title: Option<String>,
    /// The site the feed belongs to.
    pub link: Option<String>,
    /// The feed's declared language.
    pub language: Option<String>,
    /// When the feed says it last changed.
    pub updated: Option<DateTime<Utc>>,
    /// Its items, in document order.
    pub items: Vec<FeedItem>,
    /// What was read but left out, for a person (a date not understood, a link that is not a web
    /// address …), at most [`MAX_WARNINGS`].
    pub warnings: Vec<String>,
}

/// One item of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// The item's identifier (RSS `guid`, Atom `id`, JSON Feed `id`), or, where the feed gives
    /// none, its link, or its title: stable across fetches so duplicates are recognised.
    pub guid: String,
    /// Title as text; empty when the feed has none.
    pub title: String,
    /// The original article's address, absolute.
    pub link: Option<String>,
    /// Author's name (never a bare e-mail address).
    pub author: Option<String>,
    /// The summary or description, as HTML.
    pub summary_html: Option<String>,
    /// The full content, as HTML.
    pub content_html: Option<String>,
    /// When the item was first published, as the feed says.
    pub published: Option<DateTime<Utc>>,
    /// When the item was last changed, as the feed says.
    pub updated: Option<DateTime<Utc>>,
    /// The item's own language, where the feed gives one per item.
    pub language: Option<String>,
    /// Enclosures and Media RSS objects, with absolute addresses.
    pub media: Vec<freewire_core::Media>,
    /// The `xml:base` in force at the body, when the document sets one: relative links in the
    /// body resolve against it (else against the item's link).
    pub body_base: Option<String>,
    /// The item's categories (RSS `category`, Atom `category` label or term, JSON Feed
    /// `tags`), at most [`MAX_TAGS`], without repeats.
    pub tags: Vec<freewire_core::Tag>,
}

/// Categories kept per item: feeds that stuff dozens of keywords into categories would
/// otherwise flood the tag pages.
pub const MAX_TAGS: usize = 12;

/// A document that is not a feed we can read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{reason}")]
pub struct ParseError {
    /// What is wrong, for a person.
    pub reason: String,
}

/// Parses RSS, Atom or JSON Feed bytes. `location` (the feed's own URL) resolves relative
/// links. The same as [`parse_feed_with_charset`] without an HTTP charset.
pub fn parse_feed(bytes: &[u8], location: Option<&Url>) -> Result<ParsedFeed, ParseError> {
    parse_feed_with_charset(bytes, None, location)
}

/// Parses RSS, Atom or JSON Feed bytes served with `http_charset` (the `charset` parameter of
/// the response's `Content-Type`, if any; a byte-order mark and the XML declaration outrank
/// it). `location` (the feed's own URL) resolves relative links after `xml:base` and the feed's
/// own link.
pub fn parse_feed_with_charset(
    bytes: &[u8],
    http_charset: Option<&str>,
    location: Option<&Url>,
) -> Result<ParsedFeed, ParseError> {
    if bytes.len() > MAX_FEED_BYTES_PARSED {
        return Err(fail(format!(
            "the document is {} bytes, more than the {MAX_FEED_BYTES_PARSED} bytes a feed may have",
            bytes.len()
        )));
    }
    let decoded = decode::to_utf8(bytes, http_charset);
    if decoded.encoding == encoding_rs::REPLACEMENT.name() {
        return Err(fail("the document declares a character encoding that cannot be read safely".into()));
    }
    if decoded.had_errors {
        tracing::debug!(
            encoding = decoded.encoding,
            "invalid byte sequences in the feed were replaced with U+FFFD"
        );
    }
    let prepared = prepare(&decoded.text)?;
    let dialect = if prepared.root.is_some() { dialect::read(&prepared.text) } else { Dialect::default() };
    let feed = read_feed(&prepared, dialect.rewritten.as_deref())?;
    // The items hold their own copies of the text; the document need not outlive them.
    drop(prepared);
    drop(decoded);
    if feed.entries.is_empty() && !dialect.items.is_empty() {
        return Err(fail(no_items_read(&dialect)));
    }

    let mut warnings = Vec::new();
    let feed_link = pick_link(&feed.links).and_then(|l| absolute(&l, location));
    let feed_base = feed_link.as_deref().and_then(|l| Url::parse(l).ok()).or_else(|| location.cloned());
    let mut extras = dialect.items;
    if extras.len() > feed.entries.len() {
        warnings.push(format!(
            "{} of {} items were left out: they have no link, title or content to read",
            extras.len() - feed.entries.len(),
            extras.len()
        ));
    }
    if extras.len() != feed.entries.len() {
        // Extras are matched to items by position; when the counts differ, none are used.
        tracing::debug!(
            found = extras.len(),
            read = feed.entries.len(),
            "item count differs from the dialect pass"
        );
        extras = vec![dialect::ItemExtras::default(); feed.entries.len()];
    }
    let items = feed
        .entries
        .into_iter()
        .zip(extras)
        .enumerate()
        .map(|(i, (e, x))| item(e, &x, feed_base.as_ref(), &mut Warnings { list: &mut warnings, item: i }))
        .collect();
    Ok(ParsedFeed {
        title: feed.title.map(|t| text_of(&t)).filter(|t| !t.is_empty()),
        link: feed_link,
        language: feed.language,
        updated: feed.updated,
        items,
        warnings,
    })
}

/// Why a document with item elements gave no items.
fn no_items_read(dialect: &Dialect) -> String {
    let name = dialect.item_name.as_deref().unwrap_or("item");
    let root = dialect.root.as_deref().unwrap_or("?");
    format!(
        "no items could be read: the document (root <{root}>) has {} <{name}> element{} in a form no feed format defines; \
         check that the feed's elements carry the RSS or Atom namespace",
        dialect.items.len(),
        if dialect.items.len() == 1 { "" } else { "s" }
    )
}

/// The most warnings kept for one document: one per item and field at most, bounded for feeds
/// with thousands of items.
pub const MAX_WARNINGS: usize = 100;

/// Where the warnings of one item go.
struct Warnings<'a> {
    list: &'a mut Vec<String>,
    item: usize,
}

impl Warnings<'_> {
    fn push(&mut self, what: &str) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(format!("item {}: {what}", self.item + 1));
        }
    }
}

/// Runs feed-rs over a prepared document. A JSON Feed refused only for a slip publishers commonly
/// make is put right and read again.
fn read_feed(prepared: &Prepared<'_>, rewritten: Option<&str>) -> Result<Feed, ParseError> {
    // No base URI for feed-rs: it would resolve relative links against the feed's location
    // before we could prefer the feed's own link (see `item`). Absolute `xml:base` still applies.
    let parser = feed_rs::parser::Builder::new().id_generator(no_generated_id).build();
    match parser.parse(rewritten.unwrap_or(&prepared.text).as_bytes()) {
        Ok(feed) => Ok(feed),
        Err(e @ (ParseFeedError::JsonSerde(_) | ParseFeedError::JsonUnsupportedVersion(_))) => {
            repaired_json_feed(&prepared.text)
                .and_then(|json| parser.parse(json.as_bytes()).ok())
                .ok_or_else(|| fail(reason(&e, prepared)))
        }
        Err(e) => Err(fail(reason(&e, prepared))),
    }
}

/// A JSON Feed with the slips real publishers make put right (`http://` in the version URL,
/// `tags` as one comma-separated string), or `None` when it has none of them.
fn repaired_json_feed(text: &str) -> Option<String> {
    // Reading into a `Value` recurses, but serde_json stops at its recursion limit.
    let mut feed: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut repaired = false;
    if let Some(version) = feed.get_mut("version")
        && let Some(rest) = version.as_str().and_then(|v| v.strip_prefix("http://jsonfeed.org/"))
    {
        *version = serde_json::Value::String(format!("https://jsonfeed.org/{rest}"));
        repaired = true;
    }
    let items = feed.get_mut("items").and_then(serde_json::Value::as_array_mut);
    for item in items.into_iter().flatten() {
        if let Some(tags) = item.get_mut("tags")
            && let Some(list) = tags.as_str()
        {
            *tags = list
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(serde_json::Value::from)
                .collect();
            repaired = true;
        }
    }
    repaired.then(|| feed.to_string())
}

fn fail(reason: String) -> ParseError {
    ParseError { reason }
}

/// A person's reason for a feed-rs failure of a prepared document.
fn reason(e: &ParseFeedError, prepared: &Prepared<'_>) -> String {
    match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => match prepared.root.as_deref() {
            Some(name) if ["html", "head", "body"].iter().any(|h| name.eq_ignore_ascii_case(h)) => {
                format!("not a feed: the document is an HTML page (its first element is <{name}>)")
            }
            Some(name) => {
                format!("not a feed: the first element is <{name}>, not <rss>, <rdf:RDF> or <feed>")
            }
            None => "not a feed: no RSS, Atom or JSON Feed root was found".to_owned(),
        },
        ParseFeedError::ParseError(kind) => format!("the feed is malformed: {kind}"),
        ParseFeedError::XmlReader(e) => format!("the document is not well-formed XML: {e}"),
        ParseFeedError::JsonSerde(_) if is_rss_in_json(&prepared.text) => {
            "not a feed we read: the document is RSS-in-JSON (an \"rss\" object), not JSON Feed".to_owned()
        }
        ParseFeedError::JsonSerde(e) => format!("the document is not a valid JSON Feed: {e}"),
        ParseFeedError::JsonUnsupportedVersion(v) => format!("unsupported JSON Feed version {v:?}"),
        ParseFeedError::IoError(e) => format!("the document could not be read: {e}"),
    }
}

/// Whether a JSON document is Dave Winer's RSS-in-JSON (`{"rss": {"channel": …}}`), which
/// looks like a feed but is not JSON Feed. Only asked once parsing has failed.
fn is_rss_in_json(text: &str) -> bool {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .is_ok_and(|m| m.contains_key("rss"))
}

/// A document's text made ready for feed-rs.
#[derive(Debug)]
struct Prepared<'a> {
    text: Cow<'a, str>,
    /// The name of the first element, for error messages.
    root: Option<String>,
}

/// Makes decoded text ready for feed-rs: JSON passes untouched (`serde_json` refuses nesting past
/// its recursion limit by itself); XML is cleaned (see the module documentation) and its depth
/// checked.
fn prepare(text: &str) -> Result<Prepared<'_>, ParseError> {
    let start = text.trim_start();
    if start.is_empty() {
        return Err(fail("the document is empty".to_owned()));
    }
    if start.starts_with('{') {
        return Ok(Prepared { text: Cow::Borrowed(start), root: None });
    }
    if start.starts_with('[') {
        return Err(fail(
            "not a feed: the document is a JSON array, and a JSON Feed is an object".to_owned(),
        ));
    }
    let prepared = clean_xml(text)?;
    check_depth(&prepared.text)?;
    Ok(prepared)
}

/// Refuses XML nested deeper than [`MAX_XML_DEPTH`], reading events one by one without
/// building anything. Syntax errors are left for feed-rs to report with its own position.
fn check_depth(xml: &str) -> Result<(), ParseError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    // Depth is all we count here: mismatched names are feed-rs's to report (or tolerate).
    reader.config_mut().check_end_names = false;
    let mut depth = 0_usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(fail(format!(
                        "the document is nested deeper than {MAX_XML_DEPTH} elements, which no feed needs"
                    )));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Builds a copy of a text with some ranges replaced, copying only once the first change is
/// made: a document that needs nothing more than a prefix dropped is borrowed, not copied.
struct Rewriter<'a> {
    src: &'a str,
    /// Where the kept text starts while nothing has been copied.
    origin: usize,
    /// How far `src` has been consumed into `out`.
    copied: usize,
    out: Option<String>,
}

impl<'a> Rewriter<'a> {
    fn new(src: &'a str) -> Self {
        Rewriter { src, origin: 0, copied: 0, out: None }
    }

    /// Replaces `src[at..end]` by `with`. Calls come in document order.
    fn splice(&mut self, at: usize, end: usize, with: &str) {
        debug_assert!(self.copied <= at && at <= end, "splices must come in document order");
        if let Some(out) = &mut self.out {
            out.push_str(&self.src[self.copied..at]);
            out.push_str(with);
        } else if at == self.origin && with.is_empty() {
            self.origin = end;
        } else {
            let mut out = String::with_capacity(self.src.len() - self.origin + 64);
            out.push_str(&self.src[self.origin..at]);
            out.push_str(with);
            self.out = Some(out);
        }
        self.copied = end;
    }

    fn finish(self) -> Cow<'a, str> {
        match self.out {
            None => Cow::Borrowed(&self.src[self.origin..]),
            Some(mut out) => {
                out.push_str(&self.src[self.copied..]);
                Cow::Owned(out)
            }
        }
    }
}

/// Cleans an XML document in one pass: drops what precedes the first `<`, XML declarations
/// (the text is UTF-8 now, and a declaration naming another encoding would make quick-xml
/// decode it again) and `<?phpxml …?>` stand-ins, and document type declarations; removes or
/// replaces characters XML forbids; rewrites references and stray `<` that would fail the parse;
/// and repairs a root tag feed-rs would refuse ([`repaired_root`]).
fn clean_xml(text: &str) -> Result<Prepared<'_>, ParseError> {
    let bytes = text.as_bytes();
    let Some(first) = text.find('<') else {
        return Err(fail("not a feed: the document contains no XML markup and is not JSON".to_owned()));
    };
    let mut w = Rewriter::new(text);
    w.splice(0, first, "");
    let mut root = None;
    let mut i = first;
    while i < bytes.len() {
        i = match bytes[i] {
            b'<' => markup(&mut w, i, &mut root)?,
            b'&' => reference(&mut w, i),
            _ => forbidden_char(&mut w, i).unwrap_or_else(|| next_looked_at(bytes, i + 1, bytes.len())),
        };
    }
    Ok(Prepared { text: w.finish(), root })
}

/// Where in `bytes[from..to]` the next byte of [`LOOKED_AT`] is, or `to`. Most of a feed is
/// text with nothing to look at: one table look-up a byte instead of a call.
fn next_looked_at(bytes: &[u8], from: usize, to: usize) -> usize {
    bytes[from..to].iter().position(|&b| LOOKED_AT[usize::from(b)]).map_or(to, |at| from + at)
}

/// The bytes [`clean_xml`] stops at: markup, references, and those that may start a character
/// XML forbids ([`forbidden_char`]).
static LOOKED_AT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    table[b'<' as usize] = true;
    table[b'&' as usize] = true;
    table[0xEF] = true;
    table
};

/// Handles the markup starting at `i` (a `<`); returns where scanning continues.
fn markup(w: &mut Rewriter<'_>, i: usize, root: &mut Option<String>) -> Result<usize, ParseError> {
    let src = w.src;
    let rest = &src.as_bytes()[i..];
    if rest.starts_with(b"<![CDATA[") {
        // Character data is literal: no references to rewrite, only forbidden characters.
        let end = find_from(src, i + 9, "]]>").map_or(src.len(), |p| p + 3);
        strip_forbidden(w, i, end);
        return Ok(end);
    }
    if rest.starts_with(b"<!--") {
        let end = find_from(src, i + 4, "-->").map_or(src.len(), |p| p + 3);
        strip_forbidden(w, i, end);
        return Ok(end);
    }
    if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
        let end = doctype_end(src.as_bytes(), i + 9)
            .ok_or_else(|| fail("the document type declaration (<!DOCTYPE …>) is never closed".to_owned()))?;
        w.splice(i, end, "");
        return Ok(end);
    }
    if rest.starts_with(b"<?") {
        let end = find_from(src, i + 2, "?>").map(|p| p + 2);
        if is_declaration(&rest[2..]) {
            let end =
                end.ok_or_else(|| fail("the XML declaration (<?xml …?>) is never closed".to_owned()))?;
            w.splice(i, end, "");
            return Ok(end);
        }
        let end = end.unwrap_or(src.len());
        strip_forbidden(w, i, end);
        return Ok(end);
    }
    let starts_name = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80;
    match rest.get(1) {
        Some(&b) if starts_name(b) => {
            if root.is_none() {
                let name_len =
                    rest[1..].iter().position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/');
                let name = &src[i + 1..i + 1 + name_len.unwrap_or(rest.len() - 1)];
                *root = Some(name.to_owned());
                return Ok(repaired_root(w, i + 1 + name.len(), name));
            }
        }
        Some(b'/') => {}
        // "a < b", "'<'": a `<` that opens no tag is text, as in HTML; escaped, it stays text
        // instead of failing the document.
        _ => w.splice(i, i + 1, "&lt;"),
    }
    Ok(i + 1)
}

/// Whether a processing instruction's target (the text after `<?`) is `xml` or the `phpxml`
/// some servers print instead, both declarations to drop.
fn is_declaration(target: &[u8]) -> bool {
    ["xml", "phpxml"].iter().any(|t| {
        target.len() > t.len()
            && target[..t.len()].eq_ignore_ascii_case(t.as_bytes())
            && (target[t.len()].is_ascii_whitespace() || target[t.len()] == b'?')
    })
}

/// The namespace of RSS 0.90, which is RSS 1.0's structure under another name.
const RSS_090_NAMESPACE: &str = "http://my.netscape.com/rdf/simple/0.9/";
const RSS_10_NAMESPACE: &str = "http://purl.org/rss/1.0/";

/// Repairs the root tag `<name …>` whose name ends at `i`, for the feeds feed-rs would refuse or
/// read empty: an `<rss>` without a version, or with one feed-rs does not know, gets 2.0 (what
/// such feeds are); RSS 0.90's namespace becomes RSS 1.0's, whose elements it shares. Returns
/// where scanning continues: after the last repair, since splices come in document order (the
/// root tag's attributes hold namespaces, which need no other cleaning).
fn repaired_root(w: &mut Rewriter<'_>, i: usize, name: &str) -> usize {
    let attributes = root_attributes(w.src.as_bytes(), i);
    let mut resume = i;
    if name == "rss" {
        match attributes.iter().find(|(n, _)| &w.src[n.clone()] == "version") {
            None => w.splice(i, i, " version=\"2.0\""),
            Some((_, value)) if !["2.0", "0.91", "0.92", ""].contains(&w.src[value.clone()].trim()) => {
                w.splice(value.start, value.end, "2.0");
                resume = value.end;
            }
            Some(_) => {}
        }
    }
    for (attribute, value) in &attributes {
        let is_namespace = w.src[attribute.clone()].starts_with("xmlns");
        if is_namespace && &w.src[value.clone()] == RSS_090_NAMESPACE && value.start >= resume {
            w.splice(value.start, value.end, RSS_10_NAMESPACE);
            resume = value.end;
        }
    }
    resume
}

/// The attributes (name and value ranges) of the tag whose name ends at `i`, as far as they are
/// well-formed.
fn root_attributes(bytes: &[u8], i: usize) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let skip_space = |mut p: usize| {
        while p < bytes.len() && bytes[p].is_ascii_whitespace() {
            p += 1;
        }
        p
    };
    let mut attributes = Vec::new();
    let mut p = i;
    loop {
        p = skip_space(p);
        let name_start = p;
        while p < bytes.len() && !matches!(bytes[p], b'=' | b'>' | b'/') && !bytes[p].is_ascii_whitespace() {
            p += 1;
        }
        let name = name_start..p;
        p = skip_space(p);
        if name.is_empty() || bytes.get(p) != Some(&b'=') {
            return attributes;
        }
        p = skip_space(p + 1);
        let Some(&quote) = bytes.get(p).filter(|q| **q == b'"' || **q == b'\'') else {
            return attributes;
        };
        let Some(len) = bytes[p + 1..].iter().position(|&b| b == quote) else {
            return attributes;
        };
        attributes.push((name, p + 1..p + 1 + len));
        p += len + 2;
    }
}

/// The end (just past the final `>`) of a document type declaration whose keyword ends at `i`,
/// skipping quoted literals, comments and processing instructions, which may hold `>` and `]`.
fn doctype_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut in_subset = false;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => i += 2 + bytes[i + 1..].iter().position(|&b| b == quote)?,
            b'[' if !in_subset => {
                in_subset = true;
                i += 1;
            }
            b']' if in_subset => {
                in_subset = false;
                i += 1;
            }
            b'<' if in_subset && bytes[i..].starts_with(b"<!--") => {
                i += 4 + bytes[i + 4..].windows(3).position(|w| w == b"-->")? + 3;
            }
            b'<' if in_subset && bytes[i..].starts_with(b"<?") => {
                i += 2 + bytes[i + 2..].windows(2).position(|w| w == b"?>")? + 2;
            }
            b'>' if !in_subset => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn find_from(haystack: &str, from: usize, needle: &str) -> Option<usize> {
    haystack[from..].find(needle).map(|p| from + p)
}

/// Rewrites the reference starting at `i` (an `&`) where the parser would fail on it or where
/// it names a character XML forbids; returns where scanning continues.
fn reference(w: &mut Rewriter<'_>, i: usize) -> usize {
    let src = w.src;
    let bytes = src.as_bytes();
    if bytes.get(i + 1) == Some(&b'#') {
        return char_reference(w, i);
    }
    let name_start = i + 1;
    let name_len = bytes[name_start..]
        .iter()
        .take(MAX_ENTITY_NAME + 1)
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.')))
        .unwrap_or(bytes.len() - name_start);
    let end = name_start + name_len;
    let well_formed = name_len > 0
        && name_len <= MAX_ENTITY_NAME
        && (bytes[name_start].is_ascii_alphabetic() || bytes[name_start] == b'_')
        && bytes.get(end) == Some(&b';');
    if !well_formed {
        // A bare ampersand ("AT&T"), common in hand-made feeds: it meant itself.
        w.splice(i, i + 1, "&amp;");
        return i + 1;
    }
    let name = &src[name_start..end];
    if matches!(name, "lt" | "gt" | "amp" | "quot" | "apos") {
        return end + 1;
    }
    let mut buf = [0; 4];
    match html_entity(name) {
        Some(c) => w.splice(i, end + 1, c.encode_utf8(&mut buf)),
        // Its declaration is gone (or never existed): keep the reference as its own text.
        None => w.splice(i, i + 1, "&amp;"),
    }
    end + 1
}

/// Handles a numeric character reference starting at `i` (`&#`): a reference to a character XML
/// forbids is dropped (controls) or becomes U+FFFD (surrogates, non-characters, out of range),
/// since quick-xml would fail the whole document on it.
fn char_reference(w: &mut Rewriter<'_>, i: usize) -> usize {
    let bytes = w.src.as_bytes();
    let marker = bytes.get(i + 2).copied();
    let (radix, digits_start) = if matches!(marker, Some(b'x' | b'X')) { (16, i + 3) } else { (10, i + 2) };
    let digits_len = bytes[digits_start..]
        .iter()
        .position(|b| if radix == 16 { !b.is_ascii_hexdigit() } else { !b.is_ascii_digit() })
        .unwrap_or(bytes.len() - digits_start);
    let digits_end = digits_start + digits_len;
    if digits_len == 0 || bytes.get(digits_end) != Some(&b';') {
        w.splice(i, i + 1, "&amp;");
        return i + 1;
    }
    let end = digits_end + 1;
    match u32::from_str_radix(&w.src[digits_start..digits_end], radix) {
        Ok(c) if is_xml_char(c) => {
            if marker == Some(b'X') {
                // XML spells the hexadecimal marker in lower case only.
                w.splice(i, end, &format!("&#x{c:X};"));
            }
        }
        Ok(c) if c < 0x20 => w.splice(i, end, ""),
        _ => w.splice(i, end, "\u{FFFD}"),
    }
    end
}

/// Whether XML 1.0 allows the code point in a document.
fn is_xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF)
}

/// If a character XML forbids starts at `i`, removes it (C0 controls, which carry no text) or
/// replaces it with U+FFFD (U+FFFE, U+FFFF, which stand for a lost character) and returns where
/// scanning continues. Lone surrogates cannot occur: the text is a Rust string.
fn forbidden_char(w: &mut Rewriter<'_>, i: usize) -> Option<usize> {
    let bytes = w.src.as_bytes();
    match bytes[i] {
        b'\t' | b'\n' | b'\r' => None,
        0..0x20 => {
            w.splice(i, i + 1, "");
            Some(i + 1)
        }
        // U+FFFE and U+FFFF in UTF-8.
        0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => {
            w.splice(i, i + 3, "\u{FFFD}");
            Some(i + 3)
        }
        _ => None,
    }
}

/// Applies [`forbidden_char`] to every character of `src[from..to]`.
fn strip_forbidden(w: &mut Rewriter<'_>, from: usize, to: usize) {
    let src = w.src;
    let mut i = next_looked_at(src.as_bytes(), from, to);
    while i < to {
        let next = forbidden_char(w, i).unwrap_or(i + 1);
        i = next_looked_at(src.as_bytes(), next.min(to), to);
    }
}

/// HTML 4's names for U+00A0 to U+00FF, in code point order.
const LATIN1_ENTITIES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo",
    "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
    "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",
    "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute",
    "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash",
    "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde",
    "auml", "aring", "aelig", "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc",
    "iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave",
    "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
];

/// Other HTML entities that feeds written for browsers use.
const OTHER_ENTITIES: [(&str, char); 41] = [
    ("OElig", '\u{152}'),
    ("oelig", '\u{153}'),
    ("Scaron", '\u{160}'),
    ("scaron", '\u{161}'),
    ("Yuml", '\u{178}'),
    ("fnof", '\u{192}'),
    ("circ", '\u{2C6}'),
    ("tilde", '\u{2DC}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
    ("ndash", '\u{2013}'),
    ("mdash", '\u{2014}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("sbquo", '\u{201A}'),
    ("ldquo", '\u{201C}'),
    ("rdquo", '\u{201D}'),
    ("bdquo", '\u{201E}'),
    ("dagger", '\u{2020}'),
    ("Dagger", '\u{2021}'),
    ("bull", '\u{2022}'),
    ("hellip", '\u{2026}'),
    ("permil", '\u{2030}'),
    ("prime", '\u{2032}'),
    ("Prime", '\u{2033}'),
    ("lsaquo", '\u{2039}'),
    ("rsaquo", '\u{203A}'),
    ("euro", '\u{20AC}'),
    ("trade", '\u{2122}'),
    ("larr", '\u{2190}'),
    ("uarr", '\u{2191}'),
    ("rarr", '\u{2192}'),
    ("darr", '\u{2193}'),
    ("harr", '\u{2194}'),
    ("minus", '\u{2212}'),
    ("hearts", '\u{2665}'),
];

/// The character an HTML entity name stands for, among those feeds commonly use. None of them
/// is a markup character, so putting one in the text in place of its reference is safe.
fn html_entity(name: &str) -> Option<char> {
    if let Some(index) = LATIN1_ENTITIES.iter().position(|n| *n == name) {
        return char::from_u32(0xA0 + index as u32);
    }
    OTHER_ENTITIES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// feed-rs asks for an id for items that carry none; we answer with none and choose one in
/// [`item`], once links are absolute. feed-rs's default would hash link and title together (an
/// edited headline would then look like a new article) or make a random one (every import
/// would duplicate the item).
#[expect(clippy::ref_option, reason = "the signature feed-rs asks of an id generator")]
fn no_generated_id(_links: &[Link], _title: &Option<Text>, _uri: Option<&str>) -> String {
    String::new()
}

/// A text construct as text. Plain text that carries markup or character references is read as
/// HTML, as feedparser reads it: RSS gives titles no type, and publishers escape them twice
/// (`&amp;#x0024;`, `&lt;sup&gt;`).
fn text_of(t: &Text) -> String {
    if t.content_type.essence().to_string() == "text/plain" && !looks_like_html(&t.content) {
        t.content.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        html_to_text(&t.content)
    }
}

/// Whether plain text holds a tag (`<p`, `</b`) or a character or entity reference (`&#36;`,
/// `&amp;`).
fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(2).any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'))
        || text.match_indices('&').any(|(i, _)| {
            let rest = &bytes[i + 1..];
            let name = rest.iter().take(12).position(|&b| b == b';');
            name.is_some_and(|n| n > 0 && rest[..n].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'#'))
        })
}

/// An identifier for an item that carries none: its (first) link when there is one, otherwise
/// its title, so the same item is recognised on the next fetch.
fn fallback_id(e: &Entry, base: Option<&Url>) -> String {
    if let Some(link) = e.links.first() {
        return absolute(&link.href, base).unwrap_or_else(|| link.href.clone());
    }
    match &e.title {
        Some(t) => format!("title:{}", text_of(t)),
        None => "untitled".to_owned(),
    }
}

/// The page a set of links points to: `alternate` (or unlabelled) first.
fn pick_link(links: &[Link]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| links.first())
        .map(|l| l.href.clone())
}

/// An absolute http(s) address: links and media URLs from feeds end up in `href`s, where a
/// `javascript:` or `data:` URL would be active content.
fn absolute(href: &str, base: Option<&Url>) -> Option<String> {
    let url = match Url::parse(href.trim()) {
        Ok(u) => u,
        Err(_) => base?.join(href.trim()).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// Plain text made into HTML paragraphs (JSON Feed `content_text`, `type="text"` Atom).
fn text_to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let escaped = para.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        html.push_str("<p>");
        html.push_str(&escaped.replace('\n', "<br>"));
        html.push_str("</p>");
    }
    html
}

fn html_of_text(t: &Text) -> String {
    if t.content_type.essence().to_string() == "text/plain" && !looks_like_html(&t.content) {
        text_to_html(&t.content)
    } else {
        t.content.clone()
    }
}

/// A person's name as a byline: `jane@example.org (Jane Doe)` gives `Jane Doe`; a bare
/// address gives nothing, since an address is not a byline.
fn byline(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let (Some(open), true) = (raw.find('('), raw.ends_with(')')) {
        let address = raw[..open].trim();
        let inner = raw[open + 1..raw.len() - 1].trim();
        // Only `address (Name)` (feed-rs may have taken the address off already, or left a bare
        // `mailto:`): "Nick Ames (now), Ben Fisher (earlier)" is a byline as it is.
        let address = address.trim_start_matches("mailto:").trim();
        if (address.is_empty() || (address.contains('@') && !address.contains(' '))) && !inner.is_empty() {
            return Some(inner.to_owned());
        }
    }
    if raw.is_empty() || (raw.contains('@') && !raw.contains(' ')) {
        return None;
    }
    Some(raw.to_owned())
}

/// An entry as a [`FeedItem`], with what the dialect pass found beside it. Relative links resolve
/// against the `xml:base` in force where they stand, else the entry's `xml:base` (itself resolved
/// against `feed_base`), else `feed_base`: the feed's own link, else its location.
fn item(e: Entry, x: &dialect::ItemExtras, feed_base: Option<&Url>, warnings: &mut Warnings<'_>) -> FeedItem {
    let entry_base = e.base.as_deref().and_then(|b| absolute(b, feed_base)).and_then(|b| Url::parse(&b).ok());
    let base = entry_base.as_ref().or(feed_base);
    let link_base = x.link_base.as_ref().or(base);
    let mut link = None;
    if let Some(href) = pick_link(&e.links) {
        link = absolute(&href, link_base);
        if link.is_none() {
            warnings.push(&format!("the link {:?} is not a web address; left out", shorten(&href)));
        }
    }
    let guid = match e.id.trim() {
        "" => x.about.clone().unwrap_or_else(|| fallback_id(&e, link_base)),
        id => id.to_owned(),
    };
    // An entry without a link whose id is a web address is read at that address, as
    // feedparser and most readers do (Atom ids, RSS guids not marked as no permalink).
    if link.is_none() && e.links.is_empty() && (x.id_is_link || x.about.as_deref() == Some(guid.as_str())) {
        link = Url::parse(&guid).ok().filter(|u| matches!(u.scheme(), "http" | "https")).map(String::from);
    }
    let mut content_html = e.content.as_ref().and_then(|c| {
        let body = c.body.as_deref()?.trim();
        if body.is_empty() {
            return None;
        }
        Some(if c.content_type.essence().to_string() == "text/plain" {
            text_to_html(body)
        } else {
            body.to_owned()
        })
    });
    // A description written as markup is read whole; feed-rs keeps only its text before the
    // first element.
    let mut summary_html = x
        .description_markup
        .clone()
        .or_else(|| e.summary.as_ref().map(html_of_text))
        .filter(|s| !s.trim().is_empty());
    // An iTunes summary (or Media RSS description) is the item's summary where it has no
    // description, else its content where it has none.
    if let Some(text) = &x.summary_text {
        let html = if looks_like_html(text) { text.clone() } else { text_to_html(text) };
        if summary_html.is_none() {
            summary_html = Some(html);
        } else if content_html.is_none() {
            content_html = Some(html);
        }
    }
    let (mut published, mut updated_read) = (e.published, e.updated);
    for (name, raw) in x.dates.iter().filter(|(_, raw)| !raw.is_empty()) {
        let slot =
            if matches!(name.as_str(), "updated" | "modified") { &mut updated_read } else { &mut published };
        if slot.is_none() {
            *slot = dates::read(raw);
            if slot.is_none() {
                warnings.push(&format!("the date {:?} in <{name}> was not understood", shorten(raw)));
            }
        }
    }
    let mut media = media_of(&e.media, base);
    for enclosure in &x.enclosures {
        match absolute(&enclosure.url, enclosure.base.as_ref().or(base)) {
            Some(url) if !media.iter().any(|m| m.url == url) => media.push(freewire_core::Media {
                url,
                media_type: enclosure.media_type.clone(),
                length: enclosure.length,
                title: None,
                thumbnail: None,
            }),
            Some(_) => {}
            None => warnings
                .push(&format!("the enclosure {:?} is not a web address; left out", shorten(&enclosure.url))),
        }
    }
    let body_base = x.body_base.as_ref().map(Url::to_string);
    // feed-rs copies an RSS item's publication time into its update time; an item was updated
    // only when the feed says so (an update element, or Dublin Core's date, which RSS 1.0 feeds
    // use for both).
    let says_updated =
        x.dates.iter().any(|(name, _)| matches!(name.as_str(), "updated" | "modified" | "date"));
    let updated = if says_updated {
        updated_read.or(published)
    } else if x.dates.is_empty() || updated_read != published {
        updated_read
    } else {
        None
    };
    FeedItem {
        guid,
        title: e.title.as_ref().map(text_of).unwrap_or_default(),
        // Dublin Core's creator is a name; RSS's author is, by its definition, an address.
        author: e
            .authors
            .iter()
            .filter(|p| p.role.as_deref() == Some("creator"))
            .chain(e.authors.iter())
            .find_map(|p| p.name.as_deref().and_then(byline))
            .or_else(|| x.author.clone()),
        summary_html,
        content_html,
        published,
        updated,
        media,
        tags: tags_of(&e.categories),
        language: e.language,
        link,
        body_base,
    }
}

/// A value quoted in a warning, cut short.
fn shorten(value: &str) -> String {
    let cut: String = value.chars().take(80).collect();
    if cut.len() < value.len() { format!("{cut}…") } else { cut }
}

fn tags_of(categories: &[feed_rs::model::Category]) -> Vec<freewire_core::Tag> {
    let mut tags: Vec<freewire_core::Tag> = Vec::new();
    for c in categories {
        let name = c.label.as_deref().filter(|l| !l.trim().is_empty()).unwrap_or(&c.term);
        // Some feeds pack several categories into one, comma-separated.
        for part in name.split(',') {
            if let Some(tag) = freewire_core::Tag::new(&html_to_text_inline(part))
                && !tags.iter().any(|t| t.slug == tag.slug)
                && tags.len() < MAX_TAGS
            {
                tags.push(tag);
            }
        }
    }
    tags
}

/// A category's text: entities decoded, markup dropped.
fn html_to_text_inline(s: &str) -> String {
    if s.contains(['<', '&']) { crate::sanitize::html_to_text(s) } else { s.to_owned() }
}

/// Every media file of an item, once each: feed-rs reads RSS enclosures and Media RSS into the
/// same objects.
fn media_of(objects: &[feed_rs::model::MediaObject], base: Option<&Url>) -> Vec<freewire_core::Media> {
    let mut out: Vec<freewire_core::Media> = Vec::new();
    for object in objects {
        let title = object.title.as_ref().map(text_of).filter(|t| !t.is_empty());
        let thumbnail = object.thumbnails.first().and_then(|t| absolute(&t.image.uri, base));
        for content in &object.content {
            let Some(url) = content.url.as_ref().and_then(|u| absolute(u.as_str(), base)) else { continue };
            if out.iter().any(|m| m.url == url) {
                continue;
            }
            out.push(freewire_core::Media {
                url,
                media_type: content.content_type.as_ref().map(ToString::to_string),
                length: content.size,
                title: title.clone(),
                thumbnail: thumbnail.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Harbour Gazette</title><link>https://harbour.example/</link><language>en</language>
<item><title>Ferry &amp; Port Talks Resume</title><link>/2024/ferry</link><guid isPermaLink="false">hg-1</guid>
<dc:creator>Mira Olsen</dc:creator><pubDate>Tue, 05 Mar 2024 08:30:00 +0100</pubDate>
<description>Short.</description><content:encoded><![CDATA[<p>Full “text” — here…</p>]]></content:encoded></item>
<item><title>No guid here</title><link>https://harbour.example/2024/no-guid</link><author>desk@harbour.example (News Desk)</author></item>
</channel></rss>"#;
    #[test]
    fn only_web_addresses_become_links() {
        let base = Url::parse("https://o.example/feed").unwrap();
        assert_eq!(absolute("/a", Some(&base)).as_deref(), Some("https://o.example/a"));
        assert_eq!(absolute("javascript:alert(1)", Some(&base)), None);
        assert_eq!(absolute(" JavaScript:alert(1)", Some(&base)), None);
        assert_eq!(absolute("data:text/html,x", Some(&base)), None);
        assert_eq!(absolute("file:///etc/passwd", None), None);
    }

    #[test]
    fn enclosures_and_media_rss_are_recorded() {
        // feed-rs keeps only the Media RSS objects when an item has both kinds; items carry one
        // or the other here, as most feeds do.
        let rss = r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>P</title><link>https://p.example/</link>
<item><guid>ep1</guid><title>Episode 1</title>
<enclosure url="https://p.example/audio/ep1.mp3" type="audio/mpeg" length="1234567"/></item>
<item><guid>v1</guid><title>Video 1</title>
<media:content url="https://p.example/video/ep1.mp4" type="video/mp4" fileSize="99">
  <media:title>The interview</media:title><media:thumbnail url="/thumb.jpg"/></media:content>
</item></channel></rss>"#;
        let feed = parse_feed(rss.as_bytes(), None).unwrap();
        let audio = &feed.items[0].media;
        assert_eq!(audio.len(), 1);
        assert_eq!(audio[0].url, "https://p.example/audio/ep1.mp3");
        assert_eq!(audio[0].media_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(audio[0].length, Some(1_234_567));
        let video = &feed.items[1].media;
        assert_eq!(video.len(), 1);
        assert_eq!(video[0].url, "https://p.example/video/ep1.mp4");
        assert_eq!(video[0].media_type.as_deref(), Some("video/mp4"));
        assert_eq!(video[0].title.as_deref(), Some("The interview"));
        assert_eq!(
            video[0].thumbnail.as_deref(),
            Some("https://p.example/thumb.jpg"),
            "relative thumbnail resolved"
        );
    }

    #[test]
    fn rss_items_are_normalised() {
        let feed = parse_feed(RSS.as_bytes(), None).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Harbour Gazette"));
        assert_eq!(feed.items.len(), 2);
        let first = &feed.items[0];
        assert_eq!(first.guid, "hg-1");
        assert_eq!(first.title, "Ferry & Port Talks Resume");
        assert_eq!(first.link.as_deref(), Some("https://harbour.example/2024/ferry"));
        assert_eq!(first.author.as_deref(), Some("Mira Olsen"));
        assert_eq!(first.published.unwrap().to_rfc3339(), "2024-03-05T07:30:00+00:00");
        assert_eq!(first.content_html.as_deref(), Some("<p>Full “text” — here…</p>"));
        assert_eq!(first.summary_html.as_deref(), Some("Short."));
        let second = &feed.items[1];
        assert_eq!(
            second.guid, "https://harbour.example/2024/no-guid",
            "a missing guid falls back to the link"
        );
        assert_eq!(second.author.as_deref(), Some("News Desk"));
    }

    #[test]
    fn atom_and_json_feed_are_read_too() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">A &lt;b&gt;feed&lt;/b&gt;</title>
<id>urn:x</id><updated>2024-01-01T00:00:00Z</updated>
<entry><id>urn:e1</id><title>E1</title><updated>2024-01-02T10:00:00Z</updated>
<author><name>Ana</name></author><content type="text">Line one

Line &lt;two&gt;</content></entry></feed>"#;
        let feed = parse_feed(atom.as_bytes(), None).unwrap();
        assert_eq!(feed.title.as_deref(), Some("A feed"));
        assert_eq!(feed.items[0].content_html.as_deref(), Some("<p>Line one</p><p>Line &lt;two&gt;</p>"));
        assert_eq!(feed.items[0].published, None);
        assert!(feed.items[0].updated.is_some());

        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"j1","title":"J1","content_html":"<p>x</p>","date_published":"2024-02-03T04:05:06Z",
             "authors":[{"name":"Jo"}],"url":"https://j.example/1"}]}"#;
        let feed = parse_feed(json.as_bytes(), None).unwrap();
        assert_eq!(feed.items[0].guid, "j1");
        assert_eq!(feed.items[0].author.as_deref(), Some("Jo"));
        assert_eq!(feed.items[0].link.as_deref(), Some("https://j.example/1"));
    }

    #[test]
    fn malformed_documents_say_what_is_wrong() {
        for bad in [
            "",
            "   ",
            "<rss><channel><item><title>x</item></channel>",
            "{\"version\": 1",
            "<html><body>hi</body></html>",
        ] {
            let err = parse_feed(bad.as_bytes(), None).unwrap_err();
            assert!(!err.reason.is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn bylines_are_names_not_addresses() {
        assert_eq!(byline("a@b.example (Ann B)").as_deref(), Some("Ann B"));
        assert_eq!(byline("a@b.example"), None);
        assert_eq!(byline("Ann B"), Some("Ann B".to_owned()));
        assert_eq!(byline("  "), None);
    }

    fn rss_with(items: &str) -> String {
        format!(
            "<rss version=\"2.0\"><channel><title>T</title><link>https://site.example/news/</link>{items}</channel></rss>"
        )
    }

    fn titles(feed: &ParsedFeed) -> Vec<&str> {
        feed.items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn relative_links_resolve_against_xml_base_then_the_feed_link_then_the_location() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:f</id><title>A</title>
<link href="https://site.example/blog/"/>
<entry><id>urn:1</id><title>1</title><link href="one.html"/>
  <content type="html" xml:base="https://cdn.example/2024/">x</content></entry>
<entry><id>urn:2</id><title>2</title><link href="two.html"/>
  <content type="html" xml:base="../archive/">x</content></entry>
<entry><id>urn:3</id><title>3</title><link href="three.html"/></entry>
</feed>"#;
        let location = Url::parse("https://feeds.example/site.xml").unwrap();
        let feed = parse_feed(atom.as_bytes(), Some(&location)).unwrap();
        let links: Vec<_> = feed.items.iter().map(|i| i.link.as_deref().unwrap()).collect();
        assert_eq!(
            links,
            [
                "https://cdn.example/2024/one.html",
                "https://site.example/archive/two.html",
                "https://site.example/blog/three.html"
            ]
        );

        let no_feed_link = r#"<rss version="2.0"><channel><title>T</title>
<item><title>x</title><link>/2024/x</link></item></channel></rss>"#;
        let feed = parse_feed(no_feed_link.as_bytes(), Some(&location)).unwrap();
        assert_eq!(feed.items[0].link.as_deref(), Some("https://feeds.example/2024/x"));
        assert_eq!(feed.items[0].guid, "https://feeds.example/2024/x", "the guid fallback is absolute too");

        let relative_feed_link = r#"<rss version="2.0"><channel><title>T</title><link>/news/</link>
<item><title>x</title><link>x.html</link></item></channel></rss>"#;
        let feed = parse_feed(relative_feed_link.as_bytes(), Some(&location)).unwrap();
        assert_eq!(feed.link.as_deref(), Some("https://feeds.example/news/"));
        assert_eq!(feed.items[0].link.as_deref(), Some("https://feeds.example/news/x.html"));
    }

    #[test]
    fn a_dtd_is_removed_and_its_entities_stay_text() {
        let doc = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY a \"x]>y\">\n<!-- ]> ' -->\n<!ENTITY e SYSTEM 'file:///etc/passwd'>\n]>\n{}",
            rss_with("<item><title>&a; and &e;</title></item>")
        );
        let feed = parse_feed(doc.as_bytes(), None).unwrap();
        assert_eq!(titles(&feed), ["&a; and &e;"]);

        let external = format!("<!DOCTYPE rss SYSTEM \"http://127.0.0.1:1/x.dtd\">{}", rss_with(""));
        assert!(parse_feed(external.as_bytes(), None).is_ok());

        let unclosed = "<!DOCTYPE rss [ <!ENTITY a \"b\"> <rss version=\"2.0\"></rss>";
        let err = parse_feed(unclosed.as_bytes(), None).unwrap_err();
        assert!(err.reason.contains("never closed"), "{}", err.reason);
    }

    #[test]
    fn html_entities_become_characters_and_stray_ampersands_and_brackets_text() {
        let feed = parse_feed(
            rss_with("<item><title>A&nbsp;&mdash;&hellip;&rsquo;&eacute;&copy; AT&T &amp; 1 < 2 &#X41;&#x42;&#67;</title></item>")
                .as_bytes(),
            None,
        )
        .unwrap();
        // The no-break space folds into a space with the rest of the title's white space.
        assert_eq!(titles(&feed), ["A —…’é© AT&T & 1 < 2 ABC"]);
    }

    #[test]
    fn characters_xml_forbids_are_dropped_or_replaced_even_in_cdata() {
        let feed = parse_feed(
            rss_with(
                "<item><title>a\u{0}b\u{1B}c\u{FFFF}d &#0;&#x1F;&#xFFFE;&#xD800;&#x110000;&#99999999999;</title>\
                 <description><![CDATA[<p>x\u{1}y &#0; &bogus;</p>]]></description></item>",
            )
            .as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(feed.items[0].title, "abc\u{FFFD}d \u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(
            feed.items[0].summary_html.as_deref(),
            Some("<p>xy &#0; &bogus;</p>"),
            "character data is literal: only the raw control is gone"
        );
    }

    #[test]
    fn junk_before_the_document_declarations_and_phpxml_are_dropped() {
        for prefix in ["\r\n\r\n", "garbage\n", "<?phpxml version=\"1.0\" encoding=\"UTF-8\"?>\n"] {
            let doc = format!("{prefix}<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{}", rss_with(""));
            assert!(parse_feed(doc.as_bytes(), None).is_ok(), "{prefix:?}");
        }
        // The declaration says UTF-16 but the text has been decoded already: quick-xml must not
        // decode it a second time.
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>{}",
            rss_with("<item><title>é</title></item>")
        );
        assert_eq!(titles(&parse_feed(doc.as_bytes(), None).unwrap()), ["é"]);
    }

    #[test]
    fn encodings_come_from_the_declaration_the_http_charset_or_the_bytes() {
        let latin1 = b"<rss version=\"2.0\"><channel><title>T</title><item><title>caf\xe9</title></item></channel></rss>";
        assert_eq!(
            titles(&parse_feed(latin1, None).unwrap()),
            ["café"],
            "undeclared, not UTF-8: windows-1252"
        );
        let koi8 = b"<rss version=\"2.0\"><channel><title>T</title><item><title>\xf0\xd2\xc9\xd7\xc5\xd4</title></item></channel></rss>";
        assert_eq!(titles(&parse_feed_with_charset(koi8, Some("koi8-r"), None).unwrap()), ["Привет"]);
        let utf16: Vec<u8> =
            rss_with("<item><title>ü</title></item>").encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(titles(&parse_feed(&utf16, None).unwrap()), ["ü"]);
    }

    #[test]
    fn rss_without_a_known_version_and_rss_090_are_read() {
        let unversioned = "<rss><channel><title>T</title><item><title>x</title></item></channel></rss>";
        assert_eq!(titles(&parse_feed(unversioned.as_bytes(), None).unwrap()), ["x"]);
        let odd = "<rss version='2.01' xmlns:a='urn:a'><channel><title>T</title><item><title>y</title></item></channel></rss>";
        assert_eq!(titles(&parse_feed(odd.as_bytes(), None).unwrap()), ["y"]);
        let rss090 = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>T</title><link>https://n.example/</link></channel><item><title>z</title><link>https://n.example/z</link></item></rdf:RDF>"#;
        assert_eq!(titles(&parse_feed(rss090.as_bytes(), None).unwrap()), ["z"]);
    }

    #[test]
    fn json_feeds_with_common_slips_are_read() {
        let json = r#"{"version":"http://jsonfeed.org/version/1","title":"J","items":[{"id":"1","title":"x","tags":"a, b"}]}"#;
        assert_eq!(titles(&parse_feed(json.as_bytes(), None).unwrap()), ["x"]);
        let err = parse_feed(br#"{"rss":{"channel":{"title":"t"}}}"#, None).unwrap_err();
        assert!(err.reason.contains("RSS-in-JSON"), "{}", err.reason);
        let err = parse_feed(b"[1, 2]", None).unwrap_err();
        assert!(err.reason.contains("JSON array"), "{}", err.reason);
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_and_json_nesting_ends_cleanly() {
        let deep = |n: usize| {
            rss_with(&format!("<item><title>d</title>{}{}</item>", "<x>".repeat(n), "</x>".repeat(n)))
        };
        assert!(parse_feed(deep(MAX_XML_DEPTH - 4).as_bytes(), None).is_ok());
        let err = parse_feed(deep(MAX_XML_DEPTH).as_bytes(), None).unwrap_err();
        assert_eq!(err.reason, "the document is nested deeper than 256 elements, which no feed needs");

        let json = format!(
            r#"{{"version":"https://jsonfeed.org/version/1.1","title":{}1{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let err = parse_feed(json.as_bytes(), None).unwrap_err();
        assert!(err.reason.starts_with("the document is not a valid JSON Feed"), "{}", err.reason);
    }

    #[test]
    fn documents_over_the_size_cap_are_refused_before_parsing() {
        let big = vec![b' '; MAX_FEED_BYTES_PARSED + 1];
        let err = parse_feed(&big, None).unwrap_err();
        assert!(err.reason.contains("more than the 67108864 bytes"), "{}", err.reason);
    }

    #[test]
    fn html_pages_are_named_as_such() {
        let err = parse_feed(b"<head><title>Moved</title></head><body>here</body>", None).unwrap_err();
        assert_eq!(err.reason, "not a feed: the document is an HTML page (its first element is <head>)");
        let err = parse_feed(b"no markup at all", None).unwrap_err();
        assert!(err.reason.contains("no XML markup"), "{}", err.reason);
    }

    #[test]
    fn a_document_needing_only_its_prolog_dropped_is_not_copied() {
        let doc = format!("\n<?xml version=\"1.0\"?>{}", rss_with(""));
        let prepared = prepare(&doc).unwrap();
        assert!(matches!(prepared.text, Cow::Borrowed(_)));
        assert_eq!(prepared.root.as_deref(), Some("rss"));
    }
}
