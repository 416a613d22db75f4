//! `story_grouping`: one row, how far the grouping has got and the epoch of editors' acts,
//! which every grouping commit checks so that two processes never place an article twice.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "story_grouping")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Every article with an id at or below this has its story.
    pub grouped_through: i64,
    /// Raised by each editor's act and each rebuild: a grouper holding an older epoch
    /// replays its window first.
    pub epoch: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
