//! Several processes on one database: the token of the claim that holds a feed (so a poller
//! whose lease ran out cannot overwrite the schedule of the one that took the feed over), the
//! politeness slots per host that all pollers share, and the rate-limit counters that all
//! serving replicas share. Times in the last two are milliseconds since 1970, compared and
//! added in SQL the same way on both engines.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string, string_null};

use super::Feeds;

pub(super) struct M0014ScaleOut;

impl MigrationName for M0014ScaleOut {
    fn name(&self) -> &'static str {
        "m0014_scale_out"
    }
}

#[derive(DeriveIden)]
enum FeedLeaseToken {
    LeaseToken,
}

#[derive(DeriveIden)]
enum HostSlots {
    Table,
    Host,
    Slot,
    Holder,
    HeldUntilMs,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    TatMs,
    Admitted,
}

#[async_trait::async_trait]
impl MigrationTrait for M0014ScaleOut {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Feeds::Table).add_column(string_null(FeedLeaseToken::LeaseToken)).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(HostSlots::Table)
                .col(string(HostSlots::Host))
                .col(integer(HostSlots::Slot))
                .col(string_null(HostSlots::Holder))
                .col(big_integer(HostSlots::HeldUntilMs))
                .primary_key(Index::create().col(HostSlots::Host).col(HostSlots::Slot))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RateLimits::Table)
                .col(string(RateLimits::Key).primary_key())
                .col(big_integer(RateLimits::TatMs))
                .col(integer(RateLimits::Admitted))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RateLimits::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(HostSlots::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Feeds::Table).drop_column(FeedLeaseToken::LeaseToken).to_owned())
            .await
    }
}
