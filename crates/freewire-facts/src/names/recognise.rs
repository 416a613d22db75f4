//! Finding the names in one sentence: runs of capitalised words, cut at titles, classified by
//! the lists, by the words inside them and by the words around them.

use super::lexicon::{Lexicon, PARTICLES};
use super::token::{Token, tokenize};
use crate::EntityKind;

/// A name found in one sentence.
#[derive(Debug, Clone)]
pub(super) struct Mention {
    /// What it names; `None` for a lone capitalised word with nothing to say what it is,
    /// kept only in case the article names it in full elsewhere ("Khalilzad").
    pub kind: Option<EntityKind>,
    /// As written, without title, possessive or leading "the".
    pub name: String,
    /// A person only by default (two capitalised words, nothing else known).
    pub weak: bool,
    /// An abbreviation in brackets just after the mention before it ("(WHO)").
    pub alias_of_prev: bool,
}

/// Buffers reused from one sentence to the next.
#[derive(Default)]
pub(super) struct Scratch {
    toks: Vec<Token>,
    lower: String,
    key: String,
    names: Vec<bool>,
}

/// Appends the names in `s` to `out`.
pub(super) fn mentions(s: &str, lex: &Lexicon, scratch: &mut Scratch, out: &mut Vec<Mention>) {
    tokenize(s, lex, &mut scratch.toks, &mut scratch.lower);
    let first_word = scratch.toks.iter().position(|t| t.word).unwrap_or(0);
    let mut a = Analyser {
        s,
        toks: &scratch.toks,
        lower: &scratch.lower,
        lex,
        key: &mut scratch.key,
        out,
        last: None,
        first_word,
        names: std::mem::take(&mut scratch.names),
    };
    a.names.clear();
    for i in 0..a.toks.len() {
        let name = a.compute_name_tok(i);
        a.names.push(name);
    }
    a.run();
    scratch.names = a.names;
}

/// Months that are also given names ("May Okafor", "Theresa May").
const NAME_MONTHS: &[&str] = &["April", "May", "June", "August"];
/// Words before a month that make it a date ("in May", "by June").
const DATE_PREPS: &[&str] = &[
    "in", "on", "by", "since", "until", "till", "from", "through", "early", "late", "mid", "last", "next",
    "this", "of", "during", "before", "after", "between", "to", "and", "or", "every",
];

/// Lower-case words before an unknown name that make it a place.
const PLACE_PREPS: &[&str] = &[
    "in",
    "near",
    "outside",
    "across",
    "around",
    "throughout",
    "into",
    "towards",
    "toward",
    "to",
    "from",
    "via",
    "inside",
    "within",
    "between",
    "leaves",
    "visited",
    "visiting",
    "reached",
    "off",
    "past",
    "at",
    "beyond",
    "along",
    "down",
    "over",
];
/// Lower-case words after an unknown name that make it a place ("Helmand province").
const PLACE_POST: &[&str] = &[
    "province",
    "provinces",
    "city",
    "district",
    "districts",
    "county",
    "region",
    "village",
    "town",
    "island",
    "islands",
    "river",
    "valley",
    "border",
    "crossing",
    "beach",
    "airport",
    "area",
    "neighbourhood",
    "neighborhood",
    "suburb",
    "suburbs",
    "port",
    "prefecture",
    "governorate",
    "oblast",
    "municipality",
    "coast",
    "peninsula",
    "mountains",
    "lake",
    "bay",
    "sea",
    "desert",
    "basin",
    "delta",
    "camp",
    "branch",
    "township",
    "borough",
    "parish",
    "state",
    "residents",
    "countryside",
    "harbour",
    "harbor",
    "enclave",
    "exclave",
    "archipelago",
    "governor",
    "mayor",
    "downtown",
    "metro",
    "lowlands",
    "highlands",
    "railway",
    "corridor",
    "resident",
    "native",
    "police",
    "council",
    "authorities",
    "mayor's",
    "neighbourhoods",
    "neighborhoods",
    "pass",
    "peak",
    "glacier",
    "mountain",
    "hills",
    "range",
    "trail",
    "road",
    "highway",
    "bridge",
    "square",
    "park",
    "market",
    "canal",
    "channel",
    "strait",
    "gulf",
    "plateau",
    "plain",
    "plains",
    "forest",
    "reservoir",
    "dam",
    "oasis",
    "volcano",
    "estuary",
    "lagoon",
    "fjord",
    "creek",
    "stream",
    "waterfall",
    "falls",
    "gorge",
    "canyon",
    "reef",
    "atoll",
    "islet",
    "cape",
    "headland",
    "plant",
    "factory",
    "refinery",
    "mine",
    "mines",
    "facility",
    "complex",
    "compound",
];
/// Lower-case words after an unknown name that make it an organisation ("Livre party").
const ORG_POST: &[&str] = &[
    "party",
    "group",
    "movement",
    "militia",
    "militants",
    "fighters",
    "rebels",
    "insurgents",
    "company",
    "corporation",
    "firm",
    "agency",
    "broadcaster",
    "newspaper",
    "network",
    "airline",
    "bank",
    "lender",
    "carrier",
    "automaker",
    "carmaker",
    "shareholders",
    "shares",
    "executives",
    "leadership",
    "board",
    "app",
    "platform",
    "website",
    "subsidiary",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "stock",
    "employees",
    "staffers",
    "insurer",
    "brand",
    "headquarters",
    "partners",
];
/// Lower-case words before an unknown name that make it an organisation ("broadcaster KBS").
const ORG_PRE: &[&str] = &[
    "broadcaster",
    "agency",
    "newspaper",
    "daily",
    "network",
    "channel",
    "firm",
    "company",
    "group",
    "party",
    "carrier",
    "airline",
    "lender",
    "bank",
    "regulator",
    "watchdog",
    "automaker",
    "carmaker",
    "manufacturer",
    "startup",
    "start-up",
    "retailer",
    "charity",
    "organisation",
    "organization",
    "union",
    "militia",
    "movement",
    "outlet",
    "magazine",
    "publisher",
    "insurer",
    "conglomerate",
    "giant",
    "maker",
    "producer",
    "club",
    "studio",
    "label",
    "developer",
    "operator",
    "utility",
    "provider",
    "supplier",
    "chain",
    "brand",
    "platform",
    "app",
    "website",
    "tabloid",
    "weekly",
    "paper",
    "institute",
    "broadcasters",
    "agencies",
    "companies",
    "firms",
    "groups",
    "parties",
    "banks",
    "lenders",
    "airlines",
];
/// Nouns that, before "of", make the next name a place ("the town of Sake").
const PLACE_OF_NOUNS: &[&str] = &[
    "town",
    "city",
    "village",
    "province",
    "district",
    "region",
    "capital",
    "port",
    "island",
    "suburb",
    "state",
    "county",
    "quarter",
    "municipality",
    "outskirts",
    "streets",
    "centre",
    "center",
    "heart",
    "people",
    "residents",
    "governor",
    "mayor",
    "coast",
    "shores",
    "banks",
    "hamlet",
    "commune",
    "kingdom",
    "republic",
    "emirate",
    "neighbourhood",
    "neighborhood",
    "ruins",
    "medina",
    "islands",
    "valley",
    "prefecture",
];
/// Verbs after a lone unknown name that make it a person ("Khalilzad said").
const REPORT_VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "tells",
    "added",
    "adds",
    "wrote",
    "writes",
    "tweeted",
    "explained",
    "noted",
    "argued",
    "argues",
    "insisted",
    "insists",
    "claimed",
    "recalled",
    "recalls",
    "replied",
    "warned",
    "testified",
    "acknowledged",
    "admitted",
    "asked",
    "stated",
    "stressed",
    "believes",
    "thinks",
    "thought",
    "knew",
    "knows",
    "laughed",
    "smiled",
    "shrugged",
    "remembers",
    "grew",
    "resigned",
    "spoke",
    "declined",
    "denied",
    "conceded",
    "wondered",
    "hopes",
    "hoped",
    "feels",
    "felt",
    "sighed",
    "whispered",
    "shouted",
    "urged",
    "vowed",
];
/// Words after a possessive that make its owner a person ("Zelenskiy's chief of staff").
const PERSON_RELATIONS: &[&str] = &[
    "wife",
    "husband",
    "son",
    "daughter",
    "mother",
    "father",
    "brother",
    "sister",
    "lawyer",
    "lawyers",
    "attorney",
    "attorneys",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chief",
    "aide",
    "aides",
    "adviser",
    "advisers",
    "advisor",
    "family",
    "children",
    "parents",
    "widow",
    "campaign",
    "predecessor",
    "successor",
    "girlfriend",
    "boyfriend",
    "partner",
    "friend",
    "friends",
    "allies",
    "biographer",
    "memoir",
    "death",
    "funeral",
    "arrest",
    "trial",
    "conviction",
    "lawsuit",
    "presidency",
    "administration",
    "cabinet",
    "tenure",
];

/// Words after a capitalised ordinary word at the start of a sentence that make it a name
/// ("Turkey said", "China's"), not a noun ("Turkey prices").
const NAME_FOLLOWERS: &[&str] = &[
    "is",
    "was",
    "has",
    "had",
    "will",
    "would",
    "could",
    "can",
    "should",
    "may",
    "might",
    "must",
    "said",
    "says",
    "and",
    "or",
    "which",
    "who",
    "on",
    "in",
    "at",
    "to",
    "from",
    "does",
    "did",
    "remains",
    "plans",
    "wants",
    "also",
    "announced",
    "reported",
    "warned",
    "accused",
    "signed",
    "agreed",
    "rejected",
    "denied",
    "urged",
    "called",
    "claimed",
    "launched",
    "won",
    "lost",
];
/// First words that make a name of two or more words a place ("Fort X", "Lake X").
const PLACE_HEADS: &[&str] = &[
    "Mount", "Mt.", "Lake", "Gulf", "Cape", "Fort", "Ft.", "Port", "Isle", "Camp", "El", "San", "Santa",
    "Saint", "St.", "Los", "Las", "Rio", "Río", "Puerto", "Porto", "Ciudad", "Bandar", "Kuala", "Sidi",
    "Ras", "Wadi", "Jebel", "Jabal", "Kafr", "Beit", "Deir", "Tel", "Bay", "Costa", "Lac", "Mont", "Monte",
    "Pico", "Playa", "Villa", "Nueva", "Nuevo", "Novo", "Nova",
];
/// Words that, before a listed place, make one place of both ("West Java").
const DIRECTIONS: &[&str] = &[
    "North",
    "South",
    "East",
    "West",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Upper",
    "Lower",
    "Greater",
    "Northeast",
    "Northwest",
    "Southeast",
    "Southwest",
    "Inner",
    "Outer",
];
/// Words before "of" that join the name after it ("Gulf of Mexico", "House of Commons").
const OF_HEADS: &[&str] = &[
    "Gulf",
    "Bay",
    "Sea",
    "Strait",
    "Straits",
    "Isle",
    "Isles",
    "Island",
    "Islands",
    "Republic",
    "Kingdom",
    "City",
    "Horn",
    "Statue",
    "Cape",
    "Lake",
    "Mount",
    "Province",
    "Sultanate",
    "Emirate",
    "Principality",
    "Duchy",
    "Commonwealth",
    "Valley",
    "Port",
    "District",
    "Region",
    "County",
    "Town",
    "Village",
    "Rock",
    "Cathedral",
    "Palace",
    "Tower",
    "Museum",
    "Bridge",
    "Shrine",
    "Dome",
    "Temple",
    "Mosque",
    "House",
    "Library",
    "Federation",
    "Union",
    "Church",
    "Mount",
    "Sea",
    "Straits",
    "Peninsula",
    "Coast",
    "Cape",
    "Bank",
    "Gate",
    "Square",
];
/// First words of storms, military operations and the like.
const EVENT_HEADS: &[&str] =
    &["Hurricane", "Typhoon", "Cyclone", "Storm", "Tropical", "Operation", "Super", "Winter"];
/// All-capital words that are not organisations.
const ACRONYM_STOP: &[&str] = &[
    "CEO", "CFO", "COO", "CTO", "MP", "MPs", "MEP", "TV", "OK", "AM", "PM", "GDP", "COVID", "HIV", "AIDS",
    "DNA", "RNA", "ID", "PhD", "MBA", "USD", "EUR", "GBP", "VAT", "PPE", "LGBT", "LGBTQ", "ICU", "AI", "IT",
    "IPO", "SUV", "ATM", "GPS", "PIN", "TBD", "FAQ", "URL", "PDF", "CO2", "EV", "EVs", "USB", "IED", "IEDs",
    "NFT", "ETF", "CPI", "ESG", "SMS", "VPN", "WMD", "POW", "MIA", "RIP", "LOL", "ASAP", "DIY", "FYI", "UFO",
    "EST", "EDT", "PST", "PDT", "GMT", "UTC", "BST", "CET", "CST", "CDT", "MST", "MDT", "AD", "BC", "BCE",
    "CE", "NO", "YES", "MVP", "PR", "HR", "CV", "QR", "API", "SOS", "RSVP", "ET", "PT", "BBQ", "DJ", "MC",
    "IQ", "KO", "VIP", "OMG", "AC", "DC", "IVF", "PTSD", "ADHD", "MRI", "ER", "OB", "PE", "IRA", "ZIP",
    "IOU", "NB",
];

/// Words after "CCTV" and the like that make it a camera, not a broadcaster.
const ACRONYM_THING_FOLLOWERS: &[&str] = &[
    "footage",
    "camera",
    "cameras",
    "images",
    "image",
    "video",
    "videos",
    "system",
    "systems",
    "surveillance",
    "test",
    "tests",
    "testing",
    "levels",
    "scan",
    "scans",
];

/// Buildings and sites whose "Centre" is a place, not an organisation.
const CENTRE_PLACES: &[&str] = &[
    "Convention",
    "Civic",
    "Community",
    "Shopping",
    "Trade",
    "Sports",
    "Leisure",
    "Arts",
    "Cultural",
    "Conference",
    "Exhibition",
    "Visitor",
    "Visitors",
    "Detention",
    "Aquatic",
    "Recreation",
    "Town",
    "City",
    "Fitness",
    "Financial",
    "Rockefeller",
    "Lincoln",
    "Congress",
    "Heritage",
    "Youth",
    "Senior",
    "Garden",
    "Events",
    "Performing",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    Kind(EntityKind),
    /// Listed as never a name.
    Nothing,
}

/// What the words after a listed name make of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    Org,
    Place,
    Event,
}

struct Analyser<'a> {
    s: &'a str,
    toks: &'a [Token],
    lower: &'a str,
    lex: &'a Lexicon,
    key: &'a mut String,
    out: &'a mut Vec<Mention>,
    /// Token range and kind of the last mention emitted in this sentence.
    last: Option<(usize, usize, Option<EntityKind>)>,
    /// The first word's index: a capital there says nothing.
    first_word: usize,
    /// For each token, whether it can be part of a name.
    names: Vec<bool>,
}

/// A month or weekday, written out or abbreviated.
fn date_word(w: &str) -> bool {
    matches!(
        w,
        "January"
            | "February"
            | "March"
            | "April"
            | "May"
            | "June"
            | "July"
            | "August"
            | "September"
            | "October"
            | "November"
            | "December"
            | "Jan."
            | "Feb."
            | "Mar."
            | "Apr."
            | "Jun."
            | "Jul."
            | "Aug."
            | "Sep."
            | "Sept."
            | "Oct."
            | "Nov."
            | "Dec."
            | "Monday"
            | "Tuesday"
            | "Wednesday"
            | "Thursday"
            | "Friday"
            | "Saturday"
            | "Sunday"
            | "Mon."
            | "Tue."
            | "Tues."
            | "Wed."
            | "Thu."
            | "Thur."
            | "Thurs."
            | "Fri."
            | "Sat."
    )
}

fn ordinary_suffix(lo: &str) -> bool {
    let n = lo.chars().count();
    (n >= 5 && (lo.ends_with("ly") || lo.ends_with("ing")))
        || (n >= 7 && (lo.ends_with("ers") || lo.ends_with("ors")))
        || (n >= 6
            && ["ists", "ants", "ents", "ians", "ees", "ics", "ysts", "ats", "ives", "ies"]
                .iter()
                .any(|s| lo.ends_with(s)))
}

fn roman(w: &str) -> bool {
    !w.is_empty() && w.len() <= 5 && w.chars().all(|c| matches!(c, 'I' | 'V' | 'X'))
}

/// "M62", "A1", "I-95": a road's number.
fn road_code(w: &str) -> bool {
    let mut chars = w.chars();
    let Some(first) = chars.next() else { return false };
    let rest = chars.as_str().trim_start_matches('-');
    matches!(first, 'M' | 'A' | 'I' | 'N' | 'B' | 'E')
        && !rest.is_empty()
        && rest.len() <= 3
        && rest.bytes().all(|b| b.is_ascii_digit())
}

impl<'a> Analyser<'a> {
    fn n(&self) -> usize {
        self.toks.len()
    }

    fn text(&self, i: usize) -> &'a str {
        let t = &self.toks[i];
        &self.s[t.start..t.end]
    }

    fn lower(&self, i: usize) -> &'a str {
        let t = &self.toks[i];
        &self.lower[t.lo_start..t.lo_end]
    }

    /// The lower-case word at `i`, if `i` is a word in the sentence.
    fn word_at(&self, i: usize) -> Option<&'a str> {
        (i < self.n() && self.toks[i].word).then(|| self.lower(i))
    }

    fn punct_at(&self, i: usize) -> Option<char> {
        let t = self.toks.get(i)?;
        (!t.word && t.punct != '\0').then_some(t.punct)
    }

    fn is_lower_word(&self, i: usize) -> bool {
        i < self.n() && self.toks[i].word && !self.toks[i].upper && !self.toks[i].caps
    }

    fn is_particle(&self, i: usize) -> bool {
        self.is_lower_word(i) && PARTICLES.contains(&self.lower(i))
    }

    fn is_title(&self, i: usize) -> bool {
        self.lex.titles.contains(self.lower(i))
    }

    fn is_date_word(&self, i: usize) -> bool {
        let w = self.text(i);
        w.len() >= 3 && w.as_bytes()[0].is_ascii_uppercase() && date_word(w)
    }

    /// A word that can be part of a name (worked out once per sentence, in `names`).
    #[inline]
    fn is_name_tok(&self, i: usize) -> bool {
        self.names[i]
    }

    /// Works out [`Self::is_name_tok`] for word `i`.
    fn compute_name_tok(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if !t.word || !(t.upper || t.caps) {
            return false;
        }
        let w = self.text(i);
        if w == "I" || w == "A" {
            return false;
        }
        if self.is_date_word(i) {
            return self.date_word_is_name(i);
        }
        true
    }

    /// "Sunday Times", "Theresa May", "May Okafor": a month or weekday inside a name.
    fn date_word_is_name(&self, i: usize) -> bool {
        let next_upper =
            i + 1 < self.n() && self.toks[i + 1].word && self.toks[i + 1].upper && !self.is_date_word(i + 1);
        if next_upper && self.lex.org_words.contains(self.text(i + 1)) {
            return true;
        }
        if !NAME_MONTHS.contains(&self.text(i)) {
            return false;
        }
        if i > 0 && self.toks[i - 1].word && self.toks[i - 1].upper {
            let prev = self.text(i - 1);
            return self.lex.given.contains(prev) || self.is_title(i - 1);
        }
        let after_date_prep = i > 0 && DATE_PREPS.contains(&self.lower(i - 1));
        next_upper && !after_date_prep && !self.toks[i + 1].caps
    }

    fn run(&mut self) {
        let mut i = self.dateline();
        while i < self.n() {
            if !self.is_name_tok(i) {
                i += 1;
                continue;
            }
            let end = self.span_end(i);
            self.span(i, end);
            i = end;
        }
    }

    /// "KABUL (Wire) —", "GAZA/JERUSALEM —", "LA PAZ, Bolivia —": the places of a dateline,
    /// as written. Returns where the rest of the sentence starts.
    fn dateline(&mut self) -> usize {
        let n = self.n();
        let mut groups = [(0, 0); 4];
        let mut count = 0;
        let mut i = 0;
        loop {
            let start = i;
            while i < n && self.toks[i].word && self.toks[i].caps && !self.toks[i].initial {
                i += 1;
            }
            if i == start || count == groups.len() {
                return 0;
            }
            groups[count] = (start, i);
            count += 1;
            if self.punct_at(i) == Some('/') {
                i += 1;
                continue;
            }
            break;
        }
        if !matches!(self.punct_at(i), Some('—' | '–' | '-' | '(' | ',')) {
            return 0;
        }
        for &(a, b) in &groups[..count] {
            self.build_key(a, b);
            let written = self.key.clone();
            if self.lex.orgs.contains(written.as_str()) {
                return 0;
            }
            let title = title_case(&written);
            let letters = written.chars().filter(|c| c.is_alphabetic()).count();
            if letters < 4 && !self.lex.places.contains(title.as_str()) {
                return 0;
            }
        }
        for &(a, b) in &groups[..count] {
            self.emit(Some(EntityKind::Place), a, b, false);
        }
        i
    }

    /// The end of the run of name words starting at `i`, across the connectors that join
    /// one name ("Ministry of Refugees", "Rio de Janeiro", "Harrow & Finch").
    fn span_end(&self, i: usize) -> usize {
        let n = self.n();
        let mut last = i;
        loop {
            let t = &self.toks[last];
            if t.hyph_head || (t.poss && !self.poss_continues(last)) {
                break;
            }
            let j = last + 1;
            if j < n && self.is_name_tok(j) {
                last = j;
                continue;
            }
            if j < n && !self.toks[j].word && self.toks[j].punct == '\0' {
                let with_number = self.joined(i, j + 1);
                if self.lex.orgs.contains(with_number.as_str())
                    || self.lex.places.contains(with_number.as_str())
                {
                    last = j;
                    continue;
                }
            }
            if j < n
                && let Some(k) = self.connector_join(i, last, j)
            {
                last = k;
                continue;
            }
            break;
        }
        last + 1
    }

    /// "Children's Hospital", "Soldiers' Memorial": a possessive inside a name.
    fn poss_continues(&self, i: usize) -> bool {
        let j = i + 1;
        if j >= self.n() || !self.is_name_tok(j) {
            return false;
        }
        let next = self.text(j);
        let t = &self.toks[i];
        let w = self.text(i);
        if i > 0 && matches!(self.text(i - 1), "St." | "St" | "Saint" | "San" | "Santa") {
            // "St. Mark's Episcopal Church", "St. Peter's Square".
            return true;
        }
        if self.lex.common.contains(self.lower(i))
            && !self.lex.places.contains(w)
            && !self.lex.orgs.contains(w)
            && !self.is_title(i)
            && !self.is_initial(i)
        {
            // "People's Liberation Army", "Women's March".
            return true;
        }
        if !(self.lex.org_words.contains(next) || self.lex.place_words.contains(next)) {
            return false;
        }
        if self.lex.places.contains(w) || self.lex.orgs.contains(w) || self.lex.surnames.contains(w) {
            return false;
        }
        let plural = !self.s[t.end..].starts_with("'s") && !self.s[t.end..].starts_with("’s");
        let w = self.lower(i);
        plural || self.lex.common.contains(w) || self.is_title(i) || self.lex.given.contains(self.text(i))
    }

    /// Where a connector at `j` joins the name before it (whose last word is at `left`) to
    /// the next: the index of the next name's first word.
    fn connector_join(&self, start: usize, left: usize, j: usize) -> Option<usize> {
        let n = self.n();
        if self.is_particle(j) {
            let mut k = j;
            while k < n && self.is_particle(k) && k - j < 2 {
                k += 1;
            }
            return (k < n && self.is_name_tok(k)).then_some(k);
        }
        let c = if self.punct_at(j) == Some('&') {
            "&"
        } else if self.is_lower_word(j) {
            match self.lower(j) {
                c @ ("of" | "for" | "on" | "and") => c,
                _ => return None,
            }
        } else {
            return None;
        };
        let mut k = j + 1;
        if c != "&" && self.word_at(k) == Some("the") && self.is_lower_word(k) {
            k += 1;
        }
        if k >= n || !self.is_name_tok(k) {
            return None;
        }
        let left_text = self.text(left);
        let joined = self.joins(left_text, c);
        let ok = match c {
            "&" => true,
            "of" => {
                joined
                    || self.lex.org_words.contains(left_text)
                    || OF_HEADS.contains(&left_text)
                    || (self.is_title(left) && self.lex.title_mods.contains(self.lower(k)))
            }
            "for" => {
                // "Habitat for Humanity", "Moms for Liberty": an ordinary or plural word, then
                // "for" and a name, names a group.
                joined
                    || self.lex.org_words.contains(left_text)
                    || (self.lex.common.contains(self.lower(left)) || self.lex.demonyms.contains(left_text))
                        && !self.is_title(left)
                        && self.toks[k].upper
            }
            "on" => {
                // "Committee on Foreign Relations", not "Church on Vine Street".
                let mut end = k;
                while end < n && self.is_name_tok(end) {
                    end += 1;
                }
                let last = self.text(end - 1);
                let right = self.joined(k, end);
                joined
                    || (self.lex.org_words.contains(left_text)
                        && !self.lex.place_words.contains(last)
                        && !self.lex.places.contains(right.as_str())
                        && !self.lex.surnames.contains(right.as_str())
                        && !self.lex.people.contains(right.as_str()))
            }
            "and" => {
                joined
                    || self.and_joins(start, left, k)
                    // "Pacific Gas and Electric": an organisation word alone after "and".
                    || self.lone_org_word_after_and(left_text, k)
            }
            _ => false,
        };
        ok.then_some(k)
    }

    /// "Pacific Gas and Electric": an organisation word alone after "and" ends the name
    /// begun before it, unless it names something itself ("and Congress").
    fn lone_org_word_after_and(&self, left: &str, k: usize) -> bool {
        let w = self.text(k);
        self.lex.org_words.contains(w)
            && !self.lex.orgs.contains(w)
            && !self.lex.org_words.contains(left)
            && (k + 1 >= self.n() || !self.is_name_tok(k + 1))
    }

    fn joins(&self, left: &str, c: &str) -> bool {
        self.lex.joins.iter().any(|(conn, words)| *conn == c && words.contains(left))
    }

    /// "Department of Health and Human Services", "Ministry of Foreign Affairs and Trade":
    /// "and" inside an organisation's name of the form "X of Y".
    fn and_joins(&self, start: usize, left: usize, k: usize) -> bool {
        if left - start > 12 {
            return false;
        }
        let mut end = k;
        while end < self.n() && self.is_name_tok(end) {
            end += 1;
        }
        let last = self.text(end - 1);
        let has_of =
            (start..left).any(|m| self.is_lower_word(m) && matches!(self.lower(m), "of" | "for" | "on"));
        if !has_of {
            // "House Ways and Means Committee": the words before "and" name nothing alone.
            let whole = self.joined(start, left + 1);
            let left_named = self.lex.orgs.contains(whole.as_str())
                || self.lex.places.contains(whole.as_str())
                || self.lex.people.contains(whole.as_str())
                || self.lex.surnames.contains(whole.as_str())
                || (start..=left).any(|m| {
                    self.lex.org_words.contains(self.text(m)) && !self.lex.title_mods.contains(self.lower(m))
                });
            let left_person =
                self.lex.given.contains(self.text(start)) || (start..=left).any(|m| self.is_title(m));
            return !left_named
                && !left_person
                && end > k + 1
                && self.lex.org_words.contains(last)
                && !self.lex.given.contains(self.text(k));
        }
        if self.lex.org_words.contains(last) {
            return true;
        }
        let w = self.text(k);
        end == k + 1
            && !self.lex.places.contains(w)
            && !self.lex.orgs.contains(w)
            && !self.lex.given.contains(w)
            && !self.lex.surnames.contains(w)
            && !self.toks[k].caps
    }

    /// The words `a..b` joined by single spaces, for the rare look-ups made while a run is
    /// still being measured.
    fn joined(&self, a: usize, b: usize) -> String {
        let mut out = String::new();
        for k in a..b {
            if k > a {
                out.push(' ');
            }
            out.push_str(self.text(k));
        }
        out
    }

    /// A capital at the start of a sentence, quote or bracket says nothing.
    fn is_initial(&self, i: usize) -> bool {
        if i <= self.first_word {
            return true;
        }
        matches!(
            self.punct_at(i - 1),
            Some('“' | '‘' | '"' | '\'' | '(' | '[' | ':' | '—' | '–' | '-' | '•' | '*')
        )
    }

    /// The first word of a sentence is an ordinary word, not a name ("Officials", "Turkey
    /// prices").
    fn initial_is_ordinary(&mut self, a: usize, b: usize) -> bool {
        if let Some((_, len)) = self.listed(a, b, false) {
            if len > 1 || !self.lex.common.contains(self.lower(a)) {
                return false;
            }
            // "Turkey", "China": a name before a verb or punctuation, a noun before a noun.
            return !(self.toks[a].poss
                || a + 1 >= self.n()
                || !self.toks[a + 1].word
                || self.toks[a + 1].upper
                || NAME_FOLLOWERS.contains(&self.lower(a + 1)));
        }
        let w = self.text(a);
        let lo = self.lower(a);
        if b - a >= 2 {
            // "Major League Baseball", "General Motors": the first word is part of a name
            // that ends in an organisation or place word.
            let last = self.text(b - 1);
            if self.lex.org_words.contains(last) || self.lex.place_words.contains(last) {
                return false;
            }
        }
        if self.lex.common.contains(lo) && a + 1 < b && self.lex.surnames.contains(self.text(a + 1)) {
            // "Will Trump sign it?"
            return true;
        }
        if lo.contains('-') && lo.split('-').all(|p| self.lex.common.contains(p)) {
            // "Hard-hit", "Grandmother-of-three".
            return true;
        }
        if self.lex.given.contains(w) && a + 1 < b && self.toks[a + 1].upper {
            return false;
        }
        if NAME_MONTHS.contains(&w) && a + 1 < b {
            return false;
        }
        // "Secretary of State Antony Blinken", "Retired judge" is not a title before a name.
        if let Some(r) = self.title_run(a, b)
            && r < b
            && self.person_end(r, b).is_some()
        {
            return false;
        }
        if self.lex.surnames.contains(w) {
            return false;
        }
        if a + 1 < b && !self.lex.given.contains(w) {
            let next = self.text(a + 1);
            if self.lex.surnames.contains(next) {
                return true;
            }
        }
        self.lex.common.contains(lo)
            || self.lex.title_mods.contains(lo)
            || (ordinary_suffix(lo) && !self.toks[a].caps)
    }

    fn span(&mut self, a: usize, b: usize) {
        let mut a = a;
        if self.is_initial(a) && self.initial_is_ordinary(a, b) {
            a += 1;
        }
        if a < b {
            self.segment(a, b);
        }
    }

    /// Fills `key` with the words `a..b` joined by single spaces.
    fn build_key(&mut self, a: usize, b: usize) {
        self.key.clear();
        for k in a..b {
            if k > a {
                self.key.push(' ');
            }
            let t = &self.toks[k];
            let w = if t.poss && k + 1 < b {
                self.s[t.start..self.toks[k + 1].start].trim_end()
            } else {
                &self.s[t.start..t.end]
            };
            if w.contains('’') {
                for c in w.chars() {
                    self.key.push(if c == '’' { '\'' } else { c });
                }
            } else {
                self.key.push_str(w);
            }
        }
    }

    /// The longest listed name starting at `i` and ending before `b`.
    fn listed(&mut self, i: usize, b: usize, had_the: bool) -> Option<(Listed, usize)> {
        let max = (b - i).min(self.lex.max_words);
        for len in (1..=max).rev() {
            let e = i + len;
            let number = !self.toks[e - 1].word && self.toks[e - 1].punct == '\0';
            if !(self.is_name_tok(e - 1) || number && len > 1) {
                continue;
            }
            self.build_key(i, e);
            let key = self.key.as_str();
            let lex = self.lex;
            if had_the && lex.orgs_the.contains(key) {
                return Some((Listed::Kind(EntityKind::Organisation), len));
            }
            if self.toks[e - 1].poss {
                let t = &self.toks[e - 1];
                let with_s = format!("{key}{}", &self.s[t.end..]).replace('’', "'");
                if with_s.len() >= key.len() + 2 && lex.orgs.contains(&with_s[..key.len() + 2]) {
                    return Some((Listed::Kind(EntityKind::Organisation), len));
                }
            }
            let place = lex.places.contains(key);
            let org = lex.orgs.contains(key);
            if place && org {
                // "the Amazon" is the forest, "in Georgetown" the town; "Amazon" the company.
                let after_prep =
                    i > 0 && self.is_lower_word(i - 1) && PLACE_PREPS.contains(&self.lower(i - 1));
                let kind = if had_the || after_prep { EntityKind::Place } else { EntityKind::Organisation };
                return Some((Listed::Kind(kind), len));
            }
            if org {
                return Some((Listed::Kind(EntityKind::Organisation), len));
            }
            if place {
                // "Austin Miller", "Jordan Peterson": a given name before a surname.
                if len == 1
                    && lex.given.contains(key)
                    && e < b
                    && self.toks[e].upper
                    && !lex.org_words.contains(self.text(e))
                    && !lex.place_words.contains(self.text(e))
                    && !lex.common.contains(self.lower(e))
                    && !lex.titles.contains(self.lower(e))
                    && !lex.title_mods.contains(self.lower(e))
                {
                    continue;
                }
                return Some((Listed::Kind(EntityKind::Place), len));
            }
            if lex.people.contains(key) {
                return Some((Listed::Kind(EntityKind::Person), len));
            }
            if lex.not_names.contains(key) {
                return Some((Listed::Nothing, len));
            }
        }
        None
    }

    /// Cuts the run of name words `a..b` into names.
    fn segment(&mut self, from: usize, to: usize) {
        let mut i = from;
        let mut had_the = from > 0 && self.lower(from - 1) == "the";
        while i < to {
            let w = self.lower(i);
            if w == "the"
                && !self.is_lower_word(i)
                && let Some((Listed::Kind(EntityKind::Place), len)) = self.listed(i, to, false)
                && len > 1
            {
                // "The Hague", "The Gambia": the article is part of the name.
                self.emit(Some(EntityKind::Place), i, i + len, false);
                i += len;
                continue;
            }
            if w == "the" || (self.is_lower_word(i) && w != "al" && w != "el") || !self.toks[i].word {
                had_the = w == "the";
                i += 1;
                continue;
            }
            if let Some((listed, len)) = self.listed(i, to, had_the) {
                let e = i + len;
                let stop = self.next_title(e, to);
                // "Royal Society of Chemistry": a listed organisation's name continued.
                let continued = listed == Listed::Kind(EntityKind::Organisation)
                    && e < stop
                    && self.is_lower_word(e)
                    && matches!(self.lower(e), "of" | "for" | "on");
                let tail = if continued { Some(Tail::Org) } else { self.tail(e, stop) };
                match (listed, tail) {
                    (Listed::Kind(k), _) if e == stop => {
                        self.emit(Some(k), i, e, false);
                        i = e;
                    }
                    (_, Some(Tail::Org)) => {
                        self.emit(Some(EntityKind::Organisation), i, stop, false);
                        i = stop;
                    }
                    (_, Some(Tail::Place)) => {
                        self.emit(Some(EntityKind::Place), i, stop, false);
                        i = stop;
                    }
                    (_, Some(Tail::Event)) => i = stop,
                    (Listed::Kind(k), None) => {
                        self.emit(Some(k), i, e, false);
                        i = e;
                    }
                    (Listed::Nothing, None) => i = e,
                }
                had_the = false;
                continue;
            }
            if let Some(r) = self.title_run(i, to) {
                if r >= to {
                    return;
                }
                if let Some(pe) = self.person_end(r, to) {
                    self.emit(Some(EntityKind::Person), r, pe, false);
                    i = pe;
                    had_the = false;
                    continue;
                }
            }
            if let Some(d) = self.demonym(i, to) {
                let stop = self.next_title(i + d, to);
                let org_after = stop == to
                    && to < self.n()
                    && self.is_lower_word(to)
                    && matches!(self.lower(to), "party" | "movement" | "alliance" | "coalition");
                if i + d < stop
                    && (org_after
                        || self.tail(i + d, stop) == Some(Tail::Org) && !self.generic_body(i + d, stop))
                {
                    // "Philippine Coast Guard", "Norwegian Refugee Council"; but "Iranian
                    // Foreign Ministry" is the Foreign Ministry.
                    self.emit(Some(EntityKind::Organisation), i, stop, false);
                    i = stop;
                } else {
                    i += d;
                }
                had_the = false;
                continue;
            }
            let stop = self.next_title(i + 1, to);
            self.unit(i, stop, had_the);
            had_the = false;
            i = stop;
        }
    }

    /// The end of a title starting at `i` ("Foreign Minister", "Secretary of State", "Gen.").
    fn title_run(&self, from: usize, to: usize) -> Option<usize> {
        let mut k = from;
        let mut core = false;
        while k < to {
            let w = self.lower(k);
            if self.toks[k].word && !self.is_lower_word(k) || k == from {
                if self.lex.titles.contains(w) {
                    core = true;
                    k += 1;
                    continue;
                }
                if self.lex.title_mods.contains(w) {
                    k += 1;
                    continue;
                }
            }
            if (w == "of" || w == "for") && core {
                let mut m = k + 1;
                if m < to && self.lower(m) == "the" {
                    m += 1;
                }
                let from = m;
                while m < to && self.lex.title_mods.contains(self.lower(m)) {
                    m += 1;
                }
                if m > from {
                    k = m;
                    continue;
                }
            }
            break;
        }
        (core && k > from).then_some(k)
    }

    /// The end of a person's name starting at `r`, after a title.
    fn person_end(&self, r: usize, b: usize) -> Option<usize> {
        let mut k = r;
        let mut words = 0;
        while k < b {
            if self.is_particle(k) && k + 1 < b && self.is_name_tok(k + 1) {
                k += 1;
                continue;
            }
            if !self.is_name_tok(k) {
                break;
            }
            let w = self.text(k);
            if self.lex.org_words.contains(w)
                || self.lex.place_words.contains(w)
                || self.lex.event_words.contains(w)
            {
                return None;
            }
            if words > 0 && self.lex.demonyms.contains(w) {
                break;
            }
            words += 1;
            k += 1;
            if self.toks[k - 1].poss || words > 5 {
                break;
            }
        }
        if words == 0 || words > 5 {
            return None;
        }
        let first = self.text(r);
        if words == 1 && (self.lex.demonyms.contains(first) || self.lex.places.contains(first)) {
            return None;
        }
        Some(k)
    }

    /// The first title in `from..b` with a person's name after it, or `b`.
    fn next_title(&self, from: usize, b: usize) -> usize {
        // A name runs a dozen words at most: past that, cut the run anyway (and keep long
        // runs of capitals, as in headlines, linear).
        let b = b.min(from + 12);
        for k in from..b {
            if self.is_lower_word(k) {
                continue;
            }
            if let Some(r) = self.title_run(k, b)
                && r < b
                && self.person_end(r, b).is_some()
            {
                return k;
            }
        }
        b
    }

    /// What the words `e..stop` after a listed name make of the whole.
    fn tail(&self, e: usize, stop: usize) -> Option<Tail> {
        if e >= stop {
            return None;
        }
        let last = self.text(stop - 1);
        if self.lex.event_words.contains(last) {
            return Some(Tail::Event);
        }
        if self.lex.place_words.contains(last) && !self.centre_is_org(stop - 1) {
            return Some(Tail::Place);
        }
        if (e..stop).any(|k| self.toks[k].word && self.lex.org_words.contains(self.text(k))) {
            return Some(Tail::Org);
        }
        None
    }

    /// "Foreign Ministry", "Defence Ministry", "Army": a government body named only by what it
    /// does, which a nationality before it describes rather than names.
    fn generic_body(&self, a: usize, b: usize) -> bool {
        if b == a + 1 && self.lex.orgs.contains(self.text(a)) {
            return true;
        }
        (a..b).any(|k| self.toks[k].word && self.lex.title_mods.contains(self.lower(k)))
            && (a..b).all(|k| {
                !self.toks[k].word
                    || self.lex.title_mods.contains(self.lower(k))
                    || self.lex.org_words.contains(self.text(k))
                    || self.is_lower_word(k)
            })
    }

    /// `DriveBC`, `YouTube`, `OpenAI`: a capital inside a word, as brands write them (not
    /// `McDonald`, `DeSantis`, `LeBron`).
    fn camel(&self, k: usize) -> bool {
        let w = self.text(k);
        let mut chars = w.chars();
        if !chars.next().is_some_and(char::is_uppercase) || self.toks[k].caps {
            return false;
        }
        let rest = chars.as_str();
        let inner_upper = rest
            .char_indices()
            .any(|(at, c)| c.is_uppercase() && rest[..at].chars().last().is_some_and(char::is_lowercase));
        let name_prefix = ["Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le", "Van", "Von", "O'", "D'"]
            .iter()
            .any(|p| w.starts_with(p));
        inner_upper && !name_prefix && !w.contains('-') && !w.contains('\'')
    }

    /// "Pew Research Center" is an organisation; "Eko Convention Centre" a place.
    fn centre_is_org(&self, i: usize) -> bool {
        match self.text(i) {
            "Centre" | "Center" => !(i > 0 && CENTRE_PLACES.contains(&self.text(i - 1))),
            // "Harmon County School District": a body that runs the district.
            "District" | "Region" | "Authority" => i > 0 && self.lex.org_words.contains(self.text(i - 1)),
            _ => false,
        }
    }

    /// A nationality or group word ("Afghan", "South Korean") at `i`: how many words.
    fn demonym(&mut self, i: usize, b: usize) -> Option<usize> {
        if i + 1 < b {
            self.build_key(i, i + 2);
            if self.lex.demonyms.contains(self.key.as_str()) {
                return Some(2);
            }
        }
        let w = self.text(i);
        if !self.lex.demonyms.contains(w) {
            return None;
        }
        // "Christian Lindner": a given name, not a religion.
        if self.lex.given.contains(w)
            && i + 1 < b
            && self.toks[i + 1].upper
            && !self.lex.demonyms.contains(self.text(i + 1))
            && !self.lex.org_words.contains(self.text(i + 1))
        {
            return None;
        }
        Some(1)
    }

    /// Classifies the run `i..stop` that no list names.
    fn unit(&mut self, i: usize, stop: usize, had_the: bool) {
        let mut stop = stop;
        while stop > i && !self.is_name_tok(stop - 1) {
            stop -= 1;
        }
        if stop <= i {
            return;
        }
        let lex = self.lex;
        self.build_key(i, stop);
        if lex.not_names.contains(self.key.as_str()) {
            return;
        }
        let first = self.text(i);
        // "Children's Hospital of Long Beach": the words before "of" say what it is.
        let head_end = (i..stop).find(|&k| self.is_lower_word(k) && self.lower(k) == "of").unwrap_or(stop);
        let last = self.text(head_end - 1);
        let words = (i..stop).filter(|&k| self.is_name_tok(k)).count();
        if EVENT_HEADS.contains(&first) && words > 1 {
            return;
        }
        if lex.event_words.contains(last) {
            return;
        }
        if (lex.place_words.contains(last) || OF_HEADS.contains(&last) && head_end < stop)
            && !self.centre_is_org(head_end - 1)
            && !(head_end < stop && (i..head_end).any(|k| lex.org_words.contains(self.text(k))))
            && words > 1
        {
            self.emit(Some(EntityKind::Place), i, stop, false);
            return;
        }
        if (words > 1 || self.toks[i].caps)
            && (i..stop).any(|k| self.is_name_tok(k) && lex.org_words.contains(self.text(k)))
            || (i..stop).any(|k| self.camel(k))
            || (i..stop).any(|k| self.is_lower_word(k) && self.lower(k) == "for")
        {
            self.emit(Some(EntityKind::Organisation), i, stop, false);
            return;
        }
        if lex.event_words.contains(last) {
            return;
        }
        if words == 1 {
            self.single(i, had_the);
        } else {
            self.several(i, stop, words);
        }
    }

    /// Classifies the run `i..stop` of several words that no list names.
    fn several(&mut self, i: usize, stop: usize, words: usize) {
        let lex = self.lex;
        let first = self.text(i);
        let last = self.text(stop - 1);
        if PLACE_HEADS.contains(&first) {
            self.emit(Some(EntityKind::Place), i, stop, false);
            return;
        }
        if DIRECTIONS.contains(&first) {
            self.build_key(i + 1, stop);
            if lex.places.contains(self.key.as_str()) {
                self.emit(Some(EntityKind::Place), i, stop, false);
                return;
            }
        }
        if matches!(last, "State" | "City") && !(i..stop).any(|k| lex.org_words.contains(self.text(k))) {
            self.emit(Some(EntityKind::Place), i, stop, false);
            return;
        }
        if (lex.given.contains(first) || NAME_MONTHS.contains(&first)) && !self.toks[i].caps {
            self.emit(Some(EntityKind::Person), i, stop, false);
            return;
        }
        let acronym = (i..stop).any(|k| {
            let t = &self.toks[k];
            let w = self.text(k);
            t.caps
                && !t.initial
                && !w.contains('.')
                && !roman(w)
                && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
        });
        if acronym {
            self.emit(Some(EntityKind::Organisation), i, stop, false);
            return;
        }
        let next_org = stop < self.n()
            && self.is_lower_word(stop)
            && ORG_POST.contains(&self.lower(stop))
            && !self.lower(stop).starts_with("spokes");
        if next_org || (i > 0 && ORG_PRE.contains(&self.lower(i - 1)) && self.is_lower_word(i - 1)) {
            self.emit(Some(EntityKind::Organisation), i, stop, false);
            return;
        }
        if let Some(kind) = self.appositive(stop) {
            self.emit(Some(kind), i, stop, false);
            return;
        }
        let prev_place = i > 0 && self.is_lower_word(i - 1) && {
            let p = self.lower(i - 1);
            PLACE_PREPS.contains(&p)
                || (p == "the"
                    && i > 1
                    && self.is_lower_word(i - 2)
                    && self.lower(i - 2) != "at"
                    && PLACE_PREPS.contains(&self.lower(i - 2)))
                || (p == "of"
                    && i > 1
                    && self.is_lower_word(i - 2)
                    && PLACE_OF_NOUNS.contains(&self.lower(i - 2)))
        };
        let next_place =
            stop < self.n() && self.is_lower_word(stop) && PLACE_POST.contains(&self.lower(stop));
        let ordinary = |k: usize| {
            self.is_name_tok(k)
                && (lex.common.contains(self.lower(k))
                    || lex.demonyms.contains(self.text(k))
                    || lex.titles.contains(self.lower(k)))
        };
        if (prev_place || next_place) && !ordinary(i) && words <= 4 {
            self.emit(Some(EntityKind::Place), i, stop, false);
            return;
        }
        let plural_acronym = |k: usize| {
            let w = self.text(k);
            w.len() > 2 && w.ends_with('s') && w[..w.len() - 1].chars().all(|c| c.is_ascii_uppercase())
        };
        if (i..stop).any(|k| ordinary(k) || plural_acronym(k)) || words > 5 {
            return;
        }
        self.emit(Some(EntityKind::Person), i, stop, true);
    }

    /// Classifies a lone capitalised word that no list names, by the words around it.
    fn single(&mut self, i: usize, had_the: bool) {
        let lex = self.lex;
        let t = self.toks[i];
        let w = self.text(i);
        let lo = self.lower(i);
        if lex.surnames.contains(w) {
            self.emit(Some(EntityKind::Person), i, i + 1, false);
            return;
        }
        if matches!(w.split_once('-'), Some(("D" | "R" | "I", _))) {
            // "(D-N.M.)", "R-Texas": a lawmaker's party and state.
            return;
        }
        let letters = w.chars().filter(|c| c.is_alphabetic()).count();
        if t.caps && !t.initial && !w.contains('.') && letters >= 2
            || (t.caps && w.len() <= 6 && w.contains('.'))
        {
            let thing = self.word_at(i + 1).is_some_and(|n| ACRONYM_THING_FOLLOWERS.contains(&n));
            if !(ACRONYM_STOP.contains(&w) || roman(w) || thing || road_code(w)) {
                self.emit(Some(EntityKind::Organisation), i, i + 1, false);
                return;
            }
            if !road_code(w) {
                return;
            }
        }
        if lex.given.contains(w) && !lex.common.contains(lo) {
            // "Tariq and his brother"; but "Brent crude" opens a sentence.
            let kind = (!self.is_initial(i)).then_some(EntityKind::Person);
            self.emit(kind, i, i + 1, false);
            return;
        }
        if matches!(w, "Route" | "Highway" | "Interstate")
            && i + 1 < self.n()
            && !self.toks[i + 1].word
            && self.toks[i + 1].punct == '\0'
        {
            self.emit(Some(EntityKind::Place), i, i + 2, false);
            return;
        }
        let prev = if i > 0 && self.is_lower_word(i - 1) { self.lower(i - 1) } else { "" };
        let prev2 = if i > 1 && self.is_lower_word(i - 2) { self.lower(i - 2) } else { "" };
        let next = if self.is_lower_word(i + 1) { self.lower(i + 1) } else { "" };
        if (prev == "of" && PLACE_OF_NOUNS.contains(&prev2)) || PLACE_POST.contains(&next) {
            self.emit(Some(EntityKind::Place), i, i + 1, false);
            return;
        }
        if lex.common.contains(lo) && !self.is_initial(i) && !lex.titles.contains(lo) {
            // "Brown", "Cook": maybe the surname of someone named in full elsewhere.
            self.emit(None, i, i + 1, false);
            return;
        }
        if t.initial
            || lex.demonyms.contains(w)
            || lex.common.contains(lo)
            || lex.titles.contains(lo)
            || lex.title_mods.contains(lo)
            || lex.org_words.contains(w)
            || lex.place_words.contains(w)
            || lex.event_words.contains(w)
        {
            return;
        }
        if road_code(w) && had_the {
            self.emit(Some(EntityKind::Place), i, i + 1, false);
            return;
        }
        let kind = if let Some(kind) = self.appositive(i + 1) {
            Some(kind)
        } else if ORG_POST.contains(&next) || ORG_PRE.contains(&prev) {
            Some(EntityKind::Organisation)
        } else if PLACE_PREPS.contains(&prev)
            || (prev == "the" && prev2 != "at" && PLACE_PREPS.contains(&prev2))
        {
            Some(EntityKind::Place)
        } else if lex.titles.contains(prev)
            || REPORT_VERBS.contains(&next)
            || (self.punct_at(i + 1) == Some(',')
                && i + 3 < self.n()
                && !self.toks[i + 2].word
                && self.toks[i + 2].punct == '\0'
                && self.punct_at(i + 3) == Some(','))
            || (t.poss && PERSON_RELATIONS.contains(&next))
            || (self.punct_at(i + 1) == Some(',') && self.word_at(i + 2) == Some("who"))
        {
            Some(EntityKind::Person)
        } else if self.punct_at(i + 1) == Some(',') && self.word_at(i + 2) == Some("which") {
            Some(EntityKind::Organisation)
        } else if self.coordinated_with_place(i) {
            Some(EntityKind::Place)
        } else {
            None
        };
        self.emit(kind, i, i + 1, false);
    }

    /// ", a Zurich-based developer of battery software": what an appositive after the name
    /// says it is.
    fn appositive(&self, after: usize) -> Option<EntityKind> {
        if self.punct_at(after) != Some(',') || !matches!(self.word_at(after + 1), Some("a" | "an" | "the")) {
            return None;
        }
        for k in after + 2..(after + 8).min(self.n()) {
            if !self.toks[k].word {
                return None;
            }
            if !self.is_lower_word(k) {
                continue;
            }
            let w = self.lower(k);
            // ", the agency said" reports; it does not describe.
            if self.word_at(k + 1).is_some_and(|v| {
                REPORT_VERBS.contains(&v) || matches!(v, "announced" | "reported" | "confirmed")
            }) {
                return None;
            }
            if ORG_PRE.contains(&w) || ORG_POST.contains(&w) && !w.starts_with("spokes") {
                return Some(EntityKind::Organisation);
            }
            if matches!(w, "town" | "city" | "village" | "suburb" | "district" | "province") {
                return Some(EntityKind::Place);
            }
            if self.lex.titles.contains(w) {
                return Some(EntityKind::Person);
            }
            if matches!(w, "of" | "in" | "that" | "which" | "who" | "and") {
                return None;
            }
        }
        None
    }

    /// "Chittagong and Sylhet": an unknown word joined to a place by "and", "or" or a comma.
    fn coordinated_with_place(&mut self, i: usize) -> bool {
        let joiner =
            |a: &Self, k: usize| a.punct_at(k) == Some(',') || matches!(a.word_at(k), Some("and" | "or"));
        if i > 0
            && joiner(self, i - 1)
            && self.last.is_some_and(|(_, e, k)| e + 1 == i && k == Some(EntityKind::Place))
        {
            return true;
        }
        if i + 2 < self.n() && joiner(self, i + 1) && self.is_name_tok(i + 2) {
            let b = self.span_end(i + 2);
            if let Some((Listed::Kind(EntityKind::Place), _)) = self.listed(i + 2, b, false) {
                return true;
            }
        }
        false
    }

    /// Records the name at tokens `a..b`.
    fn emit(&mut self, kind: Option<EntityKind>, a: usize, b: usize, weak: bool) {
        let start = self.toks[a].start;
        let end = self.toks[b - 1].end;
        let raw = &self.s[start..end];
        let name = if raw.contains(char::is_whitespace) {
            raw.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            raw.to_owned()
        };
        // "(WHO)" just after "World Health Organization": the same organisation.
        let alias_of_prev = kind == Some(EntityKind::Organisation)
            && b == a + 1
            && self.toks[a].caps
            && a >= 1
            && self.punct_at(a - 1) == Some('(')
            && self.punct_at(b) == Some(')')
            && self.last.is_some_and(|(_, e, _)| e + 1 == a);
        if alias_of_prev
            && let Some(prev) = self.out.last_mut()
            && (prev.weak || prev.kind.is_none())
            && prev.name.contains(' ')
        {
            prev.kind = Some(EntityKind::Organisation);
            prev.weak = false;
        }
        let mut name = name;
        if kind == Some(EntityKind::Organisation) && self.toks[b - 1].poss {
            // "Moody's", "McDonald's": the possessive is part of a listed name.
            let with_s = format!("{name}'s");
            if self.lex.orgs.contains(with_s.as_str()) {
                name = with_s;
            }
        }
        self.out.push(Mention { kind, name, weak, alias_of_prev });
        self.last = Some((a, b, kind));
    }
}

fn title_case(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut start = true;
    for c in w.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    out
}
