//! Decrypting a case's personal data, for the logged `/pii` endpoint and for re-validating a
//! draft at submission.

use entity::applications;

use crate::{
    applications::dto::{ApplicantInput, GuardianInput, HouseholdMemberInput, PiiResponse},
    error::{AppError, AppResult},
    privacy::FieldCipher,
};

pub fn context(field: &str, app_id: uuid::Uuid) -> String {
    format!("applications.{field}:{app_id}")
}

fn decrypt(
    cipher: &FieldCipher,
    field: &str,
    app: &applications::Model,
    stored: &str,
) -> AppResult<String> {
    cipher
        .decrypt(&context(field, app.id), stored)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("decrypting {field} of {}: {e}", app.id)))
}

pub fn reveal(cipher: &FieldCipher, app: &applications::Model) -> AppResult<PiiResponse> {
    let household: Vec<HouseholdMemberInput> =
        serde_json::from_str(&decrypt(cipher, "household", app, &app.household_enc)?)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("household of {}: {e}", app.id)))?;
    let guardian: Option<GuardianInput> = match &app.guardian_enc {
        Some(g) => Some(
            serde_json::from_str(&decrypt(cipher, "guardian", app, g)?)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("guardian of {}: {e}", app.id)))?,
        ),
        None => None,
    };
    Ok(PiiResponse {
        application_id: app.id,
        applicant: ApplicantInput {
            name: app.applicant_name.clone(),
            id_number: decrypt(cipher, "applicant_id", app, &app.applicant_id_enc)?,
            phone: decrypt(cipher, "applicant_phone", app, &app.applicant_phone_enc)?,
        },
        guardian,
        household,
    })
}
