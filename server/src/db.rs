//! Database connection (PostgreSQL or the embedded SQLite file), migrations and transaction
//! helpers that behave the same on both.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExprTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{Expr, Func, IntoColumnRef, LikeExpr, SimpleExpr},
};
use secrecy::ExposeSecret;

use crate::config::DatabaseSettings;

/// Opens the pool. SQLite gets one connection (WAL, busy timeout, foreign keys on): the embedded
/// default serialises writers instead of failing with "database is locked".
#[tracing::instrument(skip_all, fields(backend = if settings.is_sqlite() { "sqlite" } else { "postgres" }))]
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.url.expose_secret().to_string();
    if settings.is_sqlite() {
        ensure_sqlite_dir(&url)?;
    }
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10));
    if settings.is_sqlite() {
        opts.max_connections(1).min_connections(1);
        opts.map_sqlx_sqlite_opts(|o| {
            o.busy_timeout(Duration::from_secs(10))
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
        });
    } else {
        opts.max_connections(settings.max_connections)
            .min_connections(1);
    }
    Database::connect(opts)
        .await
        .with_context(|| format!("connecting to {}", settings.redacted_url()))
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the SQLite directory {}", parent.display()))?;
    }
    Ok(())
}

/// Applies pending migrations. On PostgreSQL several instances may start at once, so the
/// migration runs under a transaction-scoped advisory lock.
#[tracing::instrument(skip_all, fields(backend = ?db.get_database_backend()))]
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7291170001)")
                .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => Migrator::up(db, None).await,
    }
}

/// Begins a read-write transaction. On SQLite it takes the write lock up front (`IMMEDIATE`),
/// so a transaction that reads then writes cannot fail half-way with SQLITE_BUSY.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
    } else {
        db.begin().await
    }
}

/// Now, at the precision both databases keep (microseconds), so values round-trip exactly.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// `column` contains `fragment` as typed: `%`, `_` and `\` are taken literally (a search for `_`
/// is not "any character"), and ASCII case is ignored on both databases (SQLite's LIKE ignores
/// it, PostgreSQL's does not).
pub fn contains_text(column: impl IntoColumnRef, fragment: &str) -> SimpleExpr {
    let mut pattern = String::from("%");
    for c in fragment.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}
