//! Shapes of the import API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use entity::care_enums::{ImportFormat, ImportKind, ImportStatus};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateImportQuery {
    /// What the file holds (required for a raw body; a multipart form may send it as a field).
    pub kind: Option<ImportKind>,
    /// `csv` or `xlsx`; taken from the content type or the file name when absent.
    pub format: Option<ImportFormat>,
    /// The file's name, for the report.
    pub file_name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportAccepted {
    pub id: Uuid,
    pub status: ImportStatus,
    /// Where to follow its progress.
    pub report_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// The row number as the spreadsheet shows it (the header is row 1).
    pub row: i32,
    /// The column's header; empty for a problem with the whole row.
    pub column: String,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub id: Uuid,
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub file_name: String,
    pub status: ImportStatus,
    /// Data rows in the file (blank rows not counted).
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    /// Rows not imported; each problem is listed in `errors`.
    pub error_rows: i32,
    /// The longest any one of the import's transactions was held, in milliseconds.
    pub longest_transaction_ms: i64,
    /// Why the whole file failed, when it did.
    pub message: Option<String>,
    /// Every problem, by row (the first 2,000).
    pub errors: Vec<RowError>,
    pub errors_truncated: bool,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// `xlsx` (default) or `csv`.
    pub format: Option<ImportFormat>,
}
