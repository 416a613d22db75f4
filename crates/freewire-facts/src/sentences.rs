//! Splitting plain text into sentences.
//!
//! One forward pass over the bytes, no allocation: a sentence ends at `.`, `!`, `?` or `…`
//! (a run of them, then any closing quotes or brackets) followed by white space and a capital
//! letter, a digit or an opening quote or bracket; a blank line always ends one. A full stop
//! after a title ("Mr.", "Gen.", "Sen."), a single capital initial ("J.") or "No." before a
//! number never ends a sentence; after other abbreviations (months such as "Jan.", "vs.",
//! initialisms such as "U.S." or "a.m.") it ends one only when the next word is one that
//! starts sentences and never follows such an abbreviation ("The", "He", "But"…). A newline
//! inside a paragraph is white space like any other: it stays in the returned slice.

/// The sentences of `text`, trimmed, in order. A sentence ends at `.`, `!` or `?` (with any
/// closing quotes or brackets) followed by white space and a capital letter, digit or quote,
/// unless the word before the stop is a known abbreviation ("Mr.", "Jan.", "U.S."); a blank
/// line always ends one.
pub fn split(text: &str) -> impl Iterator<Item = &str> {
    Sentences { text, pos: 0 }
}

struct Sentences<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Sentences<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        while self.pos < self.text.len() {
            let rest = &self.text[self.pos..];
            let (len, skip) = sentence_end(rest);
            self.pos += skip;
            let sentence = rest[..len].trim();
            if !sentence.is_empty() {
                return Some(sentence);
            }
        }
        None
    }
}

/// The length of the first sentence of `rest` and where the text after it starts.
fn sentence_end(rest: &str) -> (usize, usize) {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                if let Some(after) = blank_line_after(b, i) {
                    return (i, after);
                }
                i += 1;
            }
            b'.' | b'!' | b'?' => {
                if let Some(next) = stop_at(rest, i) {
                    return next;
                }
                i += 1;
            }
            // "…" is E2 80 A6.
            0xE2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xA6) => {
                if let Some(next) = stop_at(rest, i) {
                    return next;
                }
                i += 3;
            }
            _ => i += 1,
        }
    }
    (b.len(), b.len())
}

/// When the newline at `i` starts a blank line: the position after the blank line.
fn blank_line_after(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
        j += 1;
    }
    (j < b.len() && b[j] == b'\n' || j >= b.len()).then_some(j.min(b.len()))
}

/// Whether the stop that starts at `i` ends the sentence: if so, the sentence's length and
/// where the next one starts.
fn stop_at(rest: &str, i: usize) -> Option<(usize, usize)> {
    let b = rest.as_bytes();
    let mut j = i;
    let mut single_dot = true;
    // The run of stops.
    loop {
        match b.get(j) {
            Some(b'.' | b'!' | b'?') => {
                if j > i || b[j] != b'.' {
                    single_dot = false;
                }
                j += 1;
            }
            Some(0xE2) if b.get(j + 1) == Some(&0x80) && b.get(j + 2) == Some(&0xA6) => {
                single_dot = false;
                j += 3;
            }
            _ => break,
        }
    }
    // Closing quotes and brackets.
    loop {
        match b.get(j) {
            Some(b'"' | b'\'' | b')' | b']') => j += 1,
            // ’ (E2 80 99) and ” (E2 80 9D)
            Some(0xE2) if b.get(j + 1) == Some(&0x80) && matches!(b.get(j + 2), Some(0x99 | 0x9D)) => {
                j += 3;
            }
            _ => break,
        }
    }
    let end = j;
    // White space, at least one.
    let mut k = j;
    while k < b.len() && matches!(b[k], b' ' | b'\t' | b'\n' | b'\r') {
        k += 1;
    }
    // A non-breaking space (C2 A0) counts as white space too.
    while b.get(k) == Some(&0xC2) && b.get(k + 1) == Some(&0xA0) {
        k += 2;
        while k < b.len() && matches!(b[k], b' ' | b'\t' | b'\n' | b'\r') {
            k += 1;
        }
    }
    if k == end {
        return None;
    }
    if k >= b.len() {
        return Some((end, k));
    }
    if !starts_sentence(&rest[k..]) {
        return None;
    }
    if single_dot {
        match abbreviation(&rest[..i], &rest[k..]) {
            Abbrev::None => {}
            Abbrev::Always => return None,
            Abbrev::Soft => {
                if !is_starter_word(&rest[k..]) {
                    return None;
                }
            }
        }
    }
    Some((end, k))
}

/// Whether `next` (the text after the white space) can start a sentence.
fn starts_sentence(next: &str) -> bool {
    match next.chars().next() {
        Some(c) => {
            c.is_uppercase()
                || c.is_ascii_digit()
                || matches!(c, '"' | '\'' | '(' | '[' | '\u{201C}' | '\u{2018}')
        }
        None => false,
    }
}

enum Abbrev {
    /// Not an abbreviation: the stop ends the sentence.
    None,
    /// A title or initial: never ends a sentence.
    Always,
    /// Ends a sentence only before a word that starts sentences.
    Soft,
}

/// What kind of abbreviation the word before the full stop is (`before` ends just before the
/// stop), given the text after it.
fn abbreviation(before: &str, after: &str) -> Abbrev {
    let start = before
        .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '\u{201C}' | '\u{2018}'))
        .map_or(0, |p| p + before[p..].chars().next().map_or(1, char::len_utf8));
    let word = &before[start..];
    if word.is_empty() || word.len() > 8 {
        return Abbrev::None;
    }
    let bytes = word.as_bytes();
    if bytes.len() == 1 && bytes[0].is_ascii_uppercase() {
        return Abbrev::Always;
    }
    let mut lower = [0u8; 8];
    for (l, c) in lower.iter_mut().zip(bytes) {
        *l = c.to_ascii_lowercase();
    }
    let lower = &lower[..bytes.len()];
    match lower {
        b"mr" | b"mrs" | b"ms" | b"dr" | b"gen" | b"lt" | b"col" | b"sgt" | b"gov" | b"sen" | b"rep"
        | b"rev" | b"st" | b"prof" | b"capt" | b"maj" | b"adm" | b"cmdr" | b"cpl" | b"pvt" | b"insp"
        | b"supt" | b"det" | b"hon" | b"mt" | b"ft" => Abbrev::Always,
        b"no" => {
            // "No. 10" but "The answer was No. Then…"
            if word.as_bytes()[0] == b'N' && after.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                Abbrev::Always
            } else {
                Abbrev::None
            }
        }
        b"jan" | b"feb" | b"mar" | b"apr" | b"jun" | b"jul" | b"aug" | b"sep" | b"sept" | b"oct" | b"nov"
        | b"dec" | b"vs" | b"v" | b"etc" | b"inc" | b"corp" | b"co" | b"ltd" | b"jr" | b"sr" | b"bros"
        | b"approx" | b"est" | b"dept" | b"univ" | b"ave" | b"blvd" | b"rd" => Abbrev::Soft,
        _ => {
            // Initialisms with inner stops: "U.S", "U.N", "a.m", "D.C", "e.g".
            if lower.contains(&b'.') && lower.iter().all(|c| c.is_ascii_alphabetic() || *c == b'.') {
                Abbrev::Soft
            } else {
                Abbrev::None
            }
        }
    }
}

/// Whether `next` starts with a word that starts sentences and would not follow an
/// abbreviation inside one ("The", "He", "But"; not "Army" after "U.S.").
fn is_starter_word(next: &str) -> bool {
    let end = next.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(next.len());
    matches!(
        &next[..end],
        "The"
            | "He"
            | "She"
            | "It"
            | "They"
            | "We"
            | "I"
            | "But"
            | "And"
            | "A"
            | "An"
            | "This"
            | "That"
            | "These"
            | "Those"
            | "There"
            | "His"
            | "Her"
            | "Their"
            | "Its"
            | "Our"
            | "In"
            | "On"
            | "At"
            | "After"
            | "Before"
            | "When"
            | "While"
            | "If"
            | "As"
            | "Since"
            | "Officials"
            | "However"
            | "Meanwhile"
            | "Some"
            | "Many"
            | "Most"
            | "Other"
            | "No"
            | "Yet"
            | "So"
            | "Now"
            | "Then"
            | "What"
            | "Who"
            | "Why"
            | "How"
    )
}

#[cfg(test)]
mod tests {
    use super::split;

    fn all(text: &str) -> Vec<&str> {
        split(text).collect()
    }

    #[test]
    fn splits_at_stops_before_capitals() {
        assert_eq!(
            all("The talks ended. Officials left! Did they agree? Nobody knows."),
            ["The talks ended.", "Officials left!", "Did they agree?", "Nobody knows."]
        );
    }

    #[test]
    fn does_not_split_before_lower_case() {
        assert_eq!(
            all("It was 3.5 per cent. not more, he said."),
            ["It was 3.5 per cent. not more, he said."]
        );
    }

    #[test]
    fn splits_before_digits_and_quotes() {
        assert_eq!(all("He left. 2021 was hard."), ["He left.", "2021 was hard."]);
        assert_eq!(
            all("He left. \"We will return,\" he said. \u{201C}Soon.\u{201D} (Reuters) Later."),
            ["He left.", "\"We will return,\" he said.", "\u{201C}Soon.\u{201D}", "(Reuters) Later."]
        );
    }

    #[test]
    fn keeps_closing_quotes_and_brackets() {
        assert_eq!(
            all("\"We are ready.\" The envoy (who arrived late.) Spoke first."),
            ["\"We are ready.\"", "The envoy (who arrived late.)", "Spoke first."]
        );
        assert_eq!(
            all("\u{201C}We are ready!\u{201D} She smiled."),
            ["\u{201C}We are ready!\u{201D}", "She smiled."]
        );
    }

    #[test]
    fn titles_and_initials_never_split() {
        assert_eq!(
            all(
                "Mr. Ghani met Gen. Austin Miller and Sen. J. Smith. Dr. Abdullah and Lt. Col. Sgt. Rev. St. Gov. Rep. Mrs. Ms. Jones agreed."
            ),
            [
                "Mr. Ghani met Gen. Austin Miller and Sen. J. Smith.",
                "Dr. Abdullah and Lt. Col. Sgt. Rev. St. Gov. Rep. Mrs. Ms. Jones agreed."
            ]
        );
    }

    #[test]
    fn abbreviations_do_not_split() {
        assert_eq!(
            all(
                "The U.S. State Department and the U.N. Security Council met on Jan. 5 and Sept. 11 at 9 a.m. Friday in No. 10 with E.U. and U.K. envoys, Feb. Aug. Oct. Nov. Dec. 2, Smith vs. Jones."
            ),
            [
                "The U.S. State Department and the U.N. Security Council met on Jan. 5 and Sept. 11 at 9 a.m. Friday in No. 10 with E.U. and U.K. envoys, Feb. Aug. Oct. Nov. Dec. 2, Smith vs. Jones."
            ]
        );
    }

    #[test]
    fn initialism_at_the_end_of_a_sentence_splits_before_a_clear_start() {
        assert_eq!(
            all("Troops left the U.S. The move surprised Kabul."),
            ["Troops left the U.S.", "The move surprised Kabul."]
        );
        assert_eq!(all("They met at 9 p.m. He left at 10."), ["They met at 9 p.m.", "He left at 10."]);
    }

    #[test]
    fn blank_lines_always_split() {
        assert_eq!(
            all("KABUL, Afghanistan\n\nThe Taliban entered the city\n  \nwithout a fight"),
            ["KABUL, Afghanistan", "The Taliban entered the city", "without a fight"]
        );
        assert_eq!(all("One.\r\n\r\nTwo."), ["One.", "Two."]);
    }

    #[test]
    fn newlines_inside_a_paragraph_are_spaces() {
        assert_eq!(
            all("The Taliban entered\nthe city. Officials\nfled."),
            ["The Taliban entered\nthe city.", "Officials\nfled."]
        );
    }

    #[test]
    fn ellipses_and_runs_of_stops() {
        assert_eq!(
            all("Wait... Then it came?! Yes\u{2026} It did."),
            ["Wait...", "Then it came?!", "Yes\u{2026}", "It did."]
        );
    }

    #[test]
    fn empty_and_whitespace() {
        assert!(all("").is_empty());
        assert!(all(" \n\n \n").is_empty());
        assert_eq!(all("No stop at the end"), ["No stop at the end"]);
        assert_eq!(all("Trailing stop. "), ["Trailing stop."]);
    }

    #[test]
    fn multibyte_text_is_safe() {
        assert_eq!(
            all("Z\u{00FC}rich said \u{2014} no. \u{00C9}mile agreed."),
            ["Z\u{00FC}rich said \u{2014} no.", "\u{00C9}mile agreed."]
        );
    }
}
