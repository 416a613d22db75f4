//! The near-duplicate rule, in one place: [`simhash`] gives a 64-bit fingerprint of an
//! article's text such that near-verbatim copies of one story land within
//! [`NEAR_DUPLICATE_BITS`] of each other ([`hamming`], the one distance) while different stories
//! land far apart (how near "near" is, measured, is on that constant); [`bands`] cut a stored
//! fingerprint for indexed look-ups; and [`first_copy_of`] decides, among the stored articles a
//! band look-up found, which one a new article copies. Ingest computes the fingerprint, the
//! store applies the decision: both read it here.
//!
//! Fingerprints are stored (as `BIGINT`, see [`simhash_i64`]) and looked up through their
//! [`bands`], so everything here must give the same answer on every machine and in every
//! future version: a change to the tokenisation or the hash silently breaks every stored value.

use xxhash_rust::xxh3::xxh3_64;

use crate::model::{ArticleId, SourceId};

// ---------------------------------------------------------------------------------------------
// The fingerprint
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
pub const NEAR_DUPLICATE_BITS: u32 = 3;

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
/// The features are the distinct shingles of three consecutive normalised (see `folded`)
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

/// The number of bits in which two fingerprints differ: the one distance between fingerprints,
/// compared with [`NEAR_DUPLICATE_BITS`]. Stored fingerprints go through [`simhash_from_i64`]
/// first (the same bits).
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

/// The stored fingerprint cut into four 16-bit bands (bits `0..16` first), for finding
/// candidates with indexed equality lookups (one indexed `BIGINT` column per band) instead of
/// comparing against every stored fingerprint. Each band is in `0..=0xFFFF`.
///
/// Any two fingerprints within [`NEAR_DUPLICATE_BITS`] (3) of each other share at least one
/// band exactly: three differing bits can touch at most three of the four bands (pigeonhole).
/// So looking up rows whose band `k` equals this fingerprint's band `k`, for any `k`, finds
/// every near duplicate; candidates still need a [`hamming`] check, since sharing a band is not
/// enough (see [`first_copy_of`]).
#[must_use]
pub fn bands(stored: i64) -> [i64; 4] {
    let h = simhash_from_i64(stored);
    [0, 16, 32, 48].map(|shift| i64::from(((h >> shift) & 0xffff) as u16))
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

// ---------------------------------------------------------------------------------------------
// The near-duplicate decision
// ---------------------------------------------------------------------------------------------

/// A stored article that shares a band with a new one's fingerprint, as the store reads it to
/// decide whether the new article copies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The stored article.
    pub id: ArticleId,
    /// Its source.
    pub source_id: SourceId,
    /// Whether it is published (a duplicate or a withdrawn article is nobody's first copy).
    pub published: bool,
    /// Its fingerprint in stored form, if its text had one.
    pub simhash: Option<i64>,
    /// Its four stored [`bands`].
    pub bands: [Option<i64>; 4],
}

/// The rule for a new article whose stored-form fingerprint is `hash`, from `source`: it is a
/// near-duplicate of the first (lowest id) published article from another source whose
/// fingerprint is within [`NEAR_DUPLICATE_BITS`] of `hash`, among the fetched candidates.
/// `None`: it is a story of its own.
///
/// A candidate must share a band with `hash` as well: the store may fetch candidates for a
/// whole batch at once, and each article is judged only against those its own band lookup
/// finds, as if it had come alone. A source repeating itself is not a cross-outlet copy.
#[must_use]
pub fn first_copy_of(candidates: &[Candidate], source: SourceId, hash: i64) -> Option<ArticleId> {
    let ours = bands(hash);
    candidates
        .iter()
        .filter(|c| {
            c.bands.iter().zip(ours).any(|(theirs, ours)| *theirs == Some(ours))
                && c.source_id != source
                && c.published
                && c.simhash.is_some_and(|h| {
                    hamming(simhash_from_i64(h), simhash_from_i64(hash)) <= NEAR_DUPLICATE_BITS
                })
        })
        .map(|c| c.id)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(bands(simhash_i64(u64::MAX)), [0xFFFF; 4]);
        for hash in SAMPLES {
            let rebuilt = bands(simhash_i64(hash)).iter().enumerate().fold(0_u64, |acc, (k, band)| {
                assert!((0..=0xFFFF).contains(band), "band {k} of {hash:#x}");
                acc | (*band as u64) << (16 * k)
            });
            assert_eq!(rebuilt, hash);
        }
    }

    #[test]
    fn every_hash_within_three_bits_shares_a_band() {
        for hash in SAMPLES {
            let own = bands(simhash_i64(hash));
            let shares = |other: u64| own.iter().zip(bands(simhash_i64(other))).any(|(a, b)| *a == b);
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

    // --- the decision -------------------------------------------------------------------------

    /// A stored article with this fingerprint and the bands the store writes for it.
    fn stored(id: i64, source: i64, hash: i64) -> Candidate {
        Candidate {
            id: ArticleId(id),
            source_id: SourceId(source),
            published: true,
            simhash: Some(hash),
            bands: bands(hash).map(Some),
        }
    }

    const HASH: i64 = 0x1234_5678_9abc_def0;

    #[test]
    fn the_first_published_copy_from_another_source_is_the_original() {
        let near = HASH ^ 0b1 ^ (1 << 20) ^ (1 << 40);
        let candidates = [stored(7, 1, HASH), stored(3, 2, near), stored(5, 1, HASH ^ 0b10)];
        assert_eq!(first_copy_of(&candidates, SourceId(9), HASH), Some(ArticleId(3)), "lowest id wins");
        assert_eq!(first_copy_of(&candidates, SourceId(2), HASH), Some(ArticleId(5)), "not its own source");
    }

    #[test]
    fn a_copy_is_within_the_threshold_and_no_further() {
        let three = HASH ^ 0b1 ^ (1 << 20) ^ (1 << 40);
        let four = three ^ (1 << 60);
        assert_eq!(hamming(simhash_from_i64(HASH), simhash_from_i64(four)), NEAR_DUPLICATE_BITS + 1);
        // Four bits spread over the four bands share none: give the row a shared band anyway.
        let mut far = stored(1, 1, four);
        far.bands[0] = Some(bands(HASH)[0]);
        assert_eq!(first_copy_of(&[far], SourceId(2), HASH), None);
        assert_eq!(first_copy_of(&[stored(1, 1, three)], SourceId(2), HASH), Some(ArticleId(1)));
    }

    #[test]
    fn duplicates_withdrawn_and_unfingerprinted_articles_are_nobodys_original() {
        let unpublished = Candidate { published: false, ..stored(1, 1, HASH) };
        let unhashed = Candidate { simhash: None, ..stored(2, 1, HASH) };
        assert_eq!(first_copy_of(&[unpublished, unhashed], SourceId(2), HASH), None);
    }

    #[test]
    fn a_candidate_fetched_for_another_article_of_the_batch_is_not_considered() {
        // Within the threshold, but stored with bands that share none with ours: our own band
        // look-up, judging the article alone, would not have found it.
        let other = Candidate { bands: [Some(-1); 4], ..stored(1, 1, HASH ^ 1) };
        assert_eq!(first_copy_of(&[other], SourceId(2), HASH), None);
    }
}
