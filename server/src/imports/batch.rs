//! The batch machinery every kind of import shares: what a row came to, the plan of a batch
//! (checked row by row with reads only, then written in one short transaction; on failure
//! each row alone), and the tally of a run.

use std::{
    collections::HashMap,
    future::Future,
    time::{Duration, Instant},
};

use chrono::NaiveDate;
use sea_orm::{DatabaseTransaction, DbErr};
use uuid::Uuid;

use entity::care_enums::ImportKind;

use crate::{
    calendar::WorkCalendar,
    care::{catalogue::Catalogue, registry::Directory},
    db,
    imports::columns::{self},
    jurisdictions::{Level, Scope},
    state::AppState,
};

/// What a row came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// A row's problems: (column key, message).
pub type Problems = Vec<(&'static str, String)>;

/// What every batch of one import shares.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub job: Uuid,
    pub kind: ImportKind,
    /// `None`: the command line, which may write anywhere.
    pub scope: Option<Scope>,
    /// The staff member who imports (audit); `None` for the command line.
    pub actor: Option<Uuid>,
    pub dir: Directory,
    pub today: NaiveDate,
    pub catalogue: Catalogue,
    pub cal: WorkCalendar,
    /// Keys already met in this file (ID-number index, username, code) and the row.
    pub seen: HashMap<String, u32>,
    /// Jurisdictions planned earlier in this file: code → (level, path).
    pub planned_nodes: HashMap<String, (Level, String)>,
    pub longest: Duration,
}

impl Ctx<'_> {
    /// Whether `path` may be written by this import.
    pub fn allows(&self, path: &str) -> bool {
        self.scope.as_ref().is_none_or(|s| s.contains(path))
    }

    /// The row a key was first met on, remembering it otherwise.
    pub fn first_seen(&mut self, key: String, row: u32) -> Option<u32> {
        match self.seen.get(&key) {
            Some(first) => Some(*first),
            None => {
                self.seen.insert(key, row);
                None
            }
        }
    }
}

/// The rows of one batch, tallied.
#[derive(Debug, Default)]
pub struct Tally {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub error_rows: i32,
    /// (row, column label, message)
    pub errors: Vec<(u32, String, String)>,
}

impl Tally {
    pub fn add(&mut self, kind: ImportKind, row: u32, result: Result<Outcome, Problems>) {
        match result {
            Ok(Outcome::Created) => self.created += 1,
            Ok(Outcome::Updated) => self.updated += 1,
            Ok(Outcome::Unchanged) => self.unchanged += 1,
            Err(problems) => {
                self.error_rows += 1;
                for (key, message) in problems {
                    self.errors
                        .push((row, columns::label(kind, key).to_string(), message));
                }
            }
        }
    }
}

/// A kind's planned writes: all of a batch in one transaction, or one alone.
pub trait Plan: Sized + Sync {
    /// Whether the plan creates a record (else it updates one).
    fn creates(&self) -> bool;

    fn write_one(
        &self,
        ctx: &Ctx<'_>,
        txn: &DatabaseTransaction,
    ) -> impl Future<Output = Result<(), DbErr>> + Send;

    /// The batch in one transaction; by default one plan after the other.
    fn write_all(
        ctx: &Ctx<'_>,
        txn: &DatabaseTransaction,
        plans: &[&Self],
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        async move {
            for p in plans {
                p.write_one(ctx, txn).await?;
            }
            Ok(())
        }
    }
}

/// Writes `plans` in one transaction; if that fails, each alone, in its own. Returns, per
/// plan, the write failure if there was one, and the longest transaction.
pub async fn write<P: Plan>(
    ctx: &Ctx<'_>,
    plans: &[&P],
) -> Result<(Vec<Option<String>>, Duration), DbErr> {
    let mut longest = Duration::ZERO;
    if plans.is_empty() {
        return Ok((Vec::new(), longest));
    }
    let state = ctx.state;
    let started = Instant::now();
    let txn = db::begin(&state.db).await?;
    let res = match P::write_all(ctx, &txn, plans).await {
        Ok(()) => txn.commit().await,
        Err(e) => Err(e),
    };
    longest = longest.max(started.elapsed());
    if res.is_ok() {
        return Ok((vec![None; plans.len()], longest));
    }
    let mut out = Vec::with_capacity(plans.len());
    for p in plans {
        let started = Instant::now();
        let txn = db::begin(&state.db).await?;
        let res = match p.write_one(ctx, &txn).await {
            Ok(()) => txn.commit().await,
            Err(e) => Err(e),
        };
        longest = longest.max(started.elapsed());
        out.push(res.err().map(|e| {
            tracing::warn!(error = %e, "an import row could not be written");
            match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    "与刚写入的记录冲突(可能有人同时登记),请重新导入该文件".to_string()
                }
                _ => "写入失败,请稍后重新导入该文件".to_string(),
            }
        }));
    }
    Ok((out, longest))
}

/// What checking a row came to: refused, nothing to do, or a write.
pub type Planned<P> = (u32, Result<Option<P>, Problems>);

/// Tallies a batch's checked rows and writes the planned ones.
pub async fn finish_batch<P: Plan>(
    ctx: &mut Ctx<'_>,
    planned: Vec<Planned<P>>,
) -> Result<Tally, DbErr> {
    let mut tally = Tally::default();
    let mut plans = Vec::new();
    for (row, p) in planned {
        match p {
            Ok(Some(p)) => plans.push((row, p)),
            Ok(None) => tally.add(ctx.kind, row, Ok(Outcome::Unchanged)),
            Err(problems) => tally.add(ctx.kind, row, Err(problems)),
        }
    }
    let only: Vec<&P> = plans.iter().map(|(_, p)| p).collect();
    let (failures, longest) = write(ctx, &only).await?;
    ctx.longest = ctx.longest.max(longest);
    for ((row, plan), failure) in plans.iter().zip(failures) {
        let outcome = if plan.creates() {
            Outcome::Created
        } else {
            Outcome::Updated
        };
        tally.add(
            ctx.kind,
            *row,
            failure.map_or(Ok(outcome), |m| Err(vec![("", m)])),
        );
    }
    Ok(tally)
}
