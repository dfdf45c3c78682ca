//! Bulk imports: one row per import with its progress, and one per problem found in a row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(uuid(Imports::Id).primary_key())
                    .col(string_len(Imports::Kind, 24))
                    .col(string_len(Imports::Format, 8))
                    .col(string_len(Imports::FileName, 255))
                    .col(string_len(Imports::Status, 16))
                    .col(uuid_null(Imports::CreatedBy))
                    .col(string_len(Imports::JurisdictionPath, 255))
                    .col(integer(Imports::TotalRows))
                    .col(integer(Imports::ProcessedRows))
                    .col(integer(Imports::CreatedRows))
                    .col(integer(Imports::UpdatedRows))
                    .col(integer(Imports::UnchangedRows))
                    .col(integer(Imports::ErrorRows))
                    .col(big_integer(Imports::LongestTxnMs))
                    .col(text_null(Imports::Message))
                    .col(timestamp_with_time_zone(Imports::CreatedAt))
                    .col(timestamp_with_time_zone_null(Imports::StartedAt))
                    .col(timestamp_with_time_zone_null(Imports::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportErrors::Table)
                    .col(uuid(ImportErrors::Id).primary_key())
                    .col(uuid(ImportErrors::ImportId))
                    .col(integer(ImportErrors::Row))
                    .col(string_len(ImportErrors::Column, 64))
                    .col(text(ImportErrors::Message))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportErrors::Table, ImportErrors::ImportId)
                            .to(Imports::Table, Imports::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_errors_import")
                    .table(ImportErrors::Table)
                    .col(ImportErrors::ImportId)
                    .col(ImportErrors::Row)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [ImportErrors::Table.into_iden(), Imports::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    Kind,
    Format,
    FileName,
    Status,
    CreatedBy,
    JurisdictionPath,
    TotalRows,
    ProcessedRows,
    CreatedRows,
    UpdatedRows,
    UnchangedRows,
    ErrorRows,
    LongestTxnMs,
    Message,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum ImportErrors {
    Table,
    Id,
    ImportId,
    Row,
    Column,
    Message,
}
