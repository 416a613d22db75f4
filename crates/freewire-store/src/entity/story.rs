//! `stories`: the events several outlets reported, each gathering its articles.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stories")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub slug: String,
    /// An editor named it: the grouping keeps the name.
    pub title_locked: bool,
    /// Published articles in it.
    pub article_count: i32,
    /// Distinct sources among them.
    pub outlet_count: i32,
    /// Its newest published article: the one lists show.
    pub lead_article_id: Option<i64>,
    pub first_published_at: Option<DateTimeUtc>,
    pub last_published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// Set when an editor merged it into another story, or a rebuild left it empty: its
    /// address then leads there.
    pub merged_into: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
