//! The online grouping: each arriving article joins the story in the window whose reports it
//! most resembles, or starts a story of its own.
//!
//! The method is that of Miranda et al. ("Multilingual Clustering of Streaming News", EMNLP
//! 2018), without its learned ranker: an article and a story are compared by the cosine of
//! their TF-IDF vectors over three kinds of term (the text, the headline, the names), combined
//! with fixed weights, between articles no more than [`Rules::max_gap_hours`] apart; the best
//! story above [`Rules::threshold`] takes the article. Document frequencies are counted over
//! the window itself, so they follow what is in the news now.
//!
//! **Deterministic and replayable.** The window is the last [`Rules::window`] articles placed,
//! and everything the grouper holds is a function of those articles and their stories:
//! weights are integers (vectors are quantised once, at arrival, with the document frequencies
//! of the articles before), so sums and differences are exact whatever order they happen in.
//! Document frequencies count every term of the window's articles, so they are a function of
//! those articles alone, and each article's vector a function of the window before it. So a
//! process that replays twice the window from the database ([`Grouper::admit`] with the
//! stored stories: the first half sets the frequencies the second half arrived with) decides
//! the next article exactly as the process that placed them would have.

use std::collections::VecDeque;

// Fx hashing: the maps are keyed by small integers (terms, article and story ids), looked up
// hundreds of times per article, where std's DoS-resistant hasher costs more than the work.
// None of them is keyed by anything a visitor chooses.
use rustc_hash::FxHashMap as HashMap;

use super::features::{Features, Term};

/// A story as the grouper knows it: a stored story's id, or (negative) a story started by an
/// article not yet stored, see [`Grouper::settle`].
pub type StoryKey = i64;

/// The kinds of term, in [`Features`] order: text, title, names.
const KINDS: usize = 3;

/// Fixed-point scale of a normalised weight (1.0 = `SCALE`).
const SCALE: f64 = 32_767.0;

/// How many of an article's terms of each kind are kept, by weight: the rest are words every
/// report of anything shares, and cost memory and time.
const KEEP: [usize; KINDS] = [60, 20, 25];

/// Posting lists longer than this are not walked to find candidate stories (their terms are
/// common; the exact similarity below still counts them).
const LONG_POSTINGS: usize = 400;

/// At most this many of a term's newest postings are walked to find candidate stories: what
/// one article costs stays bounded however many recent articles share a word.
const WALK: usize = 20;

/// How many candidate stories, ranked by their shared rare terms, are compared exactly.
const CANDIDATES: usize = 6;

/// How the grouping decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// How many recent articles the grouper holds (stories, document frequencies).
    pub window: usize,
    /// Articles further apart than this in publication time are never one story.
    pub max_gap_hours: i64,
    /// The combined similarity at or above which an article joins a story.
    pub threshold: f64,
    /// The weights of the text, headline and names similarities.
    pub weights: [f64; KINDS],
    /// The similarity halves for every this many hours between the article and the story's
    /// nearest report: the same words a week apart are more likely a new event.
    pub half_life_hours: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            window: 10_000,
            max_gap_hours: 72,
            threshold: 0.20,
            weights: [0.6, 0.3, 0.1],
            half_life_hours: 48.0,
        }
    }
}

/// An article arriving: its id (arrival order), publication time and terms.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// The article's id; ids rise with arrival.
    pub seq: u64,
    /// Publication time, Unix seconds.
    pub published: i64,
    /// Its terms.
    pub features: Features,
}

/// Where the grouper put an article.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// It joined this story, with this combined similarity.
    Joined(StoryKey, f64),
    /// It starts a story, known by this provisional key until [`Grouper::settle`].
    Started(StoryKey),
}

impl Placement {
    /// The story, whichever way.
    #[must_use]
    pub fn story(self) -> StoryKey {
        match self {
            Self::Joined(key, _) | Self::Started(key) => key,
        }
    }
}

type Vector = Vec<(Term, i32)>;

/// An article's weight for a term, with its id and publication time (to skip articles out of
/// reach without looking them up).
#[derive(Debug, Clone, Copy)]
struct Posting {
    seq: u64,
    weight: i32,
    published: i64,
}

#[derive(Debug)]
struct Member {
    seq: u64,
    published: i64,
    /// Every term it has, for the document frequencies: counting all of them (not only the
    /// kept ones, which depend on the frequencies at arrival) keeps the frequencies a function
    /// of the window's articles alone.
    terms: [Vec<Term>; KINDS],
    vectors: [Vector; KINDS],
    norms: [i64; KINDS],
}

#[derive(Debug, Default)]
struct StoryState {
    /// Window members, by arrival.
    members: VecDeque<u64>,
    /// Their publication times (with how many at each), for the nearest in time at a glance
    /// however large the story.
    times: std::collections::BTreeMap<i64, u32>,
    centroid: [HashMap<Term, i64>; KINDS],
    norm2: [i64; KINDS],
}

/// The grouper: a window of recent articles and the stories they are in.
#[derive(Debug)]
pub struct Grouper {
    rules: Rules,
    window: VecDeque<Member>,
    story_of: HashMap<u64, StoryKey>,
    stories: HashMap<StoryKey, StoryState>,
    postings: [HashMap<Term, VecDeque<Posting>>; KINDS],
    df: [HashMap<Term, u32>; KINDS],
}

impl Grouper {
    /// An empty grouper.
    #[must_use]
    pub fn new(rules: Rules) -> Self {
        Self {
            rules,
            window: VecDeque::new(),
            story_of: HashMap::default(),
            stories: HashMap::default(),
            postings: Default::default(),
            df: Default::default(),
        }
    }

    /// The rules it decides by.
    #[must_use]
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// The id of the last article admitted, if any.
    #[must_use]
    pub fn last_seq(&self) -> Option<u64> {
        self.window.back().map(|m| m.seq)
    }

    /// The story of an article in the window.
    #[must_use]
    pub fn story_of(&self, seq: u64) -> Option<StoryKey> {
        self.story_of.get(&seq).copied()
    }

    /// How many articles the window holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.window.len()
    }

    /// Whether the window is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.window.is_empty()
    }

    /// Decides the story of an arriving article and admits it to the window there.
    pub fn place(&mut self, arrival: Arrival) -> Placement {
        let member = self.member(arrival);
        let placement = match self.best_story(&member) {
            Some((key, score)) => Placement::Joined(key, score),
            #[expect(clippy::cast_possible_wrap, reason = "article ids are far below 2^63")]
            None => Placement::Started(-(member.seq as i64) - 1),
        };
        self.insert(member, placement.story());
        placement
    }

    /// Admits an article whose story is already decided (stored, or chosen by an editor), as
    /// when replaying the window from the database.
    pub fn admit(&mut self, arrival: Arrival, story: StoryKey) {
        let member = self.member(arrival);
        self.insert(member, story);
    }

    /// Renames a story: a provisional key becomes the stored story's id.
    pub fn settle(&mut self, from: StoryKey, to: StoryKey) {
        if from == to {
            return;
        }
        let Some(state) = self.stories.remove(&from) else { return };
        for seq in &state.members {
            self.story_of.insert(*seq, to);
        }
        let leftover = match self.stories.entry(to) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(state);
                Vec::new()
            }
            // Two keys for one story only arise from a caller's error; join them honestly.
            std::collections::hash_map::Entry::Occupied(_) => state.members.into_iter().collect(),
        };
        for seq in leftover {
            self.reassign(seq, to);
        }
    }

    fn reassign(&mut self, seq: u64, to: StoryKey) {
        let Ok(index) = self.window.binary_search_by_key(&seq, |m| m.seq) else { return };
        let member = &self.window[index];
        let (vectors, norms, published) = (member.vectors.clone(), member.norms, member.published);
        if let Some(state) = self.stories.get_mut(&to) {
            add_to(state, seq, published, &vectors, norms);
        }
        self.story_of.insert(seq, to);
    }

    /// The article's weighted, pruned, quantised vectors, with the document frequencies of
    /// the window before it.
    fn member(&self, arrival: Arrival) -> Member {
        let features = [arrival.features.text, arrival.features.title, arrival.features.names];
        let terms = features.each_ref().map(|kind| kind.iter().map(|(term, _)| *term).collect());
        #[expect(clippy::cast_precision_loss, reason = "a window holds far fewer than 2^52 articles")]
        let n = self.window.len() as f64;
        let mut vectors: [Vector; KINDS] = Default::default();
        let mut norms = [0; KINDS];
        for (kind, terms) in features.into_iter().enumerate() {
            let mut weighted: Vec<(Term, f64)> = terms
                .into_iter()
                .map(|(term, count)| {
                    let df = f64::from(self.df[kind].get(&term).copied().unwrap_or(0));
                    let idf = ((n + 1.0) / (df + 1.0)).ln() + 1.0;
                    (term, (1.0 + f64::from(count).ln()) * idf)
                })
                .collect();
            weighted.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            weighted.truncate(KEEP[kind]);
            let norm = weighted.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
            if norm > 0.0 {
                #[expect(clippy::cast_possible_truncation, reason = "normalised weights are at most SCALE")]
                let mut vector: Vector =
                    weighted.into_iter().map(|(t, w)| (t, (w / norm * SCALE).round() as i32)).collect();
                vector.retain(|(_, w)| *w > 0);
                vector.sort_unstable_by_key(|(t, _)| *t);
                norms[kind] = vector.iter().map(|(_, w)| i64::from(*w) * i64::from(*w)).sum();
                vectors[kind] = vector;
            }
        }
        Member { seq: arrival.seq, published: arrival.published, terms, vectors, norms }
    }

    /// The most similar story within reach, if similar enough.
    fn best_story(&self, member: &Member) -> Option<(StoryKey, f64)> {
        let mut rough: HashMap<StoryKey, f64> = HashMap::default();
        let reach = self.rules.max_gap_hours * 3600;
        for kind in 0..KINDS {
            for (term, weight) in &member.vectors[kind] {
                let Some(list) = self.postings[kind].get(term) else { continue };
                if list.len() > LONG_POSTINGS {
                    continue;
                }
                let weight = self.rules.weights[kind] * f64::from(*weight);
                for posting in list.iter().rev().take(WALK) {
                    if (posting.published - member.published).abs() > reach {
                        continue;
                    }
                    if let Some(key) = self.story_of.get(&posting.seq) {
                        *rough.entry(*key).or_default() += weight * f64::from(posting.weight);
                    }
                }
            }
        }
        let mut ranked: Vec<(StoryKey, f64)> = rough.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(CANDIDATES);
        let mut best: Option<(StoryKey, f64, u64)> = None;
        for (key, _) in ranked {
            let Some(state) = self.stories.get(&key) else { continue };
            let Some(gap) = self.gap(state, member.published) else { continue };
            #[expect(clippy::cast_precision_loss, reason = "hours, to decay a similarity")]
            let decay = (-(gap as f64) / 3600.0 / self.rules.half_life_hours * std::f64::consts::LN_2).exp();
            let score = self.similarity(state, member) * decay;
            let first = state.members.front().copied().unwrap_or(u64::MAX);
            let better = match best {
                None => true,
                Some((_, s, f)) => score.total_cmp(&s).then(f.cmp(&first)).is_gt(),
            };
            if better {
                best = Some((key, score, first));
            }
        }
        best.filter(|(_, score, _)| *score >= self.rules.threshold).map(|(key, score, _)| (key, score))
    }

    /// Seconds between `published` and the story's nearest report, if within reach.
    fn gap(&self, state: &StoryState, published: i64) -> Option<i64> {
        let reach = self.rules.max_gap_hours * 3600;
        let before = state.times.range(..=published).next_back().map(|(t, _)| published - t);
        let after = state.times.range(published..).next().map(|(t, _)| t - published);
        before.into_iter().chain(after).min().filter(|gap| *gap <= reach)
    }

    #[expect(clippy::cast_precision_loss, reason = "similarities are read as f64")]
    fn similarity(&self, state: &StoryState, member: &Member) -> f64 {
        let mut score = 0.0;
        for kind in 0..KINDS {
            if member.norms[kind] == 0 || state.norm2[kind] == 0 {
                continue;
            }
            // Average link: the mean cosine to the story's reports (each normalised to about
            // SCALE²), which a large, loose story cannot reach by breadth alone, unlike the
            // cosine to its centroid.
            let dot = dot(&state.centroid[kind], &member.vectors[kind]);
            let members = state.members.len() as f64;
            let cosine = dot as f64 / ((member.norms[kind] as f64).sqrt() * SCALE * members);
            score += self.rules.weights[kind] * cosine;
        }
        score
    }

    fn insert(&mut self, member: Member, story: StoryKey) {
        for kind in 0..KINDS {
            for (term, weight) in &member.vectors[kind] {
                let posting = Posting { seq: member.seq, weight: *weight, published: member.published };
                self.postings[kind].entry(*term).or_default().push_back(posting);
            }
            for term in &member.terms[kind] {
                *self.df[kind].entry(*term).or_default() += 1;
            }
        }
        let state = self.stories.entry(story).or_default();
        add_to(state, member.seq, member.published, &member.vectors, member.norms);
        self.story_of.insert(member.seq, story);
        self.window.push_back(member);
        while self.window.len() > self.rules.window {
            self.evict();
        }
    }

    fn evict(&mut self) {
        let Some(member) = self.window.pop_front() else { return };
        for kind in 0..KINDS {
            for (term, _) in &member.vectors[kind] {
                if let Some(list) = self.postings[kind].get_mut(term) {
                    if list.front().is_some_and(|p| p.seq == member.seq) {
                        list.pop_front();
                    } else {
                        list.retain(|p| p.seq != member.seq);
                    }
                    if list.is_empty() {
                        self.postings[kind].remove(term);
                    }
                }
            }
            for term in &member.terms[kind] {
                if let Some(df) = self.df[kind].get_mut(term) {
                    *df -= 1;
                    if *df == 0 {
                        self.df[kind].remove(term);
                    }
                }
            }
        }
        let Some(key) = self.story_of.remove(&member.seq) else { return };
        let Some(state) = self.stories.get_mut(&key) else { return };
        if state.members.front() == Some(&member.seq) {
            state.members.pop_front();
        } else {
            state.members.retain(|seq| *seq != member.seq);
        }
        if let Some(count) = state.times.get_mut(&member.published) {
            *count -= 1;
            if *count == 0 {
                state.times.remove(&member.published);
            }
        }
        if state.members.is_empty() {
            self.stories.remove(&key);
            return;
        }
        for kind in 0..KINDS {
            let shared = dot(&state.centroid[kind], &member.vectors[kind]);
            state.norm2[kind] += member.norms[kind] - 2 * shared;
            for (term, weight) in &member.vectors[kind] {
                let entry = state.centroid[kind].entry(*term).or_default();
                *entry -= i64::from(*weight);
                if *entry == 0 {
                    state.centroid[kind].remove(term);
                }
            }
        }
    }
}

fn add_to(state: &mut StoryState, seq: u64, published: i64, vectors: &[Vector; KINDS], norms: [i64; KINDS]) {
    for kind in 0..KINDS {
        let shared = dot(&state.centroid[kind], &vectors[kind]);
        state.norm2[kind] += norms[kind] + 2 * shared;
        for (term, weight) in &vectors[kind] {
            *state.centroid[kind].entry(*term).or_default() += i64::from(*weight);
        }
    }
    if state.members.back().is_none_or(|last| *last < seq) {
        state.members.push_back(seq);
    } else {
        let at = state.members.partition_point(|s| *s < seq);
        state.members.insert(at, seq);
    }
    *state.times.entry(published).or_default() += 1;
}

fn dot(centroid: &HashMap<Term, i64>, vector: &Vector) -> i64 {
    vector.iter().map(|(term, weight)| centroid.get(term).map_or(0, |c| c * i64::from(*weight))).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;

    /// Reports written for these tests: two events on one topic (a ferry's winter timetable
    /// and, a month later, a ferry strike), one event in other words, and filler from other
    /// beats so that document frequencies mean something.
    const FERRY_PLAN_A: (&str, &str) = (
        "Council sets out plan to rescue island ferry",
        "The Saltmere council published a letter proposing a bridging grant to keep the island ferry \
         running through winter. Council leader Ines Varga wrote to the operator's board.",
    );
    const FERRY_PLAN_B: (&str, &str) = (
        "Ferry winter crossings hang on Varga's grant offer",
        "A letter from Saltmere council leader Ines Varga offers the operator a bridging grant so \
         that winter crossings to the island continue, with a shared timetable and a fares review.",
    );
    const FERRY_STRIKE: (&str, &str) = (
        "Ferry crews walk out over pay",
        "Crews on the island ferry began a two-day strike over pay on Monday, stranding commuters; \
         the union said talks with the operator had broken down.",
    );
    const FILLER: &[(&str, &str)] = &[
        (
            "Library extends opening hours",
            "The town library will open on Sundays from March, the trustees said.",
        ),
        (
            "Orchard harvest best in a decade",
            "Apple growers in the valley reported their largest crop since 2016.",
        ),
        (
            "New bus route links villages",
            "A bus route connecting four villages to the market town starts next week.",
        ),
        (
            "School roof repairs approved",
            "The county approved funds to repair the leaking roof of the primary school.",
        ),
        (
            "Choir wins regional contest",
            "The harbour choir won first prize at the regional festival on Saturday.",
        ),
        (
            "Bridge closed for inspection",
            "The old stone bridge will close for two days while engineers inspect it.",
        ),
    ];

    fn arrival(seq: u64, published: i64, (title, body): (&str, &str)) -> Arrival {
        Arrival { seq, published, features: Features::of(title, body) }
    }

    /// A grouper that has seen the filler, one report a day apart.
    fn warmed() -> (Grouper, u64, i64) {
        let mut g = Grouper::new(Rules::default());
        let mut t = 0;
        for (i, f) in FILLER.iter().enumerate() {
            g.place(arrival(i as u64 + 1, t, *f));
            t += DAY;
        }
        (g, FILLER.len() as u64 + 1, t)
    }

    #[test]
    fn the_same_event_in_other_words_is_one_story() {
        let (mut g, seq, t) = warmed();
        let first = g.place(arrival(seq, t, FERRY_PLAN_A));
        assert!(matches!(first, Placement::Started(_)));
        let second = g.place(arrival(seq + 1, t + 6 * HOUR, FERRY_PLAN_B));
        assert_eq!(second.story(), first.story(), "{second:?}");
    }

    #[test]
    fn the_same_topic_but_another_event_is_another_story() {
        let (mut g, seq, t) = warmed();
        let plan = g.place(arrival(seq, t, FERRY_PLAN_A)).story();
        let strike = g.place(arrival(seq + 1, t + 12 * HOUR, FERRY_STRIKE)).story();
        assert_ne!(plan, strike);
    }

    #[test]
    fn reports_far_apart_in_time_are_two_stories() {
        let (mut g, seq, t) = warmed();
        let plan = g.place(arrival(seq, t, FERRY_PLAN_A)).story();
        let later = g.place(arrival(seq + 1, t + 30 * DAY, FERRY_PLAN_B)).story();
        assert_ne!(plan, later);
        // And the same two a few hours apart are one (the control for the line above).
        let (mut g, seq, t) = warmed();
        let plan = g.place(arrival(seq, t, FERRY_PLAN_A)).story();
        assert_eq!(g.place(arrival(seq + 1, t + 3 * HOUR, FERRY_PLAN_B)).story(), plan);
    }

    /// Everything the grouper decides, in arrival order.
    fn decisions(g: &mut Grouper, from: u64, items: &[(&str, &str)]) -> Vec<StoryKey> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| g.place(arrival(from + i as u64, i as i64 * HOUR, *item)).story())
            .collect()
    }

    #[test]
    fn a_replayed_window_decides_as_the_grouper_that_filled_it() {
        let rules = Rules { window: 5, ..Rules::default() };
        let mut items: Vec<(&str, &str)> = FILLER.to_vec();
        items.extend(FILLER.iter().rev());
        items.extend([FERRY_PLAN_A, FERRY_STRIKE, FERRY_PLAN_B]);
        // One grouper sees everything; the window (5) forgets the oldest as it goes.
        let mut whole = Grouper::new(rules);
        let placed = decisions(&mut whole, 1, &items[..items.len() - 1]);
        // Another replays twice the window as stored (as `group_new` reads it from the
        // database), then decides the last article.
        let mut replayed = Grouper::new(rules);
        for (i, item) in items.iter().enumerate().take(items.len() - 1).skip(items.len() - 1 - 2 * 5) {
            replayed.admit(arrival(i as u64 + 1, i as i64 * HOUR, *item), placed[i]);
        }
        let last = items.len() - 1;
        let next = arrival(last as u64 + 1, last as i64 * HOUR, items[last]);
        assert_eq!(whole.place(next.clone()), replayed.place(next));
        assert_eq!(whole.len(), 5);
    }

    #[test]
    fn the_same_arrivals_give_the_same_stories() {
        let mut items: Vec<(&str, &str)> = FILLER.to_vec();
        items.extend([FERRY_PLAN_A, FERRY_STRIKE, FERRY_PLAN_B]);
        let a = decisions(&mut Grouper::new(Rules::default()), 1, &items);
        let b = decisions(&mut Grouper::new(Rules::default()), 1, &items);
        assert_eq!(a, b);
    }

    #[test]
    fn settled_stories_keep_their_reports() {
        let (mut g, seq, t) = warmed();
        let key = g.place(arrival(seq, t, FERRY_PLAN_A)).story();
        g.settle(key, 42);
        assert_eq!(g.story_of(seq), Some(42));
        assert_eq!(g.place(arrival(seq + 1, t + HOUR, FERRY_PLAN_B)).story(), 42);
    }
}
