//! What a staff member may do to a case right now: the state machine's answer for their role
//! and the case's state, narrowed by the rules the transition service enforces (posting level,
//! separation of duties, 公示, urgency). Clients show these actions and no others.

use entity::{applications, assistance_types};

use crate::{
    applications::{
        views::status,
        workflow::{self, Action, Actor, Status},
    },
    auth::Staff,
    jurisdictions::Level,
    staff::Role,
};

/// The actions `me` may take on `app` now, in the state machine's order.
pub fn for_staff(
    me: &Staff,
    app: &applications::Model,
    kind: Option<&assistance_types::Model>,
) -> Vec<Action> {
    let posted = match me.role {
        Role::Approver => me.scope.level == Level::Street,
        Role::Caseworker => me.scope.level >= Level::Community,
        _ => true,
    };
    if !posted {
        return Vec::new();
    }
    let from = status(app);
    let investigated_it = app.investigator_id == Some(me.id);
    let notice_days = kind.map_or(0, |k| k.public_notice_days);
    let notice_running = app
        .public_notice_ends_at
        .is_some_and(|end| crate::db::now() < end);
    Action::STAFF
        .into_iter()
        .filter(|a| workflow::check(from, *a, Actor::Staff(me.role)).is_ok())
        .filter(|a| match a {
            Action::StartPublicNotice => !investigated_it && notice_days > 0,
            Action::Approve => {
                !investigated_it
                    && (notice_days == 0 || (from == Status::PublicNotice && !notice_running))
            }
            Action::Reject => !investigated_it,
            Action::EmergencyApprove => app.urgent && kind.is_some_and(|k| k.emergency_allowed),
            // A caseworker claims an unassigned case; approvers and supervisors assign anyone.
            Action::Assign => me.role != Role::Caseworker || app.assignee_id.is_none(),
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jurisdictions::Scope;
    use uuid::Uuid;

    fn staff(role: Role, level: Level) -> Staff {
        Staff {
            id: Uuid::now_v7(),
            username: "u".into(),
            display_name: None,
            role,
            scope: Scope {
                jurisdiction_id: Uuid::nil(),
                code: "X".into(),
                name: "x".into(),
                level,
                path: "/X/".into(),
            },
        }
    }

    fn case(status: &str) -> applications::Model {
        let now = crate::db::now();
        applications::Model {
            id: Uuid::now_v7(),
            reference: "ZT000000000001".into(),
            resident_id: None,
            channel: "online".into(),
            entry_point_id: None,
            scene: None,
            assistance_type: "dibao".into(),
            community_id: Uuid::nil(),
            jurisdiction_path: "/X/".into(),
            status: status.into(),
            version: 1,
            urgent: false,
            applicant_name: "张*".into(),
            applicant_id_enc: String::new(),
            applicant_id_bidx: String::new(),
            applicant_id_masked: String::new(),
            applicant_phone_enc: String::new(),
            applicant_phone_bidx: String::new(),
            applicant_phone_masked: String::new(),
            guardian: None,
            guardian_enc: None,
            address: String::new(),
            household: serde_json::json!([]),
            household_enc: String::new(),
            monthly_income_fen: None,
            description: String::new(),
            open_key: None,
            resume_status: None,
            supplement_items: None,
            assignee_id: None,
            investigator_id: None,
            decided_by: None,
            approved_amount_fen: None,
            rejection_reason: None,
            emergency_amount_fen: None,
            backfill_due_at: None,
            public_notice_ends_at: None,
            stage_started_at: None,
            at_risk_at: None,
            deadline_at: None,
            supervise_at: None,
            total_due_at: None,
            paused_at: None,
            sla_state: "on_track".into(),
            escalation_level: 0,
            submitted_at: Some(now),
            decided_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_community_caseworker_may_accept_a_submitted_case_and_claim_it() {
        let me = staff(Role::Caseworker, Level::Community);
        let got = for_staff(&me, &case("submitted"), None);
        assert!(got.contains(&Action::Accept));
        assert!(got.contains(&Action::RequestSupplement));
        assert!(got.contains(&Action::Assign));
        assert!(!got.contains(&Action::Approve));
    }

    #[test]
    fn a_caseworker_above_the_community_or_an_operator_may_do_nothing() {
        assert!(
            for_staff(
                &staff(Role::Caseworker, Level::Street),
                &case("submitted"),
                None
            )
            .is_empty()
        );
        assert!(
            for_staff(
                &staff(Role::Operator, Level::City),
                &case("submitted"),
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn the_investigator_may_not_decide() {
        let me = staff(Role::Approver, Level::Street);
        let mut app = case("review");
        assert!(for_staff(&me, &app, None).contains(&Action::Reject));
        app.investigator_id = Some(me.id);
        let got = for_staff(&me, &app, None);
        assert!(!got.contains(&Action::Reject) && !got.contains(&Action::Approve));
    }
}
