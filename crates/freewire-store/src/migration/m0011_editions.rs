//! Outlets' edits and what an article says: each revision points at the retrieval that
//! brought it, an article remembers the last version seen when it was not the one shown (so a
//! version that comes back is taken only when it holds), the names and dates found in each article are kept for its page, its story's
//! page and search, and articles whose original page is re-read on a schedule have their next
//! visit recorded.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, string, string_null, text, timestamp_with_time_zone,
};

use super::{Articles, Revisions};

pub(super) struct M0011Editions;

impl MigrationName for M0011Editions {
    fn name(&self) -> &'static str {
        "m0011_editions"
    }
}

#[derive(DeriveIden)]
enum RevisionRetrieval {
    RetrievalId,
}

#[derive(DeriveIden)]
enum ArticleLastSeen {
    LastSeenKey,
}

#[derive(DeriveIden)]
enum ArticleFacts {
    Table,
    Id,
    ArticleId,
    Kind,
    Value,
    Text,
    Detail,
    Sentence,
    Position,
}

#[derive(DeriveIden)]
enum Rechecks {
    Table,
    ArticleId,
    Url,
    DueAt,
    ChangedAt,
    Until,
    Etag,
    LastModified,
    PageKey,
    Checks,
}

#[async_trait::async_trait]
impl MigrationTrait for M0011Editions {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Revisions::Table)
                .add_column(big_integer_null(RevisionRetrieval::RetrievalId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Articles::Table)
                .add_column(string_null(ArticleLastSeen::LastSeenKey))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ArticleFacts::Table)
                .col(big_pk_auto(ArticleFacts::Id))
                .col(big_integer(ArticleFacts::ArticleId))
                .col(string(ArticleFacts::Kind))
                .col(string(ArticleFacts::Value))
                .col(string(ArticleFacts::Text))
                .col(string_null(ArticleFacts::Detail))
                .col(text(ArticleFacts::Sentence))
                .col(integer(ArticleFacts::Position))
                .foreign_key(
                    ForeignKey::create()
                        .from(ArticleFacts::Table, ArticleFacts::ArticleId)
                        .to(Articles::Table, Articles::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_article_facts_article")
                .table(ArticleFacts::Table)
                .col(ArticleFacts::ArticleId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Rechecks::Table)
                .col(big_integer(Rechecks::ArticleId).primary_key())
                .col(string(Rechecks::Url))
                .col(timestamp_with_time_zone(Rechecks::DueAt))
                .col(timestamp_with_time_zone(Rechecks::ChangedAt))
                .col(timestamp_with_time_zone(Rechecks::Until))
                .col(string_null(Rechecks::Etag))
                .col(string_null(Rechecks::LastModified))
                .col(string_null(Rechecks::PageKey))
                .col(integer(Rechecks::Checks).default(0))
                .foreign_key(
                    ForeignKey::create()
                        .from(Rechecks::Table, Rechecks::ArticleId)
                        .to(Articles::Table, Articles::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_rechecks_due").table(Rechecks::Table).col(Rechecks::DueAt).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Rechecks::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(ArticleFacts::Table).to_owned()).await?;
        m.alter_table(
            Table::alter().table(Articles::Table).drop_column(ArticleLastSeen::LastSeenKey).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table(Revisions::Table).drop_column(RevisionRetrieval::RetrievalId).to_owned(),
        )
        .await
    }
}
