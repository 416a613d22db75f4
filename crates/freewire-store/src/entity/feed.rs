//! `feeds`: the feeds we follow.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feeds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source_id: i64,
    #[sea_orm(unique)]
    pub url: String,
    pub title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_poll_at: DateTimeUtc,
    pub error_count: i32,
    pub last_error: Option<String>,
    pub last_success_at: Option<DateTimeUtc>,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub poll_interval_secs: i64,
    pub last_polled_at: Option<DateTimeUtc>,
    pub last_status: Option<i32>,
    /// While a poller holds the feed: until when (the claim's lease).
    pub leased_until: Option<DateTimeUtc>,
    /// The claim holding the feed, while one does.
    pub lease_token: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
