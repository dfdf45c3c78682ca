//! Reading the raw settings: the optional TOML file overlaid by the environment. The table's
//! defaults apply later, when the settings are typed.

use std::path::Path;

use anyhow::Context;

use super::RawSettings;

impl RawSettings {
    /// The file (optional) overlaid by the environment.
    pub fn from_file_and_env(file: &Path) -> anyhow::Result<RawSettings> {
        let cfg = config::Config::builder()
            .add_source(
                config::File::from(file)
                    .format(config::FileFormat::Toml)
                    .required(false),
            )
            .add_source(config::Environment::default().ignore_empty(true))
            .build()
            .with_context(|| format!("reading {}", file.display()))?;
        cfg.try_deserialize().with_context(|| {
            format!(
                "parsing settings from {} and the environment",
                file.display()
            )
        })
    }
}
