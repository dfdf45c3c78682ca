//! The OpenAPI 3.1 document, assembled from each domain's `ApiDoc`.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{auth, error::ErrorBody, jurisdictions, ops, staff};

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
    let mut doc = Root::openapi();
    doc.merge(ops::ApiDoc::openapi());
    doc.merge(auth::ApiDoc::openapi());
    doc.merge(staff::ApiDoc::openapi());
    doc.merge(jurisdictions::ApiDoc::openapi());
    doc.merge(crate::assistance::ApiDoc::openapi());
    doc.merge(crate::calendar::ApiDoc::openapi());
    doc.merge(crate::applications::ApiDoc::openapi());
    doc.merge(crate::notify::ApiDoc::openapi());
    doc.merge(crate::entry_points::ApiDoc::openapi());
    doc.merge(crate::residents::ApiDoc::openapi());
    doc.merge(crate::hotline::ApiDoc::openapi());
    doc
}

/// The document as committed to `api-docs/openapi.json`.
pub fn to_pretty_json() -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(&document())?;
    s.push('\n');
    Ok(s)
}
