//! The word lists the recogniser consults, compiled into the binary from `data/*.txt` and
//! parsed once, on first use, into hash sets.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// A small, fast, non-cryptographic hasher (the Fx hash used inside rustc) for short keys
/// that come from our own lists: no attacker chooses them, and `SipHash` costs more than the
/// rest of a lookup.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

const FX_K: u64 = 0xf135_7aea_2e62_a9c5;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set of words or phrases.
pub(super) type Set = HashSet<&'static str, BuildHasherDefault<FxHasher>>;
type OwnedSet = HashSet<String, BuildHasherDefault<FxHasher>>;

/// Everything the recogniser looks up.
pub(super) struct Lexicon {
    /// Places, as written ("New York", "KABUL" is looked up as "Kabul").
    pub places: Set,
    /// Organisations and outlets, as written.
    pub orgs: Set,
    /// Organisations whose name starts with "The", stored without it: they match only
    /// after "the".
    pub orgs_the: Set,
    /// Well-known people, full names.
    pub people: Set,
    /// The last words of `people` that name the person alone ("Biden").
    pub surnames: OwnedSet,
    /// Given names (and family names that come first).
    pub given: Set,
    /// Words that make a name an organisation.
    pub org_words: Set,
    /// Words that end a place's name.
    pub place_words: Set,
    /// Words that end (or start) an event's, law's or storm's name.
    pub event_words: Set,
    /// Phrases that are never names.
    pub not_names: Set,
    /// Nationality and group words.
    pub demonyms: Set,
    /// Ordinary words, lower case.
    pub common: Set,
    /// Titles, lower case.
    pub titles: Set,
    /// Words that may stand inside a title, lower case.
    pub title_mods: Set,
    /// For each connector, the words found before it inside listed names ("Bosnia" for
    /// "and", "Alternative" for "for"): there the connector joins the words around it.
    pub joins: Vec<(&'static str, Set)>,
    /// Lower-case words that keep a following full stop ("gen" for "Gen.", "calif").
    pub abbrevs: OwnedSet,
    /// The most words in a listed name.
    pub max_words: usize,
}

/// The one lexicon, parsed on first use.
pub(super) static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::load);

fn entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn set(text: &'static str) -> Set {
    entries(text).collect()
}

/// Connectors that may stand between the capitalised words of one name.
pub(super) const CONNECTORS: &[&str] = &["of", "for", "on", "and", "&", "the"];

/// Words from Romance, Germanic, Arabic and other languages that stand lower case inside a
/// person's or place's name ("Rio de Janeiro", "Ursula von der Leyen", "Mohammed bin Salman").
pub(super) const PARTICLES: &[&str] = &[
    "de", "del", "della", "dei", "di", "da", "das", "dos", "do", "du", "des", "van", "von", "der", "den",
    "ter", "ten", "zu", "bin", "ibn", "bint", "al", "el", "la", "le", "y", "e", "af", "av",
];

/// Abbreviations that keep their full stop besides those found in the lists.
const ABBREVS: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cmdr", "sgt", "cpl", "pvt",
    "adm", "brig", "sen", "rep", "gov", "rev", "msgr", "det", "supt", "st", "mt", "ft", "jr", "sr", "inc",
    "corp", "co", "ltd", "bros", "no", "nos", "vs", "etc", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat",
    "ave", "blvd", "rd", "approx", "dept", "univ", "est",
];

impl Lexicon {
    fn load() -> Self {
        let places = set(include_str!("../../data/places.txt"));
        let mut orgs = Set::default();
        let mut orgs_the = Set::default();
        for e in entries(include_str!("../../data/organisations.txt")) {
            match e.strip_prefix("The ") {
                Some(rest) => orgs_the.insert(rest),
                None => orgs.insert(e),
            };
        }
        let people = set(include_str!("../../data/people.txt"));
        let given = set(include_str!("../../data/given-names.txt"));
        let org_words = set(include_str!("../../data/org-words.txt"));
        let place_words = set(include_str!("../../data/place-words.txt"));
        let event_words = set(include_str!("../../data/event-words.txt"));
        let not_names = set(include_str!("../../data/not-names.txt"));
        let demonyms = set(include_str!("../../data/demonyms.txt"));
        let common = set(include_str!("../../data/common-words.txt"));
        let titles = set(include_str!("../../data/titles.txt"));
        let title_mods = set(include_str!("../../data/title-modifiers.txt"));

        let mut surnames = OwnedSet::default();
        for p in &people {
            let Some(last) = p.split(' ').next_back() else { continue };
            let lower = last.to_lowercase();
            if p.contains(' ')
                && !places.contains(last)
                && !orgs.contains(last)
                && !common.contains(lower.as_str())
                && !titles.contains(lower.as_str())
                && !matches!(last, "Jr." | "Sr." | "II" | "III" | "IV")
            {
                surnames.insert(last.to_owned());
            }
        }

        let mut joins: Vec<(&'static str, Set)> = CONNECTORS.iter().map(|c| (*c, Set::default())).collect();
        let mut max_words = 1;
        for e in places.iter().chain(&orgs).chain(&orgs_the).chain(&people) {
            let words: Vec<&'static str> = e.split(' ').collect();
            max_words = max_words.max(words.len() + 1);
            for w in words.windows(2) {
                if let Some((_, set)) = joins.iter_mut().find(|(c, _)| *c == w[1]) {
                    set.insert(w[0]);
                }
            }
        }

        let mut abbrevs: OwnedSet = ABBREVS.iter().map(|a| (*a).to_owned()).collect();
        for e in places.iter().chain(&orgs).chain(&titles).chain(&org_words).chain(&place_words) {
            for w in e.split(' ') {
                if let Some(stem) = w.strip_suffix('.')
                    && !stem.contains('.')
                {
                    abbrevs.insert(stem.to_lowercase());
                }
            }
        }

        Lexicon {
            places,
            orgs,
            orgs_the,
            people,
            surnames,
            given,
            org_words,
            place_words,
            event_words,
            not_names,
            demonyms,
            common,
            titles,
            title_mods,
            joins,
            abbrevs,
            max_words,
        }
    }
}
