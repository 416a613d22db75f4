//! WebSub, both ways: subscriptions to our own feeds (we are their hub) with the queue of
//! deliveries to them, and our subscriptions at the hubs of the feeds we follow.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, string, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

use super::{Feeds, cascade};

pub(super) struct M0013WebSub;

impl MigrationName for M0013WebSub {
    fn name(&self) -> &'static str {
        "m0013_websub"
    }
}

#[derive(DeriveIden)]
enum WebsubSubscriptions {
    Table,
    Id,
    Topic,
    Callback,
    Secret,
    LeaseSeconds,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebsubDeliveries {
    Table,
    Id,
    SubscriptionId,
    Attempts,
    NextTryAt,
    LastError,
    GaveUpAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebsubFeedSubscriptions {
    Table,
    FeedId,
    Hub,
    Topic,
    Token,
    Secret,
    State,
    LeaseSeconds,
    ExpiresAt,
    RenewAt,
    VerifiedAt,
    LastPushAt,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0013WebSub {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebsubSubscriptions::Table)
                .col(big_pk_auto(WebsubSubscriptions::Id))
                .col(text(WebsubSubscriptions::Topic))
                .col(text(WebsubSubscriptions::Callback))
                .col(text_null(WebsubSubscriptions::Secret))
                .col(big_integer(WebsubSubscriptions::LeaseSeconds))
                .col(timestamp_with_time_zone(WebsubSubscriptions::ExpiresAt))
                .col(timestamp_with_time_zone(WebsubSubscriptions::CreatedAt))
                .col(timestamp_with_time_zone(WebsubSubscriptions::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_websub_subscriptions_topic_callback")
                .table(WebsubSubscriptions::Table)
                .col(WebsubSubscriptions::Topic)
                .col(WebsubSubscriptions::Callback)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebsubDeliveries::Table)
                .col(big_pk_auto(WebsubDeliveries::Id))
                .col(big_integer(WebsubDeliveries::SubscriptionId))
                .col(integer(WebsubDeliveries::Attempts))
                .col(timestamp_with_time_zone(WebsubDeliveries::NextTryAt))
                .col(text_null(WebsubDeliveries::LastError))
                .col(timestamp_with_time_zone_null(WebsubDeliveries::GaveUpAt))
                .col(timestamp_with_time_zone(WebsubDeliveries::CreatedAt))
                .foreign_key(&mut cascade(
                    "fk_websub_deliveries_subscription",
                    (WebsubDeliveries::Table, WebsubDeliveries::SubscriptionId),
                    (WebsubSubscriptions::Table, WebsubSubscriptions::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_websub_deliveries_next_try_at")
                .table(WebsubDeliveries::Table)
                .col(WebsubDeliveries::NextTryAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_websub_deliveries_subscription")
                .table(WebsubDeliveries::Table)
                .col(WebsubDeliveries::SubscriptionId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebsubFeedSubscriptions::Table)
                .col(big_integer(WebsubFeedSubscriptions::FeedId).primary_key())
                .col(text(WebsubFeedSubscriptions::Hub))
                .col(text(WebsubFeedSubscriptions::Topic))
                .col(string(WebsubFeedSubscriptions::Token))
                .col(string(WebsubFeedSubscriptions::Secret))
                .col(string(WebsubFeedSubscriptions::State))
                .col(big_integer_null(WebsubFeedSubscriptions::LeaseSeconds))
                .col(timestamp_with_time_zone_null(WebsubFeedSubscriptions::ExpiresAt))
                .col(timestamp_with_time_zone(WebsubFeedSubscriptions::RenewAt))
                .col(timestamp_with_time_zone_null(WebsubFeedSubscriptions::VerifiedAt))
                .col(timestamp_with_time_zone_null(WebsubFeedSubscriptions::LastPushAt))
                .col(text_null(WebsubFeedSubscriptions::LastError))
                .col(timestamp_with_time_zone(WebsubFeedSubscriptions::CreatedAt))
                .foreign_key(&mut cascade(
                    "fk_websub_feed_subscriptions_feed",
                    (WebsubFeedSubscriptions::Table, WebsubFeedSubscriptions::FeedId),
                    (Feeds::Table, Feeds::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_websub_feed_subscriptions_renew_at")
                .table(WebsubFeedSubscriptions::Table)
                .col(WebsubFeedSubscriptions::RenewAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebsubFeedSubscriptions::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(WebsubDeliveries::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(WebsubSubscriptions::Table).to_owned()).await
    }
}
