use sea_orm::entity::prelude::*;

use crate::care_enums::PersonStatus;

/// A person under grid care. The ID number and phone are stored only encrypted, with a blind
/// index (the same index names as applicants', so one number finds both) and a masked copy.
/// `jurisdiction_path` is the grid's path when the person has a grid, else the community's:
/// a grid worker's scope is their grid.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub id_enc: String,
    #[sea_orm(unique)]
    pub id_bidx: String,
    pub id_masked: String,
    pub birth_year: i32,
    pub phone_enc: Option<String>,
    pub phone_bidx: Option<String>,
    pub phone_masked: Option<String>,
    pub address: String,
    pub community_id: Uuid,
    pub grid_id: Option<Uuid>,
    pub jurisdiction_path: String,
    pub worker_id: Option<Uuid>,
    /// Guardians and contacts with masked phones; the full list is in `contacts_enc`.
    pub contacts: Json,
    pub contacts_enc: Option<String>,
    pub note: String,
    pub status: PersonStatus,
    pub version: i32,
    pub enrolled_on: Date,
    pub last_visited_at: Option<DateTimeUtc>,
    /// The day the next visit is due (China calendar), from the last counted visit (or the
    /// enrolment) and the most demanding tier.
    pub visit_due_on: Date,
    /// Alerts sent for this due date: 0 none, 1 due soon, 2 due, 3 overdue, 4 street, 5 district.
    pub visit_level: i32,
    /// When the scanner next has something to say; NULL when archived or nothing is left.
    pub next_alert_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
