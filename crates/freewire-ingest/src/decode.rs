//! Bytes to text: finds the character encoding of a feed document and decodes it to UTF-8.
//!
//! Feeds arrive in whatever the publisher's server produced: UTF-8 with or without a byte-order
//! mark, UTF-16 without one, legacy encodings named in the XML declaration or only in the HTTP
//! header, or undeclared Latin-1. Deciding once, here, means the XML parser after us only ever
//! sees UTF-8 and never re-decodes. Bytes that are invalid in the chosen encoding become U+FFFD;
//! they never become markup (an overlong `C0 BC` is not `<`).
//!
//! The WHATWG encodings (`encoding_rs`) cover what browsers read. Older feeds also come in IBM
//! code pages no browser reads: EBCDIC (cp037, cp500 …) from mainframe publishing systems, and
//! DOS code pages (cp437, cp850, cp852 …). Those are read with `anyxml-encoding`, whose tables
//! come from IBM's published mappings; a label neither knows leaves the document to the fallbacks.

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
///
/// A document that opens with `<?xm` in EBCDIC is read in the EBCDIC code page its declaration
/// names (cp037 when it names none the tables know). A label `encoding_rs` does not know is looked
/// up among the IBM code pages before the next source is asked.
#[must_use]
pub fn to_utf8(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    match choose(bytes, http_charset) {
        Chosen::Whatwg(encoding, body) => {
            let (text, had_errors) = encoding.decode_without_bom_handling(body);
            Decoded { text: text.into_owned(), encoding: encoding.name(), had_errors }
        }
        Chosen::Legacy(mut decoder) => {
            let (text, had_errors) = decode_legacy(decoder.as_mut(), bytes);
            Decoded { text, encoding: decoder.name(), had_errors }
        }
    }
}

/// What to decode with.
enum Chosen<'a> {
    /// A WHATWG encoding, and the bytes after any byte-order mark.
    Whatwg(&'static Encoding, &'a [u8]),
    /// An IBM code page (EBCDIC or DOS), for the whole document.
    Legacy(Box<dyn anyxml_encoding::Decoder>),
}

/// `<?xm` in every EBCDIC code page.
const EBCDIC_DECLARATION: [u8; 4] = [0x4C, 0x6F, 0xA7, 0x94];

fn choose<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Chosen<'a> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return Chosen::Whatwg(encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = utf16_layout(bytes) {
        return Chosen::Whatwg(encoding, bytes);
    }
    if bytes.starts_with(&EBCDIC_DECLARATION)
        && let Some(decoder) = ebcdic(bytes)
    {
        return Chosen::Legacy(decoder);
    }
    let declared = declared_label(bytes);
    // Servers sometimes quote the parameter (`charset="utf-8"`), which the label lookup does not undo.
    let from_http = http_charset.map(|c| c.trim().trim_matches(['"', '\'']).as_bytes());
    for label in [declared, from_http].into_iter().flatten() {
        if let Some(encoding) = ascii_compatible(label) {
            return Chosen::Whatwg(encoding, bytes);
        }
        if let Some(decoder) = ibm_code_page(label) {
            return Chosen::Legacy(decoder);
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        Chosen::Whatwg(UTF_8, bytes)
    } else {
        Chosen::Whatwg(WINDOWS_1252, bytes)
    }
}

/// The decoder for an ASCII-compatible IBM code page (DOS: cp437, cp850 …) a label names.
/// EBCDIC labels are refused here: bytes whose declaration was read as ASCII are not EBCDIC.
fn ibm_code_page(label: &[u8]) -> Option<Box<dyn anyxml_encoding::Decoder>> {
    let label = std::str::from_utf8(label).ok()?.trim();
    if label.is_empty() || label.len() > 40 {
        return None;
    }
    let decoder = anyxml_encoding::find_decoder(label).or_else(|| {
        // Bare numbers ("850") and "dos-" / "ibm-" prefixes, as Python's codecs accept them.
        let digits = label.trim_start_matches(|c: char| !c.is_ascii_digit());
        (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| anyxml_encoding::find_decoder(&format!("IBM{digits}")))
            .flatten()
    })?;
    let mut probe = anyxml_encoding::find_decoder(decoder.name())?;
    // ASCII-compatible: `<?xml` must read as itself.
    (decode_legacy(probe.as_mut(), b"<?xml").0 == "<?xml").then_some(decoder)
}

/// The EBCDIC decoder for a document that opens with an EBCDIC declaration: the one its
/// `encoding` names, else cp037 (the declaration's own characters are the same in all).
fn ebcdic(bytes: &[u8]) -> Option<Box<dyn anyxml_encoding::Decoder>> {
    let fallback = || anyxml_encoding::find_decoder("IBM037");
    let head = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    let named = fallback().and_then(|mut d| {
        let (text, _) = decode_legacy(d.as_mut(), head);
        let label = declared_label(text.as_bytes())?.to_vec();
        let label = std::str::from_utf8(&label).ok()?.to_owned();
        let mut decoder = anyxml_encoding::find_decoder(label.trim())?;
        (decode_legacy(decoder.as_mut(), &EBCDIC_DECLARATION).0 == "<?xm").then_some(decoder)
    });
    named.or_else(fallback)
}

/// Decodes all of `bytes`, each malformed sequence becoming U+FFFD.
fn decode_legacy(decoder: &mut dyn anyxml_encoding::Decoder, mut bytes: &[u8]) -> (String, bool) {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut had_errors = false;
    while !bytes.is_empty() {
        match decoder.decode(bytes, &mut out, true) {
            Ok((read, _)) if read > 0 => bytes = &bytes[read..],
            Ok(_) | Err(anyxml_encoding::DecodeError::InputIsEmpty) => break,
            Err(anyxml_encoding::DecodeError::Malformed { read, .. }) => {
                had_errors = true;
                out.push(char::REPLACEMENT_CHARACTER);
                bytes = &bytes[read.max(1).min(bytes.len())..];
            }
            Err(_) => {
                had_errors = true;
                out.push(char::REPLACEMENT_CHARACTER);
                bytes = &bytes[1..];
            }
        }
    }
    (out, had_errors)
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

    #[test]
    fn dos_code_pages_are_read_by_their_label() {
        // 0x82 is é in cp437 and cp850, 0x9C £ in cp437; 0xE4 is ф in cp866 (a WHATWG encoding).
        let decoded = to_utf8(b"<?xml version='1.0' encoding='cp850'?><t>caf\x82</t>", None);
        assert_eq!(
            (decoded.text.as_str(), decoded.encoding),
            ("<?xml version='1.0' encoding='cp850'?><t>caf\u{e9}</t>", "IBM850")
        );
        let decoded = to_utf8(b"<?xml version=\"1.0\" encoding=\"IBM437\"?><t>\x9C5</t>", None);
        assert!(decoded.text.ends_with("<t>\u{a3}5</t>"), "{}", decoded.text);
        let decoded = to_utf8(b"<t>\xE4</t>", Some("cp866"));
        assert_eq!(decoded.text, "<t>\u{444}</t>");
        // A label no table knows leaves the document to the fallbacks.
        let decoded = to_utf8(b"<?xml version=\"1.0\" encoding=\"x-nonsense\"?><t>caf\xC3\xA9</t>", None);
        assert_eq!(decoded.encoding, "UTF-8");
    }

    #[test]
    fn ebcdic_is_recognised_by_its_declaration() {
        // `<?xml version="1.0" encoding="cp500"?><t>[</t>` in cp500, where `[` is 0x4A (0xBA in cp037).
        let mut bytes = vec![0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40];
        bytes.extend(ebcdic_ascii(r#"version="1.0" encoding="cp500"?><t>"#));
        bytes.push(0x4A);
        bytes.extend(ebcdic_ascii("</t>"));
        let decoded = to_utf8(&bytes, None);
        assert_eq!(decoded.text, r#"<?xml version="1.0" encoding="cp500"?><t>[</t>"#);
        assert_eq!(decoded.encoding, "IBM500");
    }

    /// Letters, digits and the few marks the test needs, in EBCDIC (the same in cp037 and cp500).
    fn ebcdic_ascii(text: &str) -> Vec<u8> {
        text.chars()
            .map(|c| match c {
                'a'..='i' => 0x81 + (c as u8 - b'a'),
                'j'..='r' => 0x91 + (c as u8 - b'j'),
                's'..='z' => 0xA2 + (c as u8 - b's'),
                '0'..='9' => 0xF0 + (c as u8 - b'0'),
                ' ' => 0x40,
                '.' => 0x4B,
                '<' => 0x4C,
                '=' => 0x7E,
                '"' => 0x7F,
                '?' => 0x6F,
                '>' => 0x6E,
                '/' => 0x61,
                _ => unreachable!("not in the test's alphabet: {c}"),
            })
            .collect()
    }
}
