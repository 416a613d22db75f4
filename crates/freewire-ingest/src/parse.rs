//! Feeds in: RSS 0.9x/1.0/2.0, Atom and JSON Feed through feed-rs, normalised to the few
//! fields freewire needs. Nothing here is sanitised yet: bodies are the feed's own HTML.

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Link, Text};
use url::Url;

use crate::sanitize::html_to_text;

/// A feed, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    /// The feed's title, as text.
    pub title: Option<String>,
    /// The site the feed belongs to.
    pub link: Option<String>,
    /// The feed's declared language.
    pub language: Option<String>,
    /// Its items, in document order.
    pub items: Vec<FeedItem>,
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
}

/// A document that is not a feed we can read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{reason}")]
pub struct ParseError {
    /// What is wrong, for a person.
    pub reason: String,
}

/// Parses RSS, Atom or JSON Feed bytes. `location` (the feed's own URL) resolves relative
/// links.
pub fn parse_feed(bytes: &[u8], location: Option<&Url>) -> Result<ParsedFeed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError { reason: "the document is empty".to_owned() });
    }
    let parser =
        feed_rs::parser::Builder::new().base_uri(location.map(Url::as_str)).id_generator(stable_id).build();
    let feed = parser.parse(bytes).map_err(|e| ParseError { reason: e.to_string() })?;
    let feed_link = pick_link(&feed.links);
    let base = feed_link.as_deref().and_then(|l| Url::parse(l).ok()).or_else(|| location.cloned());
    let items = feed.entries.into_iter().map(|e| item(e, base.as_ref())).collect();
    Ok(ParsedFeed {
        title: feed.title.map(|t| text_of(&t)).filter(|t| !t.is_empty()),
        link: feed_link,
        language: feed.language,
        items,
    })
}

/// An identifier for items that carry none: the link when there is one, otherwise the title.
/// feed-rs's default would hash link and title together (an edited headline would then look
/// like a new article) or make a random one (every import would duplicate the item).
#[expect(clippy::ref_option, reason = "the signature feed-rs asks of an id generator")]
fn stable_id(links: &[Link], title: &Option<Text>, _uri: Option<&str>) -> String {
    if let Some(link) = links.first() {
        return link.href.clone();
    }
    match title {
        Some(t) => format!("title:{}", text_of(t)),
        None => "untitled".to_owned(),
    }
}

fn text_of(t: &Text) -> String {
    if t.content_type.essence().to_string() == "text/plain" {
        t.content.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        html_to_text(&t.content)
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

fn absolute(href: &str, base: Option<&Url>) -> Option<String> {
    match Url::parse(href) {
        Ok(u) => Some(u.to_string()),
        Err(_) => base.and_then(|b| b.join(href).ok()).map(|u| u.to_string()),
    }
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
    if t.content_type.essence().to_string() == "text/plain" {
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
        let inner = raw[open + 1..raw.len() - 1].trim();
        if !inner.is_empty() {
            return Some(inner.to_owned());
        }
    }
    if raw.is_empty() || (raw.contains('@') && !raw.contains(' ')) {
        return None;
    }
    Some(raw.to_owned())
}

fn item(e: Entry, base: Option<&Url>) -> FeedItem {
    let link = pick_link(&e.links).and_then(|l| absolute(&l, base));
    let content_html = e.content.as_ref().and_then(|c| {
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
    FeedItem {
        guid: e.id.trim().to_owned(),
        title: e.title.as_ref().map(text_of).unwrap_or_default(),
        author: e.authors.iter().find_map(|p| p.name.as_deref().and_then(byline)),
        summary_html: e.summary.as_ref().map(html_of_text).filter(|s| !s.trim().is_empty()),
        content_html,
        published: e.published,
        updated: e.updated,
        language: e.language,
        link,
    }
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
}
