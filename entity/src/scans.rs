use sea_orm::entity::prelude::*;

/// One scan of an entry point; `resident_id` is set when the scanner was logged in.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entry_point_id: Uuid,
    pub resident_id: Option<Uuid>,
    /// `miniprogram` or `web`.
    pub source: String,
    /// `YYYY-MM-DD` in China time.
    pub day: String,
    pub scanned_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
