//! Every documented route of the service, domain by domain, in matching order. The same
//! table serves requests (`startup`) and writes the OpenAPI document (`openapi`).

use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    applications, assistance, auth, calendar, care, entry_points, hotline, imports, jurisdictions,
    notify, ops, residents, staff,
};

pub fn api(cfg: &mut ServiceConfig) {
    cfg.configure(ops::configure)
        .configure(auth::configure)
        .configure(staff::configure)
        .configure(jurisdictions::configure)
        .configure(assistance::configure)
        .configure(calendar::configure)
        .configure(applications::configure)
        .configure(notify::configure)
        .configure(entry_points::configure)
        .configure(residents::configure)
        .configure(hotline::configure)
        .configure(care::configure)
        .configure(imports::configure);
}
