//! The settings that hold secrets: signing keys, data keys and the hotline's callback secrets.

use std::time::Duration;

use secrecy::SecretString;

use super::{
    AuthSettings, DataKeys, HotlineSettings, SecretBytes, Setting,
    keys::{parse_data_key, parse_jwt_keys},
    read::Reader,
    setting as S,
};

pub(super) fn auth(r: &mut Reader) -> AuthSettings {
    let jwt_keys = match r.given(&S::ztc_jwt_keys) {
        Some(v) => parse_jwt_keys(&v).unwrap_or_else(|e| {
            r.problem(&S::ztc_jwt_keys, e);
            Vec::new()
        }),
        None => {
            r.problem(&S::ztc_jwt_keys, "must be set (`kid:base64key`)");
            Vec::new()
        }
    };
    let access_secs: u64 = r.number(&S::ztc_access_token_ttl_secs, 1..);
    let refresh_days: u64 = r.number(&S::ztc_refresh_token_ttl_days, 1..=3650);
    AuthSettings {
        jwt_keys,
        issuer: "zhitongche".into(),
        access_ttl: Duration::from_secs(access_secs),
        refresh_ttl: Duration::from_secs(refresh_days.saturating_mul(86_400)),
    }
}

/// On a problem the current key is left empty; start-up stops before it could be used.
pub(super) fn data_keys(r: &mut Reader) -> DataKeys {
    if r.given(&S::ztc_data_key).is_none() {
        r.problem(&S::ztc_data_key, "must be set (base64 of 32 bytes)");
    }
    let current = data_key(r, &S::ztc_data_key).unwrap_or_else(|| SecretBytes::new(Vec::new()));
    let mut previous = Vec::new();
    let listed = r.given(&S::ztc_data_key_previous).unwrap_or_default();
    for part in listed.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match parse_data_key(part) {
            Ok(key) => previous.push(key),
            Err(e) => r.problem(&S::ztc_data_key_previous, e),
        }
    }
    DataKeys {
        current,
        previous,
        index: data_key(r, &S::ztc_index_key),
    }
}

/// The key given in `s`, if it is one.
fn data_key(r: &mut Reader, s: &Setting) -> Option<SecretBytes> {
    let value = r.given(s)?;
    parse_data_key(&value).inspect_err(|e| r.problem(s, e)).ok()
}

pub(super) fn hotline(r: &mut Reader) -> HotlineSettings {
    if r.given(&S::hotline_signing_secret).is_none() {
        r.problem(&S::hotline_signing_secret, "must be set");
    }
    let signing_secrets = [
        &S::hotline_signing_secret,
        &S::hotline_signing_secret_previous,
    ]
    .into_iter()
    .filter_map(|s| signing_secret(r, s))
    .collect();
    HotlineSettings {
        signing_secrets,
        number: r.text(&S::ztc_hotline_number),
    }
}

fn signing_secret(r: &mut Reader, s: &Setting) -> Option<SecretString> {
    let secret = r.given(s)?;
    if secret.len() < 16 {
        r.problem(s, "must be at least 16 characters");
        return None;
    }
    Some(SecretString::from(secret))
}
