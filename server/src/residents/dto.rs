//! Request and response shapes of the resident's own profile.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use entity::residents;

/// The resident's own profile. The phone is shown masked only; the openid is not shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    pub id: Uuid,
    /// `138****5678`, or absent while no phone is bound.
    #[schema(example = "138****5678")]
    pub phone_masked: Option<String>,
    pub phone_bound: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&residents::Model> for MeResponse {
    fn from(m: &residents::Model) -> Self {
        MeResponse {
            id: m.id,
            phone_masked: m.phone_masked.clone(),
            phone_bound: m.phone_enc.is_some(),
            last_login_at: m.last_login_at,
            created_at: m.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindPhoneRequest {
    /// The code from `<button open-type="getPhoneNumber">` (single use, 5 minutes).
    pub code: String,
}
