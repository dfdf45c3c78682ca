//! Authenticity of the telephony platform's callbacks: `X-Hotline-Signature: t=<unix>,v1=<hex>`,
//! HMAC-SHA256 over `"{t}.{raw body}"`, compared in constant time, within ±300 s, under the
//! current secret or the one being rotated out.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub const HEADER: &str = "X-Hotline-Signature";
/// How far the signed time may be from ours, either way.
pub const TOLERANCE_SECS: i64 = 300;
const MAX_HEADER_LEN: usize = 1024;
const MAX_SIGNATURES: usize = 4;

/// Why a callback was refused; logged, never told to the caller in detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature header missing")]
    Missing,
    #[error("signature header malformed")]
    Malformed,
    #[error("signed time {skew_secs} s away from now")]
    OutsideWindow { skew_secs: i64 },
    #[error("no signature matches a configured secret")]
    Mismatch,
}

#[derive(Debug, PartialEq, Eq)]
struct Header {
    t: i64,
    /// Each `v1` value (a sender may send several while rotating).
    v1: Vec<Vec<u8>>,
}

fn parse(value: &str) -> Result<Header, SignatureError> {
    if value.len() > MAX_HEADER_LEN {
        return Err(SignatureError::Malformed);
    }
    let mut t = None;
    let mut v1 = Vec::new();
    for part in value.split(',') {
        let (key, val) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key.trim() {
            "t" => {
                let val = val.trim();
                if t.is_some() || val.is_empty() || !val.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SignatureError::Malformed);
                }
                t = Some(val.parse::<i64>().map_err(|_| SignatureError::Malformed)?);
            }
            "v1" => {
                let sig = hex::decode(val.trim()).map_err(|_| SignatureError::Malformed)?;
                if sig.len() != 32 || v1.len() == MAX_SIGNATURES {
                    return Err(SignatureError::Malformed);
                }
                v1.push(sig);
            }
            // Other schemes (a future v2) are ignored, as Stripe does.
            _ => {}
        }
    }
    match t {
        Some(t) if !v1.is_empty() => Ok(Header { t, v1 }),
        _ => Err(SignatureError::Malformed),
    }
}

fn mac(secret: &[u8], t: i64, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks `header` against the raw `body` at `now` (unix seconds). Any secret may match.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[SecretString],
    now: i64,
) -> Result<(), SignatureError> {
    let header = parse(header.ok_or(SignatureError::Missing)?)?;
    let skew = now.saturating_sub(header.t);
    if skew.abs() > TOLERANCE_SECS {
        return Err(SignatureError::OutsideWindow { skew_secs: skew });
    }
    let mut matched = false;
    // Every combination is tried, so the time taken does not say which one matched.
    for secret in secrets {
        let expected = mac(secret.expose_secret().as_bytes(), header.t, body);
        for candidate in &header.v1 {
            matched |= expected.clone().verify_slice(candidate).is_ok();
        }
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The header value the platform sends for `body` at `t`; for tests and the README example.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let tag = mac(secret.as_bytes(), t, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn secrets(values: &[&str]) -> Vec<SecretString> {
        values.iter().map(|s| SecretString::from(*s)).collect()
    }

    #[test]
    fn a_signature_under_either_secret_within_the_window_is_accepted() {
        let body = br#"{"event_id":"e1"}"#;
        let both = secrets(&["current-secret-0001", "previous-secret-01"]);
        for secret in ["current-secret-0001", "previous-secret-01"] {
            for t in [NOW, NOW - TOLERANCE_SECS, NOW + TOLERANCE_SECS] {
                let header = sign(secret, t, body);
                assert_eq!(verify(Some(&header), body, &both, NOW), Ok(()), "{header}");
            }
        }
    }

    #[test]
    fn the_signature_matches_openssl() {
        // printf '%s' '1795000000.{"event_id":"e1"}' | openssl dgst -sha256 -hmac current-secret-0001
        assert_eq!(
            sign("current-secret-0001", NOW, br#"{"event_id":"e1"}"#),
            "t=1795000000,v1=94e2e685b67c29ac1318bfb464b611b1ddcfc919c213281a351063d46d3c2c2a"
        );
    }

    #[test]
    fn tampering_staleness_and_malformed_headers_are_refused() {
        let body = br#"{"event_id":"e1"}"#;
        let current = secrets(&["current-secret-0001"]);
        let good = sign("current-secret-0001", NOW, body);
        assert_eq!(
            verify(Some(&good), br#"{"event_id":"e2"}"#, &current, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                Some(&sign("other-secret-00001", NOW, body)),
                body,
                &current,
                NOW
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&good), body, &current, NOW + TOLERANCE_SECS + 1),
            Err(SignatureError::OutsideWindow {
                skew_secs: TOLERANCE_SECS + 1
            })
        );
        assert_eq!(
            verify(None, body, &current, NOW),
            Err(SignatureError::Missing)
        );
        let sig = good.split_once(",v1=").unwrap().1;
        for bad in [
            "".to_string(),
            "garbage".to_string(),
            format!("v1={sig}"),
            format!("t={NOW}"),
            format!("t=-{NOW},v1={sig}"),
            format!("t={NOW},t={NOW},v1={sig}"),
            format!("t={NOW},v1=zz{}", &sig[2..]),
            format!("t={NOW},v1={}", &sig[..62]),
            format!("t={NOW}x,v1={sig}"),
        ] {
            assert_eq!(
                verify(Some(&bad), body, &current, NOW),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        // A valid signature among several candidates is enough.
        let several = format!("t={NOW},v1={},v1={sig}", "00".repeat(32));
        assert_eq!(verify(Some(&several), body, &current, NOW), Ok(()));
    }
}
