#![expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a Zipf-like draw from uniform bits"
)]
//! Generated inputs: a seeded random source, so every run measures the same data.

/// A small, fast, seeded generator (xorshift64*): the data is the same on every run. Written
/// here rather than taken from `rand` because the sequence must never change between versions.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    /// An index in `0..n`, small indexes far more likely (roughly Zipf with s = 1).
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let x = (n as f64 + 1.0).powf(u) - 1.0;
        (x as usize).min(n - 1)
    }
}

const SYLLABLES: [&str; 40] = [
    "ba", "ker", "lo", "mi", "ran", "ste", "vo", "qui", "dar", "nel", "pa", "tor", "si", "gu", "hen", "fa",
    "ri", "mon", "cle", "ta", "bur", "wen", "do", "lis", "ka", "por", "zu", "thel", "ma", "ges", "ro", "vin",
    "sa", "bel", "tu", "ham", "ne", "cor", "di", "lan",
];

/// `n` made-up words of two to four syllables: the long tail of a language's vocabulary.
fn vocabulary(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let syllables = 2 + rng.below(3);
            (0..syllables).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect()
        })
        .collect()
}

/// Made-up words drawn with a Zipf-like spread from a seeded source.
pub struct Words {
    /// The random source, for other draws in the same sequence.
    pub rng: Rng,
    list: Vec<String>,
}

impl Words {
    /// `n` words from the source seeded with `seed`.
    pub fn new(seed: u64, n: usize) -> Self {
        let mut rng = Rng(seed);
        let list = vocabulary(&mut rng, n);
        Words { rng, list }
    }

    /// One word, common ones far more often.
    pub fn next(&mut self) -> &str {
        &self.list[self.rng.zipf(self.list.len())]
    }
}
