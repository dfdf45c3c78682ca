//! The committed OpenAPI document (`api-docs/openapi.json`) and the code that regenerates it:
//! `cargo run -p api-docs`.

use std::path::PathBuf;

/// Where the committed document lives.
pub fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

/// The document as the code describes it now.
pub fn generate() -> anyhow::Result<String> {
    zhitongche::openapi::to_pretty_json()
}
