//! `websub_feed_subscriptions`: our subscription at the hub of a feed we follow.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "websub_feed_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub feed_id: i64,
    pub hub: String,
    pub topic: String,
    pub token: String,
    pub secret: String,
    pub state: String,
    pub lease_seconds: Option<i64>,
    pub expires_at: Option<DateTimeUtc>,
    pub renew_at: DateTimeUtc,
    pub verified_at: Option<DateTimeUtc>,
    pub last_push_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
