//! Properties of the sanitiser over generated HTML and over every vector of the shared XSS
//! corpus: sanitising is idempotent (its output is a fixed point, so a re-parse cannot turn it
//! into something else), its text read by a scan is the text a parser reads
//! (`text_of_sanitised`), and its output holds no active content as a browser's parser would
//! read it (`support/active_content.rs`: no script-like element, foreign content, comment,
//! event handler, `style`, or URL with a scheme other than `http`, `https` or `mailto`).
//!
//! The generator builds documents from a grammar of the tags, attributes and URL tricks that
//! attacks use: dangerous and allowed elements nested and mis-nested, `on*` handlers, URLs with
//! `javascript:`, `vbscript:` and `data:` schemes in mixed case, written with character
//! references and split by whitespace or control characters, comments, CDATA, stray markup.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a broken fixture should stop the test loudly")]

#[path = "support/active_content.rs"]
mod active_content;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use active_content::{active_content, scheme_of};
use freewire_ingest::sanitize::text_of_sanitised;
use freewire_ingest::{html_to_text, sanitize_html};
use proptest::prelude::*;
use url::Url;

fn base() -> Url {
    Url::parse("https://outlet.example/news/2024/03/story.html").unwrap()
}

/// The problems with `sanitize_html(html, base)`: active content in its output, or an output
/// that changes when sanitised again. Empty when both properties hold.
fn violations(html: &str, base: Option<&Url>) -> Vec<String> {
    let out = sanitize_html(html, base);
    let mut problems = active_content(&out);
    let again = sanitize_html(&out, base);
    if again != out {
        problems.push(format!("not idempotent:\n    once:  {out:?}\n    twice: {again:?}"));
    }
    let (scanned, parsed) = (text_of_sanitised(&out), html_to_text(&out));
    if scanned != parsed {
        problems.push(format!("text read by scan differs:\n    scan:  {scanned:?}\n    parse: {parsed:?}"));
    }
    problems.into_iter().map(|p| format!("{p}\n    out: {out:.400}")).collect()
}

// ---------------------------------------------------------------------------------------------
// The grammar

/// Tags the news policy keeps, removes with their content, or removes keeping their text.
const TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "svg",
    "math",
    "a",
    "img",
    "form",
    "input",
    "button",
    "select",
    "option",
    "textarea",
    "object",
    "embed",
    "param",
    "p",
    "div",
    "span",
    "table",
    "tr",
    "td",
    "caption",
    "col",
    "noscript",
    "template",
    "pre",
    "blockquote",
    "q",
    "picture",
    "source",
    "video",
    "audio",
    "base",
    "meta",
    "link",
    "frameset",
    "frame",
    "xmp",
    "plaintext",
    "listing",
    "noembed",
    "noframes",
    "title",
    "desc",
    "foreignObject",
    "mtext",
    "mglyph",
    "annotation-xml",
    "animate",
    "set",
    "use",
    "image",
    "details",
    "summary",
    "time",
    "ol",
    "li",
    "figure",
    "figcaption",
    "h1",
    "em",
    "body",
    "html",
    "head",
    "isindex",
    "marquee",
    "keygen",
    "applet",
    "xml",
];

/// Attribute names, active and harmless, in the spellings attacks use.
const ATTRIBUTES: &[&str] = &[
    "onclick",
    "onerror",
    "onload",
    "OnMouseOver",
    "onfocus",
    "onbegin",
    "href",
    "HREF",
    "src",
    "srcset",
    "xlink:href",
    "formaction",
    "action",
    "style",
    "data",
    "poster",
    "background",
    "srcdoc",
    "cite",
    "dynsrc",
    "lowsrc",
    "title",
    "alt",
    "lang",
    "dir",
    "width",
    "rel",
    "datetime",
    "is",
    "xmlns",
    "encoding",
    "attributename",
    "to",
    "values",
    "ping",
    "colspan",
];

/// Schemes and what follows them.
const URLS: &[(&str, &str)] = &[
    ("javascript", "alert(1)"),
    ("vbscript", "msgbox(1)"),
    ("livescript", "alert(1)"),
    ("data", "text/html,<script>alert(1)</script>"),
    ("data", "text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("data", "image/svg+xml,<svg onload=alert(1)>"),
    ("data", "image/png;base64,iVBORw0KGgo="),
    ("http", "//outlet.example/a"),
    ("https", "//outlet.example/b?c=d#e"),
    ("mailto", "desk@outlet.example"),
    ("feed", "https://outlet.example/rss"),
];

/// What attacks put inside a scheme to hide it from a naive filter.
const SPLITTERS: &[&str] = &["\t", "\n", "\r", "&#x09;", "&#10;", "&Tab;", "&NewLine;", "\u{1}", "\0", " "];

/// What comes before the URL.
const LEADING: &[&str] = &["", "", " ", "\u{1}", "&#x20;", "\u{a0}", "\u{feff}"];

/// Tags the policy keeps, drawn more often so that documents keep some structure to attack.
const KEPT_TAGS: &[&str] =
    &["a", "img", "p", "div", "blockquote", "q", "pre", "table", "td", "picture", "time", "ol", "li", "em"];

fn tag() -> impl Strategy<Value = &'static str> {
    prop_oneof![2 => pick(KEPT_TAGS), 3 => pick(TAGS)]
}

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(list)
}

/// A URL whose scheme is written the ways browsers still read it: mixed case, characters as
/// decimal or hexadecimal references (with or without `;`, zero-padded), split by whitespace
/// or control characters, `&colon;` for the colon.
fn url_value() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(URLS),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        pick(SPLITTERS),
        pick(LEADING),
        prop_oneof![Just(""), Just("/x/../y"), Just("relative/path"), Just("#top")],
    )
        .prop_map(|((scheme, rest), case, encode, split, splitter, leading, relative)| {
            if scheme == "feed" && !relative.is_empty() {
                return relative.to_owned();
            }
            let mut out = leading.to_owned();
            for (i, c) in scheme.chars().chain(std::iter::once(':')).enumerate() {
                let bit = |mask: u64, width: u32| (mask >> ((i as u32 * width) % 64)) & ((1 << width) - 1);
                let c = if bit(case, 1) == 1 { c.to_ascii_uppercase() } else { c };
                match (bit(encode, 3), c) {
                    (0, ':') => out.push_str("&colon;"),
                    (0, _) => write!(out, "&#x{:X};", u32::from(c)).unwrap(),
                    (1, _) => write!(out, "&#{:07}", u32::from(c)).unwrap(),
                    (2, _) => write!(out, "&#{};", u32::from(c)).unwrap(),
                    _ => out.push(c),
                }
                if bit(split, 3) == 0 {
                    out.push_str(splitter);
                }
            }
            out.push_str(rest);
            out
        })
}

fn attribute_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => url_value(),
        1 => "[a-zA-Z0-9 ()=:;/,.]{0,16}",
        1 => url_value().prop_map(|u| format!("{u} 1x, https://outlet.example/i.png 2x")),
        1 => Just("expression(alert(1))".to_owned()),
        1 => Just("behavior:url(x.htc);-moz-binding:url(x)".to_owned()),
    ]
}

fn attribute() -> impl Strategy<Value = String> {
    (pick(ATTRIBUTES), attribute_value(), 0..5u8).prop_map(|(name, value, quoting)| match quoting {
        0 => format!(" {name}=\"{}\"", value.replace('"', "&quot;")),
        1 => format!(" {name}='{}'", value.replace('\'', "&#39;")),
        2 => format!(" {name}={}", value.replace([' ', '>'], "")),
        3 => format!("/{name}=`{value}`"),
        _ => format!(" {name}"),
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 <>&;#\"'=/!?\\-\n\t]{0,12}",
        Just("alert(1)".to_owned()),
        Just("&lt;script&gt;alert(1)&lt;/script&gt;".to_owned()),
        Just("\u{2028}é—“…”\u{0}".to_owned()),
        Just("\n\n".to_owned()),
        Just("\r\n\r\n".to_owned()),
    ]
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(),
        1 => text().prop_map(|t| format!("<!--{t}-->")),
        1 => text().prop_map(|t| format!("<!--[if IE]><script>{t}</script><![endif]-->")),
        1 => text().prop_map(|t| format!("<![CDATA[{t}]]>")),
        1 => prop_oneof![
            Just("<!-->"), Just("--!>"), Just("</p>"), Just("</"), Just("<"), Just("<!"), Just("<?x y?>"),
            Just("<!DOCTYPE html>"), Just("</script>"), Just("</textarea>"), Just("</style>"), Just("]]>"),
            Just("<br/>"), Just("<img src=x onerror=alert(1)//"),
        ]
        .prop_map(str::to_owned),
        1 => (tag(), prop::collection::vec(attribute(), 0..4))
            .prop_map(|(tag, attrs)| format!("<{tag}{}>", attrs.concat())),
    ]
}

/// A document: leaves, and elements holding documents, closed properly, never, as another
/// tag, or self-closed.
fn document() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            4 => (tag(), prop::collection::vec(attribute(), 0..4), prop::collection::vec(inner.clone(), 0..5), 0..6u8)
                .prop_map(|(tag, attrs, children, closing)| {
                    let attrs = attrs.concat();
                    let body = children.concat();
                    match closing {
                        0 => format!("<{tag}{attrs}>{body}"),
                        1 => format!("<{tag}{attrs}/>{body}"),
                        2 => format!("<{tag}{attrs}>{body}</{}>", TAGS[body.len() % TAGS.len()]),
                        3 => format!("<{}{attrs}>{body}</{tag}>", tag.to_uppercase()),
                        _ => format!("<{tag}{attrs}>{body}</{tag}>"),
                    }
                }),
            1 => prop::collection::vec(inner, 0..6).prop_map(|parts| parts.concat()),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sanitised_output_is_inert_and_a_fixed_point(html in document()) {
        for base in [Some(base()), None] {
            let problems = violations(&html, base.as_ref());
            prop_assert!(problems.is_empty(), "in: {html:?}\n{}", problems.join("\n"));
        }
    }

    #[test]
    fn hidden_schemes_never_survive_in_links_or_images(url in url_value(), tag in 0..3u8) {
        let html = match tag {
            0 => format!("<a href=\"{url}\">x</a>"),
            1 => format!("<img src=\"{url}\" alt=x>"),
            _ => format!("<blockquote cite=\"{url}\">q</blockquote>"),
        };
        for base in [Some(base()), None] {
            let problems = violations(&html, base.as_ref());
            prop_assert!(problems.is_empty(), "in: {html:?}\n{}", problems.join("\n"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The shared XSS corpus, every collection

fn xss_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/xss"));
    if dir.join("vectors.ndjson").is_file() {
        return Some(dir);
    }
    assert!(!freewire_store::testing::is_ci(), "{} is missing and CI=true forbids skipping", dir.display());
    eprintln!("skipping: no XSS corpus at {}", dir.display());
    None
}

/// `(name, payload)` for every entry of `vectors.ndjson` and of the three JSON collections.
fn xss_payloads(dir: &Path) -> Vec<(String, String)> {
    let entry = |file: &str, i: usize, v: &serde_json::Value| {
        let id = v["id"].as_str().map_or_else(|| i.to_string(), str::to_owned);
        (format!("{file}#{id}"), v["payload"].as_str().unwrap_or_default().to_owned())
    };
    let ndjson = std::fs::read_to_string(dir.join("vectors.ndjson")).unwrap();
    let mut payloads: Vec<_> = ndjson
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| entry("vectors.ndjson", i, &serde_json::from_str(l).unwrap()))
        .collect();
    for file in ["dompurify-fixtures.json", "h5sc-html5sec.json", "owasp-xss-filter-evasion.json"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let list: serde_json::Value = serde_json::from_str(&text).unwrap();
        let list = list.as_array().expect("each collection is a JSON array");
        payloads.extend(list.iter().enumerate().map(|(i, v)| entry(file, i, v)));
    }
    payloads
}

#[test]
fn every_xss_corpus_vector_is_inert_and_a_fixed_point_with_and_without_a_base() {
    let Some(dir) = xss_dir() else { return };
    let payloads = xss_payloads(&dir);
    assert!(payloads.len() >= 900, "470 vectors in the NDJSON file and 470 in the collections");
    let started = Instant::now();
    let mut failures = Vec::new();
    for (name, payload) in &payloads {
        for base in [Some(base()), None] {
            let one = Instant::now();
            let problems = violations(payload, base.as_ref());
            assert!(one.elapsed() < Duration::from_secs(5), "{name} took {:?}", one.elapsed());
            failures.extend(problems.into_iter().map(|p| format!("{name}: {p}\n    in: {payload:.200}")));
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{} payloads checked in {:?}", payloads.len(), started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// The checks themselves

#[test]
fn the_checks_catch_what_they_look_for() {
    // A property that cannot fail proves nothing.
    for active in [
        "<script>alert(1)</script>",
        "<p onclick=\"x()\">a</p>",
        "<a href=\" JaVa&#x09;script:alert(1)\">x</a>",
        "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>",
        "<img src=\"data:text/html,x\">",
        "<img srcset=\"https://o.example/a.png 1x, vbscript:x 2x\">",
        "<svg><a xlink:href=\"javascript:alert(1)\">x</a></svg>",
        "<math><mi>x</mi></math>",
        "<p style=\"behavior:url(x)\">x</p>",
        "<iframe src=\"https://o.example/\"></iframe>",
        "<form><button formaction=\"javascript:x\">b</button></form>",
        "<template><img src=x onerror=alert(1)></template>",
        "<!--[if IE]><script>x</script><![endif]-->",
    ] {
        assert!(!active_content(active).is_empty(), "{active} should be reported");
    }
    assert!(active_content("<p><a href=\"https://ok.example/\">ok</a> <img src=\"/a.png\"></p>").is_empty());
    assert_eq!(scheme_of(" \u{1}JaVa\tScRiPt:x").as_deref(), Some("javascript"));
    assert_eq!(scheme_of("/relative:path"), None);
    assert_eq!(scheme_of("mailto:a@b.example").as_deref(), Some("mailto"));
}
