//! `articles`: what we republish.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source_id: i64,
    pub feed_id: Option<i64>,
    pub guid: String,
    pub original_url: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub body_html: String,
    pub language: Option<String>,
    pub published_at: DateTimeUtc,
    pub updated_at: Option<DateTimeUtc>,
    /// `YYYY/MM/DD/slug`, unique.
    #[sea_orm(unique)]
    pub permalink: String,
    pub licence: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub normalized_url: Option<String>,
    pub simhash: Option<i64>,
    pub simhash_band0: Option<i64>,
    pub simhash_band1: Option<i64>,
    pub simhash_band2: Option<i64>,
    pub simhash_band3: Option<i64>,
    pub duplicate_of: Option<i64>,
    /// Hex sha256 of `body_html`: a changed text at the source is a revision.
    pub content_sha256: String,
    /// The key of the last version a re-send brought when it was an earlier one, not the one
    /// shown (see `known_guid`).
    pub last_seen_key: Option<String>,
    /// JSON array of `freewire_core::Media`.
    pub media: String,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawn_reason: Option<String>,
    /// The story it reports, once grouped.
    pub story_id: Option<i64>,
    /// An editor put it in its story: the grouping never moves it.
    pub story_pinned: bool,
    /// The article lists show for its story (its newest published report); every article
    /// not yet in a story leads itself.
    pub story_lead: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
