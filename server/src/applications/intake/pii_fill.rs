//! Writing an applicant's validated personal data into a case: encrypted (bound to the row),
//! blind-indexed for look-ups, and masked for display.

use serde_json::json;

use entity::applications;

use crate::{
    applications::{
        domain::{ValidMember, Validated},
        dto::{GuardianInput, GuardianView, HouseholdMemberInput, HouseholdMemberView},
        pii::context,
    },
    privacy::index,
    state::AppState,
};

/// Writes the validated fields (encrypting what must be) into `model`.
pub fn fill(state: &AppState, model: &mut applications::Model, v: &Validated) {
    let c = &state.cipher;
    model.applicant_name = v.applicant_name.clone();
    model.applicant_id_enc = c.encrypt(&context("applicant_id", model.id), v.id_number.as_str());
    model.applicant_id_bidx = c.blind_index(index::ID_NUMBER, v.id_number.as_str());
    model.applicant_id_masked = v.id_number.masked();
    model.applicant_phone_enc = c.encrypt(&context("applicant_phone", model.id), v.phone.as_str());
    model.applicant_phone_bidx = c.blind_index(index::PHONE, v.phone.as_str());
    model.applicant_phone_masked = v.phone.masked();
    model.guardian = v.guardian.as_ref().map(|g| {
        json!(GuardianView {
            name: g.name.clone(),
            relation: g.relation.clone(),
            id_number: g.id_number.masked(),
        })
    });
    model.guardian_enc = v.guardian.as_ref().map(|g| {
        let full = GuardianInput {
            name: g.name.clone(),
            id_number: g.id_number.as_str().into(),
            relation: g.relation.clone(),
            phone: g.phone.as_ref().map(|p| p.as_str().into()),
        };
        c.encrypt(&context("guardian", model.id), &json!(full).to_string())
    });
    set_household(state, model, &v.household);
    model.address = v.address.clone();
    model.monthly_income_fen = v.monthly_income_fen;
    model.description = v.description.clone();
    model.urgent = v.urgent;
}

/// The household, masked for display and encrypted in full.
pub fn set_household(state: &AppState, model: &mut applications::Model, members: &[ValidMember]) {
    let view: Vec<HouseholdMemberView> = members
        .iter()
        .map(|m| HouseholdMemberView {
            name: m.name.clone(),
            relation: m.relation.clone(),
            id_number: m.id_number.as_ref().map(|i| i.masked()),
            age: m.age,
        })
        .collect();
    let full: Vec<HouseholdMemberInput> = members
        .iter()
        .map(|m| HouseholdMemberInput {
            name: m.name.clone(),
            relation: m.relation.clone(),
            id_number: m.id_number.as_ref().map(|i| i.as_str().into()),
            age: m.age,
        })
        .collect();
    model.household = json!(view);
    model.household_enc = state
        .cipher
        .encrypt(&context("household", model.id), &json!(full).to_string());
}
