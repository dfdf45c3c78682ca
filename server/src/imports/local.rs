//! Importing a file from the command line: the same job, checks and report as the API, run in
//! the foreground over the whole tree, with progress on standard error.

use std::{path::Path, time::Duration};

use anyhow::{Context, bail};

use entity::care_enums::{ImportFormat, ImportKind, ImportStatus};

use crate::{
    imports::{build_report, runner, store},
    state::AppState,
};

pub async fn import_file(state: &AppState, kind: ImportKind, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let format = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => ImportFormat::Xlsx,
        Some("csv") => ImportFormat::Csv,
        _ if bytes.starts_with(b"PK\x03\x04") => ImportFormat::Xlsx,
        _ => ImportFormat::Csv,
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let job = store::insert(
        &state.db,
        store::NewImport {
            kind,
            format,
            file_name: &name,
            created_by: None,
            jurisdiction_path: "/",
        },
    )
    .await?;
    let ticker = {
        let (db, id) = (state.db.clone(), job.id);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if let Ok(Some(j)) = store::find(&db, id).await {
                    eprintln!("… {}/{} rows", j.processed_rows, j.total_rows);
                }
            }
        })
    };
    let result = runner::run(state, &job, bytes, None).await;
    ticker.abort();
    result?;
    let job = store::find(&state.db, job.id)
        .await?
        .context("the import row vanished")?;
    let report = build_report(state, job)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for e in &report.errors {
        eprintln!("第 {} 行 {}:{}", e.row, e.column, e.message);
    }
    println!(
        "import {}: {} rows, {} created, {} updated, {} unchanged, {} not imported; longest transaction {} ms",
        report.id,
        report.total_rows,
        report.created,
        report.updated,
        report.unchanged,
        report.error_rows,
        report.longest_transaction_ms
    );
    if report.status == ImportStatus::Failed {
        bail!(
            "{}",
            report.message.unwrap_or_else(|| "the import failed".into())
        );
    }
    if report.error_rows > 0 {
        bail!(
            "{} rows were not imported (see above); fix them and import the file again",
            report.error_rows
        );
    }
    Ok(())
}
