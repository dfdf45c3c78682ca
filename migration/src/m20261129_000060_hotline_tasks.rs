//! A help request taken by phone without an application is a task for its community: open
//! until someone there records what was done.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for col in [
            string_len_null(HotlineCalls::TaskStatus, 16),
            timestamp_with_time_zone_null(HotlineCalls::TaskDoneAt),
            uuid_null(HotlineCalls::TaskDoneBy),
            text_null(HotlineCalls::TaskNote),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(HotlineCalls::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_hotline_calls_task")
                    .table(HotlineCalls::Table)
                    .col(HotlineCalls::TaskStatus)
                    .col(HotlineCalls::JurisdictionPath)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_hotline_calls_task")
                    .table(HotlineCalls::Table)
                    .to_owned(),
            )
            .await?;
        for col in [
            HotlineCalls::TaskNote,
            HotlineCalls::TaskDoneBy,
            HotlineCalls::TaskDoneAt,
            HotlineCalls::TaskStatus,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(HotlineCalls::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum HotlineCalls {
    Table,
    JurisdictionPath,
    TaskStatus,
    TaskDoneAt,
    TaskDoneBy,
    TaskNote,
}
