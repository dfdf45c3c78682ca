//! Running an import: the file is read off the async threads, then processed in batches. Each
//! batch is checked row by row first (reads only), then written in one short transaction;
//! if that write fails, each planned row is written alone, so one bad row never takes others
//! with it and nothing of a bad row is written. Progress is saved after every batch.

use std::{collections::HashMap, time::Duration};

use sea_orm::DbErr;

use entity::{
    care_enums::{ImportFormat, ImportKind, ImportStatus},
    imports,
};

use crate::{
    calendar::domain::local_date,
    care::{registry::Directory, store as care_store},
    db,
    imports::{
        columns::{self, Record},
        kind_care_people, kind_jurisdictions, kind_staff,
        store::{self, Totals},
    },
    jurisdictions::Scope,
    sheets,
    state::AppState,
};

use super::batch::{Ctx, Tally};

fn read(format: ImportFormat, bytes: &[u8]) -> Result<Vec<sheets::Row>, sheets::ReadError> {
    match format {
        ImportFormat::Csv => sheets::read_csv(bytes),
        ImportFormat::Xlsx => sheets::read_xlsx(bytes),
    }
}

/// Runs `job` over the file, to the end. The result is in the job row; an error here is one the
/// job row could not record.
pub async fn run(
    state: &AppState,
    job: &imports::Model,
    bytes: Vec<u8>,
    scope: Option<Scope>,
) -> Result<Totals, DbErr> {
    let (kind, format) = (job.kind, job.format);
    let parsed = tokio::task::spawn_blocking(move || {
        read(format, &bytes)
            .map_err(|e| e.to_string())
            .and_then(|rows| columns::records(kind, rows).map_err(|e| e.0))
    })
    .await
    .unwrap_or_else(|e| Err(format!("读取文件时出错:{e}")));
    let records = match parsed {
        Ok(r) => r,
        Err(message) => {
            store::finish(&state.db, job.id, ImportStatus::Failed, Some(message)).await?;
            return Ok(Totals::default());
        }
    };
    store::start(&state.db, job.id, records.len() as i32).await?;
    let mut ctx = Ctx {
        state,
        job: job.id,
        kind,
        scope,
        actor: job.created_by,
        dir: Directory::default(),
        today: local_date(db::now()),
        catalogue: care_store::catalogue(&state.db).await?,
        cal: crate::calendar::store::load(&state.db).await?,
        seen: HashMap::new(),
        planned_nodes: HashMap::new(),
        longest: Duration::ZERO,
    };
    let mut totals = Totals::default();
    for chunk in records.chunks(state.settings.care.import_batch_rows.max(1)) {
        if state.shutdown.is_cancelled() {
            let msg = "服务停止,导入中断;已导入的行已保存,重新导入同一文件即可补完".to_string();
            store::finish(&state.db, job.id, ImportStatus::Failed, Some(msg)).await?;
            return Ok(totals);
        }
        let tally = match batch(&mut ctx, chunk).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, import = %job.id, "import stopped by a database error");
                let msg =
                    "数据库出错,导入中断;已导入的行已保存,重新导入同一文件即可补完".to_string();
                store::finish(&state.db, job.id, ImportStatus::Failed, Some(msg)).await?;
                return Err(e);
            }
        };
        store::insert_errors(&state.db, job.id, &tally.errors).await?;
        totals.processed += chunk.len() as i32;
        totals.created += tally.created;
        totals.updated += tally.updated;
        totals.unchanged += tally.unchanged;
        totals.errors += tally.error_rows;
        totals.longest_txn_ms = ctx.longest.as_millis() as i64;
        store::progress(&state.db, job.id, totals).await?;
        // Let the server's own work through between batches (SQLite has one connection).
        tokio::task::yield_now().await;
    }
    store::finish(&state.db, job.id, ImportStatus::Done, None).await?;
    if totals.created + totals.updated > 0 {
        state.notifier.wake();
    }
    Ok(totals)
}

async fn batch(ctx: &mut Ctx<'_>, rows: &[Record]) -> Result<Tally, DbErr> {
    match ctx.kind {
        ImportKind::Jurisdictions => kind_jurisdictions::batch(ctx, rows).await,
        ImportKind::Staff => kind_staff::batch(ctx, rows).await,
        ImportKind::CarePeople => kind_care_people::batch(ctx, rows).await,
    }
}

/// Runs `job` in the background; its report shows the progress.
pub fn spawn(state: AppState, job: imports::Model, bytes: Vec<u8>, scope: Option<Scope>) {
    tokio::spawn(async move {
        match run(&state, &job, bytes, scope).await {
            Ok(t) => {
                tracing::info!(import = %job.id, kind = %job.kind, created = t.created, updated = t.updated, unchanged = t.unchanged, errors = t.errors, "import finished")
            }
            Err(e) => tracing::error!(import = %job.id, error = %e, "import failed"),
        }
    });
}
