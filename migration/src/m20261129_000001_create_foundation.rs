//! Jurisdiction tree, staff accounts, refresh-token families and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jurisdictions::Table)
                    .col(uuid(Jurisdictions::Id).primary_key())
                    .col(string_len_uniq(Jurisdictions::Code, 32))
                    .col(string_len(Jurisdictions::Name, 64))
                    .col(string_len(Jurisdictions::Level, 16))
                    .col(uuid_null(Jurisdictions::ParentId))
                    .col(string_len(Jurisdictions::Path, 255))
                    .col(timestamp_with_time_zone(Jurisdictions::CreatedAt))
                    .col(timestamp_with_time_zone(Jurisdictions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Jurisdictions::Table, Jurisdictions::ParentId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_jurisdictions_parent")
                    .table(Jurisdictions::Table)
                    .col(Jurisdictions::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_jurisdictions_path")
                    .table(Jurisdictions::Table)
                    .col(Jurisdictions::Path)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Staff::Table)
                    .col(uuid(Staff::Id).primary_key())
                    .col(string_len_uniq(Staff::Username, 32))
                    .col(string_len_null(Staff::DisplayName, 64))
                    .col(string_len(Staff::PasswordHash, 255))
                    .col(string_len(Staff::Role, 16))
                    .col(uuid(Staff::JurisdictionId))
                    .col(boolean(Staff::Disabled).default(false))
                    .col(timestamp_with_time_zone_null(Staff::LastLoginAt))
                    .col(timestamp_with_time_zone(Staff::CreatedAt))
                    .col(timestamp_with_time_zone(Staff::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Staff::Table, Staff::JurisdictionId)
                            .to(Jurisdictions::Table, Jurisdictions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_jurisdiction")
                    .table(Staff::Table)
                    .col(Staff::JurisdictionId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(uuid(RefreshTokens::Id).primary_key())
                    .col(uuid(RefreshTokens::FamilyId))
                    .col(string_len(RefreshTokens::PrincipalKind, 16))
                    .col(uuid(RefreshTokens::PrincipalId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_principal")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::PrincipalKind)
                    .col(RefreshTokens::PrincipalId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string_len(AuditLog::ActorKind, 16))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len_null(AuditLog::TargetKind, 32))
                    .col(string_len_null(AuditLog::TargetId, 64))
                    .col(json_null(AuditLog::Detail))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_target")
                    .table(AuditLog::Table)
                    .col(AuditLog::TargetKind)
                    .col(AuditLog::TargetId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Staff::Table.into_iden(),
            Jurisdictions::Table.into_iden(),
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
    Code,
    Name,
    Level,
    ParentId,
    Path,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    JurisdictionId,
    Disabled,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    FamilyId,
    PrincipalKind,
    PrincipalId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorKind,
    ActorId,
    Action,
    TargetKind,
    TargetId,
    Detail,
    Ip,
}
