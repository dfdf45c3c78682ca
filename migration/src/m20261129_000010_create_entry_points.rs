//! QR entry points (扫码直通车): one per poster or channel, each bound to a community, plus the
//! cached 小程序码 image of each.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EntryPoints::Table)
                    .col(uuid(EntryPoints::Id).primary_key())
                    .col(string_len_uniq(EntryPoints::Scene, 32))
                    .col(uuid(EntryPoints::JurisdictionId))
                    .col(string_len(EntryPoints::JurisdictionPath, 255))
                    .col(string_len(EntryPoints::Label, 64))
                    .col(string_len(EntryPoints::Channel, 32))
                    .col(boolean(EntryPoints::Enabled).default(true))
                    .col(uuid_null(EntryPoints::CreatedBy))
                    .col(timestamp_with_time_zone(EntryPoints::CreatedAt))
                    .col(timestamp_with_time_zone(EntryPoints::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryPoints::Table, EntryPoints::JurisdictionId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_entry_points_path")
                    .table(EntryPoints::Table)
                    .col(EntryPoints::JurisdictionPath)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntryPointCodes::Table)
                    .col(uuid(EntryPointCodes::EntryPointId).primary_key())
                    .col(string_len(EntryPointCodes::Page, 128))
                    .col(string_len(EntryPointCodes::EnvVersion, 16))
                    .col(string_len(EntryPointCodes::ContentType, 32))
                    .col(blob(EntryPointCodes::Image))
                    .col(timestamp_with_time_zone(EntryPointCodes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryPointCodes::Table, EntryPointCodes::EntryPointId)
                            .to(EntryPoints::Table, EntryPoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EntryPointCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EntryPoints::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Jurisdictions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EntryPoints {
    Table,
    Id,
    Scene,
    JurisdictionId,
    JurisdictionPath,
    Label,
    Channel,
    Enabled,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EntryPointCodes {
    Table,
    EntryPointId,
    Page,
    EnvVersion,
    ContentType,
    Image,
    CreatedAt,
}
