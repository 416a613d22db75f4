//! Recognising the same story twice: [`normalize_url`] turns the many spellings of one address
//! into one key, and [`simhash`] gives a 64-bit fingerprint of an article's text such that
//! near-verbatim copies of one story land within [`NEAR_DUPLICATE_BITS`] of each other while
//! different stories land far apart (how near "near" is, measured, is on that constant).
//!
//! Fingerprints are stored (as `BIGINT`, see [`simhash_i64`]) and looked up through their
//! [`bands`], so everything here must give the same answer on every machine and in every
//! future version: a change to the tokenisation or the hash silently breaks every stored value.

use url::{Position, Url, form_urlencoded};
use xxhash_rust::xxh3::xxh3_64;

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

/// Query parameters that only say how a visitor arrived (campaign, click and share ids), never
/// which page they see. Every `utm_*` parameter is treated the same way, see [`is_tracking`].
const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src", "cmpid",
    "ocid",
];

fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

/// The key under which an article's address is compared with others, or `None` when `url` is
/// not an absolute `http`/`https` URL.
///
/// What changes: the host is lowercased (and internationalised names put in their ASCII form),
/// the scheme's default port and the fragment are dropped, tracking parameters (`utm_*`,
/// `fbclid`, `gclid` and the like) are removed, the remaining query parameters are ordered by
/// name, an empty query (`?`) is dropped, and a bare `/` path is dropped
/// (`https://outlet.example/` becomes `https://outlet.example`).
///
/// What stays: the path as written (`/index.html`, trailing slashes on longer paths), `www.`
/// (it may name a different host), the case of path and query, and the exact encoding of each
/// kept parameter (decoding and re-encoding could change what the server receives). Parameters
/// with the same name keep their relative order, since some servers read only the first or the
/// last of them.
#[must_use]
pub fn normalize_url(url: &str) -> Option<String> {
    let mut parsed = Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return None;
    }
    // The url crate already drops a port equal to the scheme's default while parsing.
    parsed.set_fragment(None);

    let query = parsed.query().map(str::to_owned);
    match query {
        Some(query) => {
            let mut kept: Vec<(String, &str)> = query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| {
                    let raw_name = pair.split_once('=').map_or(pair, |(name, _)| name);
                    let name = form_urlencoded::parse(raw_name.as_bytes())
                        .next()
                        .map_or_else(String::new, |(name, _)| name.into_owned());
                    (!is_tracking(&name)).then_some((name, pair))
                })
                .collect();
            // A stable sort: parameters sharing a name keep their order.
            kept.sort_by(|a, b| a.0.cmp(&b.0));
            if kept.is_empty() {
                parsed.set_query(None);
            } else {
                let joined = kept.iter().map(|(_, pair)| *pair).collect::<Vec<_>>().join("&");
                parsed.set_query(Some(&joined));
            }
        }
        None => parsed.set_query(None),
    }

    if parsed.path() == "/" {
        Some(format!("{}{}", &parsed[..Position::BeforePath], &parsed[Position::AfterPath..]))
    } else {
        Some(parsed.into())
    }
}

// ---------------------------------------------------------------------------------------------
// SimHash
// ---------------------------------------------------------------------------------------------
//
// Written here rather than taken from a crate: it is about thirty lines, and a crate would pick
// the tokenisation, the shingle size and the hash function for us, any of which may change in
// a new release (or, for crates built on std's `DefaultHasher`, in a new Rust release, since
// std promises nothing about that hasher's output) and silently invalidate every fingerprint
// already stored. We also need the result as a plain 64-bit integer for the database. Here
// every ingredient is pinned: Unicode lowercasing and letter/digit classes from std, words of
// three, and XXH3-64 with seed 0, whose output is fixed by the xxHash specification.

/// Two texts whose [`simhash`]es differ in at most this many bits are treated as the same story.
///
/// Three bits of 64 is the threshold Manku, Jain and Das Sarma (“Detecting near-duplicates for
/// web crawling”, WWW 2007) chose for web pages. With unweighted shingles of three words it is
/// strict: it catches verbatim copies and copies with a word or two changed, not copies whose
/// hashed text differs by more. Measured on a 370-word story with random edits: one changed word
/// stays within 3 bits about 88% of the time, two words about 64%, a new headline and byline plus
/// two words about 3%. So fingerprint the body without headline and byline. Different stories,
/// even on the same topic, land around 32 bits apart, as unrelated fingerprints do.
pub use freewire_core::NEAR_DUPLICATE_BITS;

/// Texts with fewer words than this are not fingerprinted for matching, see [`is_comparable`].
pub const MIN_COMPARABLE_WORDS: usize = 40;

/// Words per shingle: each run of this many consecutive words is one feature.
const SHINGLE_WORDS: usize = 3;

/// The number of [`bands`]: one more than [`NEAR_DUPLICATE_BITS`], which is what makes the
/// pigeonhole argument work.
const BANDS: usize = 4;
const BAND_BITS: usize = 64 / BANDS;
const _: () = assert!(BANDS > NEAR_DUPLICATE_BITS as usize && BANDS * BAND_BITS == 64);

/// The text as the fingerprint sees it: lowercase, every character that is not a Unicode letter
/// or digit turned into a space, split on whitespace. So “Wire-Story, 2024!” and
/// “wire story 2024” are the same three words. Returns the folded text; its words are
/// `folded.split_whitespace()`. (One string for the whole text: ingest profiles showed a string
/// per word, and a string per shingle, costing more than parsing and sanitising the item.)
fn folded(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            folded.push(if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { ' ' });
        } else if c.is_alphanumeric() {
            folded.extend(c.to_lowercase());
        } else {
            folded.push(' ');
        }
    }
    folded
}

/// A 64-bit simhash (Charikar 2002) of `text`: similar texts get fingerprints that differ in
/// few bits, measured with [`hamming`].
///
/// The features are the distinct shingles of three consecutive [normalised](normalized_words)
/// words (a text of one or two words is one shingle), each hashed with XXH3-64 and weighted 1.
/// Bit `i` of the result is set when more shingles have bit `i` set than clear; a tie, and the
/// empty text, give 0. Check [`is_comparable`] before matching on it: short texts make
/// unreliable fingerprints. Pass the article's body text alone: a headline or byline that
/// differs between outlets is enough to push copies apart (see [`NEAR_DUPLICATE_BITS`]).
#[must_use]
pub fn simhash(text: &str) -> u64 {
    let folded = folded(text);
    simhash_of_words(&folded.split_whitespace().collect::<Vec<_>>())
}

/// [`simhash`] over the normalised words.
fn simhash_of_words(words: &[&str]) -> u64 {
    let mut shingle = String::new();
    let mut shingles: Vec<u64> = words
        .windows(SHINGLE_WORDS.min(words.len()).max(1))
        .map(|w| {
            shingle.clear();
            for (i, word) in w.iter().enumerate() {
                if i > 0 {
                    shingle.push(' ');
                }
                shingle.push_str(word);
            }
            xxh3_64(shingle.as_bytes())
        })
        .collect();
    shingles.sort_unstable();
    shingles.dedup();

    let mut votes = [0_i64; 64];
    for shingle in &shingles {
        for (bit, vote) in votes.iter_mut().enumerate() {
            *vote += if shingle >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    votes.iter().enumerate().filter(|(_, vote)| **vote > 0).fold(0, |hash, (bit, _)| hash | 1 << bit)
}

/// The number of bits in which two fingerprints differ.
#[must_use]
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Whether `text` is long enough (at least [`MIN_COMPARABLE_WORDS`] words, counted as
/// [`simhash`] counts them) for its fingerprint to be matched against others. Below that a
/// few shared phrases (“said on Tuesday”, a dateline) weigh too much and unrelated briefs look
/// alike.
#[must_use]
pub fn is_comparable(text: &str) -> bool {
    folded(text).split_whitespace().count() >= MIN_COMPARABLE_WORDS
}

/// The fingerprint in its stored form when `text` [is comparable](is_comparable), else `None`.
#[must_use]
pub fn comparable_simhash(text: &str) -> Option<i64> {
    let folded = folded(text);
    let words: Vec<&str> = folded.split_whitespace().collect();
    (words.len() >= MIN_COMPARABLE_WORDS).then(|| simhash_i64(simhash_of_words(&words)))
}

/// The fingerprint cut into four 16-bit bands (bits `0..16` first), for finding candidates with
/// indexed equality lookups (one indexed `BIGINT` column per band) instead of comparing
/// against every stored fingerprint. Each band is in `0..=0xFFFF`.
///
/// Any two fingerprints within [`NEAR_DUPLICATE_BITS`] (3) of each other share at least one
/// band exactly: three differing bits can touch at most three of the four bands (pigeonhole).
/// So looking up rows whose band `k` equals this fingerprint's band `k`, for any `k`, finds
/// every near duplicate; candidates still need a [`hamming`] check, since sharing a band is not
/// enough. Same values as `freewire_core::simhash_bands` gives for the stored form.
#[must_use]
pub fn bands(hash: u64) -> [i64; 4] {
    // One layout for the whole system: the store indexes the same bands.
    freewire_core::simhash_bands(simhash_i64(hash))
}

/// The fingerprint as stored in a signed `BIGINT` column: the same 64 bits read as two's
/// complement (an `as` cast, lossless; fingerprints with the top bit set become negative).
/// Undo it with [`simhash_from_i64`].
#[must_use]
pub const fn simhash_i64(hash: u64) -> i64 {
    hash as i64
}

/// The fingerprint back from its stored form, the inverse of [`simhash_i64`] (an `as` cast
/// reinterpreting the same 64 bits).
#[must_use]
pub const fn simhash_from_i64(stored: i64) -> u64 {
    stored as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- normalize_url ------------------------------------------------------------------------

    #[track_caller]
    fn norm(url: &str) -> String {
        normalize_url(url).unwrap_or_else(|| panic!("{url} should normalise"))
    }

    #[test]
    fn host_is_lowercased_and_scheme_kept() {
        assert_eq!(norm("HTTPS://Outlet.EXAMPLE/News/A"), "https://outlet.example/News/A");
        assert_eq!(norm("http://outlet.example/a"), "http://outlet.example/a");
    }

    #[test]
    fn default_ports_are_dropped_and_others_kept() {
        assert_eq!(norm("https://outlet.example:443/a"), "https://outlet.example/a");
        assert_eq!(norm("http://outlet.example:80/a"), "http://outlet.example/a");
        assert_eq!(norm("https://outlet.example:8443/a"), "https://outlet.example:8443/a");
        assert_eq!(norm("http://outlet.example:443/a"), "http://outlet.example:443/a");
    }

    #[test]
    fn fragment_is_dropped() {
        assert_eq!(norm("https://outlet.example/a#comments"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?id=1#top"), "https://outlet.example/a?id=1");
    }

    #[test]
    fn tracking_parameters_are_removed() {
        let url = "https://outlet.example/a?utm_source=x&utm_medium=y&utm_campaign=z&utm_content=c\
                   &utm_term=t&fbclid=1&gclid=2&dclid=3&msclkid=4&mc_cid=5&mc_eid=6&igshid=7\
                   &yclid=8&_ga=9&ref_src=twsrc&cmpid=10&ocid=11";
        assert_eq!(norm(url), "https://outlet.example/a");
    }

    #[test]
    fn tracking_parameters_are_recognised_in_any_case_and_encoding() {
        assert_eq!(norm("https://outlet.example/a?UTM_Source=x&FBCLID=1"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?utm%5Fsource=x&id=2"), "https://outlet.example/a?id=2");
        assert_eq!(norm("https://outlet.example/a?utm_source"), "https://outlet.example/a");
    }

    #[test]
    fn parameters_that_merely_resemble_tracking_ones_are_kept() {
        assert_eq!(
            norm("https://outlet.example/a?utm=1&xutm_source=2&ref=3"),
            "https://outlet.example/a?ref=3&utm=1&xutm_source=2"
        );
    }

    #[test]
    fn remaining_parameters_are_sorted_by_name() {
        assert_eq!(norm("https://outlet.example/a?z=1&a=2&m=3"), "https://outlet.example/a?a=2&m=3&z=1");
        assert_eq!(
            norm("https://outlet.example/a?z=1&a=2&m=3"),
            norm("https://outlet.example/a?m=3&utm_source=x&z=1&a=2")
        );
    }

    #[test]
    fn repeated_parameters_keep_their_relative_order() {
        assert_eq!(
            norm("https://outlet.example/a?tag=b&id=1&tag=a"),
            "https://outlet.example/a?id=1&tag=b&tag=a"
        );
    }

    #[test]
    fn parameter_encoding_is_kept_as_written() {
        assert_eq!(
            norm("https://outlet.example/search?q=a+b&p=%2Fx%2F"),
            "https://outlet.example/search?p=%2Fx%2F&q=a+b"
        );
    }

    #[test]
    fn empty_query_and_empty_pairs_are_dropped() {
        assert_eq!(norm("https://outlet.example/a?"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?&&"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?&b=1&&a=2&"), "https://outlet.example/a?a=2&b=1");
    }

    #[test]
    fn bare_root_path_loses_its_slash() {
        assert_eq!(norm("https://outlet.example/"), "https://outlet.example");
        assert_eq!(norm("https://outlet.example"), "https://outlet.example");
        assert_eq!(norm("https://outlet.example/?utm_source=x"), "https://outlet.example");
        assert_eq!(norm("https://outlet.example/?page=2"), "https://outlet.example?page=2");
        assert_eq!(norm("https://outlet.example:8080/"), "https://outlet.example:8080");
    }

    #[test]
    fn other_paths_are_kept_as_written() {
        assert_eq!(norm("https://outlet.example/news/"), "https://outlet.example/news/");
        assert_eq!(norm("https://outlet.example/news"), "https://outlet.example/news");
        assert_eq!(norm("https://outlet.example/index.html"), "https://outlet.example/index.html");
        assert_eq!(norm("https://outlet.example/News/Story"), "https://outlet.example/News/Story");
    }

    #[test]
    fn www_is_kept() {
        assert_eq!(norm("https://www.outlet.example/a"), "https://www.outlet.example/a");
        assert_ne!(norm("https://www.outlet.example/a"), norm("https://outlet.example/a"));
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(norm("  https://outlet.example/a \n"), "https://outlet.example/a");
    }

    #[test]
    fn international_hosts_take_their_ascii_form() {
        assert_eq!(norm("https://BÜCHER.example/a"), "https://xn--bcher-kva.example/a");
    }

    #[test]
    fn non_web_and_relative_urls_are_refused() {
        for url in [
            "ftp://outlet.example/a",
            "mailto:desk@outlet.example",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "/news/a",
            "outlet.example/a",
            "",
            "https://",
        ] {
            assert_eq!(normalize_url(url), None, "{url}");
        }
    }

    #[test]
    fn normalising_is_idempotent() {
        for url in [
            "https://Outlet.example:443/a/b/?z=1&utm_source=x&a=2#f",
            "http://outlet.example/?",
            "https://outlet.example/search?q=a+b&q=c",
        ] {
            let once = norm(url);
            assert_eq!(norm(&once), once, "{url}");
        }
    }

    // --- simhash ------------------------------------------------------------------------------

    const STORY: &str = "\
        Flood waters forced thousands from their homes across the river valley on Tuesday \
        Officials said. \
        By Maria Lopez, Associated Press \
        RIVERTON (AP) — Flood waters rose through the night across the lower river valley on \
        Tuesday, forcing more than 4,000 residents to leave their homes as levees strained \
        under the heaviest rainfall the region has recorded in half a century, officials said. \
        Emergency crews worked from boats to reach families stranded on rooftops in the low-lying \
        neighborhoods east of the city center, where water stood more than six feet deep by dawn. \
        “We have never seen the river move this fast,” said county emergency director Alan \
        Whitfield, who told reporters that at least three shelters had reached capacity before \
        midnight. The National Weather Service said another two to three inches of rain could \
        fall before Thursday, and warned that the crest downstream was not expected until the \
        weekend. The governor declared a state of emergency for six counties and asked the \
        federal government for assistance. Schools across the district were closed, and the \
        main highway bridge into the city was shut after engineers found debris piling against \
        its supports. Utility companies reported that about 18,000 customers were without power, \
        and officials urged residents to boil tap water until further notice. Farmers upstream \
        said the timing could hardly be worse, with much of the spring planting already in the \
        ground. “Everything we put in last month is under water now,” said Ruth Danner, who \
        grows corn and soybeans on about 600 acres north of the city. Officials said no deaths \
        had been reported, but two people were treated for hypothermia after being pulled from \
        a submerged car. The Army Corps of Engineers said it was monitoring the levees around \
        the clock and had sent additional crews with sandbags and pumps to the most vulnerable \
        stretches. Residents who stayed behind described a long night of rising water and \
        uncertainty. “You could hear it coming up the street,” said Tom Perkins, 71, who waited \
        on his porch with his dog until a rescue boat arrived shortly after 3 a.m. The Red \
        Cross said it was preparing for a long stay at the shelters, and appealed for \
        volunteers and donations of blankets, bottled water and baby supplies.";

    fn same_story_republished() -> String {
        STORY
            .replace(
                "Flood waters forced thousands from their homes across the river valley on Tuesday \
                 Officials said.",
                "River valley towns evacuated as record rain swamps levees",
            )
            .replace("By Maria Lopez, Associated Press", "From wire reports")
            .replace("more than 4,000 residents", "over 4,000 residents")
            .replace("about 18,000 customers", "roughly 18,000 customers")
    }

    const OTHER_STORY_SAME_TOPIC: &str = "\
        Drought leaves river valley farmers counting losses as reservoirs fall. \
        By James Carter, Associated Press \
        RIVERTON (AP) — Months without meaningful rain have left the lower river valley facing \
        its worst drought in decades, and farmers said on Tuesday that many of them would not \
        plant a second crop this year. The river has dropped to its lowest level since records \
        began, exposing sandbars and old bridge pilings that residents said they had never seen. \
        County officials imposed limits on lawn watering and asked businesses to cut their water \
        use by a fifth. “The wells are going dry one after another,” said Linda Okafor, who runs \
        a dairy herd of about 200 cows east of the city and now hauls water by truck every \
        morning. The National Weather Service said there was little chance of significant rain \
        before the autumn, and that temperatures would stay well above normal through the \
        weekend. The governor asked the federal government to declare the region a disaster \
        area so that farmers could apply for emergency loans. Barge traffic on the river has \
        nearly stopped, and grain elevators said they were storing corn they could not ship. \
        Officials said the shortage had not yet reached city taps, but warned that restrictions \
        would tighten if the reservoir kept falling at its current pace. Wildfire crews were put \
        on alert in the hills north of the valley, where dry grass has already fuelled several \
        small fires this month. Economists at the state university estimated that crop losses \
        could exceed $300 million. “People forget that a slow disaster is still a disaster,” \
        said agronomist Peter Vance, who has studied the valley's soils for 30 years.";

    #[test]
    fn this_republished_copy_of_the_wire_story_is_a_near_duplicate() {
        // An example, not a guarantee: this copy lands exactly on the threshold, and edits of
        // this size (new headline and byline, two words) usually land further out; see
        // NEAR_DUPLICATE_BITS.
        let original = simhash(STORY);
        let copy = simhash(&same_story_republished());
        assert_ne!(original, copy, "the edits should change the fingerprint a little");
        let distance = hamming(original, copy);
        assert!(distance <= NEAR_DUPLICATE_BITS, "distance {distance}");
    }

    #[test]
    fn one_word_edits_move_the_fingerprint_only_a_little() {
        let words: Vec<&str> = STORY.split_whitespace().collect();
        let original = simhash(STORY);
        let distances: Vec<u32> = (0..words.len())
            .step_by(4)
            .map(|at| {
                let mut edited = words.clone();
                edited[at] = "zebra";
                hamming(original, simhash(&edited.join(" ")))
            })
            .collect();
        let total: u32 = distances.iter().sum();
        assert!(
            total <= NEAR_DUPLICATE_BITS * distances.len() as u32,
            "mean above the threshold: {distances:?}"
        );
        assert!(distances.iter().all(|d| *d <= 10), "{distances:?}");
    }

    #[test]
    fn different_stories_on_the_same_topic_are_far_apart() {
        let distance = hamming(simhash(STORY), simhash(OTHER_STORY_SAME_TOPIC));
        assert!(distance > 10, "distance {distance}");
    }

    #[test]
    fn case_punctuation_and_spacing_do_not_change_the_fingerprint() {
        let shouted = STORY.to_uppercase();
        let flattened: String = STORY.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
        assert_eq!(simhash(&shouted), simhash(STORY));
        assert_eq!(simhash(&flattened), simhash(STORY));
        assert_eq!(simhash("  Wire-Story,\n2024!  "), simhash("wire story 2024"));
    }

    #[test]
    fn fingerprint_is_the_bitwise_majority_of_the_shingle_hashes() {
        // Five words give three shingles; each bit is set when at least two of them set it.
        let [a, b, c] =
            ["alpha beta gamma", "beta gamma delta", "gamma delta epsilon"].map(|s| xxh3_64(s.as_bytes()));
        let majority = (a & b) | (a & c) | (b & c);
        assert_eq!(simhash("Alpha beta, gamma — delta epsilon."), majority);
    }

    #[test]
    fn one_shingle_text_fingerprints_as_its_hash() {
        assert_eq!(simhash("Alpha Beta Gamma"), xxh3_64(b"alpha beta gamma"));
        assert_eq!(simhash("two words"), xxh3_64(b"two words"));
        assert_eq!(simhash("single"), xxh3_64(b"single"));
    }

    #[test]
    fn repeated_shingles_count_once() {
        // "a b c" appears twice, "b c a" and "c a b" once: as a set that is three shingles.
        let [a, b, c] = ["w1 w2 w3", "w2 w3 w1", "w3 w1 w2"].map(|s| xxh3_64(s.as_bytes()));
        assert_eq!(simhash("w1 w2 w3 w1 w2 w3"), (a & b) | (a & c) | (b & c));
    }

    #[test]
    fn texts_without_words_fingerprint_as_zero() {
        assert_eq!(simhash(""), 0);
        assert_eq!(simhash(" — … !? "), 0);
    }

    #[test]
    fn words_are_unicode_letters_and_digits() {
        assert_eq!(simhash("Ünïcödé — ΣΟΦΊΑ 42"), xxh3_64("ünïcödé σοφία 42".as_bytes()));
        assert_eq!(simhash("東京 大阪 2024"), xxh3_64("東京 大阪 2024".as_bytes()));
    }

    #[test]
    fn word_order_matters() {
        let reversed: String = STORY.split_whitespace().rev().collect::<Vec<_>>().join(" ");
        assert!(hamming(simhash(STORY), simhash(&reversed)) > 10);
    }

    #[test]
    fn hash_function_is_the_specified_xxh3() {
        // The published XXH3-64 value for empty input with seed 0: if this moves, every stored
        // fingerprint is invalid.
        assert_eq!(xxh3_64(b""), 0x2D06_8005_38D3_94C2);
    }

    #[test]
    fn hamming_counts_differing_bits() {
        assert_eq!(hamming(0, 0), 0);
        assert_eq!(hamming(u64::MAX, u64::MAX), 0);
        assert_eq!(hamming(0, u64::MAX), 64);
        assert_eq!(hamming(0b1011, 0b0110), 3);
        assert_eq!(hamming(1 << 63, 1), 2);
        let (a, b) = (simhash(STORY), simhash(OTHER_STORY_SAME_TOPIC));
        assert_eq!(hamming(a, b), hamming(b, a));
    }

    /// The fingerprint as first written (a string per word and per shingle): stored
    /// fingerprints must not change when the code computing them gets faster.
    fn simhash_as_first_written(text: &str) -> u64 {
        let mut folded = String::new();
        for c in text.chars() {
            if c.is_alphanumeric() {
                folded.extend(c.to_lowercase());
            } else {
                folded.push(' ');
            }
        }
        let words: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
        let mut shingles: Vec<u64> =
            words.windows(3.min(words.len()).max(1)).map(|w| xxh3_64(w.join(" ").as_bytes())).collect();
        shingles.sort_unstable();
        shingles.dedup();
        let mut votes = [0_i64; 64];
        for shingle in &shingles {
            for (bit, vote) in votes.iter_mut().enumerate() {
                *vote += if shingle >> bit & 1 == 1 { 1 } else { -1 };
            }
        }
        votes.iter().enumerate().filter(|(_, vote)| **vote > 0).fold(0, |hash, (bit, _)| hash | 1 << bit)
    }

    #[test]
    fn fingerprints_are_unchanged_from_the_first_version() {
        let texts = [
            String::new(),
            "one".to_owned(),
            "Two words".to_owned(),
            "Wire-Story, 2024! The ÉCOLE's İstanbul office — ß and ǅ, 第一 ١٢٣ \u{1F600} tab\there"
                .to_owned(),
            STORY.to_owned(),
            STORY.to_uppercase(),
        ];
        for text in &texts {
            assert_eq!(simhash(text), simhash_as_first_written(text), "{text:?}");
            let expected = is_comparable(text).then(|| simhash_i64(simhash_as_first_written(text)));
            assert_eq!(comparable_simhash(text), expected, "{text:?}");
        }
    }

    #[test]
    fn short_texts_are_not_comparable() {
        let words = |n: usize| (0..n).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ");
        assert!(!is_comparable(""));
        assert!(!is_comparable(&words(MIN_COMPARABLE_WORDS - 1)));
        assert!(is_comparable(&words(MIN_COMPARABLE_WORDS)));
        assert!(is_comparable(STORY));
        // Punctuation is not a word.
        let padded = format!("{} — – … !!! ?? “ ” --", words(MIN_COMPARABLE_WORDS - 1));
        assert!(!is_comparable(&padded));
    }

    // --- storage ------------------------------------------------------------------------------

    /// Fingerprints spread over the range, the top bit set and clear.
    const SAMPLES: [u64; 5] =
        [0, u64::MAX, 0x8000_0000_0000_0001, 0x0123_4567_89AB_CDEF, 0xF0E1_D2C3_B4A5_9687];

    #[test]
    fn fingerprints_survive_a_bigint_round_trip() {
        for hash in SAMPLES.into_iter().chain([simhash(STORY)]) {
            assert_eq!(simhash_from_i64(simhash_i64(hash)), hash);
        }
        assert_eq!(simhash_i64(u64::MAX), -1);
        assert_eq!(simhash_i64(1 << 63), i64::MIN);
        assert_eq!(simhash_i64(42), 42);
    }

    #[test]
    fn bands_are_the_four_16_bit_slices_low_first() {
        assert_eq!(bands(0x0004_0003_0002_0001), [1, 2, 3, 4]);
        assert_eq!(bands(u64::MAX), [0xFFFF; 4]);
        for hash in SAMPLES {
            let rebuilt = bands(hash).iter().enumerate().fold(0_u64, |acc, (k, band)| {
                assert!((0..=0xFFFF).contains(band), "band {k} of {hash:#x}");
                acc | (*band as u64) << (16 * k)
            });
            assert_eq!(rebuilt, hash);
        }
    }

    #[test]
    fn bands_and_threshold_agree_with_what_the_store_uses() {
        assert_eq!(NEAR_DUPLICATE_BITS, freewire_core::NEAR_DUPLICATE_BITS);
        for hash in SAMPLES.into_iter().chain([simhash(STORY)]) {
            assert_eq!(bands(hash), freewire_core::simhash_bands(simhash_i64(hash)), "{hash:#x}");
        }
    }

    #[test]
    fn every_hash_within_three_bits_shares_a_band() {
        for hash in SAMPLES {
            let own = bands(hash);
            let shares = |other: u64| own.iter().zip(bands(other)).any(|(a, b)| *a == b);
            for i in 0..64 {
                assert!(shares(hash ^ 1 << i));
                for j in i + 1..64 {
                    assert!(shares(hash ^ 1 << i ^ 1 << j));
                    for k in j + 1..64 {
                        assert!(shares(hash ^ 1 << i ^ 1 << j ^ 1 << k), "{i} {j} {k}");
                    }
                }
            }
            // Four bits, one in each band, is where the guarantee ends.
            let spread = hash ^ 1 ^ 1 << 16 ^ 1 << 32 ^ 1 << 48;
            assert!(!shares(spread));
        }
    }
}
