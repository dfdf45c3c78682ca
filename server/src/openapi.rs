//! The OpenAPI 3.1 document: its header here, its paths collected from the route table
//! (`routes::api`), where each handler carries its own description.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use utoipa_actix_web::AppExt;

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zhitongche 社会救助直通车 API",
        description = "Backend of the social-assistance direct line: QR entry, online applications, \
hotline, case workflow and notifications. Every error has the shape \
`{\"error\":{\"code\",\"message\",\"fields\"}}`."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "ops", description = "health, readiness, metrics"),
        (name = "auth", description = "login and sessions"),
        (name = "staff", description = "staff accounts"),
        (name = "jurisdictions", description = "the jurisdiction tree"),
        (name = "assistance", description = "the assistance catalogue"),
        (name = "calendar", description = "working-day calendar"),
        (name = "applications", description = "applications and the case workflow"),
        (name = "notifications", description = "staff inbox, live stream, WeChat consent, dead letters"),
        (name = "entry_points", description = "QR entry points (扫码直通车), scans and the funnel"),
        (name = "residents", description = "the logged-in resident's own profile"),
        (name = "hotline", description = "hotline calls, platform callbacks and 回访 follow-ups"),
        (name = "imports", description = "bulk onboarding from CSV/XLSX: jurisdictions, staff, care people; templates"),
        (name = "care", description = "grid care: key groups, the registry, visits (走访探视), missed-visit alerts, figures and exports"),
    )
)]
struct Root;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(Root::openapi())
        .configure(crate::routes::api)
        .split_for_parts();
    doc
}

/// The document as committed to `api-docs/openapi.json`.
pub fn to_pretty_json() -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(&document())?;
    s.push('\n');
    Ok(s)
}
