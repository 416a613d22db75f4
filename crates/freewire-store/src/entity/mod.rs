//! Table rows as SeaORM entities. Rows stay in this crate: the [`Store`](freewire_core::Store)
//! methods convert them to the domain types of `freewire-core` before they leave.

pub mod api_token;
pub mod article;
pub mod article_fact;
pub mod article_tag;
pub mod attachment;
pub mod audit;
pub mod change;
pub mod feed;
pub mod invite;
pub mod recheck;
pub mod recovery_code;
pub mod retrieval;
pub mod revision;
pub mod session;
pub mod setting;
pub mod source;
pub mod source_former_slug;
pub mod story;
pub mod story_grouping;
pub mod update;
pub mod user;
pub mod websub_delivery;
pub mod websub_feed_subscription;
pub mod websub_subscription;
