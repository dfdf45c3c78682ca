use sea_orm::entity::prelude::*;

/// One entry of a case's timeline; `public` entries are shown to the resident.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub at: DateTimeUtc,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    /// The staff role, shown to residents instead of the person's name.
    pub actor_role: Option<String>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    /// Whether the resident sees the note too.
    pub note_public: bool,
    pub public: bool,
    pub data: Option<Json>,
}

impl ActiveModelBehavior for ActiveModel {}
