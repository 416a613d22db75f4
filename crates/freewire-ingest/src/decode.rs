//! Bytes to text: finds the character encoding of a feed document and decodes it to UTF-8.
//!
//! Feeds arrive in whatever the publisher's server produced: UTF-8 with or without a byte-order
//! mark, UTF-16 without one, legacy encodings named in the XML declaration or only in the HTTP
//! header, or undeclared Latin-1. Deciding once, here, means the XML parser after us only ever
//! sees UTF-8 and never re-decodes. Bytes that are invalid in the chosen encoding become U+FFFD;
//! they never become markup (an overlong `C0 BC` is not `<`).

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How far into a document the XML declaration is looked for. A declaration belongs at the very
/// start; the slack admits the blank lines some servers print before it.
const DECLARATION_WINDOW: usize = 1024;

/// A document decoded to UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The encoding the bytes were read as (WHATWG name, e.g. `UTF-8`, `windows-1251`).
    pub encoding: &'static str,
    /// Whether some byte sequences were invalid in that encoding and were replaced by U+FFFD.
    pub had_errors: bool,
}

/// Decodes a feed document to UTF-8.
///
/// The encoding is chosen in this order: a byte-order mark (UTF-8, UTF-16LE, UTF-16BE); the
/// `encoding` of the XML declaration (also of the bogus `<?phpxml …?>` some servers print); the
/// HTTP `charset`; UTF-16 recognised from the layout of the first bytes; UTF-8 if the bytes are
/// valid UTF-8; otherwise windows-1252 (what undeclared Latin-1 feeds really are).
///
/// A document laid out as UTF-16 (every other byte zero around the opening ASCII) is read as
/// UTF-16 whatever a label says: those bytes cannot be in any ASCII-compatible encoding, and
/// their declaration can only be read once the layout is known. For the same reason a label
/// naming UTF-16 on bytes that are not laid out as UTF-16 is ignored, as browsers do.
#[must_use]
pub fn to_utf8(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    let (encoding, body) = choose(bytes, http_charset);
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    Decoded { text: text.into_owned(), encoding: encoding.name(), had_errors }
}

/// The encoding to decode with, and the bytes after any byte-order mark.
fn choose<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> (&'static Encoding, &'a [u8]) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return (encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = utf16_layout(bytes) {
        return (encoding, bytes);
    }
    let declared = declared_label(bytes).and_then(ascii_compatible);
    // Servers sometimes quote the parameter (`charset="utf-8"`), which the label lookup does not undo.
    let from_http = http_charset
        .map(|c| c.trim().trim_matches(['"', '\'']))
        .map(str::as_bytes)
        .and_then(ascii_compatible);
    if let Some(encoding) = declared.or(from_http) {
        return (encoding, bytes);
    }
    if std::str::from_utf8(bytes).is_ok() { (UTF_8, bytes) } else { (WINDOWS_1252, bytes) }
}

/// The encoding a label names, if it is one these bytes could be in: the declaration and the
/// HTTP header were read as ASCII, so a UTF-16 label cannot be true of them.
fn ascii_compatible(label: &[u8]) -> Option<&'static Encoding> {
    Encoding::for_label(label).filter(|e| *e != UTF_16LE && *e != UTF_16BE)
}

/// UTF-16 recognised without a byte-order mark: the document opens with `<` or white space and
/// the next character is ASCII, so one byte of each of the first two code units is zero.
fn utf16_layout(bytes: &[u8]) -> Option<&'static Encoding> {
    let opens = |b: u8| b == b'<' || b.is_ascii_whitespace();
    let ascii = |b: u8| b != 0 && b.is_ascii();
    match bytes {
        [a, 0, b, 0, ..] if opens(*a) && ascii(*b) => Some(UTF_16LE),
        [0, a, 0, b, ..] if opens(*a) && ascii(*b) => Some(UTF_16BE),
        _ => None,
    }
}

/// The `encoding` pseudo-attribute of an XML declaration (or of a `<?phpxml …?>` instruction
/// standing in for one) near the start of an ASCII-compatible document.
fn declared_label(bytes: &[u8]) -> Option<&[u8]> {
    let head = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    let open = head.iter().position(|&b| b == b'<')?;
    let rest = &head[open..];
    let target_len = if starts_with_target(rest, b"<?xml") {
        5
    } else if starts_with_target(rest, b"<?phpxml") {
        8
    } else {
        return None;
    };
    let close = find(rest, b"?>")?;
    let attributes = &rest[target_len..close];
    let at = find(attributes, b"encoding")?;
    let after = trim_start(&attributes[at + "encoding".len()..]);
    let after = trim_start(after.strip_prefix(b"=")?);
    let (&quote, value) = after.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let end = value.iter().position(|&b| b == quote)?;
    Some(&value[..end])
}

/// Whether `bytes` opens with the processing instruction `target` followed by white space (so
/// `<?xml-stylesheet` is not taken for `<?xml`).
fn starts_with_target(bytes: &[u8], target: &[u8]) -> bool {
    bytes.len() > target.len()
        && bytes[..target.len()].eq_ignore_ascii_case(target)
        && bytes[target.len()].is_ascii_whitespace()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn a_byte_order_mark_wins_over_the_declaration_and_is_stripped() {
        let mut bytes = b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>".to_vec();
        bytes.extend_from_slice("Café – €100</a>".as_bytes());
        let decoded = to_utf8(&bytes, Some("iso-8859-1"));
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(decoded.text.starts_with("<?xml"), "BOM stripped: {:?}", &decoded.text[..8]);
        assert!(decoded.text.contains("Café – €100"));
        assert!(!decoded.had_errors);

        let mut le = vec![0xFF, 0xFE];
        le.extend(utf16le("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>日本語</a>"));
        let decoded = to_utf8(&le, None);
        assert_eq!(decoded.encoding, "UTF-16LE");
        assert!(decoded.text.starts_with("<?xml") && decoded.text.contains("日本語"));

        let mut be = vec![0xFE, 0xFF];
        be.extend(utf16be("<a>Ελληνικά</a>"));
        assert_eq!(to_utf8(&be, None).text, "<a>Ελληνικά</a>");
    }

    #[test]
    fn the_declaration_wins_over_the_http_charset() {
        let bytes = b"<?xml version='1.0' encoding='windows-1251'?><t>\xcb\xe5\xed\xf2\xe0</t>";
        let decoded = to_utf8(bytes, Some("utf-8"));
        assert_eq!(decoded.encoding, "windows-1251");
        assert!(decoded.text.contains("<t>Лента</t>"));
    }

    #[test]
    fn a_bogus_phpxml_instruction_is_read_like_a_declaration() {
        let bytes = b"<?phpxml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss>caf\xe9</rss>";
        let decoded = to_utf8(bytes, None);
        assert_eq!(decoded.encoding, "windows-1252");
        assert!(decoded.text.ends_with("<rss>café</rss>"));
    }

    #[test]
    fn a_stylesheet_instruction_is_not_a_declaration() {
        let bytes = b"<?xml-stylesheet encoding=\"koi8-r\"?><rss>x</rss>";
        assert_eq!(to_utf8(bytes, None).encoding, "UTF-8");
    }

    #[test]
    fn the_http_charset_applies_when_nothing_is_declared() {
        let decoded = to_utf8(b"<rss>\xe9t\xe9</rss>", Some(" \"ISO-8859-1\""));
        assert_eq!(decoded.encoding, "windows-1252");
        assert_eq!(decoded.text, "<rss>été</rss>");
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_recognised_from_its_layout() {
        let decoded = to_utf8(&utf16le("<rss version=\"2.0\">ü</rss>"), None);
        assert_eq!(decoded.encoding, "UTF-16LE");
        assert_eq!(decoded.text, "<rss version=\"2.0\">ü</rss>");

        let decoded = to_utf8(&utf16be("<?xml version=\"1.0\"?><rss/>"), Some("iso-8859-1"));
        assert_eq!(decoded.encoding, "UTF-16BE", "the layout outranks an impossible label");
        assert_eq!(decoded.text, "<?xml version=\"1.0\"?><rss/>");
    }

    #[test]
    fn a_utf16_label_on_ascii_compatible_bytes_is_ignored() {
        let decoded = to_utf8(b"<?xml version=\"1.0\" encoding=\"utf-16\"?><a>\xc3\xa9</a>", None);
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(decoded.text.ends_with("<a>é</a>"));
    }

    #[test]
    fn undeclared_bytes_are_utf8_when_valid_and_windows_1252_otherwise() {
        let decoded = to_utf8("<rss>naïve</rss>".as_bytes(), None);
        assert_eq!((decoded.encoding, decoded.text.as_str()), ("UTF-8", "<rss>naïve</rss>"));
        let decoded = to_utf8(b"<rss>na\xefve \x80</rss>", None);
        assert_eq!((decoded.encoding, decoded.text.as_str()), ("windows-1252", "<rss>naïve €</rss>"));
        assert!(!decoded.had_errors);
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters_never_markup() {
        // Overlong `<` (C0 BC) and `>` (C0 BE), overlong `/` (E0 80 AF), an encoded surrogate
        // and a code point above U+10FFFF, in a document declared UTF-8.
        let bytes = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>a\xC0\xBCscript\xC0\xBE \xE0\x80\xAF \xED\xA0\x80 \xF4\x90\x80\x80 caf\xC3\xA9</t>";
        let decoded = to_utf8(bytes, None);
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(decoded.had_errors);
        let body = decoded.text.split_once("<t>").unwrap().1;
        assert!(!body.trim_end_matches("</t>").contains(['<', '>', '/']), "{body:?}");
        assert!(body.contains("a\u{FFFD}\u{FFFD}script"));
        assert!(body.ends_with("café</t>"));

        let decoded = to_utf8(b"<t>\xC0\xBC</t>", Some("utf-8"));
        assert_eq!(decoded.text, "<t>\u{FFFD}\u{FFFD}</t>");
    }
}
