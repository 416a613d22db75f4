//! The three ways untrusted bytes enter freewire, as the fuzz targets drive them: the `feed`,
//! `page` and `sanitize` targets of `fuzz/` include this file by path and call one function
//! each, and `tests/fuzz_findings.rs` replays every finding through the same function, so a
//! finding is tested exactly as it was found. Each function panics on a broken property, as
//! a fuzz target must; returning is a pass.
//!
//! Needs the sibling module `active_content` (`support/active_content.rs`) next to it.

use freewire_ingest::extract::extract_article;
use freewire_ingest::{html_to_text, parse_feed, sanitize_html};
use url::Url;

use super::active_content::active_content;

/// The address feeds are fetched from.
pub const FEED_URL: &str = "https://outlet.example/feeds/news.xml";
/// The address article pages are fetched from.
pub const PAGE_URL: &str = "https://outlet.example/news/2024/03/story.html";

fn url(s: &str) -> Url {
    Url::parse(s).unwrap_or_else(|e| panic!("{s} is a URL: {e}"))
}

/// A fetched feed's whole way in: `parse_feed` (decode, clean-up, feed-rs), then for every
/// item `sanitize_html` and `html_to_text` on its summary and content, and `extract_article`
/// on the sanitised content with the item's page as its address.
pub fn feed(data: &[u8]) {
    let base = url(FEED_URL);
    let Ok(feed) = parse_feed(data, Some(&base)) else { return };
    for item in &feed.items {
        let page = item
            .link
            .as_deref()
            .and_then(|l| Url::parse(l).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| base.clone());
        for html in [&item.summary_html, &item.content_html].into_iter().flatten() {
            let clean = sanitize_html(html, Some(&page));
            std::hint::black_box(html_to_text(html));
            std::hint::black_box(html_to_text(&clean));
            let _ = std::hint::black_box(extract_article(&clean, &page));
        }
    }
}

/// An article's web page: the bytes as (lossy) UTF-8 HTML → `extract_article` (Readability,
/// then the news sanitiser) → `sanitize_html` of its content again, which must change nothing
/// and leave nothing active.
pub fn page(data: &[u8]) {
    let page = url(PAGE_URL);
    let html = String::from_utf8_lossy(data);
    if let Ok(article) = extract_article(&html, &page) {
        let again = sanitize_html(&article.content_html, Some(&page));
        assert_eq!(again, article.content_html, "extracted content is not a fixed point of the sanitiser");
        let problems = active_content(&again);
        assert!(problems.is_empty(), "active content in an extracted article: {problems:?}");
        std::hint::black_box(html_to_text(&again));
    }
}

/// The sanitiser alone: the bytes as (lossy) UTF-8 → `sanitize_html`, with the page's address
/// as base and without one. The output must hold no active content, and sanitising it again
/// must give it back.
pub fn sanitize(data: &[u8]) {
    let page = url(PAGE_URL);
    let html = String::from_utf8_lossy(data);
    for base in [Some(&page), None] {
        let out = sanitize_html(&html, base);
        let problems = active_content(&out);
        assert!(problems.is_empty(), "active content survived: {problems:?}\n in: {html:?}\nout: {out:?}");
        let again = sanitize_html(&out, base);
        assert_eq!(again, out, "sanitising is not idempotent\n in: {html:?}");
    }
    std::hint::black_box(html_to_text(&html));
}
