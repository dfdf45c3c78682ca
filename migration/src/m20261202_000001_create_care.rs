//! Grid care: the key-group catalogue and its tiers, the registry of people (ID numbers and
//! phones encrypted, with blind indexes), their group memberships, visits, help tasks and
//! timeline.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for c in cols {
        index.col(c);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CareGroups::Table)
                    .col(string_len(CareGroups::Code, 32).primary_key())
                    .col(string_len(CareGroups::Name, 32))
                    .col(text(CareGroups::Description))
                    .col(string_len_null(CareGroups::RollType, 48))
                    .col(json(CareGroups::Checklist))
                    .col(boolean(CareGroups::Enabled))
                    .col(integer(CareGroups::SortOrder))
                    .col(timestamp_with_time_zone(CareGroups::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CareTiers::Table)
                    .col(string_len(CareTiers::GroupCode, 32))
                    .col(integer(CareTiers::Tier))
                    .col(string_len(CareTiers::Name, 16))
                    .col(integer(CareTiers::IntervalDays))
                    .col(boolean(CareTiers::HomeVisitRequired))
                    .col(timestamp_with_time_zone(CareTiers::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(CareTiers::GroupCode)
                            .col(CareTiers::Tier),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CareTiers::Table, CareTiers::GroupCode)
                            .to(CareGroups::Table, CareGroups::Code),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CarePeople::Table)
                    .col(uuid(CarePeople::Id).primary_key())
                    .col(string_len(CarePeople::Name, 64))
                    .col(text(CarePeople::IdEnc))
                    .col(string_len_uniq(CarePeople::IdBidx, 64))
                    .col(string_len(CarePeople::IdMasked, 24))
                    .col(integer(CarePeople::BirthYear))
                    .col(text_null(CarePeople::PhoneEnc))
                    .col(string_len_null(CarePeople::PhoneBidx, 64))
                    .col(string_len_null(CarePeople::PhoneMasked, 16))
                    .col(string_len(CarePeople::Address, 200))
                    .col(uuid(CarePeople::CommunityId))
                    .col(uuid_null(CarePeople::GridId))
                    .col(string_len(CarePeople::JurisdictionPath, 255))
                    .col(uuid_null(CarePeople::WorkerId))
                    .col(json(CarePeople::Contacts))
                    .col(text_null(CarePeople::ContactsEnc))
                    .col(text(CarePeople::Note))
                    .col(string_len(CarePeople::Status, 16))
                    .col(integer(CarePeople::Version))
                    .col(date(CarePeople::EnrolledOn))
                    .col(timestamp_with_time_zone_null(CarePeople::LastVisitedAt))
                    .col(date(CarePeople::VisitDueOn))
                    .col(integer(CarePeople::VisitLevel))
                    .col(timestamp_with_time_zone_null(CarePeople::NextAlertAt))
                    .col(timestamp_with_time_zone(CarePeople::CreatedAt))
                    .col(timestamp_with_time_zone(CarePeople::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CarePeople::Table, CarePeople::CommunityId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CarePeople::Table, CarePeople::GridId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CarePeople::Table, CarePeople::WorkerId)
                            .to(Staff::Table, Staff::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let p = CarePeople::Table;
        index(
            manager,
            "idx_care_people_path",
            p,
            vec![CarePeople::JurisdictionPath.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_care_people_due",
            p,
            vec![
                CarePeople::VisitDueOn.into_iden(),
                CarePeople::Id.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_care_people_alert",
            p,
            vec![CarePeople::NextAlertAt.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_care_people_worker",
            p,
            vec![CarePeople::WorkerId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_care_people_phone",
            p,
            vec![CarePeople::PhoneBidx.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CareMemberships::Table)
                    .col(uuid(CareMemberships::PersonId))
                    .col(string_len(CareMemberships::GroupCode, 32))
                    .col(integer(CareMemberships::Tier))
                    .col(timestamp_with_time_zone(CareMemberships::Since))
                    .primary_key(
                        Index::create()
                            .col(CareMemberships::PersonId)
                            .col(CareMemberships::GroupCode),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CareMemberships::Table, CareMemberships::PersonId)
                            .to(CarePeople::Table, CarePeople::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CareMemberships::Table, CareMemberships::GroupCode)
                            .to(CareGroups::Table, CareGroups::Code),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_care_memberships_group",
            CareMemberships::Table,
            vec![
                CareMemberships::GroupCode.into_iden(),
                CareMemberships::Tier.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CareVisits::Table)
                    .col(uuid(CareVisits::Id).primary_key())
                    .col(uuid(CareVisits::PersonId))
                    .col(string_len(CareVisits::JurisdictionPath, 255))
                    .col(timestamp_with_time_zone(CareVisits::VisitedAt))
                    .col(string_len(CareVisits::Method, 16))
                    .col(uuid(CareVisits::VisitorId))
                    .col(uuid_null(CareVisits::CompanionId))
                    .col(boolean(CareVisits::Counts))
                    .col(json(CareVisits::Findings))
                    .col(text(CareVisits::Note))
                    .col(string_len(CareVisits::FollowUp, 16))
                    .col(uuid_null(CareVisits::ApplicationId))
                    .col(uuid_null(CareVisits::TaskId))
                    .col(date(CareVisits::NextDueOn))
                    .col(uuid(CareVisits::RecordedBy))
                    .col(timestamp_with_time_zone(CareVisits::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CareVisits::Table, CareVisits::PersonId)
                            .to(CarePeople::Table, CarePeople::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let v = CareVisits::Table;
        index(
            manager,
            "idx_care_visits_person",
            v,
            vec![
                CareVisits::PersonId.into_iden(),
                CareVisits::VisitedAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_care_visits_path",
            v,
            vec![
                CareVisits::JurisdictionPath.into_iden(),
                CareVisits::VisitedAt.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CareTasks::Table)
                    .col(uuid(CareTasks::Id).primary_key())
                    .col(uuid(CareTasks::PersonId))
                    .col(uuid_null(CareTasks::VisitId))
                    .col(string_len(CareTasks::JurisdictionPath, 255))
                    .col(text(CareTasks::Note))
                    .col(string_len(CareTasks::Status, 16))
                    .col(uuid(CareTasks::CreatedBy))
                    .col(timestamp_with_time_zone(CareTasks::CreatedAt))
                    .col(timestamp_with_time_zone_null(CareTasks::DoneAt))
                    .col(uuid_null(CareTasks::DoneBy))
                    .col(text_null(CareTasks::DoneNote))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CareTasks::Table, CareTasks::PersonId)
                            .to(CarePeople::Table, CarePeople::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_care_tasks_open",
            CareTasks::Table,
            vec![
                CareTasks::Status.into_iden(),
                CareTasks::JurisdictionPath.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CareEvents::Table)
                    .col(uuid(CareEvents::Id).primary_key())
                    .col(uuid(CareEvents::PersonId))
                    .col(timestamp_with_time_zone(CareEvents::At))
                    .col(string_len(CareEvents::ActorKind, 16))
                    .col(uuid_null(CareEvents::ActorId))
                    .col(string_len(CareEvents::ActorLabel, 96))
                    .col(string_len(CareEvents::Action, 32))
                    .col(text_null(CareEvents::Note))
                    .col(json_null(CareEvents::Data))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CareEvents::Table, CareEvents::PersonId)
                            .to(CarePeople::Table, CarePeople::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_care_events_person",
            CareEvents::Table,
            vec![CareEvents::PersonId.into_iden(), CareEvents::Id.into_iden()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CareEvents::Table.into_iden(),
            CareTasks::Table.into_iden(),
            CareVisits::Table.into_iden(),
            CareMemberships::Table.into_iden(),
            CarePeople::Table.into_iden(),
            CareTiers::Table.into_iden(),
            CareGroups::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Jurisdictions {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Staff {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareGroups {
    Table,
    Code,
    Name,
    Description,
    RollType,
    Checklist,
    Enabled,
    SortOrder,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareTiers {
    Table,
    GroupCode,
    Tier,
    Name,
    IntervalDays,
    HomeVisitRequired,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CarePeople {
    Table,
    Id,
    Name,
    IdEnc,
    IdBidx,
    IdMasked,
    BirthYear,
    PhoneEnc,
    PhoneBidx,
    PhoneMasked,
    Address,
    CommunityId,
    GridId,
    JurisdictionPath,
    WorkerId,
    Contacts,
    ContactsEnc,
    Note,
    Status,
    Version,
    EnrolledOn,
    LastVisitedAt,
    VisitDueOn,
    VisitLevel,
    NextAlertAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareMemberships {
    Table,
    PersonId,
    GroupCode,
    Tier,
    Since,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareVisits {
    Table,
    Id,
    PersonId,
    JurisdictionPath,
    VisitedAt,
    Method,
    VisitorId,
    CompanionId,
    Counts,
    Findings,
    Note,
    FollowUp,
    ApplicationId,
    TaskId,
    NextDueOn,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareTasks {
    Table,
    Id,
    PersonId,
    VisitId,
    JurisdictionPath,
    Note,
    Status,
    CreatedBy,
    CreatedAt,
    DoneAt,
    DoneBy,
    DoneNote,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareEvents {
    Table,
    Id,
    PersonId,
    At,
    ActorKind,
    ActorId,
    ActorLabel,
    Action,
    Note,
    Data,
}
