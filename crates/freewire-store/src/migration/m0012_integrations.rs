//! Other tools' ways in: named, scoped API tokens (kept as hashes), the former addresses of
//! renamed sources, so links to a source's old page are sent on to its new one, and the lease a
//! poller holds on a feed, so a poll asked for now never runs beside one in progress.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, string, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

use super::{Feeds, Sources, Users, cascade};

pub(super) struct M0012Integrations;

impl MigrationName for M0012Integrations {
    fn name(&self) -> &'static str {
        "m0012_integrations"
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Label,
    Scope,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum FeedLease {
    LeasedUntil,
}

#[derive(DeriveIden)]
enum SourceFormerSlugs {
    Table,
    Slug,
    SourceId,
}

#[async_trait::async_trait]
impl MigrationTrait for M0012Integrations {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Feeds::Table)
                .add_column(timestamp_with_time_zone_null(FeedLease::LeasedUntil))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(big_pk_auto(ApiTokens::Id))
                .col(big_integer(ApiTokens::UserId))
                .col(string(ApiTokens::Label))
                .col(string(ApiTokens::Scope))
                .col(string(ApiTokens::TokenHash).unique_key())
                .col(string(ApiTokens::Prefix))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .foreign_key(&mut cascade(
                    "fk_api_tokens_user",
                    (ApiTokens::Table, ApiTokens::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_tokens_user")
                .table(ApiTokens::Table)
                .col(ApiTokens::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SourceFormerSlugs::Table)
                .col(string(SourceFormerSlugs::Slug).primary_key())
                .col(big_integer(SourceFormerSlugs::SourceId))
                .foreign_key(&mut cascade(
                    "fk_source_former_slugs_source",
                    (SourceFormerSlugs::Table, SourceFormerSlugs::SourceId),
                    (Sources::Table, Sources::Id),
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SourceFormerSlugs::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(ApiTokens::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Feeds::Table).drop_column(FeedLease::LeasedUntil).to_owned()).await
    }
}
