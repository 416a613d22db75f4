//! What the grouping compares: an article's words, folded, stop words dropped, stemmed, and the
//! names it mentions, each as a hashed term with its count.
//!
//! Terms are 32-bit XXH3 hashes of the folded word rather than strings: the grouper keeps a
//! window of thousands of articles, and a hash is four bytes where a string is an allocation.
//! Each kind of term is hashed with its own seed, so a word in a headline, the same word in a
//! body and the same name never collide by construction. Two different words sharing a hash is
//! possible (about one pair in 4 billion); its only effect is a slightly noisier similarity.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// A term: one folded word (or name) of one kind, hashed.
pub type Term = u32;

/// Seeds separating the kinds of term (see the module's notes).
const TEXT_SEED: u64 = 0x5157_0001;
const TITLE_SEED: u64 = 0x5157_0002;
const NAME_SEED: u64 = 0x5157_0003;

/// How many words of an article's body are read: the opening of a news article carries its
/// event (who, what, where, when); what follows is background that other events share.
pub const BODY_WORDS: usize = 300;

/// An article's terms, counted: the input the grouper weighs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    /// Stemmed words of the headline and the body's opening, the headline's counted twice.
    pub text: Vec<(Term, u32)>,
    /// Stemmed words of the headline alone.
    pub title: Vec<(Term, u32)>,
    /// Capitalised words that are not sentence-openers or stop words: people, places,
    /// organisations, as far as capitals tell.
    pub names: Vec<(Term, u32)>,
}

impl Features {
    /// Counts the terms of a headline and a plain-text body (see [`plain_text`] for HTML).
    #[must_use]
    pub fn of(title: &str, body: &str) -> Self {
        let mut text = Vec::new();
        let mut title_terms = Vec::new();
        let mut names = Vec::new();
        let title_is_cased = title_case(title);
        words(title, |word, capitalised, opens_sentence| {
            if let Some((as_text, as_title)) = stemmed(word) {
                title_terms.push(as_title);
                text.push(as_text);
                text.push(as_text);
            }
            if capitalised
                && !opens_sentence
                && !title_is_cased
                && let Some(name) = name_term(word)
            {
                names.push(name);
            }
            true
        });
        let mut read = 0;
        words(body, |word, capitalised, opens_sentence| {
            read += 1;
            if let Some((term, _)) = stemmed(word) {
                text.push(term);
            }
            if capitalised
                && !opens_sentence
                && let Some(name) = name_term(word)
            {
                names.push(name);
            }
            read < BODY_WORDS
        });
        Self { text: counted(text), title: counted(title_terms), names: counted(names) }
    }
}

/// Sorted, counted terms.
fn counted(mut terms: Vec<Term>) -> Vec<(Term, u32)> {
    terms.sort_unstable();
    let mut out: Vec<(Term, u32)> = Vec::with_capacity(terms.len());
    for term in terms {
        match out.last_mut() {
            Some((last, count)) if *last == term => *count += 1,
            _ => out.push((term, 1)),
        }
    }
    out
}

/// Calls `each(word, capitalised, opens_sentence)` for each run of letters and digits, until it
/// returns `false`. Apostrophes inside a word are dropped ("Biden's" reads as "bidens" then is
/// cut back to "biden" below), other characters end the word.
fn words(text: &str, mut each: impl FnMut(&str, bool, bool) -> bool) {
    let mut word = String::new();
    let mut capitalised = false;
    let mut opens_sentence = true;
    let mut next_opens = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ascii_word = c.is_ascii_alphanumeric();
        if ascii_word || (!c.is_ascii() && c.is_alphanumeric()) {
            if word.is_empty() {
                capitalised = c.is_uppercase();
                opens_sentence = next_opens;
                next_opens = false;
            }
            if ascii_word {
                word.push(c.to_ascii_lowercase());
            } else {
                word.extend(c.to_lowercase());
            }
            continue;
        }
        let inner_apostrophe = matches!(c, '\'' | '’') && !word.is_empty();
        if inner_apostrophe && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            // "Biden's", "don't": the possessive or contraction ends the useful word.
            while chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                chars.next();
            }
        }
        if !word.is_empty() {
            if !each(&word, capitalised, opens_sentence) {
                return;
            }
            word.clear();
        }
        if matches!(c, '.' | '!' | '?' | '\n' | ':' | '"' | '“' | '(' | ')') {
            next_opens = true;
        }
    }
    if !word.is_empty() {
        each(&word, capitalised, opens_sentence);
    }
}

/// Whether a headline is written in title case (most words capitalised), in which case its
/// capitals say nothing about names.
fn title_case(title: &str) -> bool {
    let (mut all, mut capitalised) = (0, 0);
    words(title, |word, caps, _| {
        if !is_stop_word(word) {
            all += 1;
            capitalised += usize::from(caps);
        }
        true
    });
    capitalised * 2 > all
}

/// Words remembered per thread by [`stemmed`]; past this the memory starts again.
const STEMS_KEPT: usize = 200_000;

/// Folded words and their (text, headline) terms.
type StemMemory = std::collections::HashMap<Box<str>, Option<(Term, Term)>>;

thread_local! {
    /// A word's (text, headline) terms, or `None` for a word that counts for nothing. News
    /// repeats its vocabulary, and stemming each occurrence again cost more than the rest of
    /// reading an article.
    // Keyed by strings: std's hasher, which spreads similar short words where Fx's does not.
    static STEMS: std::cell::RefCell<StemMemory> = std::cell::RefCell::new(StemMemory::new());
    static STEMMER: frostem::Stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
}

/// A folded word's terms as text and as headline: its Snowball English stem, hashed.
fn stemmed(word: &str) -> Option<(Term, Term)> {
    if let Some(known) = STEMS.with_borrow(|stems| stems.get(word).copied()) {
        return known;
    }
    let terms = if is_stop_word(word)
        || word.len() < 2
        || (word.bytes().all(|b| b.is_ascii_digit()) && word.len() < 3)
    {
        None
    } else {
        let stem = STEMMER.with(|stemmer| stemmer.stem(word).into_owned());
        Some((hash(stem.as_bytes(), TEXT_SEED), hash(stem.as_bytes(), TITLE_SEED)))
    };
    STEMS.with_borrow_mut(|stems| {
        if stems.len() >= STEMS_KEPT {
            stems.clear();
        }
        stems.insert(word.into(), terms);
    });
    terms
}

fn name_term(word: &str) -> Option<Term> {
    if is_stop_word(word) || word.len() < 2 || word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(hash(word.as_bytes(), NAME_SEED))
}

#[expect(clippy::cast_possible_truncation, reason = "a 32-bit term is the low half of the hash")]
fn hash(bytes: &[u8], seed: u64) -> Term {
    xxh3_64_with_seed(bytes, seed) as u32
}

/// Words that carry no event: English function words, and the reporting verbs and calendar
/// words every news article uses.
fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Sorted, for [`is_stop_word`]'s binary search (a test keeps it sorted).
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "even",
    "few", "for", "friday", "from", "further", "had", "has", "have", "having", "he", "her", "here",
    "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "itself", "just", "last", "least", "like", "many", "may", "me", "might", "monday", "more",
    "most", "mr", "mrs", "ms", "much", "must", "my", "myself", "new", "no", "nor", "not", "now",
    "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours", "ourselves", "out",
    "over", "own", "said", "same", "saturday", "say", "says", "she", "should", "since", "so",
    "some", "still", "such", "sunday", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "through", "thursday", "to",
    "told", "too", "tuesday", "under", "until", "up", "very", "was", "we", "wednesday", "week",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "year", "yesterday", "you", "your", "yours",
];

/// The text of sanitised HTML (what the store holds), for [`Features::of`]: tags dropped,
/// block ends as line breaks, the common entities decoded.
///
/// Written here rather than by parsing with html5ever: stored bodies are already sanitised
/// (well-formed, no scripts or comments), so stripping tags is exact for them, and grouping has
/// to cost a small part of storing an article, where a full parse costs as much as storing.
#[must_use]
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find(['<', '&']) {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        if rest.starts_with('<') {
            let Some(close) = rest.find('>') else { break };
            let tag = rest[1..close].trim_start_matches('/');
            let name = tag.split([' ', '/', '\t', '\n']).next().unwrap_or_default();
            out.push(if BLOCKS.contains(&name.to_ascii_lowercase().as_str()) { '\n' } else { ' ' });
            rest = &rest[close + 1..];
        } else {
            // Bytes, not a string slice: ten bytes on may fall inside a character ("&nbsp;? Où").
            let end = rest.bytes().take(10).position(|b| b == b';');
            let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
            if let Some((c, end)) = decoded {
                out.push(c);
                rest = &rest[end + 1..];
            } else {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Elements that end a line of text (so the next word opens a sentence).
#[rustfmt::skip]
const BLOCKS: &[&str] = &[
    "article", "blockquote", "br", "dd", "div", "dt", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
];

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "#39" => '\'',
        "nbsp" => ' ',
        _ => {
            let code = name.strip_prefix("#x").map_or_else(
                || name.strip_prefix('#').and_then(|d| d.parse().ok()),
                |hex| u32::from_str_radix(hex, 16).ok(),
            )?;
            char::from_u32(code)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_stay_sorted_for_the_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn words_are_folded_stemmed_and_stop_words_dropped() {
        let a = Features::of("", "The senators voted on the bills");
        let b = Features::of("", "Senator votes bill");
        assert_eq!(a.text, b.text);
        assert_eq!(a.text.len(), 3);
    }

    #[test]
    fn names_are_capitalised_words_not_opening_a_sentence() {
        let f = Features::of("", "Officials met in Doha. Talks with the Taliban resumed.");
        // "Doha" and "Taliban" are names; "Officials" and "Talks" open sentences.
        assert_eq!(f.names.len(), 2);
        let title_cased = Features::of("Officials Meet In Doha For Talks", "");
        assert!(title_cased.names.is_empty());
        assert_eq!(Features::of("Talks resume in the city of Doha today", "").names.len(), 1);
    }

    #[test]
    fn possessives_read_as_the_name() {
        let a = Features::of("", "It was Biden's plan");
        let b = Features::of("", "It was Biden plan");
        assert_eq!(a, b);
    }

    #[test]
    fn only_the_opening_of_a_long_body_is_read() {
        let long = "alpha ".repeat(BODY_WORDS) + "omega";
        let f = Features::of("", &long);
        assert_eq!(f.text, vec![(hash(b"alpha", TEXT_SEED), u32::try_from(BODY_WORDS).unwrap())]);
    }

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        let html = "<p>Fish &amp; chips&#33;</p><p>Tom&#x27;s <em>boat</em> &bogus</p>";
        assert_eq!(plain_text(html), "\nFish & chips!\n\nTom's  boat  &bogus\n");
    }
}
