//! Schema migrations, written once with the schema builder so both engines get the same
//! tables. They run at start-up ([`crate::SqlStore::connect`]); each is recorded in
//! `seaql_migrations` and never edited after it ships: a change is a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, integer, integer_null, string, string_null, text,
    text_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

mod m0011_editions;
mod m0012_integrations;
mod m0013_websub;
mod m0014_scale_out;
mod m0015_tag_order;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001Initial),
            Box::new(M0002Polling),
            Box::new(M0003Moderation),
            Box::new(M0004SecondFactor),
            Box::new(M0005Invites),
            Box::new(M0006SharedObjects),
            Box::new(M0007Thumbnails),
            Box::new(M0008Republishing),
            Box::new(M0009SearchChanges),
            Box::new(M0010Stories),
            Box::new(m0011_editions::M0011Editions),
            Box::new(m0012_integrations::M0012Integrations),
            Box::new(m0013_websub::M0013WebSub),
            Box::new(m0014_scale_out::M0014ScaleOut),
            Box::new(m0015_tag_order::M0015TagOrder),
        ]
    }
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Sources {
    Table,
    Id,
    Name,
    Homepage,
    Licence,
    Credit,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Feeds {
    Table,
    Id,
    SourceId,
    Url,
    Title,
    Etag,
    LastModified,
    NextPollAt,
    ErrorCount,
    LastError,
    LastSuccessAt,
    Enabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    SourceId,
    FeedId,
    Guid,
    OriginalUrl,
    Title,
    Author,
    Summary,
    BodyHtml,
    Language,
    PublishedAt,
    UpdatedAt,
    Permalink,
    Licence,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Retrievals {
    Table,
    Id,
    ArticleId,
    Location,
    RetrievedAt,
    HttpStatus,
    Sha256,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    PasswordHash,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
    UserAgent,
}

#[derive(DeriveIden)]
enum Updates {
    Table,
    Id,
    ArticleId,
    AuthorId,
    Body,
    CreatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    UpdateId,
    ObjectKey,
    FileName,
    MediaType,
    Size,
    Sha256,
    CreatedAt,
}

/// A foreign key that removes the child rows with their parent.
fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// The tables of the first slice.
struct M0001Initial;

// Names are spelt out: the derive takes the module's name, the same for every migration here.
impl MigrationName for M0001Initial {
    fn name(&self) -> &'static str {
        "m0001_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0001Initial {
    #[expect(clippy::too_many_lines, reason = "one table after another, read top to bottom")]
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(string(Settings::Key).primary_key())
                .col(text(Settings::Value))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sources::Table)
                .col(big_pk_auto(Sources::Id))
                .col(string(Sources::Name).unique_key())
                .col(text_null(Sources::Homepage))
                .col(string(Sources::Licence))
                .col(text_null(Sources::Credit))
                .col(timestamp_with_time_zone(Sources::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Feeds::Table)
                .col(big_pk_auto(Feeds::Id))
                .col(big_integer(Feeds::SourceId))
                .col(text(Feeds::Url).unique_key())
                .col(text_null(Feeds::Title))
                .col(text_null(Feeds::Etag))
                .col(text_null(Feeds::LastModified))
                .col(timestamp_with_time_zone(Feeds::NextPollAt))
                .col(integer(Feeds::ErrorCount).default(0))
                .col(text_null(Feeds::LastError))
                .col(timestamp_with_time_zone_null(Feeds::LastSuccessAt))
                .col(boolean(Feeds::Enabled).default(true))
                .col(timestamp_with_time_zone(Feeds::CreatedAt))
                .foreign_key(&mut cascade(
                    "fk_feeds_source",
                    (Feeds::Table, Feeds::SourceId),
                    (Sources::Table, Sources::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_feeds_next_poll").table(Feeds::Table).col(Feeds::NextPollAt).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Articles::Table)
                .col(big_pk_auto(Articles::Id))
                .col(big_integer(Articles::SourceId))
                .col(big_integer_null(Articles::FeedId))
                .col(text(Articles::Guid))
                .col(text_null(Articles::OriginalUrl))
                .col(text(Articles::Title))
                .col(text_null(Articles::Author))
                .col(text_null(Articles::Summary))
                .col(text(Articles::BodyHtml))
                .col(string_null(Articles::Language))
                .col(timestamp_with_time_zone(Articles::PublishedAt))
                .col(timestamp_with_time_zone_null(Articles::UpdatedAt))
                .col(string(Articles::Permalink).unique_key())
                .col(string(Articles::Licence))
                .col(string(Articles::Status))
                .col(timestamp_with_time_zone(Articles::CreatedAt))
                .foreign_key(&mut cascade(
                    "fk_articles_source",
                    (Articles::Table, Articles::SourceId),
                    (Sources::Table, Sources::Id),
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_articles_feed")
                        .from(Articles::Table, Articles::FeedId)
                        .to(Feeds::Table, Feeds::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_articles_source_guid")
                .table(Articles::Table)
                .col(Articles::SourceId)
                .col(Articles::Guid)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_articles_status_published")
                .table(Articles::Table)
                .col(Articles::Status)
                .col(Articles::PublishedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Retrievals::Table)
                .col(big_pk_auto(Retrievals::Id))
                .col(big_integer(Retrievals::ArticleId))
                .col(text(Retrievals::Location))
                .col(timestamp_with_time_zone(Retrievals::RetrievedAt))
                .col(integer_null(Retrievals::HttpStatus))
                .col(string(Retrievals::Sha256))
                .foreign_key(&mut cascade(
                    "fk_retrievals_article",
                    (Retrievals::Table, Retrievals::ArticleId),
                    (Articles::Table, Articles::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_retrievals_article")
                .table(Retrievals::Table)
                .col(Retrievals::ArticleId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(string(Users::Username).unique_key())
                .col(string_null(Users::Email))
                .col(text(Users::PasswordHash))
                .col(string(Users::Role))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(string(Sessions::TokenHash).primary_key())
                .col(big_integer(Sessions::UserId))
                .col(string(Sessions::CsrfToken))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(text_null(Sessions::UserAgent))
                .foreign_key(&mut cascade(
                    "fk_sessions_user",
                    (Sessions::Table, Sessions::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_sessions_user").table(Sessions::Table).col(Sessions::UserId).to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_expires")
                .table(Sessions::Table)
                .col(Sessions::ExpiresAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Updates::Table)
                .col(big_pk_auto(Updates::Id))
                .col(big_integer(Updates::ArticleId))
                .col(big_integer(Updates::AuthorId))
                .col(text(Updates::Body))
                .col(timestamp_with_time_zone(Updates::CreatedAt))
                .col(timestamp_with_time_zone_null(Updates::EditedAt))
                .foreign_key(&mut cascade(
                    "fk_updates_article",
                    (Updates::Table, Updates::ArticleId),
                    (Articles::Table, Articles::Id),
                ))
                .foreign_key(&mut cascade(
                    "fk_updates_author",
                    (Updates::Table, Updates::AuthorId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_updates_article_created")
                .table(Updates::Table)
                .col(Updates::ArticleId)
                .col(Updates::CreatedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Attachments::Table)
                .col(big_pk_auto(Attachments::Id))
                .col(big_integer(Attachments::UpdateId))
                .col(string(Attachments::ObjectKey).unique_key())
                .col(text(Attachments::FileName))
                .col(string(Attachments::MediaType))
                .col(big_integer(Attachments::Size))
                .col(string(Attachments::Sha256))
                .col(timestamp_with_time_zone(Attachments::CreatedAt))
                .foreign_key(&mut cascade(
                    "fk_attachments_update",
                    (Attachments::Table, Attachments::UpdateId),
                    (Updates::Table, Updates::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_attachments_update")
                .table(Attachments::Table)
                .col(Attachments::UpdateId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Attachments::Table.into_iden(),
            Updates::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Retrievals::Table.into_iden(),
            Articles::Table.into_iden(),
            Feeds::Table.into_iden(),
            Sources::Table.into_iden(),
            Settings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Id,
    ArticleId,
    SeenAt,
    Title,
    BodyHtml,
    ContentSha256,
}

#[derive(DeriveIden)]
enum FeedPolling {
    PollIntervalSecs,
    LastPolledAt,
    LastStatus,
}

#[derive(DeriveIden)]
enum ArticleDedupe {
    NormalizedUrl,
    Simhash,
    SimhashBand0,
    SimhashBand1,
    SimhashBand2,
    SimhashBand3,
    DuplicateOf,
    ContentSha256,
    Media,
}

/// Polling state on feeds; duplicate detection and revisions on articles.
struct M0002Polling;

impl MigrationName for M0002Polling {
    fn name(&self) -> &'static str {
        "m0002_polling"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0002Polling {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        let feed_columns = [
            big_integer(FeedPolling::PollIntervalSecs).default(3600).to_owned(),
            timestamp_with_time_zone_null(FeedPolling::LastPolledAt),
            integer_null(FeedPolling::LastStatus),
        ];
        for col in feed_columns {
            m.alter_table(Table::alter().table(Feeds::Table).add_column(col).to_owned()).await?;
        }
        let article_columns = [
            text_null(ArticleDedupe::NormalizedUrl),
            big_integer_null(ArticleDedupe::Simhash),
            big_integer_null(ArticleDedupe::SimhashBand0),
            big_integer_null(ArticleDedupe::SimhashBand1),
            big_integer_null(ArticleDedupe::SimhashBand2),
            big_integer_null(ArticleDedupe::SimhashBand3),
            big_integer_null(ArticleDedupe::DuplicateOf),
            string(ArticleDedupe::ContentSha256).default("").to_owned(),
            // Enclosures and Media RSS objects as a JSON array: read whole with the article,
            // never queried into.
            text(ArticleDedupe::Media).default("[]").to_owned(),
        ];
        for col in article_columns {
            m.alter_table(Table::alter().table(Articles::Table).add_column(col).to_owned()).await?;
        }
        let indexes = [
            ("ix_articles_normalized_url", ArticleDedupe::NormalizedUrl),
            ("ix_articles_simhash_band0", ArticleDedupe::SimhashBand0),
            ("ix_articles_simhash_band1", ArticleDedupe::SimhashBand1),
            ("ix_articles_simhash_band2", ArticleDedupe::SimhashBand2),
            ("ix_articles_simhash_band3", ArticleDedupe::SimhashBand3),
        ];
        for (name, col) in indexes {
            m.create_index(Index::create().name(name).table(Articles::Table).col(col).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(Revisions::Table)
                .col(big_pk_auto(Revisions::Id))
                .col(big_integer(Revisions::ArticleId))
                .col(timestamp_with_time_zone(Revisions::SeenAt))
                .col(text(Revisions::Title))
                .col(text(Revisions::BodyHtml))
                .col(string(Revisions::ContentSha256))
                .foreign_key(&mut cascade(
                    "fk_revisions_article",
                    (Revisions::Table, Revisions::ArticleId),
                    (Articles::Table, Articles::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_revisions_article")
                .table(Revisions::Table)
                .col(Revisions::ArticleId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Revisions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
#[expect(clippy::enum_variant_names, reason = "the variants are the column names")]
enum UpdateModeration {
    HiddenAt,
    HiddenBy,
    HiddenReason,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Action,
    Target,
    Detail,
}

/// Hidden updates and the audit log.
struct M0003Moderation;

impl MigrationName for M0003Moderation {
    fn name(&self) -> &'static str {
        "m0003_moderation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0003Moderation {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            timestamp_with_time_zone_null(UpdateModeration::HiddenAt),
            big_integer_null(UpdateModeration::HiddenBy),
            text_null(UpdateModeration::HiddenReason),
        ] {
            m.alter_table(Table::alter().table(Updates::Table).add_column(col).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(big_integer(AuditLog::ActorId))
                .col(string(AuditLog::Action))
                .col(string(AuditLog::Target))
                .col(text(AuditLog::Detail))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_audit_log_at").table(AuditLog::Table).col(AuditLog::At).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SecondFactor {
    TotpSecret,
    PendingSecondFactor,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}

/// Two-factor sign-in.
struct M0004SecondFactor;

impl MigrationName for M0004SecondFactor {
    fn name(&self) -> &'static str {
        "m0004_second_factor"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0004SecondFactor {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Users::Table).add_column(text_null(SecondFactor::TotpSecret)).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(boolean(SecondFactor::PendingSecondFactor).default(false).to_owned())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RecoveryCodes::Table)
                .col(big_pk_auto(RecoveryCodes::Id))
                .col(big_integer(RecoveryCodes::UserId))
                .col(string(RecoveryCodes::CodeHash))
                .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                .foreign_key(&mut cascade(
                    "fk_recovery_codes_user",
                    (RecoveryCodes::Table, RecoveryCodes::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_recovery_codes_user")
                .table(RecoveryCodes::Table)
                .col(RecoveryCodes::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RecoveryCodes::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    TokenHash,
    CreatedBy,
    Role,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    UsedBy,
}

/// Invitations to register.
struct M0005Invites;

impl MigrationName for M0005Invites {
    fn name(&self) -> &'static str {
        "m0005_invites"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0005Invites {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Invites::Table)
                .col(string(Invites::TokenHash).primary_key())
                .col(big_integer(Invites::CreatedBy))
                .col(string(Invites::Role))
                .col(timestamp_with_time_zone(Invites::CreatedAt))
                .col(timestamp_with_time_zone(Invites::ExpiresAt))
                .col(timestamp_with_time_zone_null(Invites::UsedAt))
                .col(big_integer_null(Invites::UsedBy))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Invites::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AttachmentsV2 {
    Table,
}

/// Identical files stored once: attachments may now share an object, so the uniqueness of
/// `object_key` goes. Neither engine drops a column constraint in place the same way, so the
/// table is rebuilt (same columns, same ids) and the old one dropped.
struct M0006SharedObjects;

impl MigrationName for M0006SharedObjects {
    fn name(&self) -> &'static str {
        "m0006_shared_objects"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0006SharedObjects {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AttachmentsV2::Table)
                .col(big_pk_auto(Attachments::Id))
                .col(big_integer(Attachments::UpdateId))
                .col(string(Attachments::ObjectKey))
                .col(text(Attachments::FileName))
                .col(string(Attachments::MediaType))
                .col(big_integer(Attachments::Size))
                .col(string(Attachments::Sha256))
                .col(timestamp_with_time_zone(Attachments::CreatedAt))
                .foreign_key(&mut cascade(
                    "fk_attachments_v2_update",
                    (AttachmentsV2::Table, Attachments::UpdateId),
                    (Updates::Table, Updates::Id),
                ))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "INSERT INTO attachments_v2 (id, update_id, object_key, file_name, media_type, size, sha256, created_at) \
             SELECT id, update_id, object_key, file_name, media_type, size, sha256, created_at FROM attachments",
        )
        .await?;
        m.drop_table(Table::drop().table(Attachments::Table).to_owned()).await?;
        m.rename_table(Table::rename().table(AttachmentsV2::Table, Attachments::Table).to_owned()).await?;
        // PostgreSQL's id sequence was not advanced by the copied ids (SQLite's is).
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('attachments', 'id'), COALESCE((SELECT MAX(id) FROM attachments), 0) + 1, false)",
            )
            .await?;
        }
        for (name, col) in [
            ("ix_attachments_update_v2", Attachments::UpdateId),
            ("ix_attachments_sha256", Attachments::Sha256),
        ] {
            m.create_index(Index::create().name(name).table(Attachments::Table).col(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Going back would need every shared object copied apart again.
        Err(DbErr::Migration("m0006_shared_objects cannot be undone".to_owned()))
    }
}

#[derive(DeriveIden)]
enum Thumbnails {
    ThumbnailKey,
}

/// Previews of raster images.
struct M0007Thumbnails;

impl MigrationName for M0007Thumbnails {
    fn name(&self) -> &'static str {
        "m0007_thumbnails"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0007Thumbnails {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Attachments::Table)
                .add_column(text_null(Thumbnails::ThumbnailKey))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Attachments::Table).drop_column(Thumbnails::ThumbnailKey).to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Republishing {
    /// On `sources`: `original` (canonical link to the outlet's page) or `noindex`.
    IndexPolicy,
    /// On `articles`: when and why an editor withdrew it.
    WithdrawnAt,
    WithdrawnReason,
}

#[derive(DeriveIden)]
enum ArticleTags {
    Table,
    ArticleId,
    /// As the feed named it.
    Tag,
    /// The tag folded for URLs (`/tag/{slug}/`).
    Slug,
}

/// The public surface: a source's search-engine policy, withdrawal, and tags.
struct M0008Republishing;

impl MigrationName for M0008Republishing {
    fn name(&self) -> &'static str {
        "m0008_republishing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0008Republishing {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sources::Table)
                .add_column(string(Republishing::IndexPolicy).default("original"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Articles::Table)
                .add_column(timestamp_with_time_zone_null(Republishing::WithdrawnAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Articles::Table)
                .add_column(text_null(Republishing::WithdrawnReason))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ArticleTags::Table)
                .col(big_integer(ArticleTags::ArticleId))
                .col(string(ArticleTags::Tag))
                .col(string(ArticleTags::Slug))
                .primary_key(Index::create().col(ArticleTags::ArticleId).col(ArticleTags::Slug))
                .foreign_key(&mut cascade(
                    "fk_article_tags_article",
                    (ArticleTags::Table, ArticleTags::ArticleId),
                    (Articles::Table, Articles::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_article_tags_slug")
                .table(ArticleTags::Table)
                .col(ArticleTags::Slug)
                .to_owned(),
        )
        .await?;
        // Per-source pages list a source's articles newest first.
        m.create_index(
            Index::create()
                .name("ix_articles_source_published")
                .table(Articles::Table)
                .col(Articles::SourceId)
                .col(Articles::PublishedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_articles_source_published").table(Articles::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ArticleTags::Table).to_owned()).await?;
        for col in [Republishing::WithdrawnReason, Republishing::WithdrawnAt] {
            m.alter_table(Table::alter().table(Articles::Table).drop_column(col).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(Sources::Table).drop_column(Republishing::IndexPolicy).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    /// The change sequence search indexes follow.
    Id,
    ArticleId,
    At,
}

/// The change sequence: one row per change to an article or its timeline, appended in the
/// same transaction, so every search index (one per serving process) can follow it.
struct M0009SearchChanges;

impl MigrationName for M0009SearchChanges {
    fn name(&self) -> &'static str {
        "m0009_search_changes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0009SearchChanges {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Changes::Table)
                .col(big_pk_auto(Changes::Id))
                .col(big_integer(Changes::ArticleId))
                .col(timestamp_with_time_zone(Changes::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_changes_at").table(Changes::Table).col(Changes::At).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Changes::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Stories {
    Table,
    Id,
    Title,
    Slug,
    TitleLocked,
    ArticleCount,
    OutletCount,
    LeadArticleId,
    FirstPublishedAt,
    LastPublishedAt,
    CreatedAt,
    MergedInto,
}

#[derive(DeriveIden)]
enum StoryGrouping {
    Table,
    Id,
    GroupedThrough,
    Epoch,
}

#[derive(DeriveIden)]
#[expect(clippy::enum_variant_names, reason = "the variants name the columns")]
enum ArticleStory {
    StoryId,
    StoryPinned,
    StoryLead,
}

/// Stories: articles of several outlets about one event, grouped as they arrive.
struct M0010Stories;

impl MigrationName for M0010Stories {
    fn name(&self) -> &'static str {
        "m0010_stories"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0010Stories {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Stories::Table)
                .col(big_pk_auto(Stories::Id))
                .col(string(Stories::Title))
                .col(string(Stories::Slug))
                .col(boolean(Stories::TitleLocked).default(false))
                .col(integer(Stories::ArticleCount).default(0))
                .col(integer(Stories::OutletCount).default(0))
                .col(big_integer_null(Stories::LeadArticleId))
                .col(timestamp_with_time_zone_null(Stories::FirstPublishedAt))
                .col(timestamp_with_time_zone_null(Stories::LastPublishedAt))
                .col(timestamp_with_time_zone(Stories::CreatedAt))
                .col(big_integer_null(Stories::MergedInto))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_stories_last_published")
                .table(Stories::Table)
                .col(Stories::LastPublishedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StoryGrouping::Table)
                .col(integer(StoryGrouping::Id).primary_key())
                .col(big_integer(StoryGrouping::GroupedThrough))
                .col(big_integer(StoryGrouping::Epoch))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(StoryGrouping::Table)
                .columns([StoryGrouping::Id, StoryGrouping::GroupedThrough, StoryGrouping::Epoch])
                .values_panic([1.into(), 0.into(), 0.into()])
                .to_owned(),
        )
        .await?;
        for col in [
            big_integer_null(ArticleStory::StoryId),
            boolean(ArticleStory::StoryPinned).default(false).to_owned(),
            boolean(ArticleStory::StoryLead).default(true).to_owned(),
        ] {
            m.alter_table(Table::alter().table(Articles::Table).add_column(col).to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("ix_articles_story")
                .table(Articles::Table)
                .col(ArticleStory::StoryId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_articles_story").table(Articles::Table).to_owned()).await?;
        for col in [ArticleStory::StoryId, ArticleStory::StoryPinned, ArticleStory::StoryLead] {
            m.alter_table(Table::alter().table(Articles::Table).drop_column(col).to_owned()).await?;
        }
        m.drop_table(Table::drop().table(StoryGrouping::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Stories::Table).to_owned()).await
    }
}
