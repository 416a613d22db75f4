//! `sources`: outlets.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub homepage: Option<String>,
    pub licence: String,
    pub credit: Option<String>,
    pub created_at: DateTimeUtc,
    /// `original` or `noindex` (`freewire_core::IndexPolicy`).
    pub index_policy: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
