//! Stories: the [`StoryStore`] part of [`SqlStore`]. Each story's figures (articles, outlets,
//! lead article, first and last publication) are kept on its row and refreshed by every call
//! that changes its members, in the same transaction, so lists read one row per story.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use freewire_core::model::{
    ArticleId, ArticleStatus, GroupingInput, GroupingMark, NewAuditEntry, Page, PageRequest, Placed,
    Regrouping, Story, StoryChoice, StoryEdit, StoryId, StoryReport,
};
use freewire_core::{Permalink, StoreError, StoryStore, slugify};
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use super::audit::audit_row;
use super::changes::record_changes;
use super::{SqlStore, corrupt, db_err, ts};
use crate::entity::{article, source, story, story_grouping};

/// The one row of `story_grouping`.
const GROUPING_ROW: i32 = 1;

/// Bound parameters per `IN` list (engines cap them).
const CHUNK: usize = 500;

/// Stories refreshed per statement: five `CASE` columns of two parameters each, per story.
const STORY_CHUNK: usize = 200;

fn story_from(row: story::Model) -> Story {
    Story {
        id: StoryId(row.id),
        title: row.title,
        slug: row.slug,
        title_locked: row.title_locked,
        article_count: u32::try_from(row.article_count).unwrap_or(0),
        outlet_count: u32::try_from(row.outlet_count).unwrap_or(0),
        lead_article_id: row.lead_article_id.map(ArticleId),
        first_published_at: row.first_published_at,
        last_published_at: row.last_published_at,
        created_at: row.created_at,
        merged_into: row.merged_into.map(StoryId),
    }
}

type InputRow = (i64, String, String, DateTime<Utc>, Option<i64>, Option<i64>, bool);

fn input_from((id, title, body_html, published_at, duplicate_of, story, pinned): InputRow) -> GroupingInput {
    GroupingInput {
        id: ArticleId(id),
        title,
        body_html,
        published_at,
        duplicate_of: duplicate_of.map(ArticleId),
        story: story.map(StoryId),
        pinned,
    }
}

fn input_query() -> sea_orm::Select<article::Entity> {
    article::Entity::find()
        .select_only()
        .column(article::Column::Id)
        .column(article::Column::Title)
        .column(article::Column::BodyHtml)
        .column(article::Column::PublishedAt)
        .column(article::Column::DuplicateOf)
        .column(article::Column::StoryId)
        .column(article::Column::StoryPinned)
}

/// Creates a story named after `title`.
async fn create_story(txn: &DatabaseTransaction, title: &str) -> Result<i64, StoreError> {
    let row = story::ActiveModel {
        title: Set(title.to_owned()),
        slug: Set(slugify(title)),
        title_locked: Set(false),
        article_count: Set(0),
        outlet_count: Set(0),
        created_at: Set(ts(Utc::now())),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(db_err("creating a story"))?;
    Ok(row.id)
}

/// Puts articles in a story by an editor's decision: pinned there, so the grouping never
/// moves them.
async fn pin_to(txn: &DatabaseTransaction, story: i64, articles: &[i64]) -> Result<(), StoreError> {
    for chunk in articles.chunks(CHUNK) {
        article::Entity::update_many()
            .col_expr(article::Column::StoryId, Expr::value(story))
            .col_expr(article::Column::StoryPinned, Expr::value(true))
            .filter(article::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await
            .map_err(db_err("placing articles in a story"))?;
    }
    Ok(())
}

/// One story's figures, from its articles' (id, source, published, status).
struct Figures {
    articles: i32,
    outlets: i32,
    lead: Option<i64>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

/// An article of a story as its figures need it: id, source, published, status.
type Member = (i64, i64, DateTime<Utc>, String);

fn figures(mut members: Vec<Member>) -> Figures {
    members.retain(|m| m.3 == ArticleStatus::Published.as_str());
    members.sort_by_key(|m| (m.2, m.0));
    let outlets: BTreeSet<i64> = members.iter().map(|m| m.1).collect();
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    Figures {
        articles: count(members.len()),
        outlets: count(outlets.len()),
        lead: members.last().map(|m| m.0),
        first: members.first().map(|m| m.2),
        last: members.last().map(|m| m.2),
    }
}

/// Recomputes stories' figures from their published articles, and marks each one's lead
/// (the article lists show; every article not in a story leads itself). A few statements per
/// hundred stories, whatever their size.
async fn refresh_many(txn: &DatabaseTransaction, ids: &BTreeSet<i64>) -> Result<(), StoreError> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    for chunk in ids.chunks(STORY_CHUNK) {
        // Filtered by story alone, so the engine reads the rows by `ix_articles_story` (with
        // the status too, SQLite walks every published article instead).
        let rows: Vec<(i64, i64, DateTime<Utc>, String, i64, bool)> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::SourceId)
            .column(article::Column::PublishedAt)
            .column(article::Column::Status)
            .column(article::Column::StoryId)
            .column(article::Column::StoryLead)
            .filter(article::Column::StoryId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await
            .map_err(db_err("reading stories' articles"))?;
        let mut by_story: HashMap<i64, Vec<Member>> = chunk.iter().map(|id| (*id, Vec::new())).collect();
        let mut leading: Vec<(i64, bool)> = Vec::with_capacity(rows.len());
        for (id, source, at, status, story, lead) in rows {
            by_story.entry(story).or_default().push((id, source, at, status));
            leading.push((id, lead));
        }
        let all: Vec<(i64, Figures)> = by_story.into_iter().map(|(id, m)| (id, figures(m))).collect();
        let case = |value: &dyn Fn(&Figures) -> sea_orm::sea_query::Expr| {
            all.iter()
                .fold(CaseStatement::new(), |case, (id, f)| case.case(story::Column::Id.eq(*id), value(f)))
        };
        story::Entity::update_many()
            .col_expr(story::Column::ArticleCount, case(&|f| Expr::val(f.articles)).into())
            .col_expr(story::Column::OutletCount, case(&|f| Expr::val(f.outlets)).into())
            .col_expr(story::Column::LeadArticleId, case(&|f| Expr::val(f.lead)).into())
            .col_expr(story::Column::FirstPublishedAt, case(&|f| Expr::val(f.first)).into())
            .col_expr(story::Column::LastPublishedAt, case(&|f| Expr::val(f.last)).into())
            .filter(story::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await
            .map_err(db_err("refreshing stories"))?;
        // Only the rows whose mark changes are written (a row rewritten for nothing costs a
        // new row version on PostgreSQL): a one-article story's lead is already marked.
        let leads: BTreeSet<i64> = all.iter().filter_map(|(_, f)| f.lead).collect();
        for mark in [true, false] {
            let flip: Vec<i64> = leading
                .iter()
                .filter(|(id, lead)| leads.contains(id) == mark && *lead != mark)
                .map(|(id, _)| *id)
                .collect();
            for part in flip.chunks(CHUNK) {
                article::Entity::update_many()
                    .col_expr(article::Column::StoryLead, Expr::value(mark))
                    .filter(article::Column::Id.is_in(part.iter().copied()))
                    .exec(txn)
                    .await
                    .map_err(db_err("marking stories' leads"))?;
            }
        }
    }
    Ok(())
}

/// [`refresh_many`] of one story.
async fn refresh(txn: &DatabaseTransaction, id: i64) -> Result<(), StoreError> {
    refresh_many(txn, &BTreeSet::from([id])).await
}

/// Recomputes the figures of the stories that articles (about to change story) are in.
pub(super) async fn refresh_stories_of(
    txn: &DatabaseTransaction,
    articles: &[i64],
) -> Result<(), StoreError> {
    let stories: Vec<Option<i64>> = article::Entity::find()
        .select_only()
        .column(article::Column::StoryId)
        .filter(article::Column::Id.is_in(articles.iter().copied()))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err("reading articles' stories"))?;
    refresh_many(txn, &stories.into_iter().flatten().collect()).await
}

async fn raise_epoch(txn: &DatabaseTransaction) -> Result<(), StoreError> {
    story_grouping::Entity::update_many()
        .col_expr(story_grouping::Column::Epoch, Expr::col(story_grouping::Column::Epoch).add(1))
        .filter(story_grouping::Column::Id.eq(GROUPING_ROW))
        .exec(txn)
        .await
        .map_err(db_err("recording an editor's act on stories"))?;
    Ok(())
}

/// Where a placement goes, creating new stories (once per key) as they come.
async fn resolve(
    txn: &DatabaseTransaction,
    choice: &StoryChoice,
    created: &mut HashMap<i64, StoryId>,
) -> Result<i64, StoreError> {
    Ok(match choice {
        StoryChoice::Existing(id) => id.0,
        StoryChoice::New { key, title, reuse } => {
            if let Some(id) = created.get(key) {
                id.0
            } else {
                let id = match reuse {
                    Some(id) => {
                        story::Entity::update_many()
                            .col_expr(story::Column::MergedInto, Expr::value(Option::<i64>::None))
                            .filter(story::Column::Id.eq(id.0))
                            .exec(txn)
                            .await
                            .map_err(db_err("reusing a story"))?;
                        id.0
                    }
                    None => create_story(txn, title).await?,
                };
                created.insert(*key, StoryId(id));
                id
            }
        }
    })
}

/// Creates the new stories a batch names (not those that keep a stored id), in as few
/// statements as their titles allow: stories whose titles are distinct in the batch are
/// inserted together and told apart by title (engines do not promise the order `RETURNING`
/// answers in); a title two new stories share is inserted one story at a time.
async fn create_new(
    txn: &DatabaseTransaction,
    placements: &[Placed],
) -> Result<HashMap<i64, StoryId>, StoreError> {
    let mut wanted: Vec<(i64, &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for placed in placements {
        if let StoryChoice::New { key, title, reuse: None } = &placed.story
            && seen.insert(*key)
        {
            wanted.push((*key, title.as_str()));
        }
    }
    let mut titles: HashMap<&str, usize> = HashMap::new();
    for (_, title) in &wanted {
        *titles.entry(title).or_default() += 1;
    }
    let mut created = HashMap::new();
    let (together, alone): (Vec<_>, Vec<_>) = wanted.into_iter().partition(|(_, t)| titles[t] == 1);
    let now = ts(Utc::now());
    for chunk in together.chunks(CHUNK / 8) {
        let rows = chunk.iter().map(|(_, title)| story::ActiveModel {
            title: Set((*title).to_owned()),
            slug: Set(slugify(title)),
            title_locked: Set(false),
            article_count: Set(0),
            outlet_count: Set(0),
            created_at: Set(now),
            ..Default::default()
        });
        let models = story::Entity::insert_many(rows)
            .exec_with_returning(txn)
            .await
            .map_err(db_err("creating stories"))?;
        let ids: HashMap<String, i64> = models.into_iter().map(|m| (m.title, m.id)).collect();
        for (key, title) in chunk {
            let id =
                ids.get(*title).ok_or_else(|| corrupt("creating stories", "a new story was not returned"))?;
            created.insert(*key, StoryId(*id));
        }
    }
    for (key, title) in alone {
        created.insert(key, StoryId(create_story(txn, title).await?));
    }
    Ok(created)
}

/// Writes placements: returns the stories touched and those created, by key. The articles
/// are assigned a chunk per statement.
async fn place_all(
    txn: &DatabaseTransaction,
    placements: Vec<Placed>,
) -> Result<(BTreeSet<i64>, HashMap<i64, StoryId>), StoreError> {
    let mut created = create_new(txn, &placements).await?;
    let mut pairs: Vec<(i64, i64)> = Vec::with_capacity(placements.len());
    for placed in placements {
        let story = resolve(txn, &placed.story, &mut created).await?;
        pairs.push((placed.article.0, story));
    }
    for chunk in pairs.chunks(CHUNK / 2) {
        let case = chunk.iter().fold(CaseStatement::new(), |case, (article, story)| {
            case.case(article::Column::Id.eq(*article), *story)
        });
        article::Entity::update_many()
            .col_expr(article::Column::StoryId, case.into())
            .filter(article::Column::Id.is_in(chunk.iter().map(|(article, _)| *article)))
            .exec(txn)
            .await
            .map_err(db_err("placing articles in stories"))?;
    }
    Ok((pairs.iter().map(|(_, story)| *story).collect(), created))
}

async fn story_row(txn: &impl ConnectionTrait, id: StoryId) -> Result<Option<story::Model>, StoreError> {
    story::Entity::find_by_id(id.0).one(txn).await.map_err(db_err("reading a story"))
}

/// A story that is live (not merged away).
async fn live_story(txn: &DatabaseTransaction, id: StoryId) -> Result<Option<story::Model>, StoreError> {
    Ok(story_row(txn, id).await?.filter(|s| s.merged_into.is_none()))
}

/// An original (not a copy): its id, story and title.
async fn original(
    txn: &DatabaseTransaction,
    id: ArticleId,
) -> Result<Option<(i64, Option<i64>, String)>, StoreError> {
    article::Entity::find()
        .select_only()
        .column(article::Column::Id)
        .column(article::Column::StoryId)
        .column(article::Column::Title)
        .filter(article::Column::Id.eq(id.0))
        .filter(article::Column::DuplicateOf.is_null())
        .into_tuple()
        .one(txn)
        .await
        .map_err(db_err("reading an article"))
}

/// An article and its near-verbatim copies, which always share its story.
async fn with_copies(txn: &DatabaseTransaction, id: i64) -> Result<Vec<i64>, StoreError> {
    let mut ids: Vec<i64> = article::Entity::find()
        .select_only()
        .column(article::Column::Id)
        .filter(article::Column::DuplicateOf.eq(id))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err("reading an article's copies"))?;
    ids.push(id);
    Ok(ids)
}

/// Moves an article (with its copies) to `to`, pinned, and refreshes both stories.
async fn move_article(
    txn: &DatabaseTransaction,
    id: i64,
    from: Option<i64>,
    to: i64,
) -> Result<(), StoreError> {
    let ids = with_copies(txn, id).await?;
    pin_to(txn, to, &ids).await?;
    record_changes(txn, &ids).await?;
    if let Some(from) = from {
        refresh(txn, from).await?;
    }
    refresh(txn, to).await
}

async fn apply_edit(txn: &DatabaseTransaction, edit: StoryEdit) -> Result<Option<StoryId>, StoreError> {
    match edit {
        StoryEdit::Merge { from, into } => {
            if from == into
                || live_story(txn, from).await?.is_none()
                || live_story(txn, into).await?.is_none()
            {
                return Ok(None);
            }
            let ids: Vec<i64> = article::Entity::find()
                .select_only()
                .column(article::Column::Id)
                .filter(article::Column::StoryId.eq(from.0))
                .into_tuple()
                .all(txn)
                .await
                .map_err(db_err("reading a story's articles"))?;
            pin_to(txn, into.0, &ids).await?;
            record_changes(txn, &ids).await?;
            story::Entity::update_many()
                .col_expr(story::Column::MergedInto, Expr::value(into.0))
                .filter(story::Column::Id.eq(from.0).or(story::Column::MergedInto.eq(from.0)))
                .exec(txn)
                .await
                .map_err(db_err("merging stories"))?;
            refresh(txn, from.0).await?;
            refresh(txn, into.0).await?;
            Ok(Some(into))
        }
        StoryEdit::Move { article, to } => {
            let (Some((id, from, _)), Some(_)) = (original(txn, article).await?, live_story(txn, to).await?)
            else {
                return Ok(None);
            };
            move_article(txn, id, from, to.0).await?;
            Ok(Some(to))
        }
        StoryEdit::Split { article } => {
            let Some((id, from, title)) = original(txn, article).await? else { return Ok(None) };
            let to = create_story(txn, &title).await?;
            move_article(txn, id, from, to).await?;
            Ok(Some(StoryId(to)))
        }
        StoryEdit::Rename { story: id, title } => {
            if live_story(txn, id).await?.is_none() {
                return Ok(None);
            }
            story::Entity::update_many()
                .col_expr(story::Column::Title, Expr::value(title.clone()))
                .col_expr(story::Column::Slug, Expr::value(slugify(&title)))
                .col_expr(story::Column::TitleLocked, Expr::value(true))
                .filter(story::Column::Id.eq(id.0))
                .exec(txn)
                .await
                .map_err(db_err("renaming a story"))?;
            Ok(Some(id))
        }
    }
}

#[async_trait]
impl StoryStore for SqlStore {
    async fn story_by_id(&self, id: StoryId) -> Result<Option<Story>, StoreError> {
        Ok(story_row(&self.db, id).await?.map(story_from))
    }

    async fn stories_by_ids(&self, ids: &[StoryId]) -> Result<HashMap<StoryId, Story>, StoreError> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let rows = story::Entity::find()
                .filter(story::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .all(self.reader())
                .await
                .map_err(db_err("reading stories"))?;
            out.extend(rows.into_iter().map(|row| (StoryId(row.id), story_from(row))));
        }
        Ok(out)
    }

    async fn list_stories(&self, page: PageRequest) -> Result<Page<Story>, StoreError> {
        let live = || {
            story::Entity::find()
                .filter(story::Column::MergedInto.is_null())
                .filter(story::Column::ArticleCount.gt(0))
        };
        let total = live().count(&self.db).await.map_err(db_err("counting stories"))?;
        let rows = live()
            .order_by_desc(story::Column::LastPublishedAt)
            .order_by_desc(story::Column::Id)
            .offset(page.offset())
            .limit(page.size)
            .all(&self.db)
            .await
            .map_err(db_err("listing stories"))?;
        Ok(Page {
            items: rows.into_iter().map(story_from).collect(),
            number: page.number,
            size: page.size,
            total,
        })
    }

    async fn story_reports(&self, ids: &[StoryId]) -> Result<HashMap<StoryId, Vec<StoryReport>>, StoreError> {
        type Row = (i64, i64, String, String, i64, Option<String>, DateTime<Utc>, String);
        let mut rows: Vec<Row> = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            // Only the story's own rows are asked for, by `ix_articles_story`, and sorted and
            // sifted here. Asked for in date order and published, SQLite may instead walk
            // every published article by date, sparing itself a sort of a few rows: its
            // statistics, sampled, do not always show how much worse that is (60 ms an article
            // page at 20,000 articles, and more with every one).
            let found: Vec<Row> = article::Entity::find()
                .select_only()
                .column(article::Column::StoryId)
                .column(article::Column::Id)
                .column(article::Column::Permalink)
                .column(article::Column::Title)
                .column(article::Column::SourceId)
                .column(article::Column::OriginalUrl)
                .column(article::Column::PublishedAt)
                .column(article::Column::Status)
                .filter(article::Column::StoryId.is_in(chunk.iter().map(|id| id.0)))
                .into_tuple()
                .all(self.reader())
                .await
                .map_err(db_err("reading stories' reports"))?;
            rows.extend(found.into_iter().filter(|r| r.7 == ArticleStatus::Published.as_str()));
        }
        rows.sort_by_key(|r| (r.6, r.1));
        let mut sources: Vec<i64> = rows.iter().map(|r| r.4).collect();
        sources.sort_unstable();
        sources.dedup();
        let names: HashMap<i64, String> = source::Entity::find()
            .select_only()
            .column(source::Column::Id)
            .column(source::Column::Name)
            .filter(source::Column::Id.is_in(sources))
            .into_tuple::<(i64, String)>()
            .all(self.reader())
            .await
            .map_err(db_err("reading sources"))?
            .into_iter()
            .collect();
        let mut reports: HashMap<StoryId, Vec<StoryReport>> = HashMap::new();
        for (story_id, id, permalink, title, source_id, original_url, published_at, _) in rows {
            reports.entry(StoryId(story_id)).or_default().push(StoryReport {
                story_id: StoryId(story_id),
                article_id: ArticleId(id),
                permalink: Permalink::from_path(&permalink)
                    .ok_or_else(|| corrupt("reading a permalink", permalink.clone()))?,
                title,
                source_name: names.get(&source_id).cloned().unwrap_or_default(),
                original_url,
                published_at,
            });
        }
        Ok(reports)
    }

    async fn last_article_id(&self) -> Result<ArticleId, StoreError> {
        let last: Option<i64> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .order_by_desc(article::Column::Id)
            .limit(1)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err("reading the last article"))?;
        Ok(ArticleId(last.unwrap_or(0)))
    }

    async fn grouping_mark(&self) -> Result<GroupingMark, StoreError> {
        let row = story_grouping::Entity::find_by_id(GROUPING_ROW)
            .one(&self.db)
            .await
            .map_err(db_err("reading the grouping's progress"))?
            .ok_or_else(|| corrupt("reading the grouping's progress", "its row is missing"))?;
        Ok(GroupingMark { through: ArticleId(row.grouped_through), epoch: row.epoch })
    }

    async fn articles_to_group(
        &self,
        after: ArticleId,
        limit: u64,
    ) -> Result<Vec<GroupingInput>, StoreError> {
        let rows: Vec<InputRow> = input_query()
            .filter(article::Column::Id.gt(after.0))
            .order_by_asc(article::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err("reading articles to group"))?;
        Ok(rows.into_iter().map(input_from).collect())
    }

    async fn grouped_window(&self, through: ArticleId, count: u64) -> Result<Vec<ArticleId>, StoreError> {
        let ids: Vec<i64> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Id.lte(through.0))
            .filter(article::Column::StoryId.is_not_null())
            .filter(article::Column::DuplicateOf.is_null())
            .order_by_desc(article::Column::Id)
            .limit(count)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err("reading the grouping's window"))?;
        Ok(ids.into_iter().rev().map(ArticleId).collect())
    }

    async fn grouping_inputs(&self, ids: &[ArticleId]) -> Result<Vec<GroupingInput>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<InputRow> = input_query()
                .filter(article::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .order_by_asc(article::Column::Id)
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_err("reading articles to group"))?;
            out.extend(rows.into_iter().map(input_from));
        }
        out.sort_by_key(|i| i.id);
        Ok(out)
    }

    async fn record_grouping(
        &self,
        mark: GroupingMark,
        through: ArticleId,
        placements: Vec<Placed>,
    ) -> Result<Option<HashMap<i64, StoryId>>, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let moved = story_grouping::Entity::update_many()
            .col_expr(story_grouping::Column::GroupedThrough, Expr::value(through.0))
            .filter(story_grouping::Column::Id.eq(GROUPING_ROW))
            .filter(story_grouping::Column::GroupedThrough.eq(mark.through.0))
            .filter(story_grouping::Column::Epoch.eq(mark.epoch))
            .exec(&txn)
            .await
            .map_err(db_err("claiming a grouping batch"))?;
        if moved.rows_affected == 0 {
            return Ok(None);
        }
        let (touched, created) = place_all(&txn, placements).await?;
        refresh_many(&txn, &touched).await?;
        txn.commit().await.map_err(db_err("committing a grouping batch"))?;
        Ok(Some(created))
    }

    async fn apply_regrouping(&self, regrouping: Regrouping) -> Result<u64, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let (mut touched, _) = place_all(&txn, regrouping.placements).await?;
        let live = touched.len() as u64;
        for (from, into) in &regrouping.redirects {
            story::Entity::update_many()
                .col_expr(story::Column::MergedInto, Expr::value(into.0))
                .filter(story::Column::Id.eq(from.0))
                .exec(&txn)
                .await
                .map_err(db_err("redirecting a story"))?;
            touched.insert(from.0);
        }
        refresh_many(&txn, &touched).await?;
        story_grouping::Entity::update_many()
            .col_expr(story_grouping::Column::GroupedThrough, Expr::value(regrouping.through.0))
            .filter(story_grouping::Column::Id.eq(GROUPING_ROW))
            .exec(&txn)
            .await
            .map_err(db_err("recording the regrouping"))?;
        raise_epoch(&txn).await?;
        txn.commit().await.map_err(db_err("committing the regrouping"))?;
        Ok(live)
    }

    async fn edit_stories(
        &self,
        edit: StoryEdit,
        audit: NewAuditEntry,
    ) -> Result<Option<StoryId>, StoreError> {
        let txn = self.db.begin().await.map_err(db_err("starting a transaction"))?;
        let Some(story) = apply_edit(&txn, edit).await? else { return Ok(None) };
        raise_epoch(&txn).await?;
        audit_row(audit, Utc::now()).insert(&txn).await.map_err(db_err("recording an act"))?;
        txn.commit().await.map_err(db_err("committing an editor's act on stories"))?;
        Ok(Some(story))
    }
}
