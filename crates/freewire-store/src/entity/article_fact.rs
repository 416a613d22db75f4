//! `article_facts`: the people, places, organisations and dates found in an article.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_facts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub article_id: i64,
    /// `person`, `place`, `organisation` or `date`.
    pub kind: String,
    /// The name, or the date as `YYYY-MM-DD`.
    pub value: String,
    /// The words in the text that say it.
    pub text: String,
    /// For a date: how it is said (`absolute`, `relative`, `deadline`).
    pub detail: Option<String>,
    pub sentence: String,
    /// Order of mention within the article.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
