//! Scans of entry points: one row per scan, with the China-time day for the funnel.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Scans::Table)
                    .col(uuid(Scans::Id).primary_key())
                    .col(uuid(Scans::EntryPointId))
                    .col(uuid_null(Scans::ResidentId))
                    .col(string_len(Scans::Source, 16))
                    .col(string_len(Scans::Day, 10))
                    .col(timestamp_with_time_zone(Scans::ScannedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Scans::Table, Scans::EntryPointId)
                            .to(EntryPoints::Table, EntryPoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_scans_entry_point_day")
                    .table(Scans::Table)
                    .col(Scans::EntryPointId)
                    .col(Scans::Day)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Scans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EntryPoints {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Scans {
    Table,
    Id,
    EntryPointId,
    ResidentId,
    /// `miniprogram` (POST /api/v1/scans) or `web` (the /s/{scene} landing page).
    Source,
    /// `YYYY-MM-DD` in China time (UTC+8).
    Day,
    ScannedAt,
}
