//! Splitting a sentence into words and punctuation, once, with what the recogniser needs to
//! know of each word: its case, whether it is an initial or an abbreviation, and whether a
//! possessive "'s" was cut from it.

use super::lexicon::Lexicon;

/// One word, number or punctuation mark of a sentence.
#[derive(Debug, Clone, Copy, Default)]
#[expect(clippy::struct_excessive_bools, reason = "independent facts about one word")]
pub(super) struct Token {
    /// Byte range in the sentence, without a possessive "'s".
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// Byte range of the lower-case form in the sentence's lower-case buffer.
    pub lo_start: usize,
    /// End of that range.
    pub lo_end: usize,
    /// Holds a letter.
    pub word: bool,
    /// Starts with a capital ("Kabul", "al-Qaeda" counts too).
    pub upper: bool,
    /// No lower-case letter and at least two letters, or a letter and a digit ("NATO",
    /// "U.S.", "G20").
    pub caps: bool,
    /// A single capital and a full stop ("J.").
    pub initial: bool,
    /// A possessive "'s" (or a plural's "'") followed it.
    pub poss: bool,
    /// Followed by a hyphen and a lower-case word ("Taliban" in "Taliban-led").
    pub hyph_head: bool,
    /// The punctuation mark, for punctuation.
    pub punct: char,
}

/// Lower-case prefixes that attach to a name with a hyphen without being part of it
/// ("anti-Taliban", "pro-Kremlin").
const HYPHEN_PREFIXES: &[&str] = &[
    "anti", "pro", "non", "ex", "post", "pre", "mid", "trans", "sub", "neo", "counter", "inter", "ultra",
    "semi", "co", "re", "all", "pan", "cross", "intra", "extra", "under", "over",
];

/// Lower-case words that attach to a name with a hyphen without being part of it
/// ("Taliban-led", "Kabul-based"); words ending in "-ed" and "-ing" count too.
const HYPHEN_SUFFIXES: &[&str] = &[
    "run",
    "born",
    "style",
    "era",
    "made",
    "held",
    "bound",
    "wide",
    "like",
    "specific",
    "centric",
    "friendly",
    "area",
    "level",
    "type",
    "only",
    "owned",
    "led",
    "based",
    "backed",
    "linked",
    "related",
    "focused",
    "aligned",
    "allied",
    "occupied",
    "controlled",
    "dominated",
    "bred",
    "sized",
    "themed",
    "inspired",
    "funded",
    "sponsored",
    "affiliated",
    "brokered",
    "mediated",
    "appointed",
    "supported",
    "armed",
    "trained",
    "educated",
    "made",
    "listed",
    "registered",
    "flagged",
    "bashing",
    "leaning",
    "speaking",
    "loving",
    "hating",
    "first",
    "esque",
    "ish",
    "wise",
    "free",
    "proof",
    "friendly",
    "ready",
    "wide",
    "watchers",
    "watcher",
    "skeptic",
    "skeptics",
    "sceptic",
    "sceptics",
    "phobia",
    "phile",
    "ists",
    "ism",
];

/// Lower-case particles that, hyphened to a capitalised word, begin a name ("al-Qaeda",
/// "el-Sisi", "ez-Zor").
const NAME_PREFIXES: &[&str] =
    &["al", "el", "ad", "as", "ash", "at", "an", "ar", "az", "ez", "es", "ed", "bin", "ibn", "abd"];

#[inline]
fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|r| r.chars().next())
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’')
}

/// A known abbreviation that keeps its full stop ("Gen", "Calif"), looked up without
/// allocating for the short ASCII words abbreviations are.
fn is_abbrev(w: &str, lex: &Lexicon) -> bool {
    let mut buf = [0u8; 12];
    if w.len() > buf.len() || !w.is_ascii() {
        return false;
    }
    for (b, c) in buf.iter_mut().zip(w.bytes()) {
        *b = c.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..w.len()]).is_ok_and(|lo| lex.abbrevs.contains(lo))
}

/// Splits `s` into `toks`, writing the lower-case form of every word into `lower`.
pub(super) fn tokenize(s: &str, lex: &Lexicon, toks: &mut Vec<Token>, lower: &mut String) {
    toks.clear();
    lower.clear();
    let mut i = 0;
    while let Some(c) = char_at(s, i) {
        if c.is_whitespace() {
            i += c.len_utf8();
        } else if c.is_alphanumeric() {
            i = word(s, i, lex, toks, lower);
        } else {
            toks.push(Token {
                start: i,
                end: i + c.len_utf8(),
                lo_start: lower.len(),
                lo_end: lower.len(),
                punct: c,
                ..Token::default()
            });
            i += c.len_utf8();
        }
    }
}

/// Reads the word starting at `start`, pushes its token (or tokens, when a hyphen joins a
/// name to an ordinary word) and returns where the next token starts.
fn word(s: &str, start: usize, lex: &Lexicon, toks: &mut Vec<Token>, lower: &mut String) -> usize {
    let mut j = start;
    let mut dotted = false;
    loop {
        let run_start = j;
        let mut run_chars = 0;
        while let Some(c) = char_at(s, j) {
            if !c.is_alphanumeric() {
                break;
            }
            j += c.len_utf8();
            run_chars += 1;
        }
        let next_is_alnum = |k: usize| char_at(s, k).is_some_and(char::is_alphanumeric);
        match char_at(s, j) {
            Some(c @ ('-' | '\'' | '’' | '&')) if next_is_alnum(j + c.len_utf8()) => {
                j += c.len_utf8();
            }
            Some('.')
                if next_is_alnum(j + 1)
                    && (run_chars == 1 || s[run_start..j].bytes().all(|b| b.is_ascii_digit())) =>
            {
                dotted = true;
                j += 1;
            }
            _ => break,
        }
    }
    // A full stop belongs to initials ("J."), dotted abbreviations ("U.S.") and known
    // abbreviations ("Gen.", "Calif."): otherwise it ends the sentence.
    if char_at(s, j) == Some('.') {
        let w = &s[start..j];
        let single_letter = w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
        if dotted || single_letter || is_abbrev(w, lex) {
            j += 1;
        }
    }
    // "OPEC+", "LGBTQ+": a plus after capitals belongs to the name.
    if char_at(s, j) == Some('+')
        && s[start..j].chars().all(|c| !c.is_lowercase())
        && !char_at(s, j + 1).is_some_and(char::is_alphanumeric)
    {
        j += 1;
    }
    let mut end = j;
    let mut next = j;
    let mut poss = false;
    let w = &s[start..end];
    if let Some(stem) = w.strip_suffix("'s").or_else(|| w.strip_suffix("’s"))
        && !stem.is_empty()
    {
        end = start + stem.len();
        poss = true;
    } else if w.ends_with('s')
        && let Some(c) = char_at(s, j)
        && is_apostrophe(c)
        && !char_at(s, j + c.len_utf8()).is_some_and(char::is_alphanumeric)
    {
        poss = true;
        next = j + c.len_utf8();
    }
    split_hyphens(s, (start, end), poss, lex, toks, lower);
    next
}

/// Pushes the word `s[start..end]`, cutting "anti-" and "-led" from a name.
fn split_hyphens(
    s: &str,
    (start, end): (usize, usize),
    poss: bool,
    lex: &Lexicon,
    toks: &mut Vec<Token>,
    lower: &mut String,
) {
    let w = &s[start..end];
    if w.contains('-') {
        // "anti-Taliban": the prefix, then the name.
        if let Some((head, rest)) = w.split_once('-')
            && HYPHEN_PREFIXES.contains(&head.to_lowercase().as_str())
            && rest.chars().next().is_some_and(char::is_uppercase)
        {
            push(s, start, start + head.len(), false, toks, lower);
            split_hyphens(s, (start + head.len() + 1, end), poss, lex, toks, lower);
            return;
        }
        // "Taliban-led": the name, then the word.
        if let Some((head, tail)) = w.rsplit_once('-')
            && head.chars().next().is_some_and(char::is_uppercase)
            && tail.chars().next().is_some_and(char::is_lowercase)
        {
            let tl = tail.to_lowercase();
            let attached = HYPHEN_SUFFIXES.contains(&tl.as_str())
                || (tl.len() >= 4
                    && (tl.ends_with("ed") || tl.ends_with("ing") || lex.common.contains(tl.as_str())));
            if attached {
                split_hyphens(s, (start, start + head.len()), false, lex, toks, lower);
                if let Some(t) = toks.last_mut() {
                    t.hyph_head = true;
                }
                push(s, start + head.len() + 1, end, poss, toks, lower);
                return;
            }
        }
    }
    push(s, start, end, poss, toks, lower);
}

fn push(s: &str, start: usize, end: usize, poss: bool, toks: &mut Vec<Token>, lower: &mut String) {
    let w = &s[start..end];
    let lo_start = lower.len();
    let mut letters = 0;
    let mut lowers = 0;
    let mut digits = 0;
    if w.is_ascii() {
        for b in w.bytes() {
            lower.push(char::from(b.to_ascii_lowercase()));
            if b.is_ascii_alphabetic() {
                letters += 1;
                lowers += usize::from(b.is_ascii_lowercase());
            } else if b.is_ascii_digit() {
                digits += 1;
            }
        }
    } else {
        for c in w.chars() {
            if c == '’' {
                lower.push('\'');
            } else {
                lower.extend(c.to_lowercase());
            }
            if c.is_alphabetic() {
                letters += 1;
                lowers += usize::from(c.is_lowercase());
            } else if c.is_numeric() {
                digits += 1;
            }
        }
    }
    let lo_end = lower.len();
    let first_upper = w.chars().next().is_some_and(char::is_uppercase);
    let name_prefixed = !first_upper
        && w.split_once('-').is_some_and(|(head, rest)| {
            NAME_PREFIXES.contains(&head) && rest.chars().next().is_some_and(char::is_uppercase)
        });
    let initial = letters == 1 && first_upper && w.len() == 2 && w.ends_with('.');
    toks.push(Token {
        start,
        end,
        lo_start,
        lo_end,
        word: letters > 0,
        upper: first_upper || name_prefixed,
        caps: lowers == 0 && (letters >= 2 || (letters >= 1 && digits >= 1)),
        initial,
        poss,
        hyph_head: false,
        punct: '\0',
    });
}
