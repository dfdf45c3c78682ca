//! Residents (mini-program users, identified by openid). Phone numbers are stored encrypted,
//! with a blind index and a masked copy for display.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Residents::Table)
                    .col(uuid(Residents::Id).primary_key())
                    .col(string_len_uniq(Residents::Openid, 64))
                    .col(string_len_null(Residents::Unionid, 64))
                    .col(text_null(Residents::PhoneEnc))
                    .col(string_len_null(Residents::PhoneBidx, 64))
                    .col(string_len_null(Residents::PhoneMasked, 16))
                    .col(timestamp_with_time_zone_null(Residents::LastLoginAt))
                    .col(timestamp_with_time_zone(Residents::CreatedAt))
                    .col(timestamp_with_time_zone(Residents::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_residents_phone_bidx")
                    .table(Residents::Table)
                    .col(Residents::PhoneBidx)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Residents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Residents {
    Table,
    Id,
    Openid,
    Unionid,
    PhoneEnc,
    PhoneBidx,
    PhoneMasked,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}
