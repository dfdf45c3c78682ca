//! An import's report: its counts and every bad row (row number, column, message).

use crate::{
    error::AppResult,
    imports::{
        dto::{ImportReport, RowError},
        store,
    },
    state::AppState,
};

/// The most errors a report lists.
pub const REPORT_ERRORS: u64 = 2000;

pub async fn build_report(
    state: &AppState,
    job: entity::imports::Model,
) -> AppResult<ImportReport> {
    let (errors, total) = store::errors(&state.db, job.id, REPORT_ERRORS).await?;
    Ok(ImportReport {
        id: job.id,
        kind: job.kind,
        format: job.format,
        file_name: job.file_name,
        status: job.status,
        total_rows: job.total_rows,
        processed_rows: job.processed_rows,
        created: job.created_rows,
        updated: job.updated_rows,
        unchanged: job.unchanged_rows,
        error_rows: job.error_rows,
        longest_transaction_ms: job.longest_txn_ms,
        message: job.message,
        errors_truncated: total > errors.len() as u64,
        errors: errors
            .into_iter()
            .map(|e| RowError {
                row: e.row,
                column: e.column,
                message: e.message,
            })
            .collect(),
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
    })
}
