//! [`StoryStore`]: stories, the grouping's progress, and editors' decisions about them.

use std::collections::HashMap;

use async_trait::async_trait;

use super::StoreError;
use crate::model::{
    ArticleId, GroupingInput, GroupingMark, NewAuditEntry, Page, PageRequest, Placed, Regrouping, Story,
    StoryEdit, StoryId, StoryReport,
};

/// Stories, behind use-case shaped, atomic calls.
#[async_trait]
pub trait StoryStore: Send + Sync {
    /// A story by id (merged-away stories too: their `merged_into` says where to go).
    async fn story_by_id(&self, id: StoryId) -> Result<Option<Story>, StoreError>;
    /// The stories with these ids that exist (merged-away ones too), by id.
    async fn stories_by_ids(&self, ids: &[StoryId]) -> Result<HashMap<StoryId, Story>, StoreError>;
    /// Stories with published articles, newest (last published article) first.
    async fn list_stories(&self, page: PageRequest) -> Result<Page<Story>, StoreError>;
    /// The published reports of these stories, oldest first per story.
    async fn story_reports(&self, ids: &[StoryId]) -> Result<HashMap<StoryId, Vec<StoryReport>>, StoreError>;
    /// The highest article id there is (0 when there are none): how far a rebuild has to go.
    async fn last_article_id(&self) -> Result<ArticleId, StoreError>;
    /// How far the grouping has got.
    async fn grouping_mark(&self) -> Result<GroupingMark, StoreError>;
    /// Articles after `after`, by id, whatever their state: what is left to group.
    async fn articles_to_group(&self, after: ArticleId, limit: u64)
    -> Result<Vec<GroupingInput>, StoreError>;
    /// The ids of the last `count` articles at or below `through` that are in a story and
    /// are not copies, oldest first: the window a grouper replays.
    async fn grouped_window(&self, through: ArticleId, count: u64) -> Result<Vec<ArticleId>, StoreError>;
    /// These articles as the grouping reads them, by id (a page of a window at a time).
    async fn grouping_inputs(&self, ids: &[ArticleId]) -> Result<Vec<GroupingInput>, StoreError>;
    /// Stores where a batch of articles went and moves the mark to `through`, in one
    /// transaction, if the mark is still `mark`; `None` (nothing written) if another process
    /// moved it first. Returns the ids of the stories created, by their keys.
    async fn record_grouping(
        &self,
        mark: GroupingMark,
        through: ArticleId,
        placements: Vec<Placed>,
    ) -> Result<Option<HashMap<i64, StoryId>>, StoreError>;
    /// Replaces every article's story with a regrouping's, in one transaction, and raises the
    /// epoch. Returns how many stories there are afterwards.
    async fn apply_regrouping(&self, regrouping: Regrouping) -> Result<u64, StoreError>;
    /// Applies an editor's decision and records it, in one transaction, raising the epoch.
    /// `Ok(None)` when a story or article named does not exist; otherwise the story the
    /// decision leaves the article (or the merged stories) in.
    async fn edit_stories(
        &self,
        edit: StoryEdit,
        audit: NewAuditEntry,
    ) -> Result<Option<StoryId>, StoreError>;
}
