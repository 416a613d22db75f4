//! Text as XML 1.0 can carry it. Outlets' feeds and readers' forms bring characters that no
//! XML 1.0 document may contain, not even as a character reference (`&#1;` is as fatal as the
//! raw U+0001): most C0 controls and the non-characters U+FFFE and U+FFFF. One such character
//! anywhere makes a whole feed, sitemap or OPML file unreadable to every strict parser.
//!
//! [`strip_forbidden_chars`] drops them. It is the one place that rule lives: text is passed
//! through it as it is stored (article fields, notes, names) and every XML document we write is
//! passed through it whole before it is sent, so neither old rows nor a path that forgot to
//! clean can break a document. Tabs, newlines and carriage returns are kept.

use std::borrow::Cow;

/// Whether XML 1.0 allows `c` in a document (its `Char` production:
/// `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`). Surrogates
/// cannot occur in a Rust `char`, so only C0 controls and U+FFFE/U+FFFF are refused.
#[must_use]
pub const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` without the characters XML 1.0 forbids ([`is_xml_char`]); everything else, tabs and
/// line breaks included, kept in order. Takes `&str` or `String` and gives the same text back
/// without copying when there is nothing to drop (nearly always).
#[must_use]
pub fn strip_forbidden_chars<'a>(text: impl Into<Cow<'a, str>>) -> Cow<'a, str> {
    let text = text.into();
    if text.chars().all(is_xml_char) {
        text
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_non_characters_are_dropped_and_the_text_around_them_kept() {
        assert_eq!(
            strip_forbidden_chars("Ferry\u{1} talks\u{3} resume\u{B}\u{C} — “at last”\u{FFFE}\u{FFFF}…\u{0}"),
            "Ferry talks resume — “at last”…"
        );
    }

    #[test]
    fn whitespace_xml_allows_is_kept() {
        assert_eq!(strip_forbidden_chars("a\tb\nc\r\nd"), "a\tb\nc\r\nd");
    }

    #[test]
    fn the_edges_of_the_allowed_ranges_are_respected() {
        for c in ['\u{20}', '\u{7F}', '\u{85}', '\u{D7FF}', '\u{E000}', '\u{FFFD}', '\u{10000}', '\u{10FFFF}']
        {
            assert!(is_xml_char(c), "{c:?} is allowed");
        }
        for c in ['\u{0}', '\u{8}', '\u{B}', '\u{C}', '\u{E}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!is_xml_char(c), "{c:?} is forbidden");
        }
    }

    #[test]
    fn a_tag_made_from_a_category_loses_them_too() {
        let tag = crate::Tag::new("Har\u{1}bour\u{B} news").unwrap();
        assert_eq!(tag.name, "Harbour news");
        assert_eq!(tag.slug, "harbour-news");
        assert!(crate::Tag::new("\u{1}\u{3}").is_none(), "nothing of it is left");
    }

    #[test]
    fn clean_text_is_returned_without_a_copy() {
        assert!(matches!(strip_forbidden_chars("plain “text” 🙂"), Cow::Borrowed(_)));
        let owned = String::from("plain");
        let ptr = owned.as_ptr();
        let back = strip_forbidden_chars(owned).into_owned();
        assert_eq!(back.as_ptr(), ptr, "an owned clean string comes back as it was");
        assert!(matches!(strip_forbidden_chars("a\u{1}b"), Cow::Owned(s) if s == "ab"));
    }
}
