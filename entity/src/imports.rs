use sea_orm::entity::prelude::*;

use crate::care_enums::{ImportFormat, ImportKind, ImportStatus};

/// One bulk import and its progress. The file itself is never stored.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub file_name: String,
    pub status: ImportStatus,
    /// NULL for the command line.
    pub created_by: Option<Uuid>,
    /// The subtree the import was allowed to write (the caller's scope; `/` for the CLI).
    pub jurisdiction_path: String,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created_rows: i32,
    pub updated_rows: i32,
    pub unchanged_rows: i32,
    pub error_rows: i32,
    /// The longest any one of its transactions was held, in milliseconds.
    pub longest_txn_ms: i64,
    pub message: Option<String>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
