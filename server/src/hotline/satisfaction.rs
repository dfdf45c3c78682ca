//! Satisfaction figures of completed 回访, by street (街道/乡镇), inside the caller's subtree.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use entity::jurisdictions;

use crate::{
    auth::Staff,
    calendar::domain::{end_of_day, local_date},
    db,
    error::{AppError, AppResult},
    hotline::{
        dto::{SatisfactionFigures, SatisfactionQuery, SatisfactionReport, StreetSatisfaction},
        store::{self, StreetCounts},
    },
    jurisdictions::{JurisdictionNode, Level, domain::path_codes},
    staff::Role,
};

pub const READ: &[Role] = &[Role::Operator, Role::Supervisor, Role::Approver];
const DEFAULT_DAYS: i64 = 30;
const MAX_DAYS: i64 = 366;

/// The period asked for: `to` defaults to today, `from` to 30 days before it.
pub fn period(q: &SatisfactionQuery) -> AppResult<(NaiveDate, NaiveDate)> {
    crate::calendar::domain::parse_period(
        q.from.as_deref(),
        q.to.as_deref(),
        local_date(db::now()),
        DEFAULT_DAYS,
        MAX_DAYS,
    )
    .map_err(AppError::validation)
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| (n as f64 / d as f64 * 100.0).round() / 100.0)
}

fn figures(c: &StreetCounts) -> SatisfactionFigures {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let (completed, reached) = (n(c.completed), n(c.reached));
    let distribution = [n(c.s1), n(c.s2), n(c.s3), n(c.s4), n(c.s5)];
    let score = n(c.score_sum.unwrap_or(0));
    SatisfactionFigures {
        completed,
        reached,
        unreachable: completed.saturating_sub(reached),
        average: ratio(score, reached),
        satisfied: distribution[3] + distribution[4],
        neutral: distribution[2],
        dissatisfied: distribution[0] + distribution[1],
        satisfaction_rate: ratio(distribution[3] + distribution[4], reached),
        distribution,
    }
}

fn add(total: &mut StreetCounts, c: &StreetCounts) {
    total.completed += c.completed;
    total.reached += c.reached;
    total.score_sum = Some(total.score_sum.unwrap_or(0) + c.score_sum.unwrap_or(0));
    total.s1 += c.s1;
    total.s2 += c.s2;
    total.s3 += c.s3;
    total.s4 += c.s4;
    total.s5 += c.s5;
}

pub async fn report(
    db: &impl ConnectionTrait,
    me: &Staff,
    q: &SatisfactionQuery,
) -> AppResult<SatisfactionReport> {
    me.require(READ)?;
    let (from, to) = period(q)?;
    let start = end_of_day(from - Duration::days(1));
    let rows = store::satisfaction_by_street(db, &me.scope, start, end_of_day(to)).await?;
    let codes: Vec<String> = rows
        .iter()
        .filter_map(|r| path_codes(&r.street_path).last().map(|c| c.to_string()))
        .collect();
    let nodes: HashMap<String, jurisdictions::Model> = if codes.is_empty() {
        HashMap::new()
    } else {
        jurisdictions::Entity::find()
            .filter(jurisdictions::Column::Code.is_in(codes))
            .all(db)
            .await?
            .into_iter()
            .map(|n| (n.path.clone(), n))
            .collect()
    };
    let mut total = StreetCounts {
        street_path: String::new(),
        completed: 0,
        reached: 0,
        score_sum: None,
        s1: 0,
        s2: 0,
        s3: 0,
        s4: 0,
        s5: 0,
    };
    let mut streets = Vec::with_capacity(rows.len());
    for row in &rows {
        add(&mut total, row);
        let street = nodes
            .get(&row.street_path)
            .map(JurisdictionNode::from)
            .unwrap_or_else(|| JurisdictionNode {
                code: path_codes(&row.street_path)
                    .last()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                name: String::new(),
                level: Level::Street,
            });
        streets.push(StreetSatisfaction {
            street,
            figures: figures(row),
        });
    }
    Ok(SatisfactionReport {
        from,
        to,
        streets,
        total: figures(&total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_derive_rates_from_the_distribution() {
        let c = StreetCounts {
            street_path: "/1/2/3/".into(),
            completed: 6,
            reached: 5,
            score_sum: Some(17),
            s1: 1,
            s2: 0,
            s3: 1,
            s4: 1,
            s5: 2,
        };
        let f = figures(&c);
        assert_eq!(f.unreachable, 1);
        assert_eq!(f.average, Some(3.4));
        assert_eq!(f.satisfied, 3);
        assert_eq!(f.dissatisfied, 1);
        assert_eq!(f.satisfaction_rate, Some(0.6));
        assert_eq!(f.distribution, [1, 0, 1, 1, 2]);
    }

    #[test]
    fn the_period_defaults_to_thirty_days_and_refuses_nonsense() {
        let q = |from: Option<&str>, to: Option<&str>| SatisfactionQuery {
            from: from.map(Into::into),
            to: to.map(Into::into),
        };
        let (from, to) = period(&q(None, Some("2026-11-30"))).unwrap();
        assert_eq!((to - from).num_days(), 29);
        assert!(period(&q(Some("2026-12-01"), Some("2026-11-30"))).is_err());
        assert!(period(&q(Some("2025-01-01"), Some("2026-11-30"))).is_err());
        assert!(period(&q(Some("2026/11/01"), None)).is_err());
    }
}
