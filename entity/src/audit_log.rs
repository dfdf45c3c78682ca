use sea_orm::entity::prelude::*;

/// Append-only record of security-relevant actions (logins, account changes, unmasked reads).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub detail: Option<Json>,
    pub ip: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
