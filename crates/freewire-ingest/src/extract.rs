//! Full text from an article's web page, for feed items that carry only a summary: the page's
//! main content found with `dom_smoothie` (a port of Mozilla's Readability), then passed
//! through the same news sanitiser as every other body ([`crate::sanitize::sanitize_html`]).
//!
//! Pages that are not articles (section fronts, menus, paywall stubs) are refused rather
//! than turned into a short, wrong "article".

use std::panic::AssertUnwindSafe;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dom_smoothie::{Config, Readability, ReadabilityError};
use url::Url;

use crate::sanitize::{limit_nesting, sanitize_html, text_of_sanitised};

/// The largest page, in bytes of HTML, that extraction will look at. News pages are well under
/// 1 MiB of HTML; anything bigger is an archive page or an attack on our CPU.
pub const MAX_PAGE_BYTES: usize = 5 * 1024 * 1024;

/// The most elements a page may have. Readability scores and re-walks the tree on each of
/// its attempts; a heavy news page has a few thousand elements, so this only stops pages built
/// to make extraction slow.
pub const MAX_PAGE_ELEMENTS: usize = 100_000;

/// The least text, in characters (whitespace folded), an extracted article must have.
/// Below this the "article" is almost always a teaser, a paywall notice or a cookie banner.
pub const MIN_TEXT_CHARS: usize = 250;

/// An article's content and metadata, taken from its web page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The page's headline, from its metadata or title (site name suffixes removed).
    pub title: Option<String>,
    /// The author line as the page gives it (`"By Jane Doe"`, `"Jane Doe, Associated Press"`).
    pub byline: Option<String>,
    /// The article's HTML, already through [`sanitize_html`] with the page's URL as base, so
    /// links and images are absolute.
    pub content_html: String,
    /// Characters of text in `content_html`, whitespace runs counted as one.
    pub text_chars: usize,
    /// When the article was published, from the page's metadata (JSON-LD or `<meta>`), when
    /// it gives a date we can read.
    pub published: Option<DateTime<Utc>>,
    /// A short summary: the page's description, or else its first paragraph.
    pub excerpt: Option<String>,
    /// The page's language tag (`<html lang>`), e.g. `en-GB`.
    pub language: Option<String>,
}

/// Why a page gave no article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The page is bigger than [`MAX_PAGE_BYTES`] or has more than [`MAX_PAGE_ELEMENTS`]
    /// elements.
    #[error("the page is too large to extract an article from ({found} {unit}, limit {limit})")]
    TooLarge {
        /// How big the page is.
        found: usize,
        /// The limit it is over.
        limit: usize,
        /// `"bytes"` or `"elements"`.
        unit: &'static str,
    },
    /// No article could be found, or what was found has too little text.
    #[error("the page has no readable article")]
    NotReadable,
    /// The page's URL is not an `http` or `https` URL.
    #[error("cannot extract an article from a page at {0}: only http and https pages are read")]
    UnsupportedUrl(String),
}

/// Finds the article in `html`, the page found at `page_url`, and returns its sanitised content
/// with its metadata.
///
/// This is CPU work that grows with the page (parsing, scoring the whole tree on up to four
/// attempts, sanitising): call it from async code through `tokio::task::spawn_blocking`, never
/// directly on a runtime thread.
///
/// Refuses pages over [`MAX_PAGE_BYTES`] or [`MAX_PAGE_ELEMENTS`] ([`ExtractError::TooLarge`]),
/// pages Readability does not consider articles, and articles with fewer than
/// [`MIN_TEXT_CHARS`] characters of text ([`ExtractError::NotReadable`]).
pub fn extract_article(html: &str, page_url: &Url) -> Result<Extracted, ExtractError> {
    if html.len() > MAX_PAGE_BYTES {
        return Err(ExtractError::TooLarge { found: html.len(), limit: MAX_PAGE_BYTES, unit: "bytes" });
    }
    if !matches!(page_url.scheme(), "http" | "https") {
        return Err(ExtractError::UnsupportedUrl(page_url.to_string()));
    }

    let config = Config { max_elements_to_parse: MAX_PAGE_ELEMENTS, ..Config::default() };
    // The parser's work grows with depth times elements: a page nested deeper than any
    // article is flattened first, as the sanitiser does.
    let html = limit_nesting(html);
    let readable = || {
        let mut readability = Readability::new(&*html, Some(page_url.as_str()), Some(config))
            .map_err(|e| from_readability(&e, page_url))?;
        // The quick check looks at the untouched document, so it must come before `parse`,
        // which rewrites it.
        if !readability.is_probably_readable() {
            tracing::debug!(url = %page_url, "page refused: not probably readable");
            return Err(ExtractError::NotReadable);
        }
        readability.parse().map_err(|e| from_readability(&e, page_url))
    };
    // dom_smoothie 0.19 slices strings by byte offsets in places, and panics where a page puts
    // a multi-byte character just before a video host in an `<iframe>` attribute (found by the
    // `page` fuzz target; `matching.rs`, `is_video_url`). A page must never take the caller
    // down with it: a panic there is a page we cannot read. Nothing of the document it was
    // building is used afterwards, so its state after the panic does not matter.
    let Ok(article) = std::panic::catch_unwind(AssertUnwindSafe(readable)) else {
        tracing::warn!(url = %page_url, "page refused: the article extractor panicked on it");
        return Err(ExtractError::NotReadable);
    };
    let article = article?;

    let content_html = sanitize_html(&article.content, Some(page_url));
    let text_chars = text_of_sanitised(&content_html).chars().count();
    if text_chars < MIN_TEXT_CHARS {
        tracing::debug!(url = %page_url, text_chars, "page refused: too little text");
        return Err(ExtractError::NotReadable);
    }

    Ok(Extracted {
        title: clean_line(&article.title),
        byline: article.byline.as_deref().and_then(clean_line),
        content_html,
        text_chars,
        published: article.published_time.as_deref().and_then(parse_published),
        excerpt: article.excerpt.as_deref().and_then(clean_line),
        language: article.lang.as_deref().and_then(language_tag),
    })
}

fn from_readability(error: &ReadabilityError, page_url: &Url) -> ExtractError {
    match error {
        ReadabilityError::GrabFailed => ExtractError::NotReadable,
        ReadabilityError::TooManyElements(found, limit) => {
            ExtractError::TooLarge { found: *found, limit: *limit, unit: "elements" }
        }
        ReadabilityError::BadDocumentURL => ExtractError::UnsupportedUrl(page_url.to_string()),
    }
}

/// A metadata string as one line: whitespace runs folded to one space, `None` when empty.
/// `dom_smoothie` hands metadata over as text with entities already decoded, so it is not
/// parsed as HTML again (“x < y” and “the <b> tag” stay as written); it is escaped when shown.
fn clean_line(value: &str) -> Option<String> {
    let line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then_some(line)
}

/// `<html lang>` when it looks like a language tag (`en`, `pt-BR`, `zh_Hant`), with `_`
/// written as `-`. Anything else (`lang="{{ locale }}"`, a sentence) is ignored rather than
/// repeated into our own pages' markup.
fn language_tag(value: &str) -> Option<String> {
    let value = value.trim();
    let well_formed = !value.is_empty()
        && value.len() <= 35
        && value.split(['-', '_']).all(|part| (1..=8).contains(&part.len()))
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    well_formed.then(|| value.replace('_', "-"))
}

/// A publication date as pages write them: RFC 3339 and its common near misses (an offset
/// without a colon, a space for the `T`, no offset at all, which is read as UTC), RFC 2822,
/// or a bare date (midnight UTC).
fn parse_published(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(value) {
        return Some(date.to_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(date) = DateTime::parse_from_str(value, format) {
            return Some(date.to_utc());
        }
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(value) {
        return Some(date.to_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(date) = NaiveDateTime::parse_from_str(value, format) {
            return Some(date.and_utc());
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .map(|date| date.and_time(chrono::NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitize::html_to_text;

    fn url() -> Url {
        Url::parse("https://outlet.example/news/2024/03/river-floods").unwrap()
    }

    const NAV: &str = r#"
        <header class="site-header">
          <nav class="menu">
            <ul>
              <li><a href="/">Home</a></li>
              <li><a href="/world">World desk</a></li>
              <li><a href="/business">Business desk</a></li>
              <li><a href="/sport">Sport desk</a></li>
              <li><a href="/subscribe">Subscribe today</a></li>
            </ul>
          </nav>
        </header>"#;

    fn article_page() -> String {
        format!(
            r#"<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Flood waters force thousands from their homes | The Outlet</title>
  <meta property="og:title" content="Flood waters force thousands from their homes">
  <meta name="author" content="Maria Lopez">
  <meta property="article:published_time" content="2024-03-05T07:30:00+01:00">
  <meta name="description" content="Levees strain under the heaviest rain in fifty years.">
  <script>window.tracker = "ANALYTICS-SNIPPET";</script>
  <style>.ad {{ color: red }}</style>
</head>
<body>
  {NAV}
  <div class="ad-break sponsor">BUY NOW — ADVERTISEMENT — Limited-time offer on garden furniture</div>
  <main>
    <article>
      <h1>Flood waters force thousands from their homes</h1>
      <p>RIVERTON — Flood waters rose through the night across the lower river valley on
      Tuesday, forcing more than 4,000 residents to leave their homes as levees strained under
      the heaviest rainfall the region has recorded in half a century, officials said.</p>
      <figure>
        <img src="/media/flood.jpg" alt="A flooded street">
        <figcaption>Water stood six feet deep by dawn.</figcaption>
      </figure>
      <p>“We have <em>never</em> seen the river move this fast,” said county emergency
      director Alan Whitfield — who told reporters that at least three shelters had reached
      capacity before midnight… The <a href="../../weather/forecast">forecast</a> offered
      little relief.</p>
      <script>document.write("INLINE-SCRIPT-PAYLOAD")</script>
      <p>The National Weather Service said another two to three inches of rain could fall
      before Thursday, and warned that the crest downstream was not expected until the
      weekend. The governor declared a state of emergency for six counties and asked the
      federal government for assistance.</p>
      <p>Farmers upstream said the timing could hardly be worse, with much of the spring
      planting already in the ground. “Everything we put in last month is under water now,”
      said Ruth Danner, who grows corn and soybeans on about 600 acres north of the city.</p>
    </article>
  </main>
  <aside class="sidebar">
    <h3>Most read</h3>
    <ul><li><a href="/a">Celebrity chef opens restaurant</a></li><li><a href="/b">Ten best beaches</a></li></ul>
  </aside>
  <section id="comments" class="comments">
    <h3>Comments</h3>
    <div class="comment"><p>COMMENTER-ONE: This is what happens when nobody maintains the levees, I have been saying it for years and years.</p></div>
    <div class="comment"><p>COMMENTER-TWO: Thoughts and prayers to everyone in the valley tonight, stay safe out there.</p></div>
  </section>
  <footer class="site-footer"><p>© The Outlet. All rights reserved. Privacy policy. Terms of use.</p></footer>
</body>
</html>"#
        )
    }

    fn extracted() -> Extracted {
        extract_article(&article_page(), &url()).unwrap()
    }

    #[test]
    fn article_text_comes_out_with_its_typography() {
        let e = extracted();
        let html = &e.content_html;
        assert!(html.contains("Flood waters rose through the night"), "{html}");
        assert!(html.contains("“We have <em>never</em> seen the river move this fast,”"), "{html}");
        assert!(html.contains("Alan Whitfield — who"), "{html}");
        assert!(html.contains("midnight…"), "{html}");
        assert!(html.contains("under water now,”"), "{html}");
        assert!(html.contains("<figcaption>Water stood six feet deep by dawn.</figcaption>"), "{html}");
        assert!(e.text_chars >= MIN_TEXT_CHARS, "{}", e.text_chars);
        assert_eq!(e.text_chars, html_to_text(html).chars().count());
    }

    #[test]
    fn navigation_ads_and_comments_are_left_out() {
        let html = extracted().content_html;
        for chrome in [
            "World desk",
            "Subscribe today",
            "ADVERTISEMENT",
            "garden furniture",
            "Most read",
            "Celebrity chef",
            "COMMENTER-ONE",
            "COMMENTER-TWO",
            "All rights reserved",
        ] {
            assert!(!html.contains(chrome), "{chrome} leaked into {html}");
        }
    }

    #[test]
    fn scripts_and_styles_are_removed() {
        let html = extracted().content_html;
        for active in ["<script", "INLINE-SCRIPT-PAYLOAD", "ANALYTICS-SNIPPET", "<style", "color: red"] {
            assert!(!html.contains(active), "{active} survived in {html}");
        }
    }

    #[test]
    fn relative_links_and_images_become_absolute() {
        let html = extracted().content_html;
        assert!(html.contains(r#"src="https://outlet.example/media/flood.jpg""#), "{html}");
        assert!(html.contains(r#"href="https://outlet.example/news/weather/forecast""#), "{html}");
        assert!(html.contains(r#"rel="nofollow noopener noreferrer""#), "{html}");
    }

    #[test]
    fn metadata_is_read_from_the_page() {
        let e = extracted();
        assert_eq!(e.title.as_deref(), Some("Flood waters force thousands from their homes"));
        assert_eq!(e.byline.as_deref(), Some("Maria Lopez"));
        assert_eq!(e.published.map(|d| d.to_rfc3339()).as_deref(), Some("2024-03-05T06:30:00+00:00"));
        assert_eq!(e.excerpt.as_deref(), Some("Levees strain under the heaviest rain in fifty years."));
        assert_eq!(e.language.as_deref(), Some("en-GB"));
    }

    #[test]
    fn a_page_that_is_only_a_menu_is_not_readable() {
        let page = format!(
            "<!DOCTYPE html><html><head><title>The Outlet</title></head><body>{NAV}\
             <footer class=\"site-footer\"><p>© The Outlet</p></footer></body></html>"
        );
        assert_eq!(extract_article(&page, &url()), Err(ExtractError::NotReadable));
    }

    #[test]
    fn a_teaser_too_short_to_be_an_article_is_not_readable() {
        // 247 characters inside <article>: enough for Readability's quick check (which counts
        // the <article> and its <p> each), short of our own minimum.
        let page = "<html><body><article><p>Flood waters rose through the night across the lower river \
                    valley on Tuesday, forcing residents to leave their homes as the levees strained. \
                    Officials said more rain was due. Subscribe now to read the rest of this story \
                    today, dear reader, please.</p></article></body></html>";
        let quick = Readability::new(page, Some(url().as_str()), None).unwrap();
        assert!(quick.is_probably_readable(), "the quick check should let this teaser through");
        assert_eq!(extract_article(page, &url()), Err(ExtractError::NotReadable));
    }

    #[test]
    fn pages_over_the_size_limit_are_refused_before_parsing() {
        let page = format!("<html><body><p>{}</p></body></html>", "a".repeat(MAX_PAGE_BYTES));
        assert!(matches!(
            extract_article(&page, &url()),
            Err(ExtractError::TooLarge { limit: MAX_PAGE_BYTES, unit: "bytes", .. })
        ));
    }

    #[test]
    fn pages_with_too_many_elements_are_refused() {
        let filler = "<span>x</span>".repeat(MAX_PAGE_ELEMENTS);
        let page = article_page().replace("<main>", &format!("<div hidden>{filler}</div><main>"));
        assert!(page.len() <= MAX_PAGE_BYTES);
        assert!(matches!(
            extract_article(&page, &url()),
            Err(ExtractError::TooLarge { limit: MAX_PAGE_ELEMENTS, unit: "elements", .. })
        ));
    }

    #[test]
    fn a_page_the_extractor_panics_on_is_not_readable() {
        // Found by the `page` fuzz target: dom_smoothie slices inside the character before
        // "youtube.com" while it decides whether an iframe is a video.
        let page = format!(
            "<html><body><article><p>{}</p><iframe src=\"https://\u{20ac}youtube.com/embed/x\"></iframe>\
             </article></body></html>",
            "Flood waters rose through the night across the lower river valley. ".repeat(8)
        );
        assert_eq!(extract_article(&page, &url()), Err(ExtractError::NotReadable));
    }

    #[test]
    fn only_web_pages_are_read() {
        let file = Url::parse("file:///tmp/page.html").unwrap();
        assert!(matches!(extract_article(&article_page(), &file), Err(ExtractError::UnsupportedUrl(_))));
    }

    #[test]
    fn publication_dates_in_common_shapes_are_read() {
        let utc = |s: &str| parse_published(s).map(|d| d.to_rfc3339());
        let expected = Some("2024-03-05T07:30:00+00:00".to_owned());
        for shape in [
            "2024-03-05T07:30:00Z",
            "2024-03-05T07:30:00.000Z",
            "2024-03-05T08:30:00+01:00",
            "2024-03-05T08:30:00+0100",
            "2024-03-05 08:30:00+01:00",
            "2024-03-05T08:30+01:00",
            "Tue, 05 Mar 2024 07:30:00 GMT",
            "2024-03-05T07:30:00",
            "2024-03-05 07:30:00",
            " 2024-03-05T07:30:00Z ",
        ] {
            assert_eq!(utc(shape), expected, "{shape}");
        }
        assert_eq!(utc("2024-03-05"), Some("2024-03-05T00:00:00+00:00".to_owned()));
        for junk in ["", "yesterday", "05/03/2024", "2024-13-45"] {
            assert_eq!(utc(junk), None, "{junk}");
        }
    }

    #[test]
    fn language_tags_are_checked() {
        assert_eq!(language_tag("en").as_deref(), Some("en"));
        assert_eq!(language_tag(" pt-BR ").as_deref(), Some("pt-BR"));
        assert_eq!(language_tag("zh_Hant").as_deref(), Some("zh-Hant"));
        for junk in ["", "{{ locale }}", "en--GB", "english language", "a-verylongsubtag"] {
            assert_eq!(language_tag(junk), None, "{junk}");
        }
    }

    #[test]
    fn metadata_lines_are_text_with_whitespace_folded() {
        assert_eq!(clean_line("  By Jane\n  Doe\u{a0} ").as_deref(), Some("By Jane Doe"));
        assert_eq!(clean_line("Why x < y & the <b> tag").as_deref(), Some("Why x < y & the <b> tag"));
        assert_eq!(clean_line("   "), None);
    }
}
