//! `rechecks`: articles whose original page is read again on a decaying schedule.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rechecks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: i64,
    pub url: String,
    pub due_at: DateTimeUtc,
    /// When the article last changed (or was first seen): the schedule counts from here.
    pub changed_at: DateTimeUtc,
    /// No visit after this.
    pub until: DateTimeUtc,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The version key of the page's text at the last visit.
    pub page_key: Option<String>,
    pub checks: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
