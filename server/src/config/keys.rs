//! Key material: parsing the configured keys, and generating random ones (development secrets,
//! tokens, nonces).

use anyhow::{anyhow, bail};
use base64::{Engine, engine::general_purpose::STANDARD as B64};

use super::{JwtKey, SecretBytes};

/// `kid:base64secret,…`: ids of 1–32 letters, digits, `-` or `_`, each used once, secrets of at
/// least 32 bytes.
pub fn parse_jwt_keys(value: &str) -> anyhow::Result<Vec<JwtKey>> {
    let mut keys = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kid, b64) = part
            .split_once(':')
            .ok_or_else(|| anyhow!("each key is `kid:base64secret`"))?;
        let kid = kid.trim();
        if kid.is_empty()
            || kid.len() > 32
            || !kid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("key id `{kid}` must be 1–32 letters, digits, - or _");
        }
        let secret = B64
            .decode(b64.trim())
            .map_err(|_| anyhow!("key `{kid}` is not valid base64"))?;
        if secret.len() < 32 {
            bail!("key `{kid}` must be at least 32 bytes");
        }
        if keys.iter().any(|k: &JwtKey| k.kid == kid) {
            bail!("key id `{kid}` appears twice");
        }
        keys.push(JwtKey {
            kid: kid.to_string(),
            secret: SecretBytes::new(secret),
        });
    }
    if keys.is_empty() {
        bail!("no keys given");
    }
    Ok(keys)
}

/// Base64 of exactly 32 bytes.
pub(super) fn parse_data_key(value: &str) -> anyhow::Result<SecretBytes> {
    let bytes = B64
        .decode(value.trim())
        .map_err(|_| anyhow!("not valid base64"))?;
    if bytes.len() != 32 {
        bail!("must decode to exactly 32 bytes, got {}", bytes.len());
    }
    Ok(SecretBytes::new(bytes))
}

/// WeChat's 43-character EncodingAESKey: base64 of 32 bytes without its `=`.
pub(super) fn parse_encoding_aes_key(value: &str) -> Option<SecretBytes> {
    B64.decode(format!("{value}="))
        .ok()
        .filter(|bytes| bytes.len() == 32)
        .map(SecretBytes::new)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // getrandom only fails when the OS has no entropy source at all; nothing can work then.
    getrandom::fill(&mut buf).expect("the operating system's random source is unavailable");
    buf
}

pub fn generate_jwt_keys() -> String {
    format!(
        "dev-{}:{}",
        hex::encode(random_bytes::<4>()),
        B64.encode(random_bytes::<32>())
    )
}

pub fn generate_data_key() -> String {
    B64.encode(random_bytes::<32>())
}

pub fn generate_hotline_secret() -> String {
    hex::encode(random_bytes::<32>())
}
