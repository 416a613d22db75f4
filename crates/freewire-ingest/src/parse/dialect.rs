//! The feed dialects feed-rs does not read, rewritten into ones it does, and what it leaves out of
//! the ones it reads, gathered in the same pass.
//!
//! feed-rs matches elements by namespace and knows only RSS 1.0's, Atom 1.0's and a few modules'.
//! So a feed whose elements carry another namespace comes out empty: Atom 0.3
//! (`http://purl.org/atom/ns#`), RSS 2.0 with Userland's or Harvard's namespace (as a default
//! `xmlns` or a prefix), RSS 0.90 (Netscape's RDF namespace). And it knows RSS only as 0.91, 0.92
//! and 2.0: 0.93, 0.94 and a missing `version` are refused as "not a feed". Rewriting those
//! namespaces (and Atom 0.3's few renamed elements and content modes) into their successors lets
//! feed-rs read them with everything it reads for the current formats; a hand-written reader for
//! every dialect would repeat all of that. The rewrite happens only for documents that need it.
//!
//! What feed-rs reads but drops, gathered here per item: RSS 1.0's `rdf:about` (the item's id),
//! iTunes and Google Play authors and summaries, RSS enclosures beside Media RSS, Atom enclosure
//! links, the `xml:base` in force at an item's link and body, and the date text as written (to
//! say which dates could not be read). The pass also counts item and entry elements in any
//! namespace, so that a document full of items that yields none is an error, never an empty feed.

use base64::Engine as _;
use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, BytesText, Event};
use quick_xml::name::{Namespace, ResolveResult};
use url::Url;

const ATOM_03: &str = "http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";
const RSS_10: &str = "http://purl.org/rss/1.0/";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const GOOGLE_PLAY: &str = "http://www.google.com/schemas/play-podcasts/1.0";
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";
const DUBLIN_CORE: &str = "http://purl.org/dc/elements/1.1/";

/// Namespaces that older documents gave RSS's own elements, read as RSS 1.0's (which feed-rs
/// reads for RSS 2.0 elements too).
const RSS_NAMESPACES: &[&str] = &[
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss",
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://purl.org/net/rss1.1#",
];

/// The most text kept from one captured element (an author, a summary): bounded so a hostile
/// document cannot make the pass hold a second copy of itself per item.
const MAX_CAPTURE: usize = 256 * 1024;

/// An enclosure as the document gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Enclosure {
    pub url: String,
    pub media_type: Option<String>,
    pub length: Option<u64>,
    /// The `xml:base` in force at the element.
    pub base: Option<Url>,
}

/// What one item carries beyond what feed-rs keeps.
#[derive(Debug, Clone, Default)]
pub(super) struct ItemExtras {
    /// RSS 1.0's `rdf:about`.
    pub about: Option<String>,
    /// iTunes or Google Play author, or the name in an RSS `<author><name>`.
    pub author: Option<String>,
    /// An RSS description written as markup rather than text (`<description><table>…`), as
    /// the HTML it holds.
    pub description_markup: Option<String>,
    /// The iTunes summary, or else the Media RSS description (plain text).
    pub summary_text: Option<String>,
    /// RSS enclosures and Atom enclosure links.
    pub enclosures: Vec<Enclosure>,
    /// The `xml:base` in force at the item's (first) link.
    pub link_base: Option<Url>,
    /// The `xml:base` in force at the item's body.
    pub body_base: Option<Url>,
    /// Whether the item has a link of its own.
    pub has_link: bool,
    /// Whether the item's id may serve as its link (Atom ids, RSS guids not marked otherwise).
    pub id_is_link: bool,
    /// Dates as written, by element name.
    pub dates: Vec<(String, String)>,
}

/// The outcome of the pass.
#[derive(Debug, Default)]
pub(super) struct Dialect {
    /// The document rewritten for feed-rs, when it had to be.
    pub rewritten: Option<String>,
    /// Extras for each element named like an item (`item`, `entry`) in any namespace, outside
    /// other items, in document order: what feed-rs reads of them is matched by position.
    pub items: Vec<ItemExtras>,
    /// The qualified name of the first such element, for messages.
    pub item_name: Option<String>,
    /// The root's qualified name.
    pub root: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Capture {
    Author,
    Summary,
    Date,
    Base64,
}

/// What must change for feed-rs, decided from the document's start.
struct Plan {
    rewrite: bool,
    cdf: bool,
}

fn plan(text: &str) -> Plan {
    // Cheap test first: every rewrite is keyed on a namespace or a root this scan can see.
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    // An element is in a namespace only where an `xmlns` attribute declares it, so the
    // declarations are all that is looked at: one scan of the document, not one per namespace.
    let (mut rss_ns, mut atom03) = (false, false);
    for ns in declared_namespaces(text) {
        rss_ns |= RSS_NAMESPACES.contains(&ns);
        atom03 |= ns == ATOM_03;
    }
    // RSS 1.0 items without a link get their `rdf:about` as one (see `link_from_about`).
    let rdf = head.contains("http://www.w3.org/1999/02/22-rdf-syntax-ns#");
    let odd_rss = odd_rss_root(head);
    let cdf = root_name(head).is_some_and(|n| n.eq_ignore_ascii_case("channel"));
    Plan { rewrite: rss_ns || atom03 || odd_rss || rdf || cdf, cdf }
}

/// The values of the document's `xmlns` and `xmlns:prefix` attributes, as written.
fn declared_namespaces(text: &str) -> impl Iterator<Item = &str> {
    memchr::memmem::find_iter(text.as_bytes(), b"xmlns").filter_map(move |at| {
        let rest = text.get(at + 5..)?;
        let rest = match rest.strip_prefix(':') {
            Some(prefixed) => {
                prefixed.trim_start_matches(|c: char| !matches!(c, '=' | '>' | '<') && !c.is_whitespace())
            }
            None => rest,
        };
        let rest = rest.trim_start().strip_prefix('=')?.trim_start();
        let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let value = &rest[1..];
        value.find(quote).map(|end| &value[..end])
    })
}

/// The name of the first element near the start.
fn root_name(head: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(head);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => return Some(e.name().as_ref().to_owned()),
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Whether the root near the start is an `<rss>` whose `version` feed-rs refuses (0.90, 0.93,
/// 0.94, none at all …).
fn odd_rss_root(head: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(head);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.local_name().as_ref() != "rss" {
                    return false;
                }
                return !matches!(attribute(&e, "version").as_deref(), Some("2.0" | "0.91" | "0.92"));
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Runs the pass over cleaned XML. A document quick-xml cannot read through is left as it is,
/// with whatever was gathered before the fault: feed-rs then reports the fault itself.
pub(super) fn read(text: &str) -> Dialect {
    let plan = plan(text);
    let mut pass = Pass {
        text,
        markup: None,
        out: plan.rewrite.then(|| Writer::new(Vec::with_capacity(text.len() + 64))),
        dialect: Dialect::default(),
        bases: Vec::new(),
        depth: 0,
        item_depth: None,
        capture: None,
        captured: String::new(),
        author_depth: None,
        renamed: Vec::new(),
        cdf: plan.cdf,
    };
    let mut reader = quick_xml::NsReader::from_str(text);
    reader.config_mut().check_end_names = false;
    // The event's namespace, copied out of the reader (which `event` reads on) into one buffer
    // reused for every event.
    let mut ns = String::new();
    let completed = loop {
        let (bound, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(Namespace(n)), event)) => {
                ns.clear();
                ns.push_str(n);
                (true, event)
            }
            Ok((_, event)) => (false, event),
            Err(_) => break false,
        };
        if matches!(event, Event::Eof) {
            break true;
        }
        if pass.event(&reader, bound.then_some(ns.as_str()), event).is_err() {
            break false;
        }
    };
    let mut dialect = pass.dialect;
    if let (true, Some(out)) = (completed, pass.out) {
        dialect.rewritten = String::from_utf8(out.into_inner()).ok();
    }
    dialect
}

/// Where the reader stands in the text, after the event it last read.
fn position(reader: &quick_xml::NsReader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

struct Pass<'t> {
    text: &'t str,
    /// An open RSS description of the current item: its depth, where its content starts, and
    /// whether an element was seen in it.
    markup: Option<(usize, usize, bool)>,
    out: Option<Writer<Vec<u8>>>,
    dialect: Dialect,
    /// The `xml:base` in force at each open element.
    bases: Vec<Option<Url>>,
    depth: usize,
    item_depth: Option<usize>,
    capture: Option<(Capture, usize)>,
    captured: String,
    /// The depth of an open RSS `author` element of the current item.
    author_depth: Option<usize>,
    /// For each open element written under another name, the end tags to write for it: whether its end tag must be renamed, and to what.
    renamed: Vec<(usize, Vec<String>)>,
    /// Whether the document is CDF, written out as RSS 2.0.
    cdf: bool,
}

type Step = Result<(), quick_xml::Error>;

impl Pass<'_> {
    fn base(&self) -> Option<&Url> {
        self.bases.last().and_then(Option::as_ref)
    }

    fn element_base(&self, e: &BytesStart<'_>) -> Option<Url> {
        let parent = self.base().cloned();
        let Some(attr) = e.attributes().flatten().find(|a| a.key.as_ref() == "xml:base") else {
            return parent;
        };
        let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?;
        match &parent {
            Some(p) => p.join(value.trim()).ok().or(parent),
            None => Url::parse(value.trim()).ok(),
        }
    }

    fn event(&mut self, reader: &quick_xml::NsReader<&[u8]>, ns: Option<&str>, event: Event<'_>) -> Step {
        match event {
            Event::Start(e) => {
                let base = self.element_base(&e);
                self.saw_element();
                self.depth += 1;
                self.start(reader, ns, &e, base.as_ref(), false);
                self.bases.push(base);
                self.write_start(ns, &e, false)
            }
            Event::Empty(e) => {
                let base = self.element_base(&e);
                self.saw_element();
                self.depth += 1;
                self.start(reader, ns, &e, base.as_ref(), true);
                self.depth -= 1;
                self.write_start(ns, &e, true)
            }
            Event::End(e) => {
                if let Some((depth, from, children)) = self.markup
                    && depth == self.depth
                {
                    self.markup = None;
                    let end = position(reader).min(self.text.len());
                    let to = self.text.get(..end).and_then(|t| t.rfind("</")).unwrap_or(from);
                    if children
                        && let (Some(inner), Some(item)) =
                            (self.text.get(from..to), self.dialect.items.last_mut())
                    {
                        item.description_markup = Some(inner.trim().to_owned());
                    }
                }
                if let Some((kind, depth)) = self.capture
                    && depth == self.depth
                {
                    self.finish_capture(kind)?;
                }
                if self.item_depth == Some(self.depth) {
                    self.item_depth = None;
                    self.link_from_about()?;
                }
                if self.author_depth == Some(self.depth) {
                    self.author_depth = None;
                }
                self.bases.pop();
                let renamed = match self.renamed.last() {
                    Some((depth, names)) if *depth == self.depth => Some(names.clone()),
                    _ => None,
                };
                self.depth = self.depth.saturating_sub(1);
                match renamed {
                    Some(names) => {
                        self.renamed.pop();
                        for name in names {
                            self.write(Event::End(quick_xml::events::BytesEnd::new(name)))?;
                        }
                        Ok(())
                    }
                    None => self.write(Event::End(e)),
                }
            }
            Event::Text(t) => {
                if self.capture.is_some() {
                    self.keep(&t.xml10_content());
                }
                self.write_unless_base64(Event::Text(t))
            }
            Event::CData(c) => {
                if self.capture.is_some() {
                    self.keep(&c);
                }
                self.write_unless_base64(Event::CData(c))
            }
            Event::GeneralRef(r) => {
                if self.capture.is_some() {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_owned),
                    };
                    if let Some(s) = resolved {
                        self.keep(&s);
                    }
                }
                self.write_unless_base64(Event::GeneralRef(r))
            }
            other => self.write(other),
        }
    }

    /// feed-rs leaves out RSS 1.0 items without a `link`; their `rdf:about` is their address, so
    /// it is written in as their link.
    fn link_from_about(&mut self) -> Step {
        let Some(item) = self.dialect.items.last() else { return Ok(()) };
        if item.has_link || self.out.is_none() {
            return Ok(());
        }
        let Some(about) = item.about.clone() else { return Ok(()) };
        let mut link = BytesStart::new("link");
        link.push_attribute(("xmlns", RSS_10));
        self.write(Event::Start(link))?;
        self.write(Event::Text(BytesText::new(&about)))?;
        self.write(Event::End(quick_xml::events::BytesEnd::new("link")))
    }

    fn saw_element(&mut self) {
        if let Some((_, _, children)) = self.markup.as_mut() {
            *children = true;
        }
    }

    fn keep(&mut self, s: &str) {
        if self.captured.len() + s.len() <= MAX_CAPTURE {
            self.captured.push_str(s);
        }
    }

    fn write(&mut self, event: Event<'_>) -> Step {
        if let Some(out) = self.out.as_mut() {
            out.write_event(event).map_err(quick_xml::Error::from)?;
        }
        Ok(())
    }

    fn write_unless_base64(&mut self, event: Event<'_>) -> Step {
        if matches!(self.capture, Some((Capture::Base64, _))) { Ok(()) } else { self.write(event) }
    }

    fn finish_capture(&mut self, kind: Capture) -> Step {
        self.capture = None;
        let text = std::mem::take(&mut self.captured);
        let item = self.dialect.items.last_mut();
        match (kind, item) {
            (Capture::Author, Some(item)) => {
                let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if item.author.is_none() && !name.is_empty() {
                    item.author = Some(name);
                }
            }
            (Capture::Summary, Some(item)) if item.summary_text.is_none() && !text.trim().is_empty() => {
                item.summary_text = Some(text.trim().to_owned());
            }
            (Capture::Date, Some(item)) => {
                if let Some(last) = item.dates.last_mut() {
                    text.trim().clone_into(&mut last.1);
                }
            }
            (Capture::Base64, _) => {
                let compact: String = text.split_whitespace().collect();
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                self.write(Event::Text(BytesText::new(&decoded)))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Notes a Media RSS object or description of the current item; `true` when the element's
    /// text is being captured.
    fn media(
        &mut self,
        ns: Option<&str>,
        local: &str,
        e: &BytesStart<'_>,
        base: Option<&Url>,
        empty: bool,
        item_depth: usize,
    ) -> bool {
        if !ns.is_some_and(|n| is(n, MEDIA_RSS)) {
            return false;
        }
        // Media RSS objects, directly in the item or in a `media:group`: feed-rs drops those
        // whose address is relative.
        if local == "content"
            && self.depth <= item_depth + 2
            && let (Some(url), Some(item)) = (attribute(e, "url"), self.dialect.items.last_mut())
        {
            item.enclosures.push(Enclosure {
                url,
                media_type: attribute(e, "type"),
                length: attribute(e, "fileSize").and_then(|l| l.trim().parse().ok()),
                base: base.cloned(),
            });
        }
        // A Media RSS description (YouTube's only text for a video), in the item, its group or its
        // object: the item's text where it has none of its own.
        if local == "description"
            && !empty
            && self.depth <= item_depth + 3
            && self.capture.is_none()
            && self.dialect.items.last().is_some_and(|i| i.summary_text.is_none())
        {
            self.capture = Some((Capture::Summary, self.depth));
            self.captured.clear();
            return true;
        }
        false
    }

    /// Opens an item (or entry): counted, and its extras begun.
    fn begin_item(&mut self, reader: &quick_xml::NsReader<&[u8]>, e: &BytesStart<'_>, empty: bool) {
        if self.dialect.item_name.is_none() {
            self.dialect.item_name = Some(e.name().as_ref().to_owned());
        }
        if !empty {
            self.item_depth = Some(self.depth);
        }
        let about = attribute_in(reader, e, RDF, "about");
        let id_is_link = e.local_name().as_ref() == "entry";
        self.dialect.items.push(ItemExtras { about, id_is_link, ..ItemExtras::default() });
    }

    /// Notes what an element tells about the feed and its items.
    fn start(
        &mut self,
        reader: &quick_xml::NsReader<&[u8]>,
        ns: Option<&str>,
        e: &BytesStart<'_>,
        base: Option<&Url>,
        empty: bool,
    ) {
        let local = e.local_name();
        let local = local.as_ref();
        if self.depth == 1 {
            self.dialect.root = Some(e.name().as_ref().to_owned());
        }
        let is_item_name = matches!(local, "item" | "entry") || (local == "ITEM" && ns.is_none());
        if self.item_depth.is_none() && is_item_name && self.depth > 1 {
            self.begin_item(reader, e, empty);
            return;
        }
        let Some(item_depth) = self.item_depth else { return };
        if self.media(ns, local, e, base, empty, item_depth) {
            return;
        }
        if self.depth == item_depth + 2
            && self.author_depth == Some(item_depth + 1)
            && local == "name"
            && !empty
        {
            // `<author><name>…</name></author>` in RSS: a person written the Atom way.
            self.capture = Some((Capture::Author, self.depth));
            self.captured.clear();
            return;
        }
        if self.depth != item_depth + 1 {
            return;
        }
        let Some(item) = self.dialect.items.last_mut() else { return };
        let rss_or_none = ns.is_none_or(|n| n == RSS_10 || RSS_NAMESPACES.contains(&n));
        let atom = ns.is_some_and(|n| n == ATOM_10 || n == ATOM_03);
        match (ns, local) {
            (_, "link") if rss_or_none || atom => {
                let rel = attribute(e, "rel");
                if atom && rel.as_deref() == Some("enclosure") {
                    if let Some(url) = attribute(e, "href") {
                        item.enclosures.push(Enclosure {
                            url,
                            media_type: attribute(e, "type"),
                            length: attribute(e, "length").and_then(|l| l.trim().parse().ok()),
                            base: base.cloned(),
                        });
                    }
                } else if rel.as_deref().is_none_or(|r| r == "alternate") {
                    item.has_link = true;
                    if item.link_base.is_none() {
                        item.link_base = base.cloned();
                    }
                }
            }
            (_, "enclosure") if rss_or_none => {
                if let Some(url) = attribute(e, "url") {
                    item.enclosures.push(Enclosure {
                        url,
                        media_type: attribute(e, "type"),
                        length: attribute(e, "length").and_then(|l| l.trim().parse().ok()),
                        base: base.cloned(),
                    });
                }
            }
            (_, "guid") if rss_or_none => {
                item.id_is_link =
                    attribute(e, "isPermaLink").is_none_or(|p| !p.trim().eq_ignore_ascii_case("false"));
            }
            (_, "description" | "content" | "summary") if rss_or_none || atom => {
                item.body_base = base.cloned();
                if rss_or_none && local == "description" && !empty {
                    self.markup = Some((self.depth, position(reader), false));
                }
            }
            (Some(n), "encoded") if !is(n, ITUNES) => item.body_base = base.cloned(),
            (Some(n), "author") if (is(n, ITUNES) || is(n, GOOGLE_PLAY)) && !empty => {
                self.capture = Some((Capture::Author, self.depth));
            }
            (Some(n), "summary") if is(n, ITUNES) && !empty => {
                self.capture = Some((Capture::Summary, self.depth));
            }
            _ => {}
        }
        if rss_or_none && local == "author" && !empty {
            self.author_depth = Some(self.depth);
        }
        let is_date = matches!(local, "pubDate" | "published" | "updated" | "issued" | "modified")
            || (ns == Some(DUBLIN_CORE) && local == "date");
        if is_date && !empty && self.capture.is_none() {
            item.dates.push((local.to_owned(), String::new()));
            self.capture = Some((Capture::Date, self.depth));
        }
        if matches!(self.capture, Some((_, depth)) if depth == self.depth) {
            self.captured.clear();
        }
    }

    /// Writes a start (or empty) tag, rewritten where the dialect needs it.
    fn write_start(&mut self, ns: Option<&str>, e: &BytesStart<'_>, empty: bool) -> Step {
        if self.out.is_none() {
            return Ok(());
        }
        if self.cdf {
            return self.write_cdf(e, empty);
        }
        let mut name = e.name().as_ref().to_owned();
        let is_root = self.depth == 1 || (empty && self.depth == 0);
        let atom03 = ns == Some(ATOM_03);
        let mut mode: Option<String> = None;
        let mut content_type: Option<String> = None;
        if atom03 {
            let renamed = match e.local_name().as_ref() {
                "issued" => Some("published"),
                "modified" => Some("updated"),
                "tagline" => Some("subtitle"),
                "copyright" => Some("rights"),
                _ => None,
            };
            if let Some(new) = renamed {
                name = match name.split_once(':') {
                    Some((prefix, _)) => format!("{prefix}:{new}"),
                    None => new.to_owned(),
                };
            }
            if matches!(
                e.local_name().as_ref(),
                "title" | "tagline" | "copyright" | "summary" | "content" | "info"
            ) {
                mode = attribute(e, "mode");
                content_type = attribute(e, "type");
            }
        }
        let text_construct = mode.is_some() || content_type.is_some();
        let mut start = BytesStart::new(name.clone());
        let mut has_version = false;
        for attr in e.attributes().flatten() {
            let key = attr.key.as_ref();
            if key == "xmlns" || key.starts_with("xmlns:") {
                let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap_or_default();
                let value = value.trim();
                if value == ATOM_03 {
                    start.push_attribute((key, ATOM_10));
                    continue;
                }
                if RSS_NAMESPACES.contains(&value) {
                    start.push_attribute((key, RSS_10));
                    continue;
                }
            }
            if is_root && e.local_name().as_ref() == "rss" && key == "version" {
                has_version = true;
                let v = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap_or_default();
                let keep = matches!(v.trim(), "2.0" | "0.91" | "0.92");
                start.push_attribute(("version", if keep { v.trim() } else { "2.0" }));
                continue;
            }
            if text_construct && (key == "mode" || key == "type") {
                continue;
            }
            // The value is written between double quotes: one that was single-quoted may hold a
            // double quote, which must become a reference there.
            let value =
                if attr.value.contains('"') { attr.value.replace('"', "&quot;").into() } else { attr.value };
            start.push_attribute(Attribute { key: attr.key, value });
        }
        if is_root && e.local_name().as_ref() == "rss" && !has_version {
            start.push_attribute(("version", "2.0"));
        }
        if text_construct {
            let html = content_type.as_deref().is_some_and(|t| t.contains("html"));
            let xhtml = content_type.as_deref().is_some_and(|t| t.contains("xhtml"));
            let kind = match mode.as_deref().map(str::trim) {
                Some("escaped" | "base64") => Some(if html { "html" } else { "text" }),
                _ if xhtml => Some("xhtml"),
                _ if html => Some("html"),
                _ if content_type.is_some() => Some("text"),
                _ => None,
            };
            if let Some(kind) = kind {
                start.push_attribute(("type", kind));
            }
            if !empty && mode.as_deref().map(str::trim) == Some("base64") {
                self.capture = Some((Capture::Base64, self.depth));
                self.captured.clear();
            }
        }
        if atom03 && !empty && name != e.name().as_ref() {
            self.renamed.push((self.depth, vec![name.clone()]));
        }
        let event = if empty { Event::Empty(start) } else { Event::Start(start) };
        self.write(event)
    }
}

impl Pass<'_> {
    /// Microsoft's Channel Definition Format, written as RSS 2.0: `CHANNEL` (the root) becomes
    /// `rss` and `channel`, `ITEM` `item`, their `HREF` a `link`, `LASTMOD` an update time, `BASE`
    /// an `xml:base`, `TITLE` `title` and `ABSTRACT` `description`. Other elements pass as they
    /// are and are ignored.
    fn write_cdf(&mut self, e: &BytesStart<'_>, empty: bool) -> Step {
        let local = e.local_name().as_ref().to_ascii_uppercase();
        let (open, close): (Vec<BytesStart<'static>>, Vec<String>) = match local.as_str() {
            "CHANNEL" if self.depth == 1 => {
                let mut channel = BytesStart::new("channel");
                if let Some(base) = attribute(e, "BASE") {
                    channel.push_attribute(("xml:base", base.as_str()));
                }
                (
                    vec![BytesStart::new("rss").with_attributes([("version", "2.0")]), channel],
                    vec!["channel".into(), "rss".into()],
                )
            }
            "ITEM" => (vec![BytesStart::new("item")], vec!["item".into()]),
            "TITLE" => (vec![BytesStart::new("title")], vec!["title".into()]),
            "ABSTRACT" => (vec![BytesStart::new("description")], vec!["description".into()]),
            _ => {
                let event = if empty { Event::Empty(e.borrow()) } else { Event::Start(e.borrow()) };
                return self.write(event);
            }
        };
        for start in open {
            self.write(Event::Start(start))?;
        }
        if matches!(local.as_str(), "CHANNEL" | "ITEM") {
            if let Some(href) = attribute(e, "HREF") {
                self.write_element("link", &href)?;
            }
            if let Some(at) = attribute(e, "LASTMOD") {
                // CDF writes times without seconds or zone (`1998-04-02T09:00`).
                let at = super::dates::read(&at).map_or(at, |t| t.to_rfc3339());
                self.write_element("updated", &at)?;
            }
        }
        if empty {
            for name in close {
                self.write(Event::End(quick_xml::events::BytesEnd::new(name)))?;
            }
        } else {
            self.renamed.push((self.depth, close));
        }
        Ok(())
    }

    fn write_element(&mut self, name: &str, text: &str) -> Step {
        self.write(Event::Start(BytesStart::new(name)))?;
        self.write(Event::Text(BytesText::new(text)))?;
        self.write(Event::End(quick_xml::events::BytesEnd::new(name)))
    }
}

/// Namespace names compared as feedparser compares them: publishers vary the case
/// (`http://www.itunes.com/DTDs/Podcast-1.0.dtd`).
fn is(ns: &str, known: &str) -> bool {
    ns.eq_ignore_ascii_case(known)
}

fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.trim().to_owned())
        })
        .filter(|v| !v.is_empty())
}

fn attribute_in(
    reader: &quick_xml::NsReader<&[u8]>,
    e: &BytesStart<'_>,
    ns: &str,
    local: &str,
) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let (resolved, name) = reader.resolver().resolve_attribute(a.key);
        let bound = matches!(resolved, ResolveResult::Bound(Namespace(n)) if n == ns);
        (bound && name.as_ref() == local)
            .then(|| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.trim().to_owned()))
            .flatten()
            .filter(|v| !v.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_read_from_their_declarations() {
        let doc = "<rss version='2.0' xmlns = 'http://backend.userland.com/rss2' \
                   xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><description>see \
                   http://purl.org/atom/ns# and xmlns, xmlns=</description></channel></rss>";
        assert_eq!(
            declared_namespaces(doc).collect::<Vec<_>>(),
            ["http://backend.userland.com/rss2", "http://search.yahoo.com/mrss/"]
        );
        assert!(plan(doc).rewrite, "a declared RSS namespace is rewritten");
        let mentioned =
            "<rss version=\"2.0\"><channel><title>http://purl.org/atom/ns#</title></channel></rss>";
        assert!(!plan(mentioned).rewrite, "a namespace only mentioned in text is not in force");
        let prefixed = "<feed xmlns:a03=\"http://purl.org/atom/ns#\"><a03:title>t</a03:title></feed>";
        assert!(plan(prefixed).rewrite);
    }

    #[test]
    fn a_rewritten_document_is_still_well_formed_xml() {
        // Atom 0.3 is rewritten, every attribute written out again between double quotes: a
        // single-quoted value holding a double quote must not end early.
        let doc = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Q</title>
            <entry><issued>2004-03-01T10:00:00Z</issued>
            <link title='The "quoted" one' rel='alternate' href='https://q.example/a?x=1&amp;y=2'/></entry></feed>"#;
        let rewritten = read(doc).rewritten.unwrap();
        assert!(rewritten.contains(r#"title="The &quot;quoted&quot; one""#), "{rewritten}");
        assert!(rewritten.contains(r#"href="https://q.example/a?x=1&amp;y=2""#), "{rewritten}");
        assert!(rewritten.contains("<published>2004-03-01T10:00:00Z</published>"), "{rewritten}");
        assert!(rewritten.contains(r#"xmlns="http://www.w3.org/2005/Atom""#), "{rewritten}");
        let mut reader = quick_xml::Reader::from_str(&rewritten);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e) | Event::Empty(e)) => {
                    for attr in e.attributes().with_checks(true) {
                        attr.unwrap();
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("{e}: {rewritten}"),
            }
        }
    }
}
