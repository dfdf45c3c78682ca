//! Marks the moment a delivery's send is about to leave (the last write before the WeChat call),
//! so that a consumer that died before it is retried plainly, and only one that died after it
//! counts as an unknown outcome.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(timestamp_with_time_zone_null(Deliveries::SendStartedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .drop_column(Deliveries::SendStartedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Deliveries {
    #[sea_orm(iden = "notification_deliveries")]
    Table,
    SendStartedAt,
}
