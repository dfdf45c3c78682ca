//! Applications and their workflow: the case row (personal data encrypted, with blind indexes),
//! its timeline, the transactional outbox, idempotency keys, street settings and the working-day
//! calendar.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarDays::Table)
                    .col(date(CalendarDays::Day).primary_key())
                    .col(string_len(CalendarDays::Kind, 16))
                    .col(string_len(CalendarDays::Name, 32))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StreetSettings::Table)
                    .col(uuid(StreetSettings::JurisdictionId).primary_key())
                    .col(big_integer(StreetSettings::EmergencyCapFen))
                    .col(timestamp_with_time_zone(StreetSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StreetSettings::Table, StreetSettings::JurisdictionId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(uuid(Applications::Id).primary_key())
                    .col(string_len_uniq(Applications::Reference, 24))
                    .col(uuid_null(Applications::ResidentId))
                    .col(string_len(Applications::Channel, 16))
                    .col(uuid_null(Applications::EntryPointId))
                    .col(string_len_null(Applications::Scene, 32))
                    .col(string_len(Applications::AssistanceType, 48))
                    .col(uuid(Applications::CommunityId))
                    .col(string_len(Applications::JurisdictionPath, 255))
                    .col(string_len(Applications::Status, 24))
                    .col(integer(Applications::Version))
                    .col(boolean(Applications::Urgent))
                    .col(string_len(Applications::ApplicantName, 64))
                    .col(text(Applications::ApplicantIdEnc))
                    .col(string_len(Applications::ApplicantIdBidx, 64))
                    .col(string_len(Applications::ApplicantIdMasked, 24))
                    .col(text(Applications::ApplicantPhoneEnc))
                    .col(string_len(Applications::ApplicantPhoneBidx, 64))
                    .col(string_len(Applications::ApplicantPhoneMasked, 16))
                    .col(json_null(Applications::Guardian))
                    .col(text_null(Applications::GuardianEnc))
                    .col(string_len(Applications::Address, 200))
                    .col(json(Applications::Household))
                    .col(text(Applications::HouseholdEnc))
                    .col(big_integer_null(Applications::MonthlyIncomeFen))
                    .col(text(Applications::Description))
                    .col(string_len_null(Applications::OpenKey, 128).unique_key())
                    .col(string_len_null(Applications::ResumeStatus, 24))
                    .col(json_null(Applications::SupplementItems))
                    .col(uuid_null(Applications::AssigneeId))
                    .col(uuid_null(Applications::InvestigatorId))
                    .col(uuid_null(Applications::DecidedBy))
                    .col(big_integer_null(Applications::ApprovedAmountFen))
                    .col(text_null(Applications::RejectionReason))
                    .col(big_integer_null(Applications::EmergencyAmountFen))
                    .col(timestamp_with_time_zone_null(Applications::BackfillDueAt))
                    .col(timestamp_with_time_zone_null(
                        Applications::PublicNoticeEndsAt,
                    ))
                    .col(timestamp_with_time_zone_null(Applications::StageStartedAt))
                    .col(timestamp_with_time_zone_null(Applications::AtRiskAt))
                    .col(timestamp_with_time_zone_null(Applications::DeadlineAt))
                    .col(timestamp_with_time_zone_null(Applications::SuperviseAt))
                    .col(timestamp_with_time_zone_null(Applications::TotalDueAt))
                    .col(timestamp_with_time_zone_null(Applications::PausedAt))
                    .col(string_len(Applications::SlaState, 16))
                    .col(integer(Applications::EscalationLevel))
                    .col(timestamp_with_time_zone_null(Applications::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Applications::DecidedAt))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .col(timestamp_with_time_zone(Applications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Applications::Table, Applications::CommunityId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Applications::Table, Applications::AssistanceType)
                            .to(AssistanceTypes::Table, AssistanceTypes::Code),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_applications_path",
                vec![Applications::JurisdictionPath],
            ),
            ("idx_applications_resident", vec![Applications::ResidentId]),
            ("idx_applications_status", vec![Applications::Status]),
            (
                "idx_applications_id_bidx",
                vec![Applications::ApplicantIdBidx],
            ),
            (
                "idx_applications_phone_bidx",
                vec![Applications::ApplicantPhoneBidx],
            ),
            ("idx_applications_deadline", vec![Applications::DeadlineAt]),
            (
                "idx_applications_entry_point",
                vec![Applications::EntryPointId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Applications::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ApplicationEvents::Table)
                    .col(uuid(ApplicationEvents::Id).primary_key())
                    .col(uuid(ApplicationEvents::ApplicationId))
                    .col(timestamp_with_time_zone(ApplicationEvents::At))
                    .col(string_len(ApplicationEvents::ActorKind, 16))
                    .col(uuid_null(ApplicationEvents::ActorId))
                    .col(string_len(ApplicationEvents::ActorLabel, 96))
                    .col(string_len_null(ApplicationEvents::ActorRole, 16))
                    .col(string_len(ApplicationEvents::Action, 32))
                    .col(string_len_null(ApplicationEvents::FromStatus, 24))
                    .col(string_len_null(ApplicationEvents::ToStatus, 24))
                    .col(text_null(ApplicationEvents::Note))
                    .col(boolean(ApplicationEvents::NotePublic))
                    .col(boolean(ApplicationEvents::Public))
                    .col(json_null(ApplicationEvents::Data))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApplicationEvents::Table, ApplicationEvents::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_application_events_application")
                    .table(ApplicationEvents::Table)
                    .col(ApplicationEvents::ApplicationId)
                    .col(ApplicationEvents::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(uuid(Outbox::Id).primary_key())
                    .col(string_len(Outbox::AggregateType, 32))
                    .col(uuid(Outbox::AggregateId))
                    .col(integer(Outbox::AggregateVersion))
                    .col(string_len(Outbox::EventType, 64))
                    .col(json(Outbox::Payload))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_unpublished")
                    .table(Outbox::Table)
                    .col(Outbox::PublishedAt)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::Id).primary_key())
                    .col(uuid(IdempotencyKeys::PrincipalId))
                    .col(string_len(IdempotencyKeys::Key, 128))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(integer_null(IdempotencyKeys::ResponseStatus))
                    .col(json_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_idempotency_principal_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::PrincipalId)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            Outbox::Table.into_iden(),
            ApplicationEvents::Table.into_iden(),
            Applications::Table.into_iden(),
            StreetSettings::Table.into_iden(),
            CalendarDays::Table.into_iden(),
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
enum AssistanceTypes {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    Day,
    Kind,
    Name,
}

#[derive(DeriveIden)]
enum StreetSettings {
    Table,
    JurisdictionId,
    EmergencyCapFen,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    Reference,
    ResidentId,
    Channel,
    EntryPointId,
    Scene,
    AssistanceType,
    CommunityId,
    JurisdictionPath,
    Status,
    Version,
    Urgent,
    ApplicantName,
    ApplicantIdEnc,
    ApplicantIdBidx,
    ApplicantIdMasked,
    ApplicantPhoneEnc,
    ApplicantPhoneBidx,
    ApplicantPhoneMasked,
    Guardian,
    GuardianEnc,
    Address,
    Household,
    HouseholdEnc,
    MonthlyIncomeFen,
    Description,
    OpenKey,
    ResumeStatus,
    SupplementItems,
    AssigneeId,
    InvestigatorId,
    DecidedBy,
    ApprovedAmountFen,
    RejectionReason,
    EmergencyAmountFen,
    BackfillDueAt,
    PublicNoticeEndsAt,
    StageStartedAt,
    AtRiskAt,
    DeadlineAt,
    SuperviseAt,
    TotalDueAt,
    PausedAt,
    SlaState,
    EscalationLevel,
    SubmittedAt,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationEvents {
    Table,
    Id,
    ApplicationId,
    At,
    ActorKind,
    ActorId,
    ActorLabel,
    ActorRole,
    Action,
    FromStatus,
    ToStatus,
    Note,
    NotePublic,
    Public,
    Data,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    AggregateType,
    AggregateId,
    AggregateVersion,
    EventType,
    Payload,
    CreatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    PrincipalId,
    Key,
    RequestHash,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}
