//! Settings: built-in defaults < optional `zhitongche.toml` < environment variables.
//! The TOML keys are the environment names in lower case (`database_url = "…"`).

mod build;
mod dev_secrets;
mod keys;
mod load;
mod production;
mod read;
mod secrets;
mod services;
mod spec;
mod table;
#[cfg(test)]
mod tests;
mod types;

pub use build::CONFIG_FILE;
pub use keys::{
    generate_data_key, generate_hotline_secret, generate_jwt_keys, parse_jwt_keys, random_bytes,
};
pub use read::Adjusted;
pub use spec::{Setting, WhenUnset};
pub use table::{RawSettings, SETTINGS, SETTINGS_DOC, setting};
pub use types::{
    AuthSettings, CareSettings, DataKeys, DatabaseSettings, Environment, HotlineSettings, JwtKey,
    LogFormat, LogSettings, NotifySettings, RedisSettings, SecretBytes, Settings, WechatSettings,
};
