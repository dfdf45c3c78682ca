//! What production demands beyond valid values: real databases, keys and WeChat app, nothing
//! generated or derived for development.

use super::{Settings, read::Reader, setting as S};

/// Adds a problem for each setting production refuses to run without.
pub(super) fn check(r: &mut Reader, settings: &Settings) {
    if r.given(&S::database_url).is_none() {
        r.problem(
            &S::database_url,
            "must be set to a postgres:// URL in production",
        );
    } else if settings.database.is_sqlite() {
        r.problem(
            &S::database_url,
            "SQLite is the embedded development default; production needs PostgreSQL",
        );
    }
    if r.given(&S::ztc_public_base_url).is_none() {
        r.problem(&S::ztc_public_base_url, "must be set in production");
    }
    if settings
        .auth
        .jwt_keys
        .iter()
        .any(|k| k.kid.starts_with("dev-"))
    {
        r.problem(
            &S::ztc_jwt_keys,
            "holds a generated development key; set real keys in production",
        );
    }
    if r.given(&S::ztc_index_key).is_none() {
        r.problem(
            &S::ztc_index_key,
            "must be set in production (base64 of 32 bytes, kept when ZTC_DATA_KEY rotates)",
        );
    }
    if settings.wechat.app_id.is_none() {
        r.problem(
            &S::wechat_app_id,
            "must be set in production (dev WeChat mode is refused)",
        );
    }
    if r.given(&S::wechat_progress_template_id).is_none() {
        r.problem(&S::wechat_progress_template_id, "must be set in production");
    }
}
