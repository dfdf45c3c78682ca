//! Argon2id password hashing on the blocking pool, with a dummy verification for unknown users
//! so response time does not reveal whether an account exists.

use std::sync::LazyLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let random = hex::encode(crate::config::random_bytes::<16>());
    Argon2::default()
        .hash_password(random.as_bytes())
        .ok()
        .map(|h| h.to_string())
});

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

/// True when `password` matches `stored`; with no stored hash it still spends the same time.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let known = stored.is_some();
    let result = tokio::task::spawn_blocking(move || {
        let Some(phc) = stored.or_else(|| DUMMY_HASH.clone()) else {
            return false;
        };
        match PasswordHash::new(&phc) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false);
    known && result
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = super::hash("correct horse 42".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse 42".into(), Some(h.clone())).await);
        assert!(!super::verify("wrong horse 42".into(), Some(h)).await);
        assert!(!super::verify("anything".into(), None).await);
    }
}
