//! Entry-point queries. Staff reads and writes go through the caller's `Scope`; the public
//! look-up by scene returns enabled entry points only.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use entity::{entry_point_codes, entry_points, jurisdictions, scans};

use crate::{
    db,
    entry_points::{
        domain::{Channel, Scene, china_day},
        dto::{FunnelDay, FunnelTotals},
    },
    error::{AppResult, OnConstraint},
    jurisdictions::Scope,
};

pub struct NewEntryPoint<'a> {
    pub scene: &'a Scene,
    pub community: &'a jurisdictions::Model,
    pub label: &'a str,
    pub channel: Channel,
    pub created_by: Uuid,
}

/// Inserts an entry point; a scene already taken is a 409 `scene_taken` (the caller draws a
/// new one).
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewEntryPoint<'_>,
) -> AppResult<entry_points::Model> {
    let now = db::now();
    entry_points::ActiveModel {
        id: Set(Uuid::now_v7()),
        scene: Set(new.scene.as_str().into()),
        jurisdiction_id: Set(new.community.id),
        jurisdiction_path: Set(new.community.path.clone()),
        label: Set(new.label.into()),
        channel: Set(new.channel.as_str().into()),
        enabled: Set(true),
        created_by: Set(Some(new.created_by)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .on_unique("scene_taken", "二维码编号冲突,请重试")
}

/// The entry point, if it lies inside `scope`.
pub async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<entry_points::Model>, DbErr> {
    entry_points::Entity::find_by_id(id)
        .filter(scope.filter(entry_points::Column::JurisdictionPath))
        .one(db)
        .await
}

/// A page of entry points inside `scope` (and inside `subtree` when given), oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    subtree: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<entry_points::Model>, DbErr> {
    let mut q = entry_points::Entity::find()
        .filter(scope.filter(entry_points::Column::JurisdictionPath))
        .order_by_asc(entry_points::Column::Id)
        .limit(limit);
    if let Some(path) = subtree {
        q = q.filter(entry_points::Column::JurisdictionPath.starts_with(path));
    }
    if let Some(after) = after {
        q = q.filter(entry_points::Column::Id.gt(after));
    }
    q.all(db).await
}

pub async fn update(
    db: &impl ConnectionTrait,
    entry: entry_points::Model,
    label: Option<String>,
    enabled: Option<bool>,
) -> Result<entry_points::Model, DbErr> {
    let mut active: entry_points::ActiveModel = entry.into();
    if let Some(label) = label {
        active.label = Set(label);
    }
    if let Some(enabled) = enabled {
        active.enabled = Set(enabled);
    }
    active.updated_at = Set(db::now());
    active.update(db).await
}

/// The enabled entry point with this scene and the community it routes to. The applications
/// code resolves a submitted `scene` to its community with this.
pub async fn find_enabled_by_scene(
    db: &impl ConnectionTrait,
    scene: &str,
) -> Result<Option<(entry_points::Model, jurisdictions::Model)>, DbErr> {
    let Some(entry) = entry_points::Entity::find()
        .filter(entry_points::Column::Scene.eq(scene))
        .filter(entry_points::Column::Enabled.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let node = jurisdictions::Entity::find_by_id(entry.jurisdiction_id)
        .one(db)
        .await?;
    Ok(node.map(|n| (entry, n)))
}

/// Where a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanSource {
    /// The mini-program reported it (`POST /api/v1/scans`).
    MiniProgram,
    /// A phone browser opened the landing page (`GET /s/{scene}`).
    Web,
}

impl ScanSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanSource::MiniProgram => "miniprogram",
            ScanSource::Web => "web",
        }
    }
}

/// Records one scan, filed under its China-time day.
pub async fn record_scan(
    db: &impl ConnectionTrait,
    entry_point_id: Uuid,
    resident_id: Option<Uuid>,
    source: ScanSource,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    scans::ActiveModel {
        id: Set(Uuid::now_v7()),
        entry_point_id: Set(entry_point_id),
        resident_id: Set(resident_id),
        source: Set(source.as_str().into()),
        day: Set(china_day(at).format("%Y-%m-%d").to_string()),
        scanned_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Scans and distinct residents per day from `from` to `to` (inclusive), every day present.
pub async fn funnel(
    db: &impl ConnectionTrait,
    entry_point_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<FunnelDay>, FunnelTotals), DbErr> {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let in_range = entry_points_scans(entry_point_id)
        .and(Expr::col(scans::Column::Day).gte(day(from)))
        .and(Expr::col(scans::Column::Day).lte(day(to)));
    let rows: Vec<(String, i64, i64)> = scans::Entity::find()
        .select_only()
        .column(scans::Column::Day)
        .column_as(Expr::col(scans::Column::Id).count(), "scans")
        .column_as(
            Expr::col(scans::Column::ResidentId).count_distinct(),
            "unique_residents",
        )
        .filter(in_range.clone())
        .group_by(scans::Column::Day)
        .into_tuple()
        .all(db)
        .await?;
    let by_day: BTreeMap<String, (i64, i64)> =
        rows.into_iter().map(|(d, s, u)| (d, (s, u))).collect();
    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let (scans, unique) = by_day.get(&day(d)).copied().unwrap_or((0, 0));
            FunnelDay {
                date: d,
                scans: u64::try_from(scans).unwrap_or(0),
                unique_residents: u64::try_from(unique).unwrap_or(0),
                applications_started: 0,
                applications_submitted: 0,
            }
        })
        .collect::<Vec<_>>();
    let mut days = days;
    count_applications(db, entry_point_id, from, to, &mut days).await?;
    let unique: Option<i64> = scans::Entity::find()
        .select_only()
        .column_as(
            Expr::col(scans::Column::ResidentId).count_distinct(),
            "unique_residents",
        )
        .filter(in_range)
        .into_tuple()
        .one(db)
        .await?;
    let totals = FunnelTotals {
        scans: days.iter().map(|d| d.scans).sum(),
        unique_residents: u64::try_from(unique.unwrap_or(0)).unwrap_or(0),
        applications_started: days.iter().map(|d| d.applications_started).sum(),
        applications_submitted: days.iter().map(|d| d.applications_submitted).sum(),
    };
    Ok((days, totals))
}

/// Applications started and submitted through the entry point, counted per China day. The
/// range is small (one entry point, at most a year), so the grouping happens here, the same on
/// both databases.
async fn count_applications(
    db: &impl ConnectionTrait,
    entry_point_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    days: &mut [FunnelDay],
) -> Result<(), DbErr> {
    use entity::applications;
    use sea_orm::ExprTrait;
    let start = crate::calendar::domain::end_of_day(from - chrono::Duration::days(1));
    let end = crate::calendar::domain::end_of_day(to);
    type Row = (
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let rows: Vec<Row> = applications::Entity::find()
        .select_only()
        .column(applications::Column::CreatedAt)
        .column(applications::Column::SubmittedAt)
        .filter(applications::Column::EntryPointId.eq(entry_point_id))
        .filter(
            applications::Column::CreatedAt
                .between(start, end)
                .or(applications::Column::SubmittedAt.between(start, end)),
        )
        .into_tuple()
        .all(db)
        .await?;
    for (created, submitted) in rows {
        if let Some(d) = days.iter_mut().find(|d| d.date == china_day(created)) {
            d.applications_started += 1;
        }
        if let Some(s) = submitted
            && let Some(d) = days.iter_mut().find(|d| d.date == china_day(s))
        {
            d.applications_submitted += 1;
        }
    }
    Ok(())
}

fn entry_points_scans(entry_point_id: Uuid) -> sea_orm::sea_query::SimpleExpr {
    Expr::col(scans::Column::EntryPointId).eq(entry_point_id)
}

/// The cached 小程序码, if one was made for this page and build.
pub async fn cached_code(
    db: &impl ConnectionTrait,
    entry_point_id: Uuid,
    page: &str,
    env_version: &str,
) -> Result<Option<entry_point_codes::Model>, DbErr> {
    Ok(entry_point_codes::Entity::find_by_id(entry_point_id)
        .one(db)
        .await?
        .filter(|c| c.page == page && c.env_version == env_version))
}

/// Stores (or replaces) the 小程序码 of an entry point. Only ever called with a checked image.
pub async fn save_code(
    db: &impl ConnectionTrait,
    entry_point_id: Uuid,
    page: &str,
    env_version: &str,
    content_type: &str,
    image: Vec<u8>,
) -> Result<(), DbErr> {
    entry_point_codes::Entity::insert(entry_point_codes::ActiveModel {
        entry_point_id: Set(entry_point_id),
        page: Set(page.into()),
        env_version: Set(env_version.into()),
        content_type: Set(content_type.into()),
        image: Set(image),
        created_at: Set(db::now()),
    })
    .on_conflict(
        OnConflict::column(entry_point_codes::Column::EntryPointId)
            .update_columns([
                entry_point_codes::Column::Page,
                entry_point_codes::Column::EnvVersion,
                entry_point_codes::Column::ContentType,
                entry_point_codes::Column::Image,
                entry_point_codes::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}
