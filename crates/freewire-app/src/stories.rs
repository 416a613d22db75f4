//! Stories: placing each stored article in a story as it arrives ([`group_new`]), regrouping
//! everything ([`rebuild`]), and editors' decisions ([`edit_story`]), which the grouping never
//! undoes: it only ever places articles that have no story yet, and an article an editor
//! placed is pinned there through every rebuild.

use std::collections::HashMap;

use freewire_core::Store;
use freewire_core::model::{
    ArticleId, GroupingInput, GroupingMark, Placed, Regrouping, Role, Story, StoryChoice, StoryEdit, StoryId,
};
use freewire_core::story::{Arrival, Features, Grouper, Placement, Rules, StoryKey, plain_text};
use freewire_core::xml::strip_forbidden_chars;

use crate::{Actor, AppError};

/// Articles read and placed per transaction.
const BATCH: u64 = 500;

/// A process's grouping: the grouper's window and the mark it matches. Kept between calls so
/// that each batch costs only its own articles; replayed from the database whenever another
/// process or an editor moved the mark.
#[derive(Debug)]
pub struct Grouping {
    rules: Rules,
    current: Option<(Grouper, GroupingMark)>,
    /// What [`group_new`] placed since [`Grouping::take_placed`] was last called, when asked
    /// to note it ([`Grouping::noting_placed`]).
    placed: Option<Vec<(ArticleId, StoryId)>>,
}

impl Grouping {
    /// A grouping that will replay its window at its first use.
    #[must_use]
    pub fn new(rules: Rules) -> Self {
        Self { rules, current: None, placed: None }
    }

    /// The same, noting every article it places (see [`Grouping::take_placed`]).
    #[must_use]
    pub fn noting_placed(self) -> Self {
        Self { placed: Some(Vec::new()), ..self }
    }

    /// The articles placed since the last call, each with the story it went to: what a
    /// process that keeps pages made from them must forget. Empty unless
    /// [`Grouping::noting_placed`].
    pub fn take_placed(&mut self) -> Vec<(ArticleId, StoryId)> {
        self.placed.as_mut().map(std::mem::take).unwrap_or_default()
    }
}

impl Default for Grouping {
    fn default() -> Self {
        Self::new(Rules::default())
    }
}

fn arrival(input: &GroupingInput) -> Arrival {
    #[expect(clippy::cast_sign_loss, reason = "row ids are positive")]
    let seq = input.id.0 as u64;
    Arrival {
        seq,
        published: input.published_at.timestamp(),
        features: Features::of(&input.title, &plain_text(opening(&input.body_html))),
    }
}

/// The start of a body's HTML, enough for the words the grouping reads (see
/// [`freewire_core::story::features::BODY_WORDS`]): a long article's tail is never parsed.
fn opening(html: &str) -> &str {
    const OPENING_BYTES: usize = 12 * 1024;
    if html.len() <= OPENING_BYTES {
        return html;
    }
    let mut end = OPENING_BYTES;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    &html[..end]
}

/// A grouper holding the window that ends at `mark`, as the process that placed those
/// articles held it: twice the window is read, the first half to set the document
/// frequencies the second half arrived with (see [`freewire_core::story::grouper`]).
async fn replay(store: &dyn Store, rules: Rules, mark: GroupingMark) -> Result<Grouper, AppError> {
    let mut grouper = Grouper::new(rules);
    let window = store.grouped_window(mark.through, 2 * rules.window as u64).await?;
    // A page at a time: the window's texts are never all in memory at once.
    for page in window.chunks(BATCH as usize) {
        for input in store.grouping_inputs(page).await? {
            if let Some(story) = input.story {
                grouper.admit(arrival(&input), story.0);
            }
        }
    }
    Ok(grouper)
}

/// The story key of a near-verbatim copy's first copy.
async fn story_of_original(
    store: &dyn Store,
    keys: &HashMap<ArticleId, StoryKey>,
    grouper: &Grouper,
    original: ArticleId,
) -> Result<Option<StoryKey>, AppError> {
    if let Some(key) = keys.get(&original) {
        return Ok(Some(*key));
    }
    #[expect(clippy::cast_sign_loss, reason = "row ids are positive")]
    if let Some(key) = grouper.story_of(original.0 as u64) {
        return Ok(Some(key));
    }
    Ok(store.article_by_id(original).await?.and_then(|a| a.article.story_id).map(|s| s.0))
}

/// Places one batch in the grouper: where each article goes, by story key, and the founding
/// headline of each new story.
async fn place_batch(
    store: &dyn Store,
    grouper: &mut Grouper,
    batch: &[GroupingInput],
    keys: &mut HashMap<ArticleId, StoryKey>,
) -> Result<(Vec<(ArticleId, StoryKey)>, HashMap<StoryKey, String>), AppError> {
    let mut titles: HashMap<StoryKey, String> = HashMap::new();
    let mut placed = Vec::with_capacity(batch.len());
    for input in batch {
        let key = match (input.story, input.duplicate_of) {
            // An editor placed it before the grouping came to it.
            (Some(pinned_to), _) if input.pinned => {
                if input.duplicate_of.is_none() {
                    grouper.admit(arrival(input), pinned_to.0);
                }
                pinned_to.0
            }
            (_, Some(original)) => match story_of_original(store, keys, grouper, original).await? {
                Some(key) => key,
                None => place(grouper, input, &mut titles),
            },
            _ => place(grouper, input, &mut titles),
        };
        keys.insert(input.id, key);
        placed.push((input.id, key));
    }
    Ok((placed, titles))
}

fn place(grouper: &mut Grouper, input: &GroupingInput, titles: &mut HashMap<StoryKey, String>) -> StoryKey {
    let placement = grouper.place(arrival(input));
    if let Placement::Started(key) = placement {
        titles.insert(key, input.title.clone());
    }
    placement.story()
}

fn choice(key: StoryKey, titles: &HashMap<StoryKey, String>, reuse: Option<StoryId>) -> StoryChoice {
    if key >= 0 {
        StoryChoice::Existing(StoryId(key))
    } else {
        StoryChoice::New { key, title: titles.get(&key).cloned().unwrap_or_default(), reuse }
    }
}

/// Places every article stored since the last grouping (by any process) in a story, in
/// batches, each committed only if no other process grouped them first. Returns how many
/// articles this call placed.
pub async fn group_new(store: &dyn Store, grouping: &mut Grouping) -> Result<usize, AppError> {
    let mut placed_here = 0;
    loop {
        let mark = store.grouping_mark().await?;
        let mut grouper = match grouping.current.take() {
            Some((grouper, seen)) if seen == mark => grouper,
            _ => replay(store, grouping.rules, mark).await?,
        };
        let batch = store.articles_to_group(mark.through, BATCH).await?;
        let Some(last) = batch.last().map(|a| a.id) else {
            grouping.current = Some((grouper, mark));
            return Ok(placed_here);
        };
        let (placed, titles) = place_batch(store, &mut grouper, &batch, &mut HashMap::new()).await?;
        let placements: Vec<Placed> = placed
            .iter()
            .map(|(article, key)| Placed { article: *article, story: choice(*key, &titles, None) })
            .collect();
        // Each article's story, or the key of the story to be created for it.
        let chosen: Vec<(ArticleId, Result<StoryId, i64>)> = placements
            .iter()
            .map(|p| match p.story {
                StoryChoice::Existing(id) => (p.article, Ok(id)),
                StoryChoice::New { key, .. } => (p.article, Err(key)),
            })
            .collect();
        match store.record_grouping(mark, last, placements).await? {
            // Another process grouped these first: start again from where it got to.
            None => grouping.current = None,
            Some(created) => {
                if let Some(placed) = &mut grouping.placed {
                    placed.extend(chosen.into_iter().filter_map(|(article, story)| match story {
                        Ok(id) => Some((article, id)),
                        Err(key) => created.get(&key).map(|id| (article, *id)),
                    }));
                }
                for (key, id) in created {
                    grouper.settle(key, id.0);
                }
                placed_here += batch.len();
                grouping.current = Some((grouper, GroupingMark { through: last, epoch: mark.epoch }));
            }
        }
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    /// Articles read.
    pub articles: usize,
    /// Stories they are in now.
    pub stories: u64,
}

/// Regroups every article from the start with `rules`, keeping each editor's placement, and
/// stories' ids (and addresses) where a story's founding article still founds one; stories
/// left empty lead to where their first article went. `progress(done, total)` is called as
/// articles are read.
pub async fn rebuild(
    store: &dyn Store,
    rules: Rules,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Rebuilt, AppError> {
    let total = store.last_article_id().await?.0.max(0).cast_unsigned();
    let mut grouper = Grouper::new(rules);
    let mut placed: Vec<(ArticleId, StoryKey)> = Vec::new();
    let mut titles = HashMap::new();
    let mut old_story: HashMap<ArticleId, StoryId> = HashMap::new();
    let mut keys = HashMap::new();
    let mut after = ArticleId(0);
    loop {
        let mut batch = store.articles_to_group(after, BATCH * 4).await?;
        let Some(last) = batch.last().map(|a| a.id) else { break };
        for input in &mut batch {
            if let Some(story) = input.story {
                old_story.insert(input.id, story);
            }
            if !input.pinned {
                input.story = None;
            }
        }
        let (batch_placed, batch_titles) = place_batch(store, &mut grouper, &batch, &mut keys).await?;
        placed.extend(batch_placed);
        titles.extend(batch_titles);
        after = last;
        progress(after.0.cast_unsigned(), total);
    }
    let articles = placed.len();
    let regrouping = plan(placed, &titles, &old_story, after);
    let stories = store.apply_regrouping(regrouping).await?;
    Ok(Rebuilt { articles, stories })
}

/// The regrouping to write: new clusters keep the id of the story their founding article was
/// in, when no earlier cluster took it; every old story no cluster kept leads to where its
/// first article went.
fn plan(
    placed: Vec<(ArticleId, StoryKey)>,
    titles: &HashMap<StoryKey, String>,
    old_story: &HashMap<ArticleId, StoryId>,
    through: ArticleId,
) -> Regrouping {
    let mut claimed: HashMap<StoryId, StoryKey> =
        placed.iter().filter(|(_, key)| *key >= 0).map(|(_, key)| (StoryId(*key), *key)).collect();
    let mut reuse: HashMap<StoryKey, Option<StoryId>> = HashMap::new();
    let mut first_of_old: HashMap<StoryId, StoryKey> = HashMap::new();
    for (article, key) in &placed {
        let old = old_story.get(article).copied();
        if let Some(old) = old {
            first_of_old.entry(old).or_insert(*key);
        }
        if *key < 0 && !reuse.contains_key(key) {
            let kept = old.filter(|old| !claimed.contains_key(old));
            if let Some(old) = kept {
                claimed.insert(old, *key);
            }
            reuse.insert(*key, kept);
        }
    }
    let final_id =
        |key: StoryKey| if key >= 0 { Some(StoryId(key)) } else { reuse.get(&key).copied().flatten() };
    let redirects = first_of_old
        .iter()
        .filter(|(old, _)| !claimed.contains_key(old))
        .filter_map(|(old, key)| final_id(*key).map(|to| (*old, to)))
        .collect();
    let placements = placed
        .into_iter()
        .map(|(article, key)| Placed {
            article,
            story: choice(key, titles, reuse.get(&key).copied().flatten()),
        })
        .collect();
    Regrouping { placements, redirects, through }
}

/// An editor's decision about stories: merge, move, split off, rename. Editors and the
/// operator; audited either way.
pub async fn edit_story(store: &dyn Store, actor: Actor<'_>, edit: StoryEdit) -> Result<StoryId, AppError> {
    actor.require(Role::Editor, "Stories are arranged by editors.")?;
    let edit = match edit {
        StoryEdit::Rename { story, title } => {
            let title = strip_forbidden_chars(title.as_str()).trim().to_owned();
            if title.is_empty() {
                return Err(AppError::Invalid("A story needs a name: give one.".into()));
            }
            StoryEdit::Rename { story, title }
        }
        other => other,
    };
    let (action, target, detail) = match &edit {
        StoryEdit::Merge { from, into } => {
            ("story.merge", format!("story {from}"), format!("into story {into}"))
        }
        StoryEdit::Move { article, to } => {
            ("story.move", format!("article {article}"), format!("to story {to}"))
        }
        StoryEdit::Split { article } => ("story.split", format!("article {article}"), String::new()),
        StoryEdit::Rename { story, title } => ("story.rename", format!("story {story}"), title.clone()),
    };
    let audit = actor.audit_entry(action, target.clone(), detail);
    let placed_in = store.edit_stories(edit, audit).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "Nothing was changed: {target} or the story named does not exist (see `freewire story list`)."
        ))
    })?;
    tracing::info!(actor = actor.name(), action, %target, story = placed_in.0, "stories arranged");
    Ok(placed_in)
}

/// How many merges an address is followed through before giving up (a merge re-points the
/// stories already merged into the one that goes, so a chain is short).
const MERGE_HOPS: usize = 16;

/// The story an address names now: the story itself, or the one it was merged into (followed
/// through merges and rebuilds). `None` when there is no such story.
pub async fn live_story(store: &dyn Store, id: StoryId) -> Result<Option<Story>, AppError> {
    let mut found = store.story_by_id(id).await?;
    for _ in 0..MERGE_HOPS {
        match found.as_ref().and_then(|s| s.merged_into) {
            Some(into) => found = store.story_by_id(into).await?,
            None => return Ok(found),
        }
    }
    Err(AppError::Internal(format!("story {id} leads through more than {MERGE_HOPS} merges")))
}
