//! The hotline: calls (operator entries joined with the telephony platform's events, caller
//! phones encrypted with a blind index), the platform's processed event ids, and 回访 follow-ups.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HotlineCalls::Table)
                    .col(uuid(HotlineCalls::Id).primary_key())
                    // NULL for calls the platform never reported; unique otherwise, so the
                    // platform's events and the operator's entry land on one row.
                    .col(string_len_null(HotlineCalls::PlatformCallId, 64).unique_key())
                    .col(text_null(HotlineCalls::CallerPhoneEnc))
                    .col(string_len_null(HotlineCalls::CallerPhoneBidx, 64))
                    .col(string_len_null(HotlineCalls::CallerPhoneMasked, 16))
                    .col(string_len_null(HotlineCalls::CallerName, 32))
                    .col(string_len_null(HotlineCalls::Category, 16))
                    .col(text_null(HotlineCalls::Summary))
                    .col(boolean(HotlineCalls::Urgent))
                    .col(uuid_null(HotlineCalls::CommunityId))
                    .col(string_len(HotlineCalls::JurisdictionPath, 255))
                    .col(uuid_null(HotlineCalls::ApplicationId))
                    .col(string_len_null(HotlineCalls::ApplicationLink, 16))
                    .col(uuid_null(HotlineCalls::OperatorId))
                    .col(timestamp_with_time_zone_null(HotlineCalls::EnteredAt))
                    .col(string_len_null(HotlineCalls::Agent, 64))
                    .col(timestamp_with_time_zone_null(HotlineCalls::StartedAt))
                    .col(string_len_null(HotlineCalls::StartedSource, 16))
                    .col(timestamp_with_time_zone_null(HotlineCalls::EndedAt))
                    .col(integer_null(HotlineCalls::DurationS))
                    .col(text_null(HotlineCalls::RecordingUrl))
                    .col(timestamp_with_time_zone(HotlineCalls::CreatedAt))
                    .col(timestamp_with_time_zone(HotlineCalls::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HotlineCalls::Table, HotlineCalls::CommunityId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HotlineCalls::Table, HotlineCalls::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HotlineCalls::Table, HotlineCalls::OperatorId)
                            .to(Staff::Table, Staff::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_hotline_calls_phone",
                vec![HotlineCalls::CallerPhoneBidx, HotlineCalls::CreatedAt],
            ),
            (
                "idx_hotline_calls_path",
                vec![HotlineCalls::JurisdictionPath],
            ),
            (
                "idx_hotline_calls_application",
                vec![HotlineCalls::ApplicationId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(HotlineCalls::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(HotlineCallbackEvents::Table)
                    // The platform's event id: inserting it is the idempotency check.
                    .col(string_len(HotlineCallbackEvents::EventId, 128).primary_key())
                    .col(string_len(HotlineCallbackEvents::EventType, 32))
                    .col(string_len(HotlineCallbackEvents::PlatformCallId, 64))
                    .col(uuid(HotlineCallbackEvents::CallId))
                    .col(timestamp_with_time_zone(HotlineCallbackEvents::EventAt))
                    .col(timestamp_with_time_zone(HotlineCallbackEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HotlineFollowUps::Table)
                    .col(uuid(HotlineFollowUps::Id).primary_key())
                    .col(uuid(HotlineFollowUps::ApplicationId))
                    .col(integer(HotlineFollowUps::Episode))
                    .col(uuid(HotlineFollowUps::CommunityId))
                    .col(string_len(HotlineFollowUps::JurisdictionPath, 255))
                    .col(string_len(HotlineFollowUps::StreetPath, 255))
                    .col(string_len(HotlineFollowUps::TriggerStatus, 24))
                    .col(string_len(HotlineFollowUps::Status, 16))
                    .col(timestamp_with_time_zone(HotlineFollowUps::DueAt))
                    .col(integer(HotlineFollowUps::Attempts))
                    .col(json(HotlineFollowUps::AttemptLog))
                    .col(string_len_null(HotlineFollowUps::Outcome, 16))
                    .col(integer_null(HotlineFollowUps::Satisfaction))
                    .col(text_null(HotlineFollowUps::Note))
                    .col(boolean(HotlineFollowUps::Reopened))
                    .col(timestamp_with_time_zone_null(HotlineFollowUps::CompletedAt))
                    .col(uuid_null(HotlineFollowUps::CompletedBy))
                    .col(integer(HotlineFollowUps::Version))
                    .col(timestamp_with_time_zone(HotlineFollowUps::CreatedAt))
                    .col(timestamp_with_time_zone(HotlineFollowUps::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HotlineFollowUps::Table, HotlineFollowUps::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One follow-up per case per episode (an episode ends when the case is reopened).
        manager
            .create_index(
                Index::create()
                    .name("uniq_hotline_follow_ups_episode")
                    .table(HotlineFollowUps::Table)
                    .col(HotlineFollowUps::ApplicationId)
                    .col(HotlineFollowUps::Episode)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_hotline_follow_ups_due",
                vec![HotlineFollowUps::Status, HotlineFollowUps::DueAt],
            ),
            (
                "idx_hotline_follow_ups_path",
                vec![HotlineFollowUps::JurisdictionPath],
            ),
            (
                "idx_hotline_follow_ups_street",
                vec![HotlineFollowUps::StreetPath, HotlineFollowUps::CompletedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(HotlineFollowUps::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HotlineFollowUps::Table.into_iden(),
            HotlineCallbackEvents::Table.into_iden(),
            HotlineCalls::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Jurisdictions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum HotlineCalls {
    Table,
    Id,
    PlatformCallId,
    CallerPhoneEnc,
    CallerPhoneBidx,
    CallerPhoneMasked,
    CallerName,
    Category,
    Summary,
    Urgent,
    CommunityId,
    JurisdictionPath,
    ApplicationId,
    ApplicationLink,
    OperatorId,
    EnteredAt,
    Agent,
    StartedAt,
    StartedSource,
    EndedAt,
    DurationS,
    RecordingUrl,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HotlineCallbackEvents {
    Table,
    EventId,
    EventType,
    PlatformCallId,
    CallId,
    EventAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum HotlineFollowUps {
    Table,
    Id,
    ApplicationId,
    Episode,
    CommunityId,
    JurisdictionPath,
    StreetPath,
    TriggerStatus,
    Status,
    DueAt,
    Attempts,
    AttemptLog,
    Outcome,
    Satisfaction,
    Note,
    Reopened,
    CompletedAt,
    CompletedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}
