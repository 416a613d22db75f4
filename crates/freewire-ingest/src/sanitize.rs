//! The sanitiser every piece of third-party HTML passes before it is stored: a policy for
//! news (structure, quotes, figures, tables, links, typography) over ammonia, which parses
//! with html5ever the way a browser would, so no markup trick survives as active content.

use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use url::Url;

/// Tags a news article may use. Anything else is removed and its text kept; `script`,
/// `style` and friends are removed with their content.
const NEWS_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
];

fn builder(base: Option<&Url>) -> Builder<'static> {
    let mut b = Builder::default();
    b.tags(NEWS_TAGS.iter().copied().collect::<HashSet<_>>())
        .add_tag_attributes("a", ["href", "title", "hreflang"])
        .add_tag_attributes("img", ["src", "alt", "title", "width", "height", "loading"])
        .add_tag_attributes("time", ["datetime"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
        .add_tag_attributes("blockquote", ["cite"])
        .add_tag_attributes("q", ["cite"])
        .add_tag_attributes("ol", ["start", "reversed"])
        .add_generic_attributes(["lang", "dir"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    match base {
        Some(base) => b.url_relative(UrlRelative::RewriteWithBase(base.clone())),
        None => b.url_relative(UrlRelative::Deny),
    };
    b
}

static PLAIN: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.strip_comments(true);
    b
});

/// Sanitises third-party HTML for storage and display. Relative links and images are made
/// absolute against `base` (the item's page or the feed), or dropped when there is none.
#[must_use]
pub fn sanitize_html(html: &str, base: Option<&Url>) -> String {
    builder(base).clean(html).to_string()
}

/// The text of an HTML fragment (a title, a summary), with tags removed and entities decoded,
/// whitespace runs folded to one space.
#[must_use]
pub fn html_to_text(html: &str) -> String {
    let escaped = PLAIN.clean(html).to_string();
    let decoded = escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_structure_and_typography_survive() {
        let html = "<h2>Head</h2><p>“Quoted” — and … <em>so</em></p><blockquote><p>Q</p></blockquote>\
                    <figure><img src=\"/a.jpg\" alt=\"A\"><figcaption>Cap</figcaption></figure>";
        let base = Url::parse("https://outlet.example/news/1").unwrap();
        let out = sanitize_html(html, Some(&base));
        assert!(out.contains("<h2>Head</h2>"), "{out}");
        assert!(out.contains("“Quoted” — and … <em>so</em>"), "{out}");
        assert!(out.contains("<blockquote><p>Q</p></blockquote>"), "{out}");
        assert!(out.contains("src=\"https://outlet.example/a.jpg\""), "{out}");
        assert!(out.contains("<figcaption>Cap</figcaption>"), "{out}");
    }

    #[test]
    fn active_content_is_removed() {
        let html = "<p onclick=\"x()\">a<script>alert(1)</script></p><style>p{}</style>\
                    <a href=\"javascript:alert(1)\">j</a><a href=\"data:text/html,x\">d</a>\
                    <iframe src=\"https://e.example\"></iframe><form><input></form><svg onload=1></svg>";
        let out = sanitize_html(html, None);
        for bad in [
            "onclick",
            "script",
            "alert",
            "<style",
            "javascript:",
            "data:",
            "iframe",
            "<form",
            "<input",
            "<svg",
        ] {
            assert!(!out.contains(bad), "{bad} survived in {out}");
        }
    }

    #[test]
    fn links_are_marked_nofollow_and_relative_links_without_base_dropped() {
        let out = sanitize_html("<a href=\"https://o.example/x\">o</a><a href=\"/rel\">r</a>", None);
        assert!(out.contains("rel=\"nofollow noopener noreferrer\""), "{out}");
        assert!(!out.contains("/rel\""), "{out}");
    }

    #[test]
    fn text_of_html_decodes_entities_and_folds_space() {
        assert_eq!(html_to_text("<b>A &amp; B</b>\n  <i>“c”</i> &lt;d&gt;"), "A & B “c” <d>");
        assert_eq!(html_to_text("Plain text"), "Plain text");
    }
}
