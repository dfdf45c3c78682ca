//! Notification delivery: one row per (event, channel, recipient) with its state, the per-case
//! ordering cursors, the staff inbox, one-time WeChat subscription credits and deduplication of
//! WeChat push events.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(uuid(Deliveries::Id).primary_key())
                    .col(uuid(Deliveries::OutboxId))
                    .col(uuid_null(Deliveries::ApplicationId))
                    .col(integer(Deliveries::AggregateVersion))
                    .col(string_len(Deliveries::EventType, 64))
                    .col(string_len(Deliveries::Channel, 16))
                    .col(string_len(Deliveries::RecipientKind, 16))
                    .col(uuid(Deliveries::RecipientId))
                    .col(string_len_uniq(Deliveries::IdempotencyKey, 128))
                    .col(string_len(Deliveries::State, 24))
                    .col(integer(Deliveries::Attempts))
                    .col(boolean(Deliveries::CreditConsumed))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Deliveries::LeaseUntil))
                    .col(string_len_null(Deliveries::ProviderMsgId, 64))
                    .col(text_null(Deliveries::LastError))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone(Deliveries::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Deliveries::SentAt))
                    .col(timestamp_with_time_zone_null(Deliveries::ConfirmedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_deliveries_due",
                vec![Deliveries::State, Deliveries::NextAttemptAt],
            ),
            (
                "idx_deliveries_outbox",
                vec![Deliveries::OutboxId, Deliveries::Channel],
            ),
            (
                "idx_deliveries_application",
                vec![Deliveries::ApplicationId],
            ),
            ("idx_deliveries_msg", vec![Deliveries::ProviderMsgId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Deliveries::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(NotificationCursors::Table)
                    .col(string_len(NotificationCursors::Key, 128).primary_key())
                    .col(integer(NotificationCursors::LastVersion))
                    .col(timestamp_with_time_zone(NotificationCursors::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffNotifications::Table)
                    .col(uuid(StaffNotifications::Id).primary_key())
                    .col(uuid(StaffNotifications::StaffId))
                    .col(uuid_uniq(StaffNotifications::DeliveryId))
                    .col(uuid_null(StaffNotifications::ApplicationId))
                    .col(string_len(StaffNotifications::EventType, 64))
                    .col(string_len(StaffNotifications::Title, 64))
                    .col(string_len(StaffNotifications::Body, 500))
                    .col(json_null(StaffNotifications::Data))
                    .col(timestamp_with_time_zone(StaffNotifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(StaffNotifications::ReadAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_notifications_inbox")
                    .table(StaffNotifications::Table)
                    .col(StaffNotifications::StaffId)
                    .col(StaffNotifications::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SubscriptionCredits::Table)
                    .col(uuid(SubscriptionCredits::Id).primary_key())
                    .col(uuid(SubscriptionCredits::ResidentId))
                    .col(string_len(SubscriptionCredits::TemplateId, 64))
                    .col(integer(SubscriptionCredits::Credits))
                    .col(boolean(SubscriptionCredits::Banned))
                    .col(timestamp_with_time_zone(SubscriptionCredits::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_subscription_credits")
                    .table(SubscriptionCredits::Table)
                    .col(SubscriptionCredits::ResidentId)
                    .col(SubscriptionCredits::TemplateId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WechatPushEvents::Table)
                    .col(string_len(WechatPushEvents::Key, 160).primary_key())
                    .col(timestamp_with_time_zone(WechatPushEvents::ReceivedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WechatPushEvents::Table.into_iden(),
            SubscriptionCredits::Table.into_iden(),
            StaffNotifications::Table.into_iden(),
            NotificationCursors::Table.into_iden(),
            Deliveries::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Deliveries {
    #[sea_orm(iden = "notification_deliveries")]
    Table,
    Id,
    OutboxId,
    ApplicationId,
    AggregateVersion,
    EventType,
    Channel,
    RecipientKind,
    RecipientId,
    IdempotencyKey,
    State,
    Attempts,
    CreditConsumed,
    NextAttemptAt,
    LeaseUntil,
    ProviderMsgId,
    LastError,
    CreatedAt,
    UpdatedAt,
    SentAt,
    ConfirmedAt,
}

#[derive(DeriveIden)]
enum NotificationCursors {
    Table,
    Key,
    LastVersion,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StaffNotifications {
    Table,
    Id,
    StaffId,
    DeliveryId,
    ApplicationId,
    EventType,
    Title,
    Body,
    Data,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum SubscriptionCredits {
    Table,
    Id,
    ResidentId,
    TemplateId,
    Credits,
    Banned,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WechatPushEvents {
    Table,
    Key,
    ReceivedAt,
}
