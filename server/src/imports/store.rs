//! Import jobs and the problems found in their rows.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use entity::{
    care_enums::{ImportFormat, ImportKind, ImportStatus},
    import_errors, imports,
};

use crate::{db, jurisdictions::Scope};

pub struct NewImport<'a> {
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub file_name: &'a str,
    pub created_by: Option<Uuid>,
    pub jurisdiction_path: &'a str,
}

pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewImport<'_>,
) -> Result<imports::Model, DbErr> {
    imports::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind),
        format: Set(new.format),
        file_name: Set(new.file_name.chars().take(255).collect()),
        status: Set(ImportStatus::Queued),
        created_by: Set(new.created_by),
        jurisdiction_path: Set(new.jurisdiction_path.into()),
        total_rows: Set(0),
        processed_rows: Set(0),
        created_rows: Set(0),
        updated_rows: Set(0),
        unchanged_rows: Set(0),
        error_rows: Set(0),
        longest_txn_ms: Set(0),
        message: Set(None),
        created_at: Set(db::now()),
        started_at: Set(None),
        finished_at: Set(None),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<imports::Model>, DbErr> {
    imports::Entity::find_by_id(id).one(db).await
}

/// An import the caller may read: one that wrote inside their subtree.
pub async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<imports::Model>, DbErr> {
    imports::Entity::find_by_id(id)
        .filter(scope.filter(imports::Column::JurisdictionPath))
        .one(db)
        .await
}

pub async fn start(db: &impl ConnectionTrait, id: Uuid, total: i32) -> Result<(), DbErr> {
    imports::Entity::update_many()
        .col_expr(imports::Column::Status, Expr::value(ImportStatus::Running))
        .col_expr(imports::Column::TotalRows, Expr::value(total))
        .col_expr(imports::Column::StartedAt, Expr::value(db::now()))
        .filter(imports::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The running totals after a batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub processed: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub errors: i32,
    pub longest_txn_ms: i64,
}

pub async fn progress(db: &impl ConnectionTrait, id: Uuid, t: Totals) -> Result<(), DbErr> {
    imports::Entity::update_many()
        .col_expr(imports::Column::ProcessedRows, Expr::value(t.processed))
        .col_expr(imports::Column::CreatedRows, Expr::value(t.created))
        .col_expr(imports::Column::UpdatedRows, Expr::value(t.updated))
        .col_expr(imports::Column::UnchangedRows, Expr::value(t.unchanged))
        .col_expr(imports::Column::ErrorRows, Expr::value(t.errors))
        .col_expr(imports::Column::LongestTxnMs, Expr::value(t.longest_txn_ms))
        .filter(imports::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn finish(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: ImportStatus,
    message: Option<String>,
) -> Result<(), DbErr> {
    imports::Entity::update_many()
        .col_expr(imports::Column::Status, Expr::value(status))
        .col_expr(imports::Column::Message, Expr::value(message))
        .col_expr(imports::Column::FinishedAt, Expr::value(db::now()))
        .filter(imports::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_errors(
    db: &impl ConnectionTrait,
    id: Uuid,
    errors: &[(u32, String, String)],
) -> Result<(), DbErr> {
    for chunk in errors.chunks(500) {
        import_errors::Entity::insert_many(chunk.iter().map(|(row, column, message)| {
            import_errors::ActiveModel {
                id: Set(Uuid::now_v7()),
                import_id: Set(id),
                row: Set(*row as i32),
                column: Set(column.chars().take(64).collect()),
                message: Set(message.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The first `limit` problems of an import, by row, and how many there are in all.
pub async fn errors(
    db: &impl ConnectionTrait,
    id: Uuid,
    limit: u64,
) -> Result<(Vec<import_errors::Model>, u64), DbErr> {
    let q = import_errors::Entity::find().filter(import_errors::Column::ImportId.eq(id));
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_asc(import_errors::Column::Row)
        .order_by_asc(import_errors::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}
