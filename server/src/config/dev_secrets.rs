//! Development only: secrets that are still missing come from `{data_dir}/dev-secrets.toml`,
//! which is created with fresh random values the first time, with a loud warning.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::Context;

use super::{
    Environment, RawSettings, Setting,
    build::environment,
    keys::{generate_data_key, generate_hotline_secret, generate_jwt_keys},
    setting as S,
};

const DEV_SECRETS_FILE: &str = "dev-secrets.toml";

/// The secrets development may generate, with their generators.
const GENERATED: [(Setting, fn() -> String); 3] = [
    (S::ztc_jwt_keys, generate_jwt_keys),
    (S::ztc_data_key, generate_data_key),
    (S::hotline_signing_secret, generate_hotline_secret),
];

impl RawSettings {
    /// Fills the missing development secrets from the file, generating (and storing) the ones
    /// it does not have yet. Production settings are returned unchanged.
    pub fn with_dev_secrets(mut self) -> anyhow::Result<RawSettings> {
        if !matches!(environment(&self), Ok(Environment::Development)) {
            return Ok(self);
        }
        let dir = PathBuf::from(S::ztc_data_dir.value(&self));
        let path = dir.join(DEV_SECRETS_FILE);
        let mut stored = read_stored(&path)?;
        let mut changed = false;
        for (setting, generate) in GENERATED {
            if setting.given(&self).is_some() {
                continue;
            }
            let value = stored
                .entry(setting.name.to_lowercase())
                .or_insert_with(|| {
                    changed = true;
                    generate()
                })
                .clone();
            tracing::warn!(
                setting = %setting.name,
                file = %path.display(),
                "DEVELOPMENT SECRET IN USE: {} is not set, so a generated value from {} is used. Never do this in production.",
                setting.name,
                path.display()
            );
            setting.set(&mut self, value);
        }
        if changed {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let text: String = stored
                .iter()
                .map(|(k, v)| format!("{k} = \"{v}\"\n"))
                .collect();
            write_private(&path, &text)?;
        }
        Ok(self)
    }
}

fn read_stored(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    if !path.exists() {
        return Ok(BTreeMap::new());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(parse_simple_toml(&text))
}

/// `key = "value"` lines only: the dev-secrets file is written by us.
fn parse_simple_toml(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let (k, v) = line.split_once('=')?;
            Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("writing {}", path.display()))?;
        f.write_all(text.as_bytes())?;
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }
}
