//! Dates in a sentence, resolved against the article's dateline.
//!
//! Written by hand: no Rust crate finds dates in running English text and resolves the
//! relative ones ("on Wednesday", "by the end of the month", "three weeks ago") against a
//! dateline, and the labelling conventions in `data/GUIDELINES.md` (which spans count, how a
//! bare weekday turns on the sentence's tense, what "next week" resolves to) are this
//! project's own.
//!
//! One pass turns the sentence into tokens (words, numbers and punctuation with their byte
//! offsets); each word is classified once, by a look-up in a small table built at first use
//! (`WORDS`), into what it can mean in a date (`Lex`) and what it says about tense
//! (`Cue`), and a second pass refines the cues by their neighbours ("won't", "set to", "has
//! until"). A third walks the tokens and tries the date forms at each one, longest first; a
//! form that matches is resolved (tense is looked up only for the forms whose day depends on
//! it) and the walk goes on after it. Nothing is allocated but the token vector and the
//! mentions found; a sentence costs a few microseconds.
//!
//! Forms:
//! - absolute: "April 16", "Apr. 16", "April 16th", "16 April", "16th of April", with a year
//!   ("April 16, 2021", "16 April 2021") or a weekday ("Friday, April 16", "Thursday 4 June",
//!   "Saturday the 14th"), "2021-04-16", "the 16th", "the 2nd of next month", pairs and
//!   ranges ("March 10 and 12", "from 20 to 22 June", "April 16-18"), "Christmas Day",
//!   "New Year's Eve"; without a year, the dateline's year unless the tense says otherwise
//!   (a future-tense "January 5" in December is next year's, a past-tense "December 28" in
//!   January last year's);
//! - relative: "today", "tonight", "this morning", "yesterday", "tomorrow", "the day after
//!   tomorrow"; "Wednesday", "on Wednesday" (past or to come by the tense of its clause),
//!   "last/next/this Wednesday", "this past Wednesday"; "two days ago", "in two weeks", "10
//!   days from now"; "this/next/last week" and "later this week" (its Monday), "next/last
//!   month" (its first day), "the end of the week/month/year/March/2027" (its last day), "the
//!   start of next month";
//! - deadlines: "by", "before", "until", "no later than" + any of the above (also "until at
//!   least Friday", "until midnight on Sunday"), and "within 90 days", "within a month".
//!
//! Tense, for a bare weekday and for a year left unsaid: the nearest cue in the date's clause,
//! looking back first ("will", "is due to", "plans to", "'ll", "next", a plain verb such as
//! "meet" or a scheduled present such as "opens" look ahead; a past form, a perfect or "ago"
//! look back); a reporting verb ("said") right before the date is the day it was said on,
//! further off it defers to the date's own phrase ("said the vote on Friday would be
//! delayed"). With no cue but a present "is", a weekday is to come or, if it is the
//! dateline's, today; with no cue at all, the last such day, as news reports what happened.

use std::sync::LazyLock;

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::{DateKind, DateMention};

/// The dates said in `sentence`, each resolved to a calendar day counted from `dateline`, in
/// order of mention; the same day said twice is listed once.
#[must_use]
pub fn find(sentence: &str, dateline: NaiveDate) -> Vec<DateMention> {
    let mut toks = Vec::with_capacity(sentence.len() / 5 + 4);
    tokenize(sentence, &mut toks);
    set_cues(sentence, &mut toks);
    let cx = Cx { s: sentence, t: &toks, dateline };
    let mut found = Mentions::default();
    let mut i = 0;
    while i < toks.len() {
        let Some(first) = cx.match_at(i) else {
            i += 1;
            continue;
        };
        i = first.end;
        if let Some(date) = cx.resolve(&first) {
            found.add(&cx, &first, first.kind, date);
        }
        // "March 10 and 12": the second day is said by its number alone.
        if let Some(second) = cx.second_day(i, first.spec)
            && let Some(date) = cx.resolve(&second)
        {
            found.add(&cx, &second, first.kind, date);
            i = second.end;
        }
    }
    found.out
}

/// The mentions found so far in a sentence.
#[derive(Default)]
struct Mentions {
    out: Vec<DateMention>,
    /// Whether each mention in `out` is a bare weekday, which gives way to any other words
    /// for the same day ("it's Monday, and … today").
    bare: Vec<bool>,
}

impl Mentions {
    /// Adds a mention unless its day is already there.
    fn add(&mut self, cx: &Cx<'_>, found: &Found, kind: DateKind, date: NaiveDate) {
        let is_bare = matches!(found.spec, Spec::Weekday(_, WdMode::Bare));
        if let Some(k) = self.out.iter().position(|m| m.date == date) {
            if !self.bare[k] || is_bare {
                return;
            }
            self.out.remove(k);
            self.bare.remove(k);
        }
        let text = &cx.s[cx.t[found.start].start as usize..cx.t[found.end - 1].end as usize];
        self.out.push(DateMention { date, text: text.to_owned(), kind, sentence: cx.s.to_owned() });
        self.bare.push(is_bare);
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// What a word can mean in a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Other,
    /// A month's full name, 1-based.
    Month(u8),
    /// A month's abbreviation ("Jan", "Sept"), 1-based.
    MonthAbbr(u8),
    /// A weekday, 0 = Monday.
    Weekday(u8),
    /// A number word ("three", "twenty").
    Count(u8),
    /// "a", "an".
    A,
    Unit(Unit),
    The,
    On,
    Last,
    Next,
    This,
    Past,
    Coming,
    Later,
    Earlier,
    Ago,
    In,
    Within,
    By,
    Before,
    Until,
    No,
    Not,
    Than,
    Of,
    From,
    Now,
    Time,
    End,
    Start,
    Today,
    Tonight,
    Yesterday,
    Tomorrow,
    /// "morning", "afternoon", "evening".
    PartOfDay,
    /// A word that names an outlet after a weekday: "Times", "Telegraph".
    Outlet,
    /// A word that makes a weekday a holiday or event: "Good", "Bloody", "Super".
    Holiday,
    /// A word before a weekday that ties it to something other than the dateline:
    /// "following", "previous", "every", "same".
    Detached,
    /// A word before "in two weeks" that makes it a span: "first", "highest".
    Superlative,
    /// A noun after a weekday that makes it an attribute: "prayers".
    WeekdayNoun,
    To,
    For,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    Week,
    Fortnight,
    Month,
    Year,
    Hour,
}

/// What a word says about the tense of the clause around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    None,
    /// will, 'll, would, is due to, plans to, next, upcoming…
    Future,
    /// Simple past that cannot be a participle: was, went, took.
    Past,
    /// A reporting verb: said, says, told, according. Past for the day it is said on ("said
    /// on Tuesday"), but a date further off may belong to what is reported.
    Report,
    /// A verb in -ed or an irregular past that may be a participle ("held", "expected"):
    /// past unless an auxiliary or determiner before it makes it passive or an adjective.
    Ed,
    /// be, been, being: transparent.
    Be,
    /// is, are, am: transparent, but a clause in the present with nothing else to go on speaks
    /// of what is to come ("the deadline is Friday").
    PresentBe,
    /// A verb's plain form ("meet", "vote", "go"): to come ("voters go to the polls Tuesday",
    /// "agreed to meet on Friday") unless "did" or a determiner ("the vote") comes before.
    Base,
    /// has, have, had: perfect, so past (unless "has to").
    Have,
    /// Determiners that make a following -ed word an adjective.
    Det,
    /// Adverbs that may sit between an auxiliary and its participle.
    Adv,
    /// A verb in -ing.
    Ing,
    /// A verb that says what is to come only before "to": "want to", "going to".
    ToFuture,
    /// A verb in the present that says when something is on ("opens", "meets", "premieres"):
    /// to come, unless a determiner or preposition makes it a noun ("press releases").
    Present3,
    /// "could": to come ("could be discharged as early as Monday"), but "could not be
    /// reached for comment on Monday" says nothing.
    Could,
    /// "set": to come before "to" or "for" ("set to testify"), else a past or participle.
    SetTo,
    /// A verb that moves an event ("postponed", "moved"): the day it is moved from or to is
    /// still ahead.
    Reschedule,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Word {
        lex: Lex,
        cap: bool,
    },
    /// A number; `plain` is false for "3.5", "1,000", "3:30".
    Num {
        val: u32,
        digits: u8,
        ord: bool,
        plain: bool,
    },
    Iso(NaiveDate),
    /// Punctuation, with curly quotes folded to straight ones and dashes to `-`.
    Punct(u8),
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    start: u32,
    end: u32,
    kind: Kind,
    cue: Cue,
}

fn tokenize(s: &str, out: &mut Vec<Tok>) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte.is_ascii_whitespace() {
            i += 1;
        } else if byte.is_ascii_alphabetic() || (byte >= 0x80 && char_at(s, i).is_alphabetic()) {
            let start = i;
            let mut ascii = true;
            while i < bytes.len() {
                if bytes[i].is_ascii_alphabetic() {
                    i += 1;
                } else if bytes[i] >= 0x80 {
                    let ch = char_at(s, i);
                    if !ch.is_alphabetic() {
                        break;
                    }
                    ascii = false;
                    i += ch.len_utf8();
                } else {
                    break;
                }
            }
            let (lex, cue) = if ascii { classify(&bytes[start..i]) } else { (Lex::Other, Cue::None) };
            out.push(Tok {
                start: start as u32,
                end: i as u32,
                kind: Kind::Word {
                    lex,
                    cap: bytes[start].is_ascii_uppercase() || (!ascii && char_at(s, start).is_uppercase()),
                },
                cue,
            });
        } else if byte.is_ascii_digit() {
            i = number(s, i, out);
        } else if byte >= 0x80 {
            let ch = char_at(s, i);
            let p = match ch {
                '\u{2018}' | '\u{2019}' => b'\'',
                '\u{201C}' | '\u{201D}' => b'"',
                '\u{2010}'..='\u{2015}' => b'-',
                _ => b'?',
            };
            out.push(Tok {
                start: i as u32,
                end: (i + ch.len_utf8()) as u32,
                kind: Kind::Punct(p),
                cue: Cue::None,
            });
            i += ch.len_utf8();
        } else {
            out.push(Tok { start: i as u32, end: i as u32 + 1, kind: Kind::Punct(byte), cue: Cue::None });
            i += 1;
        }
    }
}

fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(' ')
}

/// Reads the number starting at `i`; returns the position after it.
fn number(s: &str, start: usize, out: &mut Vec<Tok>) -> usize {
    let bytes = s.as_bytes();
    let digits_end = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits_end(start);
    let digits = i - start;
    let val = s[start..i].parse::<u32>().unwrap_or(u32::MAX);
    // ISO date: 2021-04-16
    if digits == 4 && bytes.get(i) == Some(&b'-') {
        let m_end = digits_end(i + 1);
        if m_end == i + 3 && bytes.get(m_end) == Some(&b'-') {
            let d_end = digits_end(m_end + 1);
            if d_end == m_end + 3 && !bytes.get(d_end).is_some_and(u8::is_ascii_alphabetic) {
                let m = s[i + 1..m_end].parse::<u32>().unwrap_or(0);
                let d = s[m_end + 1..d_end].parse::<u32>().unwrap_or(0);
                if let Some(date) = NaiveDate::from_ymd_opt(val as i32, m, d) {
                    out.push(Tok {
                        start: start as u32,
                        end: d_end as u32,
                        kind: Kind::Iso(date),
                        cue: Cue::None,
                    });
                    return d_end;
                }
            }
        }
    }
    let mut plain = true;
    // 1,000  3.5  3:30  10/12
    while i + 1 < bytes.len()
        && matches!(bytes[i], b',' | b'.' | b':' | b'/')
        && bytes[i + 1].is_ascii_digit()
    {
        plain = false;
        i = digits_end(i + 1);
    }
    let mut ord = false;
    if i < bytes.len() && bytes[i].is_ascii_alphabetic() {
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
            j += 1;
        }
        let suffix = &bytes[i..j];
        if plain
            && suffix.len() == 2
            && [&b"st"[..], b"nd", b"rd", b"th"].iter().any(|x| suffix.eq_ignore_ascii_case(x))
        {
            ord = true;
            i = j;
        } else {
            // "3pm", "5km", "1990s": a word, not a number.
            out.push(Tok {
                start: start as u32,
                end: j as u32,
                kind: Kind::Word { lex: Lex::Other, cap: false },
                cue: Cue::None,
            });
            return j;
        }
    }
    out.push(Tok {
        start: start as u32,
        end: i as u32,
        kind: Kind::Num { val, digits: digits.min(255) as u8, ord, plain },
        cue: Cue::None,
    });
    i
}

/// The words that mean something in a date or say something about tense, lower case, with
/// what they mean and say. Words not listed are [`Lex::Other`]; their cue is read from their
/// ending ([`is_ed`], [`is_ing`]).
const WORDS: &[(&str, Lex, Cue)] = &[
    ("january", Lex::Month(1), Cue::None),
    ("february", Lex::Month(2), Cue::None),
    ("march", Lex::Month(3), Cue::None),
    ("april", Lex::Month(4), Cue::None),
    ("may", Lex::Month(5), Cue::Future),
    ("june", Lex::Month(6), Cue::None),
    ("july", Lex::Month(7), Cue::None),
    ("august", Lex::Month(8), Cue::None),
    ("september", Lex::Month(9), Cue::None),
    ("october", Lex::Month(10), Cue::None),
    ("november", Lex::Month(11), Cue::None),
    ("december", Lex::Month(12), Cue::None),
    ("jan", Lex::MonthAbbr(1), Cue::None),
    ("feb", Lex::MonthAbbr(2), Cue::None),
    ("mar", Lex::MonthAbbr(3), Cue::None),
    ("apr", Lex::MonthAbbr(4), Cue::None),
    ("jun", Lex::MonthAbbr(6), Cue::None),
    ("jul", Lex::MonthAbbr(7), Cue::None),
    ("aug", Lex::MonthAbbr(8), Cue::None),
    ("sep", Lex::MonthAbbr(9), Cue::None),
    ("sept", Lex::MonthAbbr(9), Cue::None),
    ("oct", Lex::MonthAbbr(10), Cue::None),
    ("nov", Lex::MonthAbbr(11), Cue::None),
    ("dec", Lex::MonthAbbr(12), Cue::None),
    ("monday", Lex::Weekday(0), Cue::None),
    ("tuesday", Lex::Weekday(1), Cue::None),
    ("wednesday", Lex::Weekday(2), Cue::None),
    ("thursday", Lex::Weekday(3), Cue::None),
    ("friday", Lex::Weekday(4), Cue::None),
    ("saturday", Lex::Weekday(5), Cue::None),
    ("sunday", Lex::Weekday(6), Cue::None),
    ("one", Lex::Count(1), Cue::None),
    ("two", Lex::Count(2), Cue::None),
    ("three", Lex::Count(3), Cue::None),
    ("four", Lex::Count(4), Cue::None),
    ("five", Lex::Count(5), Cue::None),
    ("six", Lex::Count(6), Cue::None),
    ("seven", Lex::Count(7), Cue::None),
    ("eight", Lex::Count(8), Cue::None),
    ("nine", Lex::Count(9), Cue::None),
    ("ten", Lex::Count(10), Cue::None),
    ("eleven", Lex::Count(11), Cue::None),
    ("twelve", Lex::Count(12), Cue::None),
    ("thirteen", Lex::Count(13), Cue::None),
    ("fourteen", Lex::Count(14), Cue::None),
    ("fifteen", Lex::Count(15), Cue::None),
    ("sixteen", Lex::Count(16), Cue::None),
    ("seventeen", Lex::Count(17), Cue::None),
    ("eighteen", Lex::Count(18), Cue::None),
    ("nineteen", Lex::Count(19), Cue::None),
    ("twenty", Lex::Count(20), Cue::None),
    ("thirty", Lex::Count(30), Cue::None),
    ("forty", Lex::Count(40), Cue::None),
    ("fifty", Lex::Count(50), Cue::None),
    ("sixty", Lex::Count(60), Cue::None),
    ("seventy", Lex::Count(70), Cue::None),
    ("eighty", Lex::Count(80), Cue::None),
    ("ninety", Lex::Count(90), Cue::None),
    ("a", Lex::A, Cue::Det),
    ("an", Lex::A, Cue::Det),
    ("day", Lex::Unit(Unit::Day), Cue::None),
    ("days", Lex::Unit(Unit::Day), Cue::None),
    ("week", Lex::Unit(Unit::Week), Cue::None),
    ("weeks", Lex::Unit(Unit::Week), Cue::None),
    ("fortnight", Lex::Unit(Unit::Fortnight), Cue::None),
    ("fortnights", Lex::Unit(Unit::Fortnight), Cue::None),
    ("month", Lex::Unit(Unit::Month), Cue::None),
    ("months", Lex::Unit(Unit::Month), Cue::None),
    ("year", Lex::Unit(Unit::Year), Cue::None),
    ("years", Lex::Unit(Unit::Year), Cue::None),
    ("hour", Lex::Unit(Unit::Hour), Cue::None),
    ("hours", Lex::Unit(Unit::Hour), Cue::None),
    ("the", Lex::The, Cue::Det),
    ("on", Lex::On, Cue::None),
    ("last", Lex::Last, Cue::Past),
    ("next", Lex::Next, Cue::Future),
    ("this", Lex::This, Cue::Det),
    ("past", Lex::Past, Cue::None),
    ("coming", Lex::Coming, Cue::Future),
    ("later", Lex::Later, Cue::None),
    ("earlier", Lex::Earlier, Cue::Past),
    ("ago", Lex::Ago, Cue::Past),
    ("in", Lex::In, Cue::None),
    ("within", Lex::Within, Cue::None),
    ("by", Lex::By, Cue::None),
    ("before", Lex::Before, Cue::None),
    ("until", Lex::Until, Cue::None),
    ("till", Lex::Until, Cue::None),
    ("til", Lex::Until, Cue::None),
    ("no", Lex::No, Cue::None),
    ("not", Lex::Not, Cue::Adv),
    ("than", Lex::Than, Cue::None),
    ("of", Lex::Of, Cue::None),
    ("from", Lex::From, Cue::None),
    ("now", Lex::Now, Cue::Adv),
    ("time", Lex::Time, Cue::None),
    ("end", Lex::End, Cue::None),
    ("start", Lex::Start, Cue::None),
    ("beginning", Lex::Start, Cue::None),
    ("today", Lex::Today, Cue::None),
    ("tonight", Lex::Tonight, Cue::None),
    ("yesterday", Lex::Yesterday, Cue::Past),
    ("tomorrow", Lex::Tomorrow, Cue::Future),
    ("morning", Lex::PartOfDay, Cue::None),
    ("afternoon", Lex::PartOfDay, Cue::None),
    ("evening", Lex::PartOfDay, Cue::None),
    ("times", Lex::Outlet, Cue::None),
    ("telegraph", Lex::Outlet, Cue::None),
    ("express", Lex::Outlet, Cue::None),
    ("mirror", Lex::Outlet, Cue::None),
    ("post", Lex::Outlet, Cue::None),
    ("herald", Lex::Outlet, Cue::None),
    ("independent", Lex::Outlet, Cue::None),
    ("tribune", Lex::Outlet, Cue::None),
    ("observer", Lex::Outlet, Cue::None),
    ("mail", Lex::Outlet, Cue::None),
    ("star", Lex::Outlet, Cue::None),
    ("sport", Lex::Outlet, Cue::None),
    ("world", Lex::Outlet, Cue::None),
    ("people", Lex::Outlet, Cue::None),
    ("record", Lex::Outlet, Cue::None),
    ("standard", Lex::Outlet, Cue::None),
    ("business", Lex::Outlet, Cue::None),
    ("journal", Lex::Outlet, Cue::None),
    ("review", Lex::Outlet, Cue::None),
    ("magazine", Lex::Outlet, Cue::None),
    ("edition", Lex::Outlet, Cue::None),
    ("show", Lex::Outlet, Cue::None),
    ("programme", Lex::Outlet, Cue::None),
    ("program", Lex::Outlet, Cue::None),
    ("league", Lex::Outlet, Cue::None),
    ("football", Lex::Outlet, Cue::None),
    ("good", Lex::Holiday, Cue::None),
    ("bloody", Lex::Holiday, Cue::None),
    ("black", Lex::Holiday, Cue::None),
    ("ash", Lex::Holiday, Cue::None),
    ("palm", Lex::Holiday, Cue::None),
    ("easter", Lex::Holiday, Cue::None),
    ("super", Lex::Holiday, Cue::None),
    ("cyber", Lex::Holiday, Cue::None),
    ("holy", Lex::Holiday, Cue::None),
    ("maundy", Lex::Holiday, Cue::None),
    ("shrove", Lex::Holiday, Cue::None),
    ("giving", Lex::Holiday, Cue::None),
    ("whit", Lex::Holiday, Cue::None),
    ("low", Lex::Holiday, Cue::None),
    ("trinity", Lex::Holiday, Cue::None),
    ("following", Lex::Detached, Cue::None),
    ("previous", Lex::Detached, Cue::None),
    ("every", Lex::Detached, Cue::None),
    ("each", Lex::Detached, Cue::None),
    ("same", Lex::Detached, Cue::None),
    ("that", Lex::Detached, Cue::None),
    ("preceding", Lex::Detached, Cue::None),
    ("any", Lex::Detached, Cue::None),
    ("some", Lex::Detached, Cue::None),
    ("other", Lex::Detached, Cue::None),
    ("first", Lex::Superlative, Cue::Adv),
    ("highest", Lex::Superlative, Cue::None),
    ("lowest", Lex::Superlative, Cue::None),
    ("biggest", Lex::Superlative, Cue::None),
    ("largest", Lex::Superlative, Cue::None),
    ("worst", Lex::Superlative, Cue::None),
    ("best", Lex::Superlative, Cue::None),
    ("most", Lex::Superlative, Cue::None),
    ("least", Lex::Superlative, Cue::None),
    ("strongest", Lex::Superlative, Cue::None),
    ("weakest", Lex::Superlative, Cue::None),
    ("deadliest", Lex::Superlative, Cue::None),
    ("longest", Lex::Superlative, Cue::None),
    ("once", Lex::Superlative, Cue::None),
    ("twice", Lex::Superlative, Cue::None),
    ("second", Lex::Superlative, Cue::None),
    ("third", Lex::Superlative, Cue::None),
    ("only", Lex::Superlative, Cue::Adv),
    ("prayers", Lex::WeekdayNoun, Cue::None),
    ("prayer", Lex::WeekdayNoun, Cue::None),
    ("sermon", Lex::WeekdayNoun, Cue::None),
    ("sermons", Lex::WeekdayNoun, Cue::None),
    ("market", Lex::WeekdayNoun, Cue::None),
    ("markets", Lex::WeekdayNoun, Cue::None),
    ("service", Lex::WeekdayNoun, Cue::None),
    ("services", Lex::WeekdayNoun, Cue::None),
    ("mass", Lex::WeekdayNoun, Cue::None),
    ("school", Lex::WeekdayNoun, Cue::None),
    ("trading", Lex::WeekdayNoun, Cue::None),
    ("editions", Lex::WeekdayNoun, Cue::None),
    ("brunch", Lex::WeekdayNoun, Cue::None),
    ("brunches", Lex::WeekdayNoun, Cue::None),
    ("lunch", Lex::WeekdayNoun, Cue::None),
    ("lunches", Lex::WeekdayNoun, Cue::None),
    ("dinner", Lex::WeekdayNoun, Cue::None),
    ("dinners", Lex::WeekdayNoun, Cue::None),
    ("roast", Lex::WeekdayNoun, Cue::None),
    ("papers", Lex::WeekdayNoun, Cue::None),
    ("newspapers", Lex::WeekdayNoun, Cue::None),
    ("supplement", Lex::WeekdayNoun, Cue::None),
    ("shoppers", Lex::WeekdayNoun, Cue::None),
    ("shopping", Lex::WeekdayNoun, Cue::None),
    ("mornings", Lex::WeekdayNoun, Cue::None),
    ("nights", Lex::WeekdayNoun, Cue::None),
    ("to", Lex::To, Cue::None),
    ("for", Lex::For, Cue::None),
    ("will", Lex::Other, Cue::Future),
    ("ll", Lex::Other, Cue::Future),
    ("shall", Lex::Other, Cue::Future),
    ("would", Lex::Other, Cue::Future),
    ("upcoming", Lex::Other, Cue::Future),
    ("forthcoming", Lex::Other, Cue::Future),
    ("due", Lex::Other, Cue::Future),
    ("scheduled", Lex::Other, Cue::Future),
    ("slated", Lex::Other, Cue::Future),
    ("planned", Lex::Other, Cue::Future),
    ("proposed", Lex::Other, Cue::Future),
    ("expected", Lex::Other, Cue::Future),
    ("expects", Lex::Other, Cue::Future),
    ("expect", Lex::Other, Cue::Future),
    ("plans", Lex::Other, Cue::Future),
    ("planning", Lex::Other, Cue::Future),
    ("intends", Lex::Other, Cue::Future),
    ("aims", Lex::Other, Cue::Future),
    ("ahead", Lex::Other, Cue::Future),
    ("soon", Lex::Other, Cue::Future),
    ("might", Lex::Other, Cue::Future),
    ("must", Lex::Other, Cue::Future),
    ("should", Lex::Other, Cue::Future),
    ("awaited", Lex::Other, Cue::Future),
    ("set", Lex::Other, Cue::SetTo),
    ("upheld", Lex::Other, Cue::Past),
    ("withheld", Lex::Other, Cue::Past),
    ("overtook", Lex::Other, Cue::Past),
    ("retook", Lex::Other, Cue::Past),
    ("rebuilt", Lex::Other, Cue::Past),
    ("underwent", Lex::Other, Cue::Past),
    ("slew", Lex::Other, Cue::Past),
    ("slid", Lex::Other, Cue::Past),
    ("sped", Lex::Other, Cue::Past),
    ("stank", Lex::Other, Cue::Past),
    ("stung", Lex::Other, Cue::Past),
    ("strove", Lex::Other, Cue::Past),
    ("swam", Lex::Other, Cue::Past),
    ("swept", Lex::Other, Cue::Past),
    ("swung", Lex::Other, Cue::Past),
    ("trod", Lex::Other, Cue::Past),
    ("wept", Lex::Other, Cue::Past),
    ("wrung", Lex::Other, Cue::Past),
    ("bore", Lex::Other, Cue::Past),
    ("bent", Lex::Other, Cue::Past),
    ("bled", Lex::Other, Cue::Past),
    ("bred", Lex::Other, Cue::Past),
    ("clung", Lex::Other, Cue::Past),
    ("crept", Lex::Other, Cue::Past),
    ("dealt", Lex::Other, Cue::Past),
    ("dug", Lex::Other, Cue::Past),
    ("dwelt", Lex::Other, Cue::Past),
    ("fed", Lex::Other, Cue::Past),
    ("flung", Lex::Other, Cue::Past),
    ("forbade", Lex::Other, Cue::Past),
    ("forgave", Lex::Other, Cue::Past),
    ("froze", Lex::Other, Cue::Past),
    ("hid", Lex::Other, Cue::Past),
    ("knelt", Lex::Other, Cue::Past),
    ("laid", Lex::Other, Cue::Past),
    ("leapt", Lex::Other, Cue::Past),
    ("lent", Lex::Other, Cue::Past),
    ("lit", Lex::Other, Cue::Past),
    ("misled", Lex::Other, Cue::Past),
    ("overcame", Lex::Other, Cue::Past),
    ("overheard", Lex::Other, Cue::Past),
    ("overran", Lex::Other, Cue::Past),
    ("pled", Lex::Other, Cue::Past),
    ("rang", Lex::Other, Cue::Past),
    ("rode", Lex::Other, Cue::Past),
    ("sang", Lex::Other, Cue::Past),
    ("sat", Lex::Other, Cue::Past),
    ("shone", Lex::Other, Cue::Past),
    ("shrank", Lex::Other, Cue::Past),
    ("slept", Lex::Other, Cue::Past),
    ("sprang", Lex::Other, Cue::Past),
    ("stuck", Lex::Other, Cue::Past),
    ("taught", Lex::Other, Cue::Past),
    ("tore", Lex::Other, Cue::Past),
    ("understood", Lex::Other, Cue::Past),
    ("wove", Lex::Other, Cue::Past),
    ("ate", Lex::Other, Cue::Past),
    ("bit", Lex::Other, Cue::Past),
    ("drank", Lex::Other, Cue::Past),
    ("go", Lex::Other, Cue::Base),
    ("meet", Lex::Other, Cue::Base),
    ("resume", Lex::Other, Cue::Base),
    ("travel", Lex::Other, Cue::Base),
    ("gather", Lex::Other, Cue::Base),
    ("convene", Lex::Other, Cue::Base),
    ("reopen", Lex::Other, Cue::Base),
    ("begin", Lex::Other, Cue::Base),
    ("attend", Lex::Other, Cue::Base),
    ("arrive", Lex::Other, Cue::Base),
    ("testify", Lex::Other, Cue::Base),
    ("decide", Lex::Other, Cue::Base),
    ("announce", Lex::Other, Cue::Base),
    ("publish", Lex::Other, Cue::Base),
    ("could", Lex::Other, Cue::Could),
    ("join", Lex::Other, Cue::Base),
    ("tune", Lex::Other, Cue::Base),
    ("listen", Lex::Other, Cue::Base),
    ("register", Lex::Other, Cue::Base),
    ("apply", Lex::Other, Cue::Base),
    ("come", Lex::Other, Cue::Base),
    ("vote", Lex::Other, Cue::Base),
    ("visit", Lex::Other, Cue::Base),
    ("return", Lex::Other, Cue::Base),
    ("hold", Lex::Other, Cue::Base),
    ("face", Lex::Other, Cue::Base),
    ("host", Lex::Other, Cue::Base),
    ("sign", Lex::Other, Cue::Base),
    ("launch", Lex::Other, Cue::Base),
    ("strike", Lex::Other, Cue::Base),
    ("protest", Lex::Other, Cue::Base),
    ("rally", Lex::Other, Cue::Base),
    ("debate", Lex::Other, Cue::Base),
    ("aim", Lex::Other, Cue::ToFuture),
    ("hope", Lex::Other, Cue::ToFuture),
    ("want", Lex::Other, Cue::ToFuture),
    ("wants", Lex::Other, Cue::ToFuture),
    ("going", Lex::Other, Cue::ToFuture),
    ("prepares", Lex::Other, Cue::ToFuture),
    ("preparing", Lex::Other, Cue::ToFuture),
    ("poised", Lex::Other, Cue::ToFuture),
    ("forecast", Lex::Other, Cue::Future),
    ("forecasts", Lex::Other, Cue::Future),
    ("begins", Lex::Other, Cue::Present3),
    ("starts", Lex::Other, Cue::Present3),
    ("ends", Lex::Other, Cue::Present3),
    ("opens", Lex::Other, Cue::Present3),
    ("closes", Lex::Other, Cue::Present3),
    ("resumes", Lex::Other, Cue::Present3),
    ("reopens", Lex::Other, Cue::Present3),
    ("expires", Lex::Other, Cue::Present3),
    ("kicks", Lex::Other, Cue::Present3),
    ("launches", Lex::Other, Cue::Present3),
    ("convenes", Lex::Other, Cue::Present3),
    ("runs", Lex::Other, Cue::Present3),
    ("continues", Lex::Other, Cue::Present3),
    ("takes", Lex::Other, Cue::Present3),
    ("comes", Lex::Other, Cue::Present3),
    ("goes", Lex::Other, Cue::Present3),
    ("meets", Lex::Other, Cue::Present3),
    ("holds", Lex::Other, Cue::Present3),
    ("travels", Lex::Other, Cue::Present3),
    ("visits", Lex::Other, Cue::Present3),
    ("hosts", Lex::Other, Cue::Present3),
    ("plays", Lex::Other, Cue::Present3),
    ("faces", Lex::Other, Cue::Present3),
    ("heads", Lex::Other, Cue::Present3),
    ("returns", Lex::Other, Cue::Present3),
    ("arrives", Lex::Other, Cue::Present3),
    ("departs", Lex::Other, Cue::Present3),
    ("marks", Lex::Other, Cue::Present3),
    ("votes", Lex::Other, Cue::Present3),
    ("decides", Lex::Other, Cue::Present3),
    ("debates", Lex::Other, Cue::Present3),
    ("publishes", Lex::Other, Cue::Present3),
    ("releases", Lex::Other, Cue::Present3),
    ("hopes", Lex::Other, Cue::Future),
    ("intend", Lex::Other, Cue::Future),
    ("plan", Lex::Other, Cue::Future),
    ("unveils", Lex::Other, Cue::Present3),
    ("lands", Lex::Other, Cue::Present3),
    ("sits", Lex::Other, Cue::Present3),
    ("christmas", Lex::Holiday, Cue::None),
    ("boxing", Lex::Holiday, Cue::None),
    ("new", Lex::Holiday, Cue::None),
    ("premieres", Lex::Other, Cue::Present3),
    ("airs", Lex::Other, Cue::Present3),
    ("debuts", Lex::Other, Cue::Present3),
    ("sails", Lex::Other, Cue::Present3),
    ("flies", Lex::Other, Cue::Present3),
    ("performs", Lex::Other, Cue::Present3),
    ("appears", Lex::Other, Cue::Present3),
    ("speaks", Lex::Other, Cue::Present3),
    ("testifies", Lex::Other, Cue::Present3),
    ("addresses", Lex::Other, Cue::Present3),
    ("tours", Lex::Other, Cue::Present3),
    ("hears", Lex::Other, Cue::Present3),
    ("considers", Lex::Other, Cue::Present3),
    ("reviews", Lex::Other, Cue::Present3),
    ("delivers", Lex::Other, Cue::Present3),
    ("presents", Lex::Other, Cue::Present3),
    ("celebrates", Lex::Other, Cue::Present3),
    ("honours", Lex::Other, Cue::Present3),
    ("honors", Lex::Other, Cue::Present3),
    ("welcomes", Lex::Other, Cue::Present3),
    ("wraps", Lex::Other, Cue::Present3),
    ("concludes", Lex::Other, Cue::Present3),
    ("finishes", Lex::Other, Cue::Present3),
    ("reconvenes", Lex::Other, Cue::Present3),
    ("night", Lex::PartOfDay, Cue::None),
    ("moved", Lex::Other, Cue::Reschedule),
    ("postponed", Lex::Other, Cue::Reschedule),
    ("delayed", Lex::Other, Cue::Reschedule),
    ("adjourned", Lex::Other, Cue::Reschedule),
    ("deferred", Lex::Other, Cue::Reschedule),
    ("rescheduled", Lex::Other, Cue::Reschedule),
    ("pushed", Lex::Other, Cue::Reschedule),
    ("brought", Lex::Other, Cue::Reschedule),
    ("extended", Lex::Other, Cue::Reschedule),
    ("shifted", Lex::Other, Cue::Reschedule),
    ("switched", Lex::Other, Cue::Reschedule),
    ("changed", Lex::Other, Cue::Reschedule),
    ("said", Lex::Other, Cue::Report),
    ("says", Lex::Other, Cue::Report),
    ("say", Lex::Other, Cue::Report),
    ("told", Lex::Other, Cue::Report),
    ("tells", Lex::Other, Cue::Report),
    ("according", Lex::Other, Cue::Report),
    ("reported", Lex::Other, Cue::Report),
    ("announced", Lex::Other, Cue::Report),
    ("confirmed", Lex::Other, Cue::Report),
    ("added", Lex::Other, Cue::Report),
    ("stated", Lex::Other, Cue::Report),
    ("reports", Lex::Other, Cue::Report),
    ("announces", Lex::Other, Cue::Report),
    ("confirms", Lex::Other, Cue::Report),
    ("was", Lex::Other, Cue::Past),
    ("were", Lex::Other, Cue::Past),
    ("did", Lex::Other, Cue::Past),
    ("went", Lex::Other, Cue::Past),
    ("came", Lex::Other, Cue::Past),
    ("took", Lex::Other, Cue::Past),
    ("gave", Lex::Other, Cue::Past),
    ("saw", Lex::Other, Cue::Past),
    ("left", Lex::Other, Cue::Past),
    ("began", Lex::Other, Cue::Past),
    ("won", Lex::Other, Cue::Past),
    ("lost", Lex::Other, Cue::Past),
    ("fell", Lex::Other, Cue::Past),
    ("rose", Lex::Other, Cue::Past),
    ("spoke", Lex::Other, Cue::Past),
    ("wrote", Lex::Other, Cue::Past),
    ("sent", Lex::Other, Cue::Past),
    ("thought", Lex::Other, Cue::Past),
    ("found", Lex::Other, Cue::Past),
    ("got", Lex::Other, Cue::Past),
    ("kept", Lex::Other, Cue::Past),
    ("led", Lex::Other, Cue::Past),
    ("paid", Lex::Other, Cue::Past),
    ("sold", Lex::Other, Cue::Past),
    ("struck", Lex::Other, Cue::Past),
    ("fought", Lex::Other, Cue::Past),
    ("flew", Lex::Other, Cue::Past),
    ("drove", Lex::Other, Cue::Past),
    ("ran", Lex::Other, Cue::Past),
    ("knew", Lex::Other, Cue::Past),
    ("became", Lex::Other, Cue::Past),
    ("broke", Lex::Other, Cue::Past),
    ("chose", Lex::Other, Cue::Past),
    ("stood", Lex::Other, Cue::Past),
    ("meant", Lex::Other, Cue::Past),
    ("heard", Lex::Other, Cue::Past),
    ("felt", Lex::Other, Cue::Past),
    ("built", Lex::Other, Cue::Past),
    ("spent", Lex::Other, Cue::Past),
    ("caught", Lex::Other, Cue::Past),
    ("sought", Lex::Other, Cue::Past),
    ("bought", Lex::Other, Cue::Past),
    ("threw", Lex::Other, Cue::Past),
    ("shot", Lex::Other, Cue::Past),
    ("drew", Lex::Other, Cue::Past),
    ("grew", Lex::Other, Cue::Past),
    ("blew", Lex::Other, Cue::Past),
    ("swore", Lex::Other, Cue::Past),
    ("withdrew", Lex::Other, Cue::Past),
    ("overthrew", Lex::Other, Cue::Past),
    ("fled", Lex::Other, Cue::Past),
    ("arose", Lex::Other, Cue::Past),
    ("previously", Lex::Other, Cue::Past),
    ("recently", Lex::Other, Cue::Past),
    ("since", Lex::Other, Cue::Past),
    ("wasn", Lex::Other, Cue::Past),
    ("weren", Lex::Other, Cue::Past),
    ("didn", Lex::Other, Cue::Past),
    ("oversaw", Lex::Other, Cue::Past),
    ("undertook", Lex::Other, Cue::Past),
    ("forgot", Lex::Other, Cue::Past),
    ("hit", Lex::Other, Cue::Past),
    ("seized", Lex::Other, Cue::Past),
    ("killed", Lex::Other, Cue::Past),
    ("sank", Lex::Other, Cue::Past),
    ("shook", Lex::Other, Cue::Past),
    ("stole", Lex::Other, Cue::Past),
    ("wore", Lex::Other, Cue::Past),
    ("woke", Lex::Other, Cue::Past),
    ("spun", Lex::Other, Cue::Past),
    ("met", Lex::Other, Cue::Ed),
    ("held", Lex::Other, Cue::Ed),
    ("made", Lex::Other, Cue::Ed),
    ("taken", Lex::Other, Cue::Ed),
    ("given", Lex::Other, Cue::Ed),
    ("seen", Lex::Other, Cue::Ed),
    ("done", Lex::Other, Cue::Ed),
    ("gone", Lex::Other, Cue::Ed),
    ("shown", Lex::Other, Cue::Ed),
    ("known", Lex::Other, Cue::Ed),
    ("spoken", Lex::Other, Cue::Ed),
    ("written", Lex::Other, Cue::Ed),
    ("broken", Lex::Other, Cue::Ed),
    ("chosen", Lex::Other, Cue::Ed),
    ("begun", Lex::Other, Cue::Ed),
    ("hung", Lex::Other, Cue::Ed),
    ("put", Lex::Other, Cue::Ed),
    ("cut", Lex::Other, Cue::Ed),
    ("let", Lex::Other, Cue::Ed),
    ("shut", Lex::Other, Cue::Ed),
    ("hurt", Lex::Other, Cue::Ed),
    ("cast", Lex::Other, Cue::Ed),
    ("read", Lex::Other, Cue::Ed),
    ("quit", Lex::Other, Cue::Ed),
    ("split", Lex::Other, Cue::Ed),
    ("spread", Lex::Other, Cue::Ed),
    ("released", Lex::Other, Cue::Ed),
    ("freed", Lex::Other, Cue::Ed),
    ("is", Lex::Other, Cue::PresentBe),
    ("are", Lex::Other, Cue::PresentBe),
    ("am", Lex::Other, Cue::PresentBe),
    ("be", Lex::Other, Cue::Be),
    ("been", Lex::Other, Cue::Be),
    ("being", Lex::Other, Cue::Be),
    ("isn", Lex::Other, Cue::PresentBe),
    ("aren", Lex::Other, Cue::PresentBe),
    ("has", Lex::Other, Cue::Have),
    ("have", Lex::Other, Cue::Have),
    ("had", Lex::Other, Cue::Have),
    ("hasn", Lex::Other, Cue::Have),
    ("haven", Lex::Other, Cue::Have),
    ("hadn", Lex::Other, Cue::Have),
    ("its", Lex::Other, Cue::Det),
    ("their", Lex::Other, Cue::Det),
    ("his", Lex::Other, Cue::Det),
    ("her", Lex::Other, Cue::Det),
    ("our", Lex::Other, Cue::Det),
    ("your", Lex::Other, Cue::Det),
    ("my", Lex::Other, Cue::Det),
    ("these", Lex::Other, Cue::Det),
    ("those", Lex::Other, Cue::Det),
    ("newly", Lex::Other, Cue::Det),
    ("also", Lex::Other, Cue::Adv),
    ("already", Lex::Other, Cue::Adv),
    ("still", Lex::Other, Cue::Adv),
    ("just", Lex::Other, Cue::Adv),
    ("reportedly", Lex::Other, Cue::Adv),
    ("allegedly", Lex::Other, Cue::Adv),
    ("never", Lex::Other, Cue::Adv),
    ("ever", Lex::Other, Cue::Adv),
    ("then", Lex::Other, Cue::Adv),
    ("finally", Lex::Other, Cue::Adv),
    ("formally", Lex::Other, Cue::Adv),
    ("officially", Lex::Other, Cue::Adv),
    ("t", Lex::Other, Cue::Adv),
    ("jointly", Lex::Other, Cue::Adv),
    ("initially", Lex::Other, Cue::Adv),
    ("originally", Lex::Other, Cue::Adv),
];

/// [`WORDS`] by word: open addressing over the word packed into a `u128` (every listed word
/// fits in 16 bytes), so a look-up is one multiply and, nearly always, one comparison.
struct WordTable {
    keys: Vec<u128>,
    values: Vec<(Lex, Cue)>,
}

const TABLE_BITS: u32 = 10;

static WORD_TABLE: LazyLock<WordTable> = LazyLock::new(|| {
    let size = 1usize << TABLE_BITS;
    let mut table = WordTable { keys: vec![0; size], values: vec![(Lex::Other, Cue::None); size] };
    for &(w, lex, cue) in WORDS {
        let mut buf = [0u8; 16];
        buf[..w.len()].copy_from_slice(w.as_bytes());
        let key = u128::from_le_bytes(buf);
        let mut at = slot(key);
        while table.keys[at] != 0 && table.keys[at] != key {
            at = (at + 1) & (size - 1);
        }
        if table.keys[at] == 0 {
            table.keys[at] = key;
            table.values[at] = (lex, cue);
        }
    }
    table
});

fn slot(key: u128) -> usize {
    let lo = key as u64;
    let hi = (key >> 64) as u64;
    let h = (lo ^ hi.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - TABLE_BITS)) as usize
}

impl WordTable {
    fn get(&self, key: u128) -> Option<(Lex, Cue)> {
        let mut at = slot(key);
        loop {
            let k = self.keys[at];
            if k == key {
                return Some(self.values[at]);
            }
            if k == 0 {
                return None;
            }
            at = (at + 1) & (self.keys.len() - 1);
        }
    }
}

/// What an ASCII word means in a date and what it says about tense.
fn classify(word: &[u8]) -> (Lex, Cue) {
    let mut buf = [0u8; 16];
    if word.len() > buf.len() {
        return (Lex::Other, if is_ed(word) { Cue::Ed } else { Cue::None });
    }
    for (l, c) in buf.iter_mut().zip(word) {
        *l = c.to_ascii_lowercase();
    }
    if let Some(found) = WORD_TABLE.get(u128::from_le_bytes(buf)) {
        return found;
    }
    let w = &buf[..word.len()];
    let cue = if is_ed(w) {
        Cue::Ed
    } else if is_ing(w) {
        Cue::Ing
    } else {
        Cue::None
    };
    (Lex::Other, cue)
}

/// A word in -ed that can be a verb (not "need", "hundred", "armed", "alleged").
fn is_ed(w: &[u8]) -> bool {
    w.len() >= 5
        && w.ends_with(b"ed")
        && !matches!(
            w,
            b"indeed"
                | b"proceed"
                | b"exceed"
                | b"succeed"
                | b"speed"
                | b"breed"
                | b"creed"
                | b"greed"
                | b"bleed"
                | b"steed"
                | b"tweed"
                | b"hundred"
                | b"united"
                | b"armed"
                | b"alleged"
                | b"based"
                | b"related"
                | b"limited"
                | b"unidentified"
                | b"unnamed"
                | b"masked"
                | b"detailed"
                | b"advanced"
                | b"interested"
                | b"concerned"
                | b"supposed"
                | b"skilled"
                | b"sacred"
                | b"naked"
                | b"wicked"
                | b"beloved"
                | b"aged"
                | b"crowded"
                | b"talented"
                | b"biased"
                | b"renowned"
                | b"unprecedented"
                | b"embattled"
                | b"disputed"
                | b"displaced"
                | b"elected"
                | b"so-called"
                | b"called"
                | b"injured"
                | b"wounded"
                | b"bed"
                | b"shred"
                | b"kindred"
                | b"infrared"
                | b"embed"
                | b"tired"
                | b"qualified"
                | b"sophisticated"
                | b"complicated"
                | b"dedicated"
                | b"experienced"
                | b"red"
                | b"used"
        )
}

/// A word in -ing that can be a verb (not "morning", "during", "king").
fn is_ing(w: &[u8]) -> bool {
    w.len() >= 6
        && w.ends_with(b"ing")
        && !matches!(
            w,
            b"morning"
                | b"evening"
                | b"during"
                | b"nothing"
                | b"something"
                | b"anything"
                | b"everything"
                | b"according"
                | b"including"
                | b"following"
                | b"ceiling"
                | b"string"
                | b"spring"
                | b"wedding"
                | b"beijing"
                | b"sterling"
                | b"beginning"
                | b"coming"
                | b"being"
        )
}

/// Refines each word's tense cue by its neighbours: "won't", "he'll", "has to", "is to",
/// "set to", "later this week"; and only lower-case words (or the sentence's first) count.
fn set_cues(s: &str, toks: &mut [Tok]) {
    let b = s.as_bytes();
    for i in 0..toks.len() {
        let Kind::Word { lex, cap } = toks[i].kind else { continue };
        let mut cue = toks[i].cue;
        let apostrophe_before =
            i > 0 && matches!(toks[i - 1].kind, Kind::Punct(b'\'')) && toks[i - 1].end == toks[i].start;
        let apostrophe_after = matches!(toks.get(i + 1).map(|t| t.kind), Some(Kind::Punct(b'\'')))
            && toks[i].end == toks[i + 1].start;
        if cue == Cue::None && lex == Lex::Other && !apostrophe_before && !apostrophe_after {
            continue;
        }
        let w = &b[toks[i].start as usize..toks[i].end as usize];
        let next_is = |lexes: &[Lex]| {
            toks.get(i + 1).is_some_and(|t| matches!(t.kind, Kind::Word { lex, .. } if lexes.contains(&lex)))
        };
        if cue != Cue::None && cap && i > 0 && !first_word(toks, i) {
            // Capitalised mid-sentence: a name ("Will Smith", "Ahmed"), not a verb.
            cue = Cue::None;
        }
        if apostrophe_before {
            cue = if w.eq_ignore_ascii_case(b"ll") {
                Cue::Future
            } else if w.eq_ignore_ascii_case(b"t") {
                Cue::Adv
            } else {
                Cue::None
            };
        }
        let negated = apostrophe_after
            && toks.get(i + 2).is_some_and(|t| {
                matches!(t.kind, Kind::Word { .. })
                    && b[t.start as usize..t.end as usize].eq_ignore_ascii_case(b"t")
            });
        if negated {
            let lw = |x: &[u8]| w.eq_ignore_ascii_case(x);
            if lw(b"won") || lw(b"wouldn") || lw(b"shouldn") || lw(b"mustn") {
                cue = Cue::Future;
            } else if lw(b"can") || lw(b"couldn") || lw(b"don") || lw(b"doesn") {
                cue = Cue::None;
            }
        }
        match cue {
            Cue::SetTo => cue = if next_is(&[Lex::To, Lex::For]) { Cue::Future } else { Cue::Ed },
            Cue::ToFuture => cue = if next_is(&[Lex::To]) { Cue::Future } else { Cue::None },
            Cue::Could => {
                cue = if next_is(&[Lex::Not]) || apostrophe_after { Cue::None } else { Cue::Future }
            }
            Cue::Be | Cue::PresentBe | Cue::Have
                if next_is(&[Lex::To]) && !w.eq_ignore_ascii_case(b"been") =>
            {
                cue = Cue::Future;
            }
            _ => {}
        }
        if lex == Lex::Later {
            cue = if next_is(&[Lex::This, Lex::Today, Lex::Tonight, Lex::On, Lex::Next, Lex::In]) {
                Cue::Future
            } else {
                Cue::None
            };
        }
        if lex == Lex::Last
            && !next_is(&[Lex::Unit(Unit::Week), Lex::Unit(Unit::Month), Lex::Unit(Unit::Year)])
        {
            let wd =
                toks.get(i + 1).is_some_and(|t| matches!(t.kind, Kind::Word { lex: Lex::Weekday(_), .. }));
            if !wd {
                cue = Cue::None;
            }
        }
        toks[i].cue = cue;
    }
}

/// Whether the word at `i` is the sentence's first (after any opening quotes or brackets).
fn first_word(toks: &[Tok], i: usize) -> bool {
    toks[..i].iter().all(|t| matches!(t.kind, Kind::Punct(b'"' | b'\'' | b'(' | b'[' | b'-')))
}

// ---------------------------------------------------------------------------------------------
// Matching

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tense {
    Future,
    /// Only a present "is" or "are" to go on: what is to come, or today ("it is now
    /// Thursday").
    Present,
    Past,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WdMode {
    Bare,
    Last,
    Next,
    This,
    ThisPast,
}

/// A date form before it is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    Ymd(i32, u32, u32),
    /// Month and day; a weekday (0 = Monday) narrows the year.
    Md(u32, u32, Option<u8>),
    /// "the 16th".
    Nth(u32, Option<u8>),
    /// "the 2nd of next month": a day of the month this many months away.
    NthOfMonth(u32, i32),
    Days(i64),
    Months(u32),
    Weekday(u8, WdMode),
    /// The next such weekday after the dateline, and this many days after it ("a week on
    /// Friday").
    WeekdayAfter(u8, i64),
    /// The Monday of the week this many weeks away.
    WeekStart(i64),
    /// The Sunday of the week this many weeks away.
    WeekEnd(i64),
    MonthStart(i32),
    MonthEnd(i32),
    YearStart(i32),
    YearEnd(i32),
    /// The last day of a named month, with its year if said.
    NamedMonthEnd(u32, Option<i32>),
    NamedMonthStart(u32, Option<i32>),
}

struct Found {
    start: usize,
    end: usize,
    spec: Spec,
    kind: DateKind,
}

struct Cx<'a> {
    s: &'a str,
    t: &'a [Tok],
    dateline: NaiveDate,
}

impl Cx<'_> {
    fn lex(&self, i: usize) -> Lex {
        match self.t.get(i).map(|t| t.kind) {
            Some(Kind::Word { lex, .. }) => lex,
            _ => Lex::Other,
        }
    }

    fn cap(&self, i: usize) -> bool {
        matches!(self.t.get(i).map(|t| t.kind), Some(Kind::Word { cap: true, .. }))
    }

    fn is(&self, i: usize, lex: Lex) -> bool {
        i < self.t.len() && self.lex(i) == lex
    }

    fn punct(&self, i: usize) -> Option<u8> {
        match self.t.get(i).map(|t| t.kind) {
            Some(Kind::Punct(p)) => Some(p),
            _ => None,
        }
    }

    /// Token `i` and `i + 1` touch (no space between).
    fn touching(&self, i: usize) -> bool {
        i + 1 < self.t.len() && self.t[i].end == self.t[i + 1].start
    }

    fn word_is(&self, i: usize, w: &str) -> bool {
        self.t.get(i).is_some_and(|t| {
            matches!(t.kind, Kind::Word { .. })
                && self.s[t.start as usize..t.end as usize].eq_ignore_ascii_case(w)
        })
    }

    /// A day number (1–31, at most two digits, maybe "16th") at `i`.
    fn day_num(&self, i: usize) -> Option<u32> {
        match self.t.get(i).map(|t| t.kind) {
            Some(Kind::Num { val, digits, plain: true, .. }) if digits <= 2 && (1..=31).contains(&val) => {
                // "16-year-old", "16-day": a count, not a day ("16-18" is two days).
                if self.punct(i + 1) == Some(b'-')
                    && self.touching(i)
                    && matches!(self.t.get(i + 2).map(|t| t.kind), Some(Kind::Word { .. }))
                {
                    return None;
                }
                Some(val)
            }
            _ => None,
        }
    }

    /// Whether token `i` joins two days: "and", "or", "to", "through", "-".
    fn connector(&self, i: usize) -> bool {
        self.punct(i) == Some(b'-')
            || matches!(self.lex(i), Lex::To)
            || ["and", "or", "through", "thru"].iter().any(|w| self.word_is(i, w))
    }

    /// The second day of a pair or range after a date ending before `i` ("March 10 and 12",
    /// "April 16-18", "the 3rd and 4th"), in the first one's month.
    fn second_day(&self, i: usize, first: Spec) -> Option<Found> {
        if !self.connector(i) {
            return None;
        }
        let j = i + 1;
        let day = self.day_num(j)?;
        // "April 16 and 17 May" is two dates of their own; "March 10 and 12 people" a count.
        match self.t.get(j + 1).map(|t| t.kind) {
            None
            | Some(
                Kind::Punct(_)
                | Kind::Word {
                    lex:
                        Lex::On | Lex::In | Lex::By | Lex::Before | Lex::Until | Lex::To | Lex::For | Lex::From,
                    ..
                },
            ) => {}
            Some(Kind::Word { .. }) => {
                let function = [
                    "in", "at", "on", "when", "with", "as", "but", "and", "or", "after", "before", "while",
                    "that", "which",
                ];
                if !function.iter().any(|w| self.word_is(j + 1, w)) {
                    return None;
                }
            }
            Some(_) => return None,
        }
        let spec = match first {
            Spec::Md(m, first_day, _) if day > first_day => Spec::Md(m, day, None),
            Spec::Ymd(y, m, first_day) if day > first_day => Spec::Ymd(y, m, day),
            Spec::Nth(first_day, _) if day > first_day => Spec::Nth(day, None),
            _ => return None,
        };
        Some(Found { start: j, end: j + 1, spec, kind: DateKind::Absolute })
    }

    /// A year (four digits, 1800–2199) at `i`.
    fn year_num(&self, i: usize) -> Option<i32> {
        match self.t.get(i).map(|t| t.kind) {
            Some(Kind::Num { val, digits: 4, ord: false, plain: true }) if (1800..=2199).contains(&val) => {
                Some(val as i32)
            }
            _ => None,
        }
    }

    /// A month name (capitalised) at `i`: its number and the token after it ("Apr." takes the
    /// stop).
    fn month(&self, i: usize) -> Option<(u32, usize)> {
        if !self.cap(i) {
            return None;
        }
        match self.lex(i) {
            Lex::Month(m) => Some((u32::from(m), i + 1)),
            Lex::MonthAbbr(m) => {
                if self.punct(i + 1) == Some(b'.') && self.touching(i) {
                    Some((u32::from(m), i + 2))
                } else {
                    Some((u32::from(m), i + 1))
                }
            }
            _ => None,
        }
    }

    /// An optional ", 2021" or " 2021" after a date ending before `i`.
    fn opt_year(&self, i: usize) -> (Option<i32>, usize) {
        if let Some(y) = self.year_num(i) {
            return (Some(y), i + 1);
        }
        if self.punct(i) == Some(b',')
            && let Some(y) = self.year_num(i + 1)
        {
            return (Some(y), i + 2);
        }
        (None, i)
    }

    /// A count ("three", "twenty-one", "10", "a") at `i`: its value and the token after it.
    fn count(&self, i: usize) -> Option<(u32, usize)> {
        match self.t.get(i).map(|t| t.kind)? {
            Kind::Num { val, digits, ord: false, plain: true } if digits <= 3 && val > 0 => {
                if self.punct(i + 1) == Some(b'-') && self.touching(i) {
                    return None;
                }
                Some((val, i + 1))
            }
            Kind::Word { lex: Lex::A, .. } => Some((1, i + 1)),
            Kind::Word { lex: Lex::Count(n), .. } => {
                let n = u32::from(n);
                if n >= 20
                    && n % 10 == 0
                    && self.punct(i + 1) == Some(b'-')
                    && self.touching(i)
                    && self.touching(i + 1)
                    && let Lex::Count(u) = self.lex(i + 2)
                    && u < 10
                {
                    return (!(self.punct(i + 3) == Some(b'-') && self.touching(i + 2)))
                        .then_some((n + u32::from(u), i + 3));
                }
                if self.punct(i + 1) == Some(b'-') && self.touching(i) {
                    return None;
                }
                Some((n, i + 1))
            }
            _ => None,
        }
    }

    /// A count and a unit at `i`: days, and the token after.
    fn count_unit(&self, i: usize, units: &[Unit]) -> Option<(u32, Unit, usize)> {
        let (n, j) = self.count(i)?;
        match self.lex(j) {
            Lex::Unit(u) if units.contains(&u) => Some((n, u, j + 1)),
            _ => None,
        }
    }

    fn match_at(&self, i: usize) -> Option<Found> {
        if let Some(after) = self.limiter(i)
            && let Some(f) = self.core(after)
        {
            return Some(Found { start: i, end: f.end, spec: f.spec, kind: DateKind::Deadline });
        }
        if self.is(i, Lex::Within) {
            let mut j = i + 1;
            if self.is(j, Lex::The) && self.is(j + 1, Lex::Next) {
                j += 2;
            }
            if let Some((n, unit, end)) = self
                .count_unit(j, &[Unit::Day, Unit::Week, Unit::Fortnight, Unit::Month, Unit::Year, Unit::Hour])
            {
                let spec = match unit {
                    Unit::Day => Spec::Days(i64::from(n)),
                    Unit::Week => Spec::Days(7 * i64::from(n)),
                    Unit::Fortnight => Spec::Days(14 * i64::from(n)),
                    Unit::Month => Spec::Months(n),
                    Unit::Year => Spec::Months(12 * n),
                    Unit::Hour => {
                        if n % 24 != 0 {
                            return None;
                        }
                        Spec::Days(i64::from(n / 24))
                    }
                };
                return Some(Found { start: i, end, spec, kind: DateKind::Deadline });
            }
        }
        self.core(i)
    }

    /// A limiting word at `i` ("by", "before", "until", "no later than"): the token after.
    fn limiter(&self, i: usize) -> Option<usize> {
        let mut after = self.limiting_word(i)?;
        // "until at least Wednesday"
        if self.word_is(after, "at") && self.word_is(after + 1, "least") {
            after += 2;
        }
        // "until midnight on Sunday", "by 5 p.m. Friday"
        if let Some(time_end) = self.time_of_day(after) {
            after = if self.is(time_end, Lex::On) { time_end + 1 } else { time_end };
        }
        Some(after)
    }

    /// A time of day at `i` ("midnight", "noon", "5 p.m.", "10:30am", "17:00"): the token
    /// after it.
    fn time_of_day(&self, i: usize) -> Option<usize> {
        if ["midnight", "noon", "midday"].iter().any(|w| self.word_is(i, w)) {
            return Some(i + 1);
        }
        let t = self.t.get(i)?;
        let text = &self.s[t.start as usize..t.end as usize];
        match t.kind {
            // "5pm", "10am"
            Kind::Word { .. } if text.as_bytes()[0].is_ascii_digit() => {
                let bytes = text.as_bytes();
                let suffix = &bytes[bytes.len().saturating_sub(2)..];
                (suffix.eq_ignore_ascii_case(b"am") || suffix.eq_ignore_ascii_case(b"pm")).then_some(i + 1)
            }
            Kind::Num { ord: false, .. } => {
                let j = i + 1;
                if (self.word_is(j, "a") || self.word_is(j, "p"))
                    && self.punct(j + 1) == Some(b'.')
                    && self.word_is(j + 2, "m")
                {
                    Some(if self.punct(j + 3) == Some(b'.') { j + 4 } else { j + 3 })
                } else if self.word_is(j, "am") || self.word_is(j, "pm") {
                    Some(j + 1)
                } else if text.contains(':') {
                    Some(j)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn limiting_word(&self, i: usize) -> Option<usize> {
        match self.lex(i) {
            Lex::By => {
                if (self.is(i + 1, Lex::No) || self.is(i + 1, Lex::Not))
                    && self.is(i + 2, Lex::Later)
                    && self.is(i + 3, Lex::Than)
                {
                    Some(i + 4)
                } else {
                    Some(i + 1)
                }
            }
            Lex::Before | Lex::Until => Some(i + 1),
            Lex::No | Lex::Not if self.is(i + 1, Lex::Later) && self.is(i + 2, Lex::Than) => Some(i + 3),
            _ => None,
        }
    }

    /// A date form that starts at `i`.
    #[allow(clippy::too_many_lines)]
    fn core(&self, i: usize) -> Option<Found> {
        let t = self.t.get(i)?;
        let rel = |end: usize, spec: Spec| Some(Found { start: i, end, spec, kind: DateKind::Relative });
        let abs = |end: usize, spec: Spec| Some(Found { start: i, end, spec, kind: DateKind::Absolute });
        match t.kind {
            Kind::Iso(d) => return abs(i + 1, Spec::Ymd(d.year(), d.month(), d.day())),
            Kind::Num { .. } => {
                if let Some(f) = self.day_month(i, None) {
                    return Some(f);
                }
                // "from 20 to 22 June", "on 3 and 4 March": the first day takes the second's
                // month.
                if let Some(day) = self.day_num(i)
                    && self.connector(i + 1)
                    && let Some(second) = self.day_month(i + 2, None)
                {
                    let spec = match second.spec {
                        Spec::Md(m, _, _) => Spec::Md(m, day, None),
                        Spec::Ymd(y, m, _) => Spec::Ymd(y, m, day),
                        _ => return None,
                    };
                    return abs(i + 1, spec);
                }
                if let Some((n, unit, j)) = self.count_unit(i, &[Unit::Day, Unit::Week, Unit::Fortnight]) {
                    let days = i64::from(n) * unit_days(unit);
                    if self.is(j, Lex::Ago) {
                        return rel(j + 1, Spec::Days(-days));
                    }
                    if self.is(j, Lex::From) && (self.is(j + 1, Lex::Now) || self.is(j + 1, Lex::Today)) {
                        return rel(j + 2, Spec::Days(days));
                    }
                }
                return None;
            }
            Kind::Punct(_) => return None,
            Kind::Word { .. } => {}
        }
        let lex = self.lex(i);
        let cap = self.cap(i);
        match lex {
            Lex::Month(_) | Lex::MonthAbbr(_) => self.month_day(i, None),
            Lex::Weekday(wd) => {
                if !cap {
                    return None;
                }
                // "Friday, April 16", "Friday 16 April", "Friday the 16th"
                let mut j = i + 1;
                if self.punct(j) == Some(b',') {
                    j += 1;
                }
                if let Some(f) = self.month_day(j, Some(wd)).or_else(|| self.day_month(j, Some(wd))) {
                    return Some(Found { start: i, ..f });
                }
                if self.is(j, Lex::The)
                    && let Some(f) = self.nth(j, Some(wd))
                {
                    return Some(Found { start: i, ..f });
                }
                if !self.weekday_ok(i) {
                    return None;
                }
                rel(i + 1, Spec::Weekday(wd, WdMode::Bare))
            }
            Lex::On => {
                if let Lex::Weekday(wd) = self.lex(i + 1) {
                    // "on Friday, April 16": the absolute date without "on".
                    let f = self.core(i + 1)?;
                    if matches!(f.spec, Spec::Weekday(..)) {
                        return rel(f.end, Spec::Weekday(wd, WdMode::Bare));
                    }
                    return Some(f);
                }
                None
            }
            Lex::Last | Lex::Next | Lex::This => {
                if i > 0 && (self.is(i - 1, Lex::The) || self.lex(i - 1) == Lex::Detached) {
                    return None;
                }
                let mut j = i + 1;
                let mut mode = match lex {
                    Lex::Last => WdMode::Last,
                    Lex::Next => WdMode::Next,
                    _ => WdMode::This,
                };
                if lex == Lex::This && self.is(j, Lex::Past) {
                    mode = WdMode::ThisPast;
                    j += 1;
                } else if lex == Lex::This && self.is(j, Lex::Coming) {
                    mode = WdMode::Next;
                    j += 1;
                }
                let k: i32 = match lex {
                    Lex::Last => -1,
                    Lex::Next => 1,
                    _ => 0,
                };
                match self.lex(j) {
                    Lex::Weekday(wd) if self.cap(j) => rel(j + 1, Spec::Weekday(wd, mode)),
                    Lex::Unit(Unit::Week) if !self.plural(j) && j == i + 1 => {
                        rel(j + 1, Spec::WeekStart(i64::from(k)))
                    }
                    Lex::Unit(Unit::Month) if !self.plural(j) && j == i + 1 && k != 0 => {
                        rel(j + 1, Spec::MonthStart(k))
                    }
                    Lex::PartOfDay if lex == Lex::This && j == i + 1 => rel(j + 1, Spec::Days(0)),
                    _ => None,
                }
            }
            Lex::Later | Lex::Earlier => {
                if self.is(i + 1, Lex::This) && self.is(i + 2, Lex::Unit(Unit::Week)) && !self.plural(i + 2) {
                    return rel(i + 3, Spec::WeekStart(0));
                }
                if self.is(i + 1, Lex::Today) && !self.cap(i + 1) {
                    return rel(i + 2, Spec::Days(0));
                }
                None
            }
            Lex::Today | Lex::Tonight | Lex::Yesterday | Lex::Tomorrow => {
                // "USA Today", "the Today programme"; but "He said: \"Today we act.\""
                if cap && i > 0 && matches!(self.t[i - 1].kind, Kind::Word { .. }) {
                    return None;
                }
                let d = match lex {
                    Lex::Yesterday => -1,
                    Lex::Tomorrow => 1,
                    _ => 0,
                };
                rel(i + 1, Spec::Days(d))
            }
            Lex::The => {
                if let Some(f) = self.nth(i, None) {
                    return Some(f);
                }
                if matches!(self.lex(i + 1), Lex::End | Lex::Start) {
                    return self.period_edge(i + 1).map(|f| Found { start: i, ..f });
                }
                // "the day after tomorrow", "the day before yesterday"
                if self.is(i + 1, Lex::Unit(Unit::Day)) && !self.plural(i + 1) {
                    if self.word_is(i + 2, "after") && self.is(i + 3, Lex::Tomorrow) {
                        return rel(i + 4, Spec::Days(2));
                    }
                    if self.is(i + 2, Lex::Before) && self.is(i + 3, Lex::Yesterday) {
                        return rel(i + 4, Spec::Days(-2));
                    }
                }
                None
            }
            Lex::Holiday if cap => self.holiday(i),
            Lex::End | Lex::Start => self.period_edge(i),
            Lex::In => {
                let (n, unit, mut j) = self.count_unit(i + 1, &[Unit::Day, Unit::Week, Unit::Fortnight])?;
                if self.span_before(i) || self.is(j, Lex::Of) {
                    return None;
                }
                // "in two weeks' time"
                if self.punct(j) == Some(b'\'') && self.is(j + 1, Lex::Time) {
                    j += 2;
                } else if self.punct(j) == Some(b'\'')
                    && self.word_is(j + 1, "s")
                    && self.is(j + 2, Lex::Time)
                {
                    j += 3;
                }
                rel(j, Spec::Days(i64::from(n) * unit_days(unit)))
            }
            Lex::A | Lex::Count(_) => {
                let (n, unit, j) = self.count_unit(i, &[Unit::Day, Unit::Week, Unit::Fortnight])?;
                let days = i64::from(n) * unit_days(unit);
                if self.is(j, Lex::Ago) {
                    return rel(j + 1, Spec::Days(-days));
                }
                if self.is(j, Lex::From) && (self.is(j + 1, Lex::Now) || self.is(j + 1, Lex::Today)) {
                    return rel(j + 2, Spec::Days(days));
                }
                // "a week today", "a week tomorrow", "a week on Friday", "two weeks from Monday"
                if unit == Unit::Week && !self.span_before(i) {
                    if self.is(j, Lex::Today) && !self.cap(j) {
                        return rel(j + 1, Spec::Days(days));
                    }
                    if self.is(j, Lex::Tomorrow) && !self.cap(j) {
                        return rel(j + 1, Spec::Days(days + 1));
                    }
                    if (self.is(j, Lex::On) || self.is(j, Lex::From))
                        && let Lex::Weekday(wd) = self.lex(j + 1)
                        && self.cap(j + 1)
                    {
                        return rel(j + 2, Spec::WeekdayAfter(wd, days));
                    }
                }
                None
            }
            _ => None,
        }
    }

    fn plural(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(|t| {
            let w = &self.s.as_bytes()[t.start as usize..t.end as usize];
            w.last().is_some_and(|c| c.eq_ignore_ascii_case(&b's'))
        })
    }

    /// Whether a weekday at `i` names a day rather than an outlet, holiday or habit.
    fn weekday_ok(&self, i: usize) -> bool {
        if self.plural(i) {
            return false;
        }
        if i > 0 {
            match self.lex(i - 1) {
                Lex::The | Lex::A | Lex::Detached => return false,
                // "the first Tuesday of every month"
                Lex::Superlative | Lex::Other
                    if ["first", "second", "third", "fourth", "fifth", "final"]
                        .iter()
                        .any(|w| self.word_is(i - 1, w)) =>
                {
                    return false;
                }
                // "the last Tuesday of the month"
                Lex::Last | Lex::Next if i > 1 && self.is(i - 2, Lex::The) => return false,
                Lex::Holiday if self.cap(i - 1) => return false,
                // "Mail on Sunday", "Independent on Sunday"
                Lex::On
                    if i > 1
                        && self.cap(i - 2)
                        && !first_word(self.t, i - 2)
                        && matches!(self.lex(i - 2), Lex::Outlet) =>
                {
                    return false;
                }
                _ => {}
            }
        }
        match self.lex(i + 1) {
            // "Sunday Times", "Tuesday Afternoon" (a title), "Monday Night Football".
            Lex::Outlet | Lex::PartOfDay if self.cap(i + 1) => false,
            Lex::WeekdayNoun => false,
            // "Sunday brunches moved online": a weekday that opens the sentence before a
            // plural noun is an attribute.
            _ => !(first_word(self.t, i) && self.plural_noun(i + 1)),
        }
    }

    /// Whether token `i` is a lower-case plural-looking word ("brunches", not "was").
    fn plural_noun(&self, i: usize) -> bool {
        let Some(t) = self.t.get(i) else { return false };
        if !matches!(t.kind, Kind::Word { cap: false, .. }) || t.cue != Cue::None {
            return false;
        }
        let w = &self.s[t.start as usize..t.end as usize];
        w.len() >= 5 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us")
    }

    /// Whether the "in" at `i` reads as a span ("the first time in two weeks", "the highest
    /// in 10 days").
    fn span_before(&self, i: usize) -> bool {
        let from = i.saturating_sub(6);
        (from..i).any(|j| matches!(self.lex(j), Lex::Superlative | Lex::Time))
    }

    /// A holiday on a fixed day at `i`: "Christmas Day", "Christmas Eve", "New Year's Day",
    /// "New Year's Eve", "Boxing Day".
    fn holiday(&self, i: usize) -> Option<Found> {
        let (m, day, end) = if self.word_is(i, "christmas") && self.cap(i + 1) && self.word_is(i + 1, "day") {
            (12, 25, i + 2)
        } else if self.word_is(i, "christmas") && self.cap(i + 1) && self.word_is(i + 1, "eve") {
            (12, 24, i + 2)
        } else if self.word_is(i, "boxing") && self.cap(i + 1) && self.word_is(i + 1, "day") {
            (12, 26, i + 2)
        } else if self.word_is(i, "new")
            && self.cap(i + 1)
            && self.is(i + 1, Lex::Unit(Unit::Year))
            && self.punct(i + 2) == Some(b'\'')
            && self.word_is(i + 3, "s")
            && self.cap(i + 4)
        {
            if self.word_is(i + 4, "day") {
                (1, 1, i + 5)
            } else if self.word_is(i + 4, "eve") {
                (12, 31, i + 5)
            } else {
                return None;
            }
        } else {
            return None;
        };
        Some(Found { start: i, end, spec: Spec::Md(m, day, None), kind: DateKind::Absolute })
    }

    /// "Month Day[, Year]" at `i`.
    fn month_day(&self, i: usize, wd: Option<u8>) -> Option<Found> {
        let (m, j) = self.month(i)?;
        let day = self.day_num(j)?;
        // "May 5:30" and "May 1,000" are not plain numbers, so not days.
        let (year, end) = self.opt_year(j + 1);
        Some(Found { start: i, end, spec: ymd_spec(m, day, year, wd), kind: DateKind::Absolute })
    }

    /// "Day Month[, Year]" or "16th of April" at `i`.
    fn day_month(&self, i: usize, wd: Option<u8>) -> Option<Found> {
        let day = self.day_num(i)?;
        let mut j = i + 1;
        if self.is(j, Lex::Of) && matches!(self.t[i].kind, Kind::Num { ord: true, .. }) {
            j += 1;
        }
        let (m, j) = self.month(j)?;
        // "16 May" with May the name: "Theresa May" cannot follow a number, but a count of
        // people can: "16 May supporters" is too rare to guard against.
        let (year, end) = self.opt_year(j);
        Some(Found { start: i, end, spec: ymd_spec(m, day, year, wd), kind: DateKind::Absolute })
    }

    /// "the 16th" (of a month or of the dateline's) at `i` (which is "the").
    fn nth(&self, i: usize, wd: Option<u8>) -> Option<Found> {
        let Some(Kind::Num { val, digits, ord: true, plain: true }) = self.t.get(i + 1).map(|t| t.kind)
        else {
            return self.nth_word(i);
        };
        if digits > 2 || !(1..=31).contains(&val) {
            return None;
        }
        if self.is(i + 2, Lex::Of)
            && let Some((m, j)) = self.month(i + 3)
        {
            let (year, end) = self.opt_year(j);
            return Some(Found { start: i, end, spec: ymd_spec(m, val, year, wd), kind: DateKind::Absolute });
        }
        // "the 2nd of next month"
        if self.is(i + 2, Lex::Of) && self.is(i + 4, Lex::Unit(Unit::Month)) && !self.plural(i + 4) {
            let k = match self.lex(i + 3) {
                Lex::Next => 1,
                Lex::This => 0,
                Lex::Last => -1,
                _ => return None,
            };
            return Some(Found {
                start: i,
                end: i + 5,
                spec: Spec::NthOfMonth(val, k),
                kind: DateKind::Absolute,
            });
        }
        // "the 16th century", "the 16th time", "the 16th amendment": a noun follows.
        match self.t.get(i + 2).map(|t| t.kind) {
            None | Some(Kind::Punct(_)) => {}
            Some(Kind::Word { lex, cap }) => {
                let function_word = matches!(
                    lex,
                    Lex::On
                        | Lex::In
                        | Lex::By
                        | Lex::Before
                        | Lex::Until
                        | Lex::To
                        | Lex::For
                        | Lex::From
                        | Lex::The
                        | Lex::A
                        | Lex::This
                        | Lex::Next
                        | Lex::Last
                ) || matches!(lex, Lex::Weekday(_))
                    || [
                        "and",
                        "or",
                        "but",
                        "when",
                        "at",
                        "with",
                        "after",
                        "as",
                        "that",
                        "which",
                        "if",
                        "so",
                        "because",
                        "while",
                        "he",
                        "she",
                        "it",
                        "they",
                        "we",
                        "officials",
                        "said",
                        "will",
                        "would",
                        "is",
                        "was",
                    ]
                    .iter()
                    .any(|w| self.word_is(i + 2, w));
                if !function_word || cap {
                    return None;
                }
            }
            Some(_) => return None,
        }
        Some(Found { start: i, end: i + 2, spec: Spec::Nth(val, wd), kind: DateKind::Absolute })
    }

    /// "the first of June", "the fifteenth of next month" at `i` (which is "the"): an ordinal
    /// in words needs its month.
    fn nth_word(&self, i: usize) -> Option<Found> {
        const ORDINALS: [&str; 31] = [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
            "twenty-first",
            "twenty-second",
            "twenty-third",
            "twenty-fourth",
            "twenty-fifth",
            "twenty-sixth",
            "twenty-seventh",
            "twenty-eighth",
            "twenty-ninth",
            "thirtieth",
            "thirty-first",
        ];
        if !self.is(i + 2, Lex::Of) && !self.is(i + 4, Lex::Of) {
            return None;
        }
        let (day, of) = if self.is(i + 2, Lex::Of) {
            // The hyphenated ordinals are three tokens and never match one word here.
            (ORDINALS.iter().position(|w| self.word_is(i + 1, w))? + 1, i + 2)
        } else {
            // "twenty-first"
            if self.punct(i + 2) != Some(b'-') {
                return None;
            }
            let tens = if self.word_is(i + 1, "twenty") {
                20
            } else if self.word_is(i + 1, "thirty") {
                30
            } else {
                return None;
            };
            (tens + ORDINALS[..9].iter().position(|w| self.word_is(i + 3, w))? + 1, i + 4)
        };
        let day = day as u32;
        if let Some((m, j)) = self.month(of + 1) {
            let (year, end) = self.opt_year(j);
            return Some(Found {
                start: i,
                end,
                spec: ymd_spec(m, day, year, None),
                kind: DateKind::Absolute,
            });
        }
        if self.is(of + 2, Lex::Unit(Unit::Month)) && !self.plural(of + 2) {
            let k = match self.lex(of + 1) {
                Lex::Next => 1,
                Lex::This => 0,
                _ => return None,
            };
            return Some(Found {
                start: i,
                end: of + 3,
                spec: Spec::NthOfMonth(day, k),
                kind: DateKind::Absolute,
            });
        }
        None
    }

    /// "end of the month", "start of next week", "end of March" at `i` (which is "end" or
    /// "start").
    fn period_edge(&self, i: usize) -> Option<Found> {
        let end = self.is(i, Lex::End);
        if !self.is(i + 1, Lex::Of) {
            return None;
        }
        let j = i + 2;
        let rel =
            |stop: usize, spec: Spec| Some(Found { start: i, end: stop, spec, kind: DateKind::Relative });
        if let Some((m, k)) = self.month(j) {
            // "the end of May" but not "the end of May's term" (the name).
            if self.day_num(k).is_some() || self.punct(k) == Some(b'\'') {
                return None;
            }
            let (year, stop) = self.opt_year(k);
            let spec = if end { Spec::NamedMonthEnd(m, year) } else { Spec::NamedMonthStart(m, year) };
            return rel(stop, spec);
        }
        // "the end of 2026"
        if let Some(y) = self.year_num(j) {
            let spec = if end { Spec::Ymd(y, 12, 31) } else { Spec::Ymd(y, 1, 1) };
            return rel(j + 1, spec);
        }
        let (k, unit_at) = match self.lex(j) {
            Lex::The | Lex::This => (0, j + 1),
            Lex::Next => (1, j + 1),
            Lex::Last => (-1, j + 1),
            Lex::Unit(_) => (0, j),
            _ => return None,
        };
        if self.plural(unit_at) {
            return None;
        }
        let spec = match (self.lex(unit_at), end) {
            (Lex::Unit(Unit::Week), true) => Spec::WeekEnd(i64::from(k)),
            (Lex::Unit(Unit::Week), false) => Spec::WeekStart(i64::from(k)),
            (Lex::Unit(Unit::Month), true) => Spec::MonthEnd(k),
            (Lex::Unit(Unit::Month), false) => Spec::MonthStart(k),
            (Lex::Unit(Unit::Year), true) => Spec::YearEnd(k),
            (Lex::Unit(Unit::Year), false) => Spec::YearStart(k),
            _ => return None,
        };
        rel(unit_at + 1, spec)
    }

    // -----------------------------------------------------------------------------------------
    // Tense

    /// The tense of the clause around the tokens `start..end`: the nearest cue before them,
    /// else the nearest after.
    fn tense(&self, start: usize, end: usize) -> Tense {
        // Within the clause first (a clause ends at ";" or a comma before a conjunction),
        // then the whole sentence.
        for within_clause in [true, false] {
            let mut present = false;
            let mut j = start;
            while j > 0 {
                j -= 1;
                if within_clause && self.clause_boundary(j) {
                    break;
                }
                if self.t[j].cue == Cue::Report {
                    return self.after_report(j, start, end);
                }
                present |= self.t[j].cue == Cue::PresentBe;
                if let Some(t) = self.cue_at(j, start) {
                    return t;
                }
            }
            for j in end..self.t.len() {
                if within_clause && self.clause_boundary(j) {
                    break;
                }
                present |= self.t[j].cue == Cue::PresentBe;
                if let Some(t) = self.cue_at(j, start) {
                    return t;
                }
            }
            // "The deadline is Friday", "the final is on Sunday".
            if present {
                return Tense::Present;
            }
        }
        Tense::Unknown
    }

    /// The tense a possessive weekday takes from its phrase: "after Monday's attack" (past),
    /// "ahead of Tuesday's primary" (to come).
    fn attribute_tense(&self, f: &Found) -> Option<Tense> {
        if !matches!(f.spec, Spec::Weekday(_, WdMode::Bare))
            || self.punct(f.end) != Some(b'\'')
            || !self.word_is(f.end + 1, "s")
        {
            return None;
        }
        let before = |w: &str| f.start > 0 && self.word_is(f.start - 1, w);
        if ["after", "since", "following", "despite", "from"].iter().any(|w| before(w)) {
            return Some(Tense::Past);
        }
        if before("of") && f.start > 1 && self.word_is(f.start - 2, "ahead") || before("before") {
            return Some(Tense::Future);
        }
        let noun = f.end + 2;
        let incident = [
            "attack",
            "attacks",
            "bombing",
            "bombings",
            "blast",
            "explosion",
            "earthquake",
            "quake",
            "crash",
            "shooting",
            "killing",
            "killings",
            "raid",
            "raids",
            "fire",
            "storm",
            "eruption",
            "collapse",
            "riot",
            "riots",
            "massacre",
            "ambush",
            "assault",
            "defeat",
            "victory",
            "win",
            "loss",
            "announcement",
            "verdict",
            "ruling",
            "derailment",
            "landslide",
            "flood",
            "floods",
            "coup",
            "clashes",
            "protest",
            "protests",
            "rally",
            "speech",
            "resignation",
        ];
        incident.iter().any(|w| self.word_is(noun, w)).then_some(Tense::Past)
    }

    /// Whether the date at `start` is what something starts from: "from Monday", "starting
    /// Monday", "effective Monday" (to come, unless the tense says otherwise).
    fn starting(&self, start: usize) -> bool {
        start > 0
            && ["from", "starting", "effective", "beginning", "as"].iter().any(|w| self.word_is(start - 1, w))
            || start > 1 && self.word_is(start - 1, "of") && self.word_is(start - 2, "as")
    }

    /// The tense of a date after a reporting verb at `j`: the day it was said on when the
    /// date is attached to the verb ("said on Tuesday", "told reporters in Kabul on Tuesday"),
    /// else the tense of the words that follow the date in its own phrase ("said the vote on
    /// Friday would be delayed"), past if they say nothing.
    fn after_report(&self, j: usize, start: usize, end: usize) -> Tense {
        let attached = start - j <= 5
            && (j + 1..start).all(|k| {
                !matches!(
                    self.t[k].cue,
                    Cue::Det | Cue::Future | Cue::Past | Cue::Ed | Cue::Be | Cue::PresentBe | Cue::Have
                ) && !matches!(self.t[k].kind, Kind::Punct(b',' | b'"'))
                    && !self.word_is(k, "that")
            });
        if attached {
            return Tense::Past;
        }
        for k in end..self.t.len() {
            if matches!(self.t[k].kind, Kind::Punct(b',' | b';' | b'"' | b':'))
                || ["that", "he", "she", "it", "they", "we", "i", "and", "but"]
                    .iter()
                    .any(|w| self.word_is(k, w))
            {
                break;
            }
            if let Some(t) = self.cue_at(k, start) {
                return t;
            }
        }
        Tense::Past
    }

    /// Whether the clause around `start..end` tells of the past for sure: a simple past or a
    /// perfect, or a verb in -ed with nothing before it in the clause that looks ahead ("hope
    /// to declare the blaze contained within a week" looks ahead).
    fn told_in_past(&self, start: usize, end: usize) -> bool {
        let mut soft = false;
        let mut j = start;
        while j > 0 {
            j -= 1;
            if self.clause_boundary(j) {
                break;
            }
            match (self.t[j].cue, self.cue_at(j, start)) {
                (Cue::Ed, Some(Tense::Past)) => soft = true,
                (Cue::Report, _) => return soft,
                (_, Some(Tense::Past)) => return true,
                (_, Some(Tense::Future)) => return false,
                _ => {}
            }
        }
        if soft {
            return true;
        }
        for j in end..self.t.len() {
            if self.clause_boundary(j) {
                break;
            }
            match self.cue_at(j, start) {
                Some(Tense::Past) => return self.t[j].cue != Cue::Report,
                Some(Tense::Future) => return false,
                _ => {}
            }
        }
        false
    }

    /// Whether token `j` ends a clause: ";" or a comma before "and", "but", "while"….
    fn clause_boundary(&self, j: usize) -> bool {
        match self.punct(j) {
            Some(b';') => true,
            Some(b',') => ["and", "but", "while", "although", "though", "whereas", "yet", "so"]
                .iter()
                .any(|w| self.word_is(j + 1, w)),
            _ => false,
        }
    }

    /// What the word at `j` says about tense, if anything decisive.
    fn cue_at(&self, j: usize, start: usize) -> Option<Tense> {
        match self.t[j].cue {
            Cue::Reschedule => {
                // "moved from Thursday", "postponed until Friday": still ahead.
                let lead = |k: usize| matches!(self.lex(k), Lex::Until | Lex::To | Lex::From | Lex::For);
                if lead(start) || (start > 0 && lead(start - 1)) {
                    Some(Tense::Future)
                } else {
                    Some(Tense::Past)
                }
            }
            Cue::Future => Some(Tense::Future),
            Cue::Past | Cue::Report => Some(Tense::Past),
            Cue::Have => {
                // "has said", "had been": a perfect. "has until Sunday": a possession.
                let mut k = j + 1;
                while k < self.t.len() && self.t[k].cue == Cue::Adv {
                    k += 1;
                }
                let possession = match self.t.get(k).map(|t| t.kind) {
                    None | Some(Kind::Num { .. } | Kind::Punct(_)) => true,
                    Some(Kind::Word { lex, .. }) => {
                        matches!(lex, Lex::Until | Lex::By | Lex::Before | Lex::A | Lex::No | Lex::Within)
                            || self.t[k].cue == Cue::Det
                    }
                    Some(Kind::Iso(_)) => false,
                };
                (!possession).then_some(Tense::Past)
            }
            Cue::Ed => {
                // A participle after an auxiliary ("will be held", "was held") or an
                // adjective after a determiner ("the delayed vote") leaves it to the words
                // before.
                let mut k = j;
                while k > 0 {
                    k -= 1;
                    match self.t[k].cue {
                        Cue::Adv => {}
                        // "would set up", "could cut": a plain form that looks like a past.
                        Cue::Be | Cue::PresentBe | Cue::Have | Cue::Det | Cue::Future => return None,
                        _ if ["could", "can", "did", "didn", "cannot"].iter().any(|w| self.word_is(k, w)) => {
                            return None;
                        }
                        _ if matches!(self.t[k].kind, Kind::Punct(b'\'')) => {}
                        _ if self.is(k, Lex::To) => return None,
                        _ => break,
                    }
                }
                Some(Tense::Past)
            }
            Cue::PresentBe => {
                // "is meeting on Friday": an arrangement.
                (self.t.get(j + 1).map(|t| t.cue) == Some(Cue::Ing)).then_some(Tense::Future)
            }
            Cue::Base | Cue::Present3 => {
                // "did not meet", "the vote": not the verb that sets the tense.
                let mut k = j;
                while k > 0 {
                    k -= 1;
                    match self.t[k].cue {
                        Cue::Adv => {}
                        _ if matches!(self.t[k].kind, Kind::Punct(b'\'')) => {}
                        Cue::Det => return None,
                        // "Sunday's vote": a noun.
                        _ if self.word_is(k, "s") && k > 0 && self.punct(k - 1) == Some(b'\'') => {
                            return None;
                        }
                        _ => {
                            // "did not meet"; "in protest", "after a vote" (a noun).
                            let aux = ["did", "didn", "do", "does", "doesn", "don"];
                            let preposition = matches!(
                                self.lex(k),
                                Lex::In
                                    | Lex::On
                                    | Lex::Of
                                    | Lex::For
                                    | Lex::By
                                    | Lex::From
                                    | Lex::Before
                                    | Lex::Until
                            ) || [
                                "at", "with", "after", "during", "against", "into", "without", "over",
                                "under",
                            ]
                            .iter()
                            .any(|w| self.word_is(k, w));
                            if preposition || aux.iter().any(|w| self.word_is(k, w)) {
                                return None;
                            }
                            // "a final vote", "the Senate vote" (but "the exhibition closes")
                            if self.t[j].cue == Cue::Base
                                && self.t[k].cue == Cue::None
                                && matches!(self.t[k].kind, Kind::Word { .. })
                                && k > 0
                                && self.t[k - 1].cue == Cue::Det
                            {
                                return None;
                            }
                            break;
                        }
                    }
                }
                Some(Tense::Future)
            }
            _ => None,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Resolution

    fn resolve(&self, f: &Found) -> Option<NaiveDate> {
        let dl = self.dateline;
        // "married within a year", "has run 100 marathons in 100 days": a span in a story
        // told in the past, not a day counted from the dateline.
        if matches!(self.lex(f.start), Lex::Within | Lex::In) && self.told_in_past(f.start, f.end) {
            return None;
        }
        let tense = || {
            if let Some(t) = self.attribute_tense(f) {
                return t;
            }
            // "set a hearing for Thursday", "planned for Sunday": what is booked is to come.
            if f.start > 0 && self.is(f.start - 1, Lex::For) {
                return Tense::Future;
            }
            match self.tense(f.start, f.end) {
                Tense::Unknown if f.kind == DateKind::Deadline || self.starting(f.start) => Tense::Future,
                // Only weekdays tell "to come" from "today" by the present.
                Tense::Present if !matches!(f.spec, Spec::Weekday(..)) => Tense::Future,
                t => t,
            }
        };
        let deadline = f.kind == DateKind::Deadline;
        let monday = dl.checked_sub_days(Days::new(u64::from(dl.weekday().num_days_from_monday())))?;
        match f.spec {
            Spec::Ymd(year, m, day) => NaiveDate::from_ymd_opt(year, m, day),
            Spec::Md(m, day, wd) => self.year_less(m, day, wd, deadline, tense),
            Spec::Nth(day, wd) => {
                let this = NaiveDate::from_ymd_opt(dl.year(), dl.month(), 1)?;
                if let Some(wd) = wd {
                    return [0i32, 1, -1]
                        .iter()
                        .filter_map(|&k| add_months(this, k).and_then(|first| first.with_day(day)))
                        .find(|c| c.weekday().num_days_from_monday() == u32::from(wd));
                }
                let date = this.with_day(day);
                if date.is_some_and(|c| c < dl) && tense() == Tense::Future {
                    return add_months(this, 1)?.with_day(day);
                }
                date
            }
            Spec::NthOfMonth(day, k) => add_months(dl.with_day(1)?, k)?.with_day(day),
            Spec::Days(n) => add_days(dl, n),
            Spec::Months(n) => dl.checked_add_months(Months::new(n)),
            Spec::Weekday(wd, mode) => {
                let wd = i64::from(wd);
                let today = i64::from(dl.weekday().num_days_from_monday());
                let ahead = (wd - today).rem_euclid(7);
                match mode {
                    WdMode::This => add_days(monday, wd),
                    WdMode::Last => add_days(monday, wd - 7),
                    WdMode::Next => add_days(dl, if ahead == 0 { 7 } else { ahead }),
                    WdMode::ThisPast => add_days(dl, -(if ahead == 0 { 7 } else { 7 - ahead })),
                    WdMode::Bare => {
                        let tense = tense();
                        if tense == Tense::Present && ahead == 0 {
                            Some(dl)
                        } else if matches!(tense, Tense::Future | Tense::Present) {
                            if ahead == 0 && self.says_today() {
                                Some(dl)
                            } else {
                                add_days(dl, if ahead == 0 { 7 } else { ahead })
                            }
                        } else {
                            add_days(dl, -((today - wd).rem_euclid(7)))
                        }
                    }
                }
            }
            Spec::WeekdayAfter(wd, days) => {
                let ahead = (i64::from(wd) - i64::from(dl.weekday().num_days_from_monday())).rem_euclid(7);
                add_days(dl, if ahead == 0 { 7 } else { ahead } + days)
            }
            Spec::WeekStart(k) => add_days(monday, 7 * k),
            Spec::WeekEnd(k) => add_days(monday, 7 * k + 6),
            Spec::MonthStart(k) => add_months(dl.with_day(1)?, k),
            Spec::MonthEnd(k) => last_of_month(add_months(dl.with_day(1)?, k)?),
            Spec::YearStart(k) => NaiveDate::from_ymd_opt(dl.year() + k, 1, 1),
            Spec::YearEnd(k) => NaiveDate::from_ymd_opt(dl.year() + k, 12, 31),
            Spec::NamedMonthEnd(m, year) => {
                let first = match year {
                    Some(year) => NaiveDate::from_ymd_opt(year, m, 1)?,
                    None => self.year_less(m, 1, None, deadline, tense)?,
                };
                last_of_month(first)
            }
            Spec::NamedMonthStart(m, year) => match year {
                Some(year) => NaiveDate::from_ymd_opt(year, m, 1),
                None => self.year_less(m, 1, None, deadline, tense),
            },
        }
    }

    fn says_today(&self) -> bool {
        (0..self.t.len()).any(|i| matches!(self.lex(i), Lex::Today | Lex::Tonight))
    }

    /// A month and day without a year: the dateline's year, unless a weekday says which year,
    /// or a future-tense sentence puts a date well before the dateline (next year) or a
    /// past-tense one puts it well after (last year).
    fn year_less(
        &self,
        m: u32,
        day: u32,
        wd: Option<u8>,
        deadline: bool,
        tense: impl Fn() -> Tense,
    ) -> Option<NaiveDate> {
        let dl = self.dateline;
        let year = dl.year();
        // A weekday said with the date picks the year, among those within half a year or so
        // of the dateline ("Friday, January 8" in a late-December article).
        if let Some(wd) = wd
            && let Some(c) = [year, year + 1, year - 1]
                .iter()
                .filter_map(|&year| NaiveDate::from_ymd_opt(year, m, day))
                .find(|c| {
                    c.weekday().num_days_from_monday() == u32::from(wd) && (*c - dl).num_days().abs() <= 200
                })
        {
            return Some(c);
        }
        let date = NaiveDate::from_ymd_opt(year, m, day)?;
        let gap = (date - dl).num_days();
        if gap < -45 && tense() == Tense::Future {
            return NaiveDate::from_ymd_opt(year + 1, m, day);
        }
        if gap > 75 && !deadline && tense() == Tense::Past {
            return NaiveDate::from_ymd_opt(year - 1, m, day);
        }
        Some(date)
    }
}

fn ymd_spec(m: u32, d: u32, y: Option<i32>, wd: Option<u8>) -> Spec {
    match y {
        Some(y) => Spec::Ymd(y, m, d),
        None => Spec::Md(m, d, wd),
    }
}

fn unit_days(u: Unit) -> i64 {
    match u {
        Unit::Week => 7,
        Unit::Fortnight => 14,
        _ => 1,
    }
}

fn add_days(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n >= 0 {
        d.checked_add_days(Days::new(n as u64))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    }
}

fn add_months(d: NaiveDate, k: i32) -> Option<NaiveDate> {
    if k >= 0 {
        d.checked_add_months(Months::new(k as u32))
    } else {
        d.checked_sub_months(Months::new(k.unsigned_abs()))
    }
}

fn last_of_month(first: NaiveDate) -> Option<NaiveDate> {
    add_months(first.with_day(1)?, 1)?.pred_opt()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::find;
    use crate::DateKind::{self, Absolute, Deadline, Relative};

    /// Wednesday.
    const WED: &str = "2026-03-04";

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn found(dateline: &str, sentence: &str) -> Vec<(String, String, DateKind)> {
        find(sentence, day(dateline)).into_iter().map(|m| (m.text, m.date.to_string(), m.kind)).collect()
    }

    #[track_caller]
    fn check(dateline: &str, sentence: &str, want: &[(&str, &str, DateKind)]) {
        let want: Vec<(String, String, DateKind)> =
            want.iter().map(|(t, d, k)| ((*t).to_owned(), (*d).to_owned(), *k)).collect();
        assert_eq!(found(dateline, sentence), want, "{sentence}");
    }

    #[track_caller]
    fn none(dateline: &str, sentence: &str) {
        assert_eq!(found(dateline, sentence), [], "{sentence}");
    }

    #[test]
    fn mentions_carry_the_sentence() {
        let s = "Talks resume on April 16.";
        let m = find(s, day(WED));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].sentence, s);
    }

    #[test]
    fn month_day_in_both_orders_and_abbreviated() {
        check(WED, "The vote is on April 16, officials said.", &[("April 16", "2026-04-16", Absolute)]);
        check(WED, "The vote is on 16 April.", &[("16 April", "2026-04-16", Absolute)]);
        check(WED, "The vote is on Apr. 16.", &[("Apr. 16", "2026-04-16", Absolute)]);
        check(WED, "The vote is on Apr 16.", &[("Apr 16", "2026-04-16", Absolute)]);
        check(WED, "The vote is on Sept. 11.", &[("Sept. 11", "2026-09-11", Absolute)]);
        check(WED, "The vote is on April 16th.", &[("April 16th", "2026-04-16", Absolute)]);
        check(WED, "The vote is on 16th April.", &[("16th April", "2026-04-16", Absolute)]);
        check(WED, "The vote is on the 16th of April.", &[("the 16th of April", "2026-04-16", Absolute)]);
        check(
            WED,
            "It opens from 12 March to 14 March.",
            &[("12 March", "2026-03-12", Absolute), ("14 March", "2026-03-14", Absolute)],
        );
    }

    #[test]
    fn dates_with_years_and_iso() {
        check(
            WED,
            "It was signed on April 16, 2021, in Doha.",
            &[("April 16, 2021", "2021-04-16", Absolute)],
        );
        check(WED, "It was signed on 16 April 2021.", &[("16 April 2021", "2021-04-16", Absolute)]);
        check(WED, "The ruling came on 2021-04-16.", &[("2021-04-16", "2021-04-16", Absolute)]);
        check(WED, "The quarter ended Dec. 31, 2025.", &[("Dec. 31, 2025", "2025-12-31", Absolute)]);
        none(WED, "The bad date 2021-02-30 is no date.");
    }

    #[test]
    fn dates_with_weekdays() {
        check(
            WED,
            "The results come out on Thursday 4 June.",
            &[("Thursday 4 June", "2026-06-04", Absolute)],
        );
        check(
            WED,
            "Parliament will debate the bill on Monday, March 9.",
            &[("Monday, March 9", "2026-03-09", Absolute)],
        );
        check(
            WED,
            "Forms are due no later than Friday, March 27.",
            &[("no later than Friday, March 27", "2026-03-27", Deadline)],
        );
        check(WED, "The fair opens on Saturday the 14th.", &[("Saturday the 14th", "2026-03-14", Absolute)]);
        // Late December: the weekday says the January date is next year's.
        check(
            "2026-12-28",
            "Schools reopen on Friday, January 8.",
            &[("Friday, January 8", "2027-01-08", Absolute)],
        );
    }

    #[test]
    fn the_nth() {
        check(WED, "The pools will open on the 27th with limits.", &[("the 27th", "2026-03-27", Absolute)]);
        // Already past this month, in a future-tense sentence: next month's.
        check(
            "2022-10-31",
            "The station will host a giveaway on the 29th.",
            &[("the 29th", "2022-11-29", Absolute)],
        );
        check(
            "2020-10-13",
            "Classes return on the 2nd of next month.",
            &[("the 2nd of next month", "2020-11-02", Absolute)],
        );
        none(WED, "The 16th century castle fell on the 16th time; the 3rd Battalion left.");
        none(WED, "The 30th anniversary is a big one.");
    }

    #[test]
    fn today_yesterday_tomorrow() {
        check(
            WED,
            "Shares fell yesterday and will rise tomorrow, analysts said this morning.",
            &[
                ("yesterday", "2026-03-03", Relative),
                ("tomorrow", "2026-03-05", Relative),
                ("this morning", "2026-03-04", Relative),
            ],
        );
        check(WED, "Polls close tonight.", &[("tonight", "2026-03-04", Relative)]);
        check(WED, "Today's meeting was short.", &[("Today", "2026-03-04", Relative)]);
        check(
            WED,
            "Crews worked this afternoon and this evening.",
            &[("this afternoon", "2026-03-04", Relative)],
        );
        check(WED, "It was approved earlier today.", &[("earlier today", "2026-03-04", Relative)]);
    }

    #[test]
    fn weekdays_follow_the_tense() {
        // Past or reporting: the most recent such day, the dateline included.
        check(
            WED,
            "The ministry said on Tuesday that 4,000 families had returned.",
            &[("on Tuesday", "2026-03-03", Relative)],
        );
        check(WED, "Biden met Ghani on Wednesday.", &[("on Wednesday", "2026-03-04", Relative)]);
        check(WED, "The company declined to comment Friday.", &[("Friday", "2026-02-27", Relative)]);
        // Future: the next such day after the dateline.
        check(WED, "Biden will meet Ghani on Wednesday.", &[("on Wednesday", "2026-03-11", Relative)]);
        check(
            WED,
            "The meeting will take place today, Wednesday, in Doha.",
            &[("today", "2026-03-04", Relative)],
        );
        check(WED, "He is due to arrive Friday.", &[("Friday", "2026-03-06", Relative)]);
        check(WED, "She is set to testify on Thursday.", &[("on Thursday", "2026-03-05", Relative)]);
        check(
            WED,
            "The ministry plans to publish the report on Monday.",
            &[("on Monday", "2026-03-09", Relative)],
        );
        check(WED, "A ruling is expected to come on Monday.", &[("on Monday", "2026-03-09", Relative)]);
        check(WED, "The hearing is scheduled for Monday.", &[("Monday", "2026-03-09", Relative)]);
        check(
            WED,
            "He'll arrive on Friday and won't leave until Sunday.",
            &[("on Friday", "2026-03-06", Relative), ("until Sunday", "2026-03-08", Deadline)],
        );
        check(
            WED,
            "The minister is meeting his counterpart on Friday.",
            &[("on Friday", "2026-03-06", Relative)],
        );
        check(WED, "Registration ends Sunday, the league said.", &[("Sunday", "2026-03-08", Relative)]);
    }

    #[test]
    fn each_weekday_takes_its_own_clause() {
        check(
            WED,
            "The minister said on Tuesday that talks will resume on Friday.",
            &[("on Tuesday", "2026-03-03", Relative), ("on Friday", "2026-03-06", Relative)],
        );
        check(
            WED,
            "On Friday, the council will vote on the budget.",
            &[("On Friday", "2026-03-06", Relative)],
        );
        check(
            WED,
            "The talks, which began on Monday, will end on Friday.",
            &[("on Monday", "2026-03-02", Relative), ("on Friday", "2026-03-06", Relative)],
        );
        check(
            WED,
            "The rebels withdrew, and on Friday government troops will enter the town.",
            &[("on Friday", "2026-03-06", Relative)],
        );
        check(
            WED,
            "Officials said the vote on Friday would be delayed.",
            &[("on Friday", "2026-03-06", Relative)],
        );
        check(
            WED,
            "The minister told the BBC on Tuesday that he will resign.",
            &[("on Tuesday", "2026-03-03", Relative)],
        );
        check(
            WED,
            "The clinic has been moved from Thursday to next Monday.",
            &[("Thursday", "2026-03-05", Relative), ("next Monday", "2026-03-09", Relative)],
        );
        check(
            WED,
            "Police will investigate Monday's shooting ahead of Sunday's vote.",
            &[("Monday", "2026-03-02", Relative), ("Sunday", "2026-03-08", Relative)],
        );
        check(WED, "The new rules apply from Monday.", &[("Monday", "2026-03-09", Relative)]);
    }

    #[test]
    fn last_next_this_weekday() {
        // Monday-first weeks: the dateline's week runs from Monday 2 March.
        check(WED, "The speech last Friday was long.", &[("last Friday", "2026-02-27", Relative)]);
        check(WED, "The speech last Monday was long.", &[("last Monday", "2026-02-23", Relative)]);
        check(WED, "They sign next Wednesday.", &[("next Wednesday", "2026-03-11", Relative)]);
        check(WED, "They sign next Friday.", &[("next Friday", "2026-03-06", Relative)]);
        check(WED, "Training starts this Wednesday.", &[("this Wednesday", "2026-03-04", Relative)]);
        check(WED, "Training started this Monday.", &[("this Monday", "2026-03-02", Relative)]);
        check(WED, "It rained this past Friday.", &[("this past Friday", "2026-02-27", Relative)]);
        check(WED, "It will rain this coming Tuesday.", &[("this coming Tuesday", "2026-03-10", Relative)]);
    }

    #[test]
    fn counted_days_and_weeks() {
        check(WED, "Three weeks ago, she left.", &[("Three weeks ago", "2026-02-11", Relative)]);
        check(WED, "It happened two days ago.", &[("two days ago", "2026-03-02", Relative)]);
        check(WED, "It happened a week ago.", &[("a week ago", "2026-02-25", Relative)]);
        check(WED, "It happened 10 days ago.", &[("10 days ago", "2026-02-22", Relative)]);
        check(WED, "Talks resume in two weeks.", &[("in two weeks", "2026-03-18", Relative)]);
        check(WED, "The port reopens in 10 days.", &[("in 10 days", "2026-03-14", Relative)]);
        check(WED, "They return in two weeks' time.", &[("in two weeks' time", "2026-03-18", Relative)]);
        check(WED, "They return in twenty-one days.", &[("in twenty-one days", "2026-03-25", Relative)]);
        check(WED, "They return in a fortnight.", &[("in a fortnight", "2026-03-18", Relative)]);
        check(WED, "They return two weeks from now.", &[("two weeks from now", "2026-03-18", Relative)]);
    }

    #[test]
    fn weeks_and_months() {
        check(WED, "The report is due next week.", &[("next week", "2026-03-09", Relative)]);
        check(WED, "The talks collapsed last week.", &[("last week", "2026-02-23", Relative)]);
        check(WED, "Crews will resurface the road this week.", &[("this week", "2026-03-02", Relative)]);
        check(WED, "Attempts could begin later this week.", &[("later this week", "2026-03-02", Relative)]);
        check(WED, "It comes next month.", &[("next month", "2026-04-01", Relative)]);
        check(WED, "It came last month.", &[("last month", "2026-02-01", Relative)]);
        check(
            WED,
            "Nominations close at the end of the month.",
            &[("the end of the month", "2026-03-31", Relative)],
        );
        check(
            WED,
            "The library closes at the end of the week.",
            &[("the end of the week", "2026-03-08", Relative)],
        );
        check(
            WED,
            "It will be done by the end of the year.",
            &[("by the end of the year", "2026-12-31", Deadline)],
        );
        check(
            WED,
            "Drilling begins at the start of next month.",
            &[("the start of next month", "2026-04-01", Relative)],
        );
        check(
            WED,
            "The strike will continue until the end of March.",
            &[("until the end of March", "2026-03-31", Deadline)],
        );
        check(
            "2023-12-14",
            "Drilling begins at the start of next month.",
            &[("the start of next month", "2024-01-01", Relative)],
        );
    }

    #[test]
    fn deadlines() {
        check(WED, "The law must pass by May 1.", &[("by May 1", "2026-05-01", Deadline)]);
        check(WED, "The law must pass before May 1.", &[("before May 1", "2026-05-01", Deadline)]);
        check(WED, "Residents have until June 15 to comment.", &[("until June 15", "2026-06-15", Deadline)]);
        check(
            WED,
            "Forms are due no later than Friday.",
            &[("no later than Friday", "2026-03-06", Deadline)],
        );
        check(
            WED,
            "Forms are due not later than March 31.",
            &[("not later than March 31", "2026-03-31", Deadline)],
        );
        check(WED, "A decision is expected by Friday.", &[("by Friday", "2026-03-06", Deadline)]);
        check(
            WED,
            "The peak might not come until next month.",
            &[("until next month", "2026-04-01", Deadline)],
        );
        check(WED, "It could reach land by tomorrow.", &[("by tomorrow", "2026-03-05", Deadline)]);
        check(
            WED,
            "They want it finished before the end of the month.",
            &[("before the end of the month", "2026-03-31", Deadline)],
        );
        check(
            WED,
            "A committee will be formed within 90 days.",
            &[("within 90 days", "2026-06-02", Deadline)],
        );
        check(WED, "A deal is expected within two weeks.", &[("within two weeks", "2026-03-18", Deadline)]);
        check(WED, "A deal is expected within a week.", &[("within a week", "2026-03-11", Deadline)]);
        check(WED, "A deal is expected within a month.", &[("within a month", "2026-04-04", Deadline)]);
        check(
            WED,
            "A deal is expected within the next 30 days.",
            &[("within the next 30 days", "2026-04-03", Deadline)],
        );
        check(WED, "The vote was postponed until Friday.", &[("until Friday", "2026-03-06", Deadline)]);
        check(WED, "The curfew remained in force until Monday.", &[("until Monday", "2026-03-02", Deadline)]);
        // A deadline is not pushed into last year by a past-tense verb.
        check(
            "2024-09-12",
            "The board voted on Tuesday to extend the moratorium until Dec. 31.",
            &[("on Tuesday", "2024-09-10", Relative), ("until Dec. 31", "2024-12-31", Deadline)],
        );
    }

    #[test]
    fn year_rollover() {
        check(
            "2025-12-20",
            "The law will take effect on January 5.",
            &[("January 5", "2026-01-05", Absolute)],
        );
        check("2025-12-20", "The law took effect on January 5.", &[("January 5", "2025-01-05", Absolute)]);
        check("2019-12-07", "It will open nominations on Jan. 6.", &[("Jan. 6", "2020-01-06", Absolute)]);
        check(
            "2026-12-14",
            "The imprint will launch in London on February 9.",
            &[("February 9", "2027-02-09", Absolute)],
        );
        check(
            "2026-01-10",
            "The attack on December 28 killed 12 people.",
            &[("December 28", "2025-12-28", Absolute)],
        );
        check(
            "2025-12-29",
            "Offices reopen next week, in two weeks and next month.",
            &[
                ("next week", "2026-01-05", Relative),
                ("in two weeks", "2026-01-12", Relative),
                ("next month", "2026-01-01", Relative),
            ],
        );
        check(
            "2026-01-02",
            "It came last month, last week and a week ago.",
            &[
                ("last month", "2025-12-01", Relative),
                ("last week", "2025-12-22", Relative),
                ("a week ago", "2025-12-26", Relative),
            ],
        );
    }

    #[test]
    fn leap_years() {
        check(
            "2024-02-25",
            "The truce will expire in 10 days, at the end of the month.",
            &[("in 10 days", "2024-03-06", Relative), ("the end of the month", "2024-02-29", Relative)],
        );
        check(
            "2025-02-25",
            "The truce will expire in 10 days, at the end of the month.",
            &[("in 10 days", "2025-03-07", Relative), ("the end of the month", "2025-02-28", Relative)],
        );
        check(
            "2024-01-10",
            "The leap day, February 29, will be celebrated.",
            &[("February 29", "2024-02-29", Absolute)],
        );
        none("2025-01-10", "The leap day, February 29, will be celebrated.");
        check("2024-01-31", "It must be done within a month.", &[("within a month", "2024-02-29", Deadline)]);
        check("2024-02-29", "It happened a week ago.", &[("a week ago", "2024-02-22", Relative)]);
    }

    #[test]
    fn the_same_day_twice_once() {
        check(
            WED,
            "On Friday the talks will end, and on Friday the envoys leave.",
            &[("On Friday", "2026-03-06", Relative)],
        );
        // A bare weekday gives way to other words for the day.
        check(
            "2024-08-26",
            "Good morning, it's Monday, and if you're heading into Leeds today, expect delays.",
            &[("today", "2024-08-26", Relative)],
        );
    }

    #[test]
    fn pairs_and_ranges_of_days() {
        check(
            WED,
            "The festival takes place from 20 to 22 June.",
            &[("20", "2026-06-20", Absolute), ("22 June", "2026-06-22", Absolute)],
        );
        check(
            WED,
            "Talks will be held on March 10 and 12 in Doha.",
            &[("March 10", "2026-03-10", Absolute), ("12", "2026-03-12", Absolute)],
        );
        check(
            WED,
            "The fair runs April 16-18.",
            &[("April 16", "2026-04-16", Absolute), ("18", "2026-04-18", Absolute)],
        );
        check(
            WED,
            "Hearings were held on the 2nd and 3rd.",
            &[("the 2nd", "2026-03-02", Absolute), ("3rd", "2026-03-03", Absolute)],
        );
        // A count, not a second day.
        check(WED, "Between March 10 and 12 people died.", &[("March 10", "2026-03-10", Absolute)]);
    }

    #[test]
    fn more_forms() {
        check(
            WED,
            "The plant will close by the end of 2027.",
            &[("by the end of 2027", "2027-12-31", Deadline)],
        );
        check(
            WED,
            "Heat will stay until at least Wednesday.",
            &[("until at least Wednesday", "2026-03-11", Deadline)],
        );
        check(
            WED,
            "The vote is the day after tomorrow.",
            &[("the day after tomorrow", "2026-03-06", Relative)],
        );
        check(
            WED,
            "It began the day before yesterday.",
            &[("the day before yesterday", "2026-03-02", Relative)],
        );
        check(
            "2026-12-10",
            "Shops will close on Christmas Day and reopen on New Year's Day.",
            &[("Christmas Day", "2026-12-25", Absolute), ("New Year's Day", "2027-01-01", Absolute)],
        );
        check("2027-01-10", "Sales fell on Boxing Day.", &[("Boxing Day", "2026-12-26", Absolute)]);
    }

    #[test]
    fn present_tense_and_plain_verbs_look_ahead() {
        check(WED, "The deadline is Friday.", &[("Friday", "2026-03-06", Relative)]);
        check(WED, "Voters in Ohio go to the polls Tuesday.", &[("Tuesday", "2026-03-10", Relative)]);
        check(WED, "The two sides agreed to meet on Friday.", &[("on Friday", "2026-03-06", Relative)]);
        check(WED, "The envoys did not meet on Monday.", &[("on Monday", "2026-03-02", Relative)]);
        check(WED, "The minister resigned in protest on Monday.", &[("on Monday", "2026-03-02", Relative)]);
        check(WED, "The film premieres Friday on Netflix.", &[("Friday", "2026-03-06", Relative)]);
        check(
            WED,
            "Officials said they would set up a committee within 90 days.",
            &[("within 90 days", "2026-06-02", Deadline)],
        );
        check(
            WED,
            "Crews hope to declare the blaze contained within a week.",
            &[("within a week", "2026-03-11", Deadline)],
        );
        check(
            WED,
            "Turnout in Sunday's vote reached 61 percent, the institute said on Monday.",
            &[("Sunday", "2026-03-01", Relative), ("on Monday", "2026-03-02", Relative)],
        );
        check(
            WED,
            "The court upheld on Monday a fine against the operator.",
            &[("on Monday", "2026-03-02", Relative)],
        );
    }

    #[test]
    fn modals_possession_times_and_today() {
        check(
            WED,
            "Doctors say the patient could be discharged as early as Monday.",
            &[("Monday", "2026-03-09", Relative)],
        );
        check(
            WED,
            "Police could not be reached for comment on Monday.",
            &[("on Monday", "2026-03-02", Relative)],
        );
        check(
            WED,
            "The government has until Sunday to respond.",
            &[("until Sunday", "2026-03-08", Deadline)],
        );
        check(
            WED,
            "The government has said on Sunday it would respond.",
            &[("on Sunday", "2026-03-01", Relative)],
        );
        check(
            WED,
            "Readers have until midnight on Sunday to enter.",
            &[("until midnight on Sunday", "2026-03-08", Deadline)],
        );
        check(WED, "Bids must arrive by 5 p.m. Friday.", &[("by 5 p.m. Friday", "2026-03-06", Deadline)]);
        check(WED, "It is now Wednesday afternoon in Gaza.", &[("Wednesday", "2026-03-04", Relative)]);
        check(WED, "Join us again on Monday for more.", &[("on Monday", "2026-03-09", Relative)]);
    }

    #[test]
    fn british_weeks_and_ordinals_in_words() {
        check(WED, "A week on Friday, the festival opens.", &[("A week on Friday", "2026-03-13", Relative)]);
        check(WED, "The results come a week today.", &[("a week today", "2026-03-11", Relative)]);
        check(
            WED,
            "The season premieres on the first of June.",
            &[("the first of June", "2026-06-01", Absolute)],
        );
        check(
            WED,
            "Rent is due on the twenty-first of next month.",
            &[("the twenty-first of next month", "2026-04-21", Absolute)],
        );
        none(WED, "The first of many protests and the second of two votes.");
    }

    #[test]
    fn booked_days_are_to_come() {
        check(WED, "The judge set a hearing for Thursday.", &[("Thursday", "2026-03-05", Relative)]);
        check(
            WED,
            "Americans vote on Tuesday in an election that polls say is close.",
            &[("on Tuesday", "2026-03-10", Relative)],
        );
        check(
            WED,
            "Israel's parliament passed the budget in a final vote early on Wednesday.",
            &[("on Wednesday", "2026-03-04", Relative)],
        );
    }

    #[test]
    fn spans_in_a_story_told_in_the_past_are_not_dates() {
        none(WED, "They met on a Tuesday, married on a Friday and divorced within a year.");
        none(WED, "Meet the woman who has run 100 marathons in 100 days.");
        none(WED, "The city council meets the first Tuesday of every month.");
        none(WED, "Her novel, Tuesday Afternoon, won the prize; Monday Night Football returns.");
    }

    #[test]
    fn not_dates() {
        none(WED, "Theresa May said she may meet the envoy; May Okafor spoke.");
        none(WED, "May the next minister read the report.");
        none(WED, "Students joined a march, and they will march again.");
        none(WED, "The Sunday Times reported it, citing the Mail on Sunday and the Sunday Telegraph.");
        none(WED, "Before the local elections in May, and last March, and in 2019, and in the 1990s.");
        none(WED, "A 90-day truce was agreed for three weeks, and two days later the fighting resumed.");
        none(WED, "Every Friday, and on Fridays, the market opens; the following Monday it closed.");
        none(WED, "The rate rose for the first time in two weeks, the highest in 10 days.");
        none(WED, "The ferry leaves at 6 p.m. and the meeting lasts 24 hours.");
        none(WED, "USA Today reported the story, and the Today programme and Radio 4's Today agreed.");
        check(WED, "He said: \"Today we act.\"", &[("Today", "2026-03-04", Relative)]);
        none(WED, "Sunday brunches moved online this spring.");
        none(WED, "He attended Friday prayers and a Saturday market.");
        none(WED, "She did not see a symphony until she was 19, and wants it by 2025.");
        none(WED, "The Good Friday agreement and Bloody Sunday are remembered.");
        none(WED, "Half of them, in the coming weeks, soon, recently.");
        none(WED, "The war lasted 12 days, and he is 45 years old.");
    }

    #[test]
    fn weekday_in_a_capitalised_name_is_kept_out_but_march_the_month_is_not() {
        check(
            WED,
            "Protesters will march on Sunday, the Sunday Times reported.",
            &[("on Sunday", "2026-03-08", Relative)],
        );
        check(WED, "On March 1 the new rules came into force.", &[("March 1", "2026-03-01", Absolute)]);
    }

    #[test]
    fn text_is_the_exact_substring_with_odd_spacing_and_unicode() {
        check(
            WED,
            "Z\u{00FC}rich \u{2014} the vote, on\nFriday, was close.",
            &[("on\nFriday", "2026-02-27", Relative)],
        );
        check(
            WED,
            "\u{201C}We will meet in two weeks\u{2019} time,\u{201D} he said.",
            &[("in two weeks\u{2019} time", "2026-03-18", Relative)],
        );
    }
}
