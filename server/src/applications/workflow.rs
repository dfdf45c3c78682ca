//! The case state machine: which actor may take which action from which state, and where it
//! leads. Pure: the transition service applies it; field rules (reasons, amounts, 公示) live there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::staff::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Accepted,
    NeedsSupplement,
    Investigating,
    Review,
    PublicNotice,
    Approved,
    Rejected,
    EmergencyAid,
    Withdrawn,
    Closed,
    Reopened,
}

impl Status {
    pub const ALL: [Status; 13] = [
        Status::Draft,
        Status::Submitted,
        Status::Accepted,
        Status::NeedsSupplement,
        Status::Investigating,
        Status::Review,
        Status::PublicNotice,
        Status::Approved,
        Status::Rejected,
        Status::EmergencyAid,
        Status::Withdrawn,
        Status::Closed,
        Status::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Accepted => "accepted",
            Status::NeedsSupplement => "needs_supplement",
            Status::Investigating => "investigating",
            Status::Review => "review",
            Status::PublicNotice => "public_notice",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::EmergencyAid => "emergency_aid",
            Status::Withdrawn => "withdrawn",
            Status::Closed => "closed",
            Status::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// How a resident reads it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "已提交",
            Status::Accepted => "已受理",
            Status::NeedsSupplement => "待补充材料",
            Status::Investigating => "入户调查中",
            Status::Review => "审核中",
            Status::PublicNotice => "公示中",
            Status::Approved => "已批准",
            Status::Rejected => "未批准",
            Status::EmergencyAid => "已先行救助",
            Status::Withdrawn => "已撤回",
            Status::Closed => "已办结",
            Status::Reopened => "重新办理",
        }
    }

    /// Not yet ended: counts for the one-open-case-per-person guard.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Approved | Status::Rejected | Status::Withdrawn | Status::Closed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // The resident's own actions.
    Submit,
    Withdraw,
    Supplement,
    // Staff actions.
    Accept,
    RequestSupplement,
    StartInvestigation,
    SubmitReview,
    StartPublicNotice,
    Approve,
    Reject,
    EmergencyApprove,
    Close,
    Reopen,
    /// Give the case to a caseworker (or claim it). No state change.
    Assign,
    /// Move the case to another community. No state change.
    Transfer,
    /// A dissatisfied 回访 (satisfaction ≤ 2) reopens an ended case for the supervisor.
    FollowUpReopen,
}

impl Action {
    pub const STAFF: [Action; 12] = [
        Action::Accept,
        Action::RequestSupplement,
        Action::StartInvestigation,
        Action::SubmitReview,
        Action::StartPublicNotice,
        Action::Approve,
        Action::Reject,
        Action::EmergencyApprove,
        Action::Close,
        Action::Reopen,
        Action::Assign,
        Action::Transfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Supplement => "supplement",
            Action::Accept => "accept",
            Action::RequestSupplement => "request_supplement",
            Action::StartInvestigation => "start_investigation",
            Action::SubmitReview => "submit_review",
            Action::StartPublicNotice => "start_public_notice",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::EmergencyApprove => "emergency_approve",
            Action::Close => "close",
            Action::Reopen => "reopen",
            Action::Assign => "assign",
            Action::Transfer => "transfer",
            Action::FollowUpReopen => "follow_up_reopen",
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Resident,
    Staff(Role),
    /// The outcome of a 回访 recorded by the hotline, not a staff member's own decision.
    FollowUp,
}

/// Where an allowed action leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    To(Status),
    /// Back to the state the case was in before it waited for the resident.
    Resume,
    /// The state does not change (assignment, transfer).
    Stay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 403: this actor may never take this action.
    NotAllowed,
    /// 409: not from the case's current state.
    WrongState,
}

use Status::*;

const BEFORE_DECISION: &[Status] = &[
    Draft,
    Submitted,
    Accepted,
    NeedsSupplement,
    Investigating,
    Review,
    PublicNotice,
    EmergencyAid,
    Reopened,
];
const ENDED: &[Status] = &[Approved, Rejected, Withdrawn, Closed];
const ACTIVE: &[Status] = &[
    Submitted,
    Accepted,
    NeedsSupplement,
    Investigating,
    Review,
    PublicNotice,
    EmergencyAid,
    Reopened,
];

/// The transition table: (action, from-states, who, target).
pub fn rule(action: Action) -> (&'static [Status], &'static [Actor], Target) {
    use Role::{Approver, Caseworker, Supervisor};
    const RESIDENT: &[Actor] = &[Actor::Resident];
    const CASEWORKER_OR_APPROVER: &[Actor] = &[Actor::Staff(Caseworker), Actor::Staff(Approver)];
    const CASEWORKER: &[Actor] = &[Actor::Staff(Caseworker)];
    const APPROVER: &[Actor] = &[Actor::Staff(Approver)];
    const SUPERVISOR: &[Actor] = &[Actor::Staff(Supervisor)];
    const ASSIGNERS: &[Actor] = &[
        Actor::Staff(Approver),
        Actor::Staff(Supervisor),
        Actor::Staff(Caseworker),
    ];
    match action {
        Action::Submit => (&[Draft], RESIDENT, Target::To(Submitted)),
        Action::Withdraw => (BEFORE_DECISION, RESIDENT, Target::To(Withdrawn)),
        Action::Supplement => (&[NeedsSupplement], RESIDENT, Target::Resume),
        Action::Accept => (&[Submitted], CASEWORKER_OR_APPROVER, Target::To(Accepted)),
        Action::RequestSupplement => (
            &[
                Submitted,
                Accepted,
                Investigating,
                Review,
                EmergencyAid,
                Reopened,
            ],
            CASEWORKER_OR_APPROVER,
            Target::To(NeedsSupplement),
        ),
        // From 公示 when an objection sends the case back to investigation.
        Action::StartInvestigation => (
            &[Accepted, EmergencyAid, Reopened, PublicNotice],
            CASEWORKER,
            Target::To(Investigating),
        ),
        Action::SubmitReview => (&[Investigating, Reopened], CASEWORKER, Target::To(Review)),
        Action::StartPublicNotice => (&[Review], APPROVER, Target::To(PublicNotice)),
        Action::Approve => (&[Review, PublicNotice], APPROVER, Target::To(Approved)),
        Action::Reject => (
            &[
                Submitted,
                Accepted,
                Investigating,
                Review,
                PublicNotice,
                EmergencyAid,
                Reopened,
            ],
            APPROVER,
            Target::To(Rejected),
        ),
        Action::EmergencyApprove => (&[Submitted, Accepted], APPROVER, Target::To(EmergencyAid)),
        Action::Close => (
            &[Approved, Rejected, Withdrawn],
            CASEWORKER_OR_APPROVER,
            Target::To(Closed),
        ),
        Action::Reopen => (&[Closed], SUPERVISOR, Target::To(Reopened)),
        Action::FollowUpReopen => (ENDED, &[Actor::FollowUp], Target::To(Reopened)),
        Action::Assign => (ACTIVE, ASSIGNERS, Target::Stay),
        Action::Transfer => (
            &[
                Submitted,
                Accepted,
                NeedsSupplement,
                Investigating,
                Reopened,
            ],
            &[
                Actor::Staff(Caseworker),
                Actor::Staff(Approver),
                Actor::Staff(Supervisor),
            ],
            Target::Stay,
        ),
    }
}

/// Whether `actor` may take `action` on a case in `status`. Role is checked before state, so
/// an actor who may never do this gets 403 whatever the state.
pub fn check(status: Status, action: Action, actor: Actor) -> Result<Target, Refusal> {
    let (from, who, target) = rule(action);
    if !who.contains(&actor) {
        return Err(Refusal::NotAllowed);
    }
    if !from.contains(&status) {
        return Err(Refusal::WrongState);
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected table, written out by hand from the domain rules; the test checks every
    /// (state, action, actor) combination against it.
    fn expected(status: Status, action: Action, actor: Actor) -> Result<Target, Refusal> {
        use Role::*;
        let role = match actor {
            Actor::Resident | Actor::FollowUp => None,
            Actor::Staff(r) => Some(r),
        };
        let allowed_actor = match action {
            Action::Submit | Action::Withdraw | Action::Supplement => actor == Actor::Resident,
            Action::FollowUpReopen => actor == Actor::FollowUp,
            Action::Accept | Action::RequestSupplement | Action::Close => {
                matches!(role, Some(Caseworker) | Some(Approver))
            }
            Action::StartInvestigation | Action::SubmitReview => role == Some(Caseworker),
            Action::StartPublicNotice
            | Action::Approve
            | Action::Reject
            | Action::EmergencyApprove => role == Some(Approver),
            Action::Reopen => role == Some(Supervisor),
            Action::Assign | Action::Transfer => {
                matches!(role, Some(Approver) | Some(Supervisor) | Some(Caseworker))
            }
        };
        if !allowed_actor {
            return Err(Refusal::NotAllowed);
        }
        let open_undecided = !matches!(status, Approved | Rejected | Withdrawn | Closed);
        let ok_from = match action {
            Action::Submit => status == Draft,
            Action::Withdraw => open_undecided,
            Action::Supplement => status == NeedsSupplement,
            Action::Accept => status == Submitted,
            Action::RequestSupplement => {
                matches!(
                    status,
                    Submitted | Accepted | Investigating | Review | EmergencyAid | Reopened
                )
            }
            Action::StartInvestigation => {
                matches!(status, Accepted | EmergencyAid | Reopened | PublicNotice)
            }
            Action::SubmitReview => matches!(status, Investigating | Reopened),
            Action::StartPublicNotice => status == Review,
            Action::Approve => matches!(status, Review | PublicNotice),
            Action::Reject => open_undecided && !matches!(status, Draft | NeedsSupplement),
            Action::EmergencyApprove => matches!(status, Submitted | Accepted),
            Action::Close => matches!(status, Approved | Rejected | Withdrawn),
            Action::Reopen => status == Closed,
            Action::Assign => open_undecided && status != Draft,
            Action::Transfer => matches!(
                status,
                Submitted | Accepted | NeedsSupplement | Investigating | Reopened
            ),
            Action::FollowUpReopen => !open_undecided,
        };
        if !ok_from {
            return Err(Refusal::WrongState);
        }
        Ok(match action {
            Action::Supplement => Target::Resume,
            Action::Assign | Action::Transfer => Target::Stay,
            Action::Submit => Target::To(Submitted),
            Action::Withdraw => Target::To(Withdrawn),
            Action::Accept => Target::To(Accepted),
            Action::RequestSupplement => Target::To(NeedsSupplement),
            Action::StartInvestigation => Target::To(Investigating),
            Action::SubmitReview => Target::To(Review),
            Action::StartPublicNotice => Target::To(PublicNotice),
            Action::Approve => Target::To(Approved),
            Action::Reject => Target::To(Rejected),
            Action::EmergencyApprove => Target::To(EmergencyAid),
            Action::Close => Target::To(Closed),
            Action::Reopen | Action::FollowUpReopen => Target::To(Reopened),
        })
    }

    #[test]
    fn every_state_action_and_actor_combination_matches_the_table() {
        let actions = [
            Action::Submit,
            Action::Withdraw,
            Action::Supplement,
            Action::Accept,
            Action::RequestSupplement,
            Action::StartInvestigation,
            Action::SubmitReview,
            Action::StartPublicNotice,
            Action::Approve,
            Action::Reject,
            Action::EmergencyApprove,
            Action::Close,
            Action::Reopen,
            Action::Assign,
            Action::Transfer,
            Action::FollowUpReopen,
        ];
        let mut actors = vec![Actor::Resident, Actor::FollowUp];
        actors.extend(Role::ALL.into_iter().map(Actor::Staff));
        let mut combinations = 0;
        for status in Status::ALL {
            for action in actions {
                for actor in &actors {
                    assert_eq!(
                        check(status, action, *actor),
                        expected(status, action, *actor),
                        "{status:?} {action:?} {actor:?}"
                    );
                    combinations += 1;
                }
            }
        }
        assert_eq!(combinations, 13 * 16 * 8);
    }

    #[test]
    fn operators_admins_and_grid_workers_never_move_a_case() {
        for status in Status::ALL {
            for action in Action::STAFF {
                for role in [Role::Operator, Role::Admin, Role::GridWorker] {
                    assert_eq!(
                        check(status, action, Actor::Staff(role)),
                        Err(Refusal::NotAllowed)
                    );
                }
            }
        }
    }

    #[test]
    fn only_a_follow_up_reopens_approved_rejected_or_withdrawn_cases() {
        for status in [Approved, Rejected, Withdrawn] {
            assert_eq!(
                check(status, Action::FollowUpReopen, Actor::FollowUp),
                Ok(Target::To(Reopened))
            );
            for role in Role::ALL {
                assert_eq!(
                    check(status, Action::Reopen, Actor::Staff(role)),
                    Err(if role == Role::Supervisor {
                        Refusal::WrongState
                    } else {
                        Refusal::NotAllowed
                    })
                );
                assert_eq!(
                    check(status, Action::FollowUpReopen, Actor::Staff(role)),
                    Err(Refusal::NotAllowed)
                );
            }
        }
        assert_eq!(
            check(Review, Action::FollowUpReopen, Actor::FollowUp),
            Err(Refusal::WrongState)
        );
    }

    #[test]
    fn statuses_round_trip_and_ended_ones_are_not_open() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert!(!Status::Closed.is_open() && !Status::Approved.is_open());
        assert!(Status::NeedsSupplement.is_open() && Status::Draft.is_open());
    }
}
