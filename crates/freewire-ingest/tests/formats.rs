//! Every older format and encoding a feed comes in, read from our own documents
//! (`tests/fixtures/formats`): what each case must give, field by field, without the reference
//! reader (that comparison is `feedparser_agreement.rs`).
#![expect(clippy::unwrap_used, reason = "a test fails loudly on a broken fixture")]

use std::path::Path;

use freewire_ingest::parse::{ParsedFeed, parse_feed};
use url::Url;

fn read(name: &str) -> ParsedFeed {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats").join(name);
    let bytes = std::fs::read(&path).unwrap();
    let location = Url::parse(&format!("https://feeds.example/{name}")).unwrap();
    parse_feed(&bytes, Some(&location)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn titles(feed: &ParsedFeed) -> Vec<&str> {
    feed.items.iter().map(|i| i.title.as_str()).collect()
}

#[test]
fn atom_0_3_is_read_with_its_dates_and_every_content_mode() {
    let feed = read("atom03.xml");
    assert_eq!(feed.items.len(), 3, "{:?}", titles(&feed));
    assert!(feed.title.is_some() && feed.link.is_some());
    for item in &feed.items {
        assert!(!item.title.is_empty());
        assert!(item.link.as_deref().is_some_and(|l| l.starts_with("https://")), "{item:?}");
        assert!(item.published.is_some(), "issued is the publication time: {item:?}");
        assert!(item.updated.is_some(), "modified is the update time: {item:?}");
        let body = item.content_html.as_deref().unwrap_or_default();
        assert!(!body.trim().is_empty(), "content in every mode is read: {item:?}");
        // base64 is decoded and escaped markup is markup: no body is left encoded.
        assert!(!body.contains("&lt;p&gt;") && !body.starts_with("PH"), "{body}");
    }
    assert!(feed.items.iter().any(|i| i.content_html.as_deref().is_some_and(|b| b.contains("<p"))));
    assert!(read("atom03-minimal.xml").items.iter().all(|i| i.content_html.is_some()));
}

#[test]
fn namespaced_and_prefixed_rss_is_read() {
    for name in ["rss20-default-ns.xml", "rss20-prefixed.xml"] {
        let feed = read(name);
        assert!(feed.title.is_some(), "{name}");
        assert!(feed.link.is_some(), "{name}");
        assert!(feed.items.len() >= 2, "{name}");
        for item in &feed.items {
            assert!(
                !item.title.is_empty() && item.link.is_some() && item.published.is_some(),
                "{name}: {item:?}"
            );
        }
    }
}

#[test]
fn every_rss_0_9x_version_is_read_with_item_titles() {
    for (name, items) in [
        ("rss090.xml", 3),
        ("rss091-netscape.xml", 2),
        ("rss091-userland.xml", 3),
        ("rss092.xml", 2),
        ("rss093.xml", 2),
        ("rss094.xml", 2),
    ] {
        let feed = read(name);
        assert_eq!(feed.items.len(), items, "{name}");
        assert!(
            feed.items.iter().all(|i| !i.title.is_empty() && i.link.is_some()),
            "{name}: {:?}",
            titles(&feed)
        );
    }
    let feed = read("rss092.xml");
    assert!(feed.items.iter().any(|i| !i.media.is_empty()), "the 0.92 enclosure is kept");
}

#[test]
fn rss_1_0_items_take_their_id_and_if_need_be_their_link_from_rdf_about() {
    let feed = read("rss10-modules.xml");
    assert_eq!(feed.items.len(), 3, "the item without a link is not left out: {:?}", titles(&feed));
    for item in &feed.items {
        assert!(item.guid.starts_with("https://saltmere-post.example/2005/02/"), "{}", item.guid);
        assert_eq!(item.link.as_deref(), Some(item.guid.as_str()));
        assert!(item.published.is_some(), "dc:date: {item:?}");
    }
    assert!(feed.items.iter().any(|i| i.author.is_some()), "dc:creator");
    assert!(feed.items.iter().any(|i| i.content_html.is_some()), "content:encoded");
}

#[test]
fn an_atom_entry_without_a_link_is_read_at_its_web_id() {
    let feed = read("atom-id-as-link.xml");
    let links: Vec<_> = feed.items.iter().map(|i| i.link.as_deref()).collect();
    assert_eq!(
        links,
        [
            Some("https://saltmere-post.example/council/2021/07/seafront-parking"),
            Some("http://saltmere-post.example/council/2021/07/bin-collections"),
            None,
        ],
        "a tag: id is no address"
    );
}

#[test]
fn podcasts_keep_authors_summaries_and_every_enclosure_resolved() {
    let feed = read("itunes.xml");
    let first = &feed.items[0];
    assert!(first.author.is_some());
    assert!(first.summary_html.is_some() || first.content_html.is_some());
    assert!(
        first.media.iter().any(|m| m.url.starts_with("https://harbour-gazette.example/podcast/audio/")),
        "the relative enclosure is resolved: {:?}",
        first.media
    );
    let media = read("media-rss.xml");
    let urls: Vec<_> = media.items[0].media.iter().map(|m| m.url.as_str()).collect();
    assert!(urls.len() >= 2, "enclosure and media:content both kept: {urls:?}");
    assert!(urls.iter().all(|u| u.starts_with("https://")), "{urls:?}");
    assert!(read("googleplay.xml").items.iter().all(|i| i.author.is_some()));
}

#[test]
fn xml_base_applies_at_every_level() {
    let feed = read("xmlbase-atom.xml");
    for item in &feed.items {
        let link = item.link.as_deref().unwrap();
        assert!(link.starts_with("https://"), "{link}");
        assert!(item.body_base.is_some(), "{item:?}");
    }
    let bases: Vec<_> = feed.items.iter().map(|i| i.body_base.as_deref()).collect();
    assert!(bases.contains(&Some("https://harbour-gazette.example/media/")), "content's own base: {bases:?}");
    assert!(
        bases.contains(&Some("https://harbour-gazette.example/people/")),
        "relative content base: {bases:?}"
    );
    let links: Vec<_> = feed.items.iter().filter_map(|i| i.link.as_deref()).collect();
    assert!(
        links.contains(&"https://harbour-gazette.example/archive/2011/05/board-chair"),
        "link's own base: {links:?}"
    );
    let rss = read("xmlbase-rss.xml");
    assert!(
        rss.items
            .iter()
            .all(|i| i.link.as_deref().is_some_and(|l| l.starts_with("https://courier.example/")))
    );
}

#[test]
fn cdf_is_read_as_a_feed() {
    let feed = read("cdf.xml");
    assert!(feed.title.is_some());
    assert_eq!(feed.items.len(), 3);
    assert!(feed.items.iter().all(|i| i.link.is_some() && !i.title.is_empty() && i.summary_html.is_some()));
    assert!(feed.items.iter().all(|i| i.updated.is_some()), "LASTMOD");
}

#[test]
fn ebcdic_and_dos_code_pages_are_decoded() {
    let cases = [
        ("ebcdic-cp037.xml", "£"),
        ("ebcdic-ibm037.xml", "ñ"),
        ("ebcdic-cp500.xml", "é"),
        ("dos-cp437.xml", "½"),
        ("dos-cp850.xml", "ß"),
        ("dos-cp852.xml", "ż"),
        ("dos-cp866.xml", "щ"),
    ];
    for (name, letter) in cases {
        let feed = read(name);
        assert_eq!(feed.items.len(), 2, "{name}");
        let text: String = feed
            .items
            .iter()
            .flat_map(|i| {
                [
                    i.title.clone(),
                    i.summary_html.clone().unwrap_or_default(),
                    i.content_html.clone().unwrap_or_default(),
                ]
            })
            .collect();
        assert!(text.contains(letter), "{name} holds {letter}: {text}");
        assert!(!text.contains('\u{fffd}'), "{name} decodes cleanly");
    }
}

#[test]
fn a_document_whose_items_cannot_be_read_is_an_error_not_an_empty_feed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/unknown-ns.xml");
    let err = parse_feed(&std::fs::read(path).unwrap(), None).unwrap_err();
    assert!(err.reason.contains("no items could be read"), "{err}");
    assert!(err.reason.contains("x:item"), "names the element: {err}");
}

#[test]
fn what_is_left_out_is_said() {
    let doc = br#"<rss version="2.0"><channel><title>T</title><link>https://t.example/</link>
        <item><title>A</title><link>javascript:alert(1)</link><pubDate>the day after tomorrow</pubDate></item>
        <item><title>B</title><link>https://t.example/b</link><enclosure url="ftp://t.example/b.mp3" type="audio/mpeg"/></item>
        </channel></rss>"#;
    let feed = parse_feed(doc, None).unwrap();
    assert_eq!(feed.items.len(), 2);
    let warnings = feed.warnings.join("\n");
    assert!(warnings.contains("item 1: the link \"javascript:alert(1)\" is not a web address"), "{warnings}");
    assert!(
        warnings.contains("item 1: the date \"the day after tomorrow\" in <pubDate> was not understood"),
        "{warnings}"
    );
    assert!(
        warnings.contains("item 2: the enclosure \"ftp://t.example/b.mp3\" is not a web address"),
        "{warnings}"
    );
}
