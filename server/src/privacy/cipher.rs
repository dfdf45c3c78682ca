//! AES-256-GCM field encryption with a fresh random nonce per value and the key id stored with
//! it, plus keyed HMAC-SHA256 blind indexes for equality lookups. Encryption keys are derived
//! from `ZTC_DATA_KEY` with domain separation, and older keys stay usable for decryption. The
//! blind-index key comes from `ZTC_INDEX_KEY`, which outlives data-key rotations (development may
//! leave it unset: it is then derived from the data key).
//!
//! Stored form: `v1.{key_id}.{base64(nonce ‖ ciphertext ‖ tag)}`. The associated data binds a
//! value to its context (e.g. `applications.id_number:{row id}`), so a ciphertext copied into
//! another row or column does not decrypt.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD as B64};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::DataKeys;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("stored value is malformed")]
    Malformed,
    #[error("no key with id {0}")]
    UnknownKey(String),
    #[error("decryption failed (tampered value or wrong context)")]
    Decrypt,
}

struct DataKey {
    id: String,
    aead: Aes256Gcm,
}

pub struct FieldCipher {
    current: DataKey,
    previous: Vec<DataKey>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("key_id", &self.current.id)
            .finish_non_exhaustive()
    }
}

fn derive(root: &[u8], label: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac =
        <HmacSha256 as hmac::KeyInit>::new_from_slice(root).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    let out = mac.finalize().into_bytes();
    let mut key = [0u8; 32];
    key.copy_from_slice(&out);
    key
}

fn data_key(root: &[u8]) -> DataKey {
    let enc = derive(root, "zhitongche/field-encryption/v1");
    let id = hex::encode(&derive(root, "zhitongche/key-id/v1")[..4]);
    DataKey {
        id,
        aead: Aes256Gcm::new_from_slice(&enc).expect("derived keys are 32 bytes"),
    }
}

impl FieldCipher {
    pub fn new(keys: &DataKeys) -> Self {
        FieldCipher {
            current: data_key(keys.current.expose()),
            previous: keys.previous.iter().map(|k| data_key(k.expose())).collect(),
            index_key: derive(
                keys.index
                    .as_ref()
                    .map_or(keys.current.expose(), |k| k.expose()),
                "zhitongche/blind-index/v1",
            ),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// Encrypts `plaintext` bound to `context`.
    pub fn encrypt(&self, context: &str, plaintext: &str) -> String {
        let nonce_bytes: [u8; 12] = crate::config::random_bytes();
        let nonce = Nonce::from(nonce_bytes);
        let ct = self
            .current
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of in-memory data does not fail");
        let mut blob = Vec::with_capacity(12 + ct.len());
        blob.extend_from_slice(&nonce_bytes);
        blob.extend_from_slice(&ct);
        format!("v1.{}.{}", self.current.id, B64.encode(blob))
    }

    pub fn decrypt(&self, context: &str, stored: &str) -> Result<String, CryptoError> {
        let mut parts = stored.splitn(3, '.');
        let (Some("v1"), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Malformed);
        };
        let key = std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|k| k.id == kid)
            .ok_or_else(|| CryptoError::UnknownKey(kid.to_string()))?;
        let blob = B64.decode(body).map_err(|_| CryptoError::Malformed)?;
        if blob.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = blob.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| CryptoError::Malformed)?;
        let pt = key
            .aead
            .decrypt(
                &nonce,
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(pt).map_err(|_| CryptoError::Malformed)
    }

    /// Deterministic keyed index of a normalised value within one field, for equality lookups
    /// and duplicate guards. Hex, 64 characters.
    pub fn blind_index(&self, field: &str, normalized: &str) -> String {
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.index_key)
            .expect("HMAC takes any key length");
        mac.update(field.as_bytes());
        mac.update(b"\x1f");
        mac.update(normalized.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SecretBytes;

    fn cipher(current: u8, previous: &[u8]) -> FieldCipher {
        FieldCipher::new(&DataKeys {
            current: SecretBytes::new(vec![current; 32]),
            previous: previous
                .iter()
                .map(|b| SecretBytes::new(vec![*b; 32]))
                .collect(),
            index: None,
        })
    }

    #[test]
    fn values_round_trip_with_fresh_nonces() {
        let c = cipher(1, &[]);
        let a = c.encrypt("t.id:1", "11010519491231002X");
        let b = c.encrypt("t.id:1", "11010519491231002X");
        assert_ne!(a, b, "nonce reuse");
        assert!(!a.contains("11010519491231002X"));
        assert!(a.starts_with(&format!("v1.{}.", c.key_id())));
        assert_eq!(c.decrypt("t.id:1", &a).unwrap(), "11010519491231002X");
    }

    #[test]
    fn a_value_moved_to_another_context_or_tampered_does_not_decrypt() {
        let c = cipher(1, &[]);
        let a = c.encrypt("t.id:1", "13812345678");
        assert_eq!(c.decrypt("t.id:2", &a), Err(CryptoError::Decrypt));
        let mut tampered = a.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            c.decrypt("t.id:1", std::str::from_utf8(&tampered).unwrap())
                .is_err()
        );
        assert_eq!(c.decrypt("t.id:1", "plain"), Err(CryptoError::Malformed));
    }

    #[test]
    fn old_keys_still_decrypt_after_rotation() {
        let old = cipher(1, &[]);
        let stored = old.encrypt("ctx", "secret");
        let rotated = cipher(2, &[1]);
        assert_ne!(rotated.key_id(), old.key_id());
        assert_eq!(rotated.decrypt("ctx", &stored).unwrap(), "secret");
        assert!(matches!(
            cipher(3, &[]).decrypt("ctx", &stored),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn blind_indexes_are_stable_per_field_and_key() {
        let c = cipher(1, &[]);
        assert_eq!(c.blind_index("id", "X"), c.blind_index("id", "X"));
        assert_ne!(c.blind_index("id", "X"), c.blind_index("phone", "X"));
        assert_ne!(
            c.blind_index("id", "X"),
            cipher(2, &[]).blind_index("id", "X")
        );
        assert_eq!(c.blind_index("id", "X").len(), 64);
    }

    #[test]
    fn with_an_index_key_a_data_key_rotation_keeps_every_blind_index() {
        let keys = |current: u8, previous: &[u8]| DataKeys {
            current: SecretBytes::new(vec![current; 32]),
            previous: previous
                .iter()
                .map(|b| SecretBytes::new(vec![*b; 32]))
                .collect(),
            index: Some(SecretBytes::new(vec![9; 32])),
        };
        let before = FieldCipher::new(&keys(1, &[]));
        let after = FieldCipher::new(&keys(2, &[1]));
        assert_eq!(before.blind_index("id", "X"), after.blind_index("id", "X"));
        let stored = before.encrypt("ctx", "secret");
        assert_eq!(after.decrypt("ctx", &stored).unwrap(), "secret");
    }
}
