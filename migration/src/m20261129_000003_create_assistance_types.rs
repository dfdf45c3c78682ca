//! The assistance catalogue: each type's required fields and time limits. Rows are seeded by the
//! application at start-up (not here), so admins' edits survive.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssistanceTypes::Table)
                    .col(string_len(AssistanceTypes::Code, 48).primary_key())
                    .col(string_len(AssistanceTypes::Name, 32))
                    .col(string_len(AssistanceTypes::Description, 500))
                    .col(json(AssistanceTypes::RequiredFields))
                    .col(integer(AssistanceTypes::UrgentResponseHours))
                    .col(integer(AssistanceTypes::ResponseWorkingDays))
                    .col(integer(AssistanceTypes::InvestigationWorkingDays))
                    .col(integer(AssistanceTypes::ReviewWorkingDays))
                    .col(integer(AssistanceTypes::PublicNoticeDays))
                    .col(integer(AssistanceTypes::TotalWorkingDays))
                    .col(boolean(AssistanceTypes::EmergencyAllowed))
                    .col(integer(AssistanceTypes::EmergencyBackfillWorkingDays))
                    .col(boolean(AssistanceTypes::Enabled))
                    .col(integer(AssistanceTypes::SortOrder))
                    .col(timestamp_with_time_zone(AssistanceTypes::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AssistanceTypes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AssistanceTypes {
    Table,
    Code,
    Name,
    Description,
    RequiredFields,
    UrgentResponseHours,
    ResponseWorkingDays,
    InvestigationWorkingDays,
    ReviewWorkingDays,
    PublicNoticeDays,
    TotalWorkingDays,
    EmergencyAllowed,
    EmergencyBackfillWorkingDays,
    Enabled,
    SortOrder,
    UpdatedAt,
}
