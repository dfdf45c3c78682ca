//! What a setting is: its environment name, its meaning and what happens when it is unset.
//! The table in `table.rs` writes each one once; the struct field, the name and the README row
//! all come from that line.

use super::RawSettings;

/// What an unset setting means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenUnset {
    /// This value is used; the README shows it as `` `value` ``.
    Value(&'static str),
    /// This value is used, with a remark the README shows after it (e.g. another value in
    /// development).
    ValueNoting(&'static str, &'static str),
    /// Nothing, or something worked out at start-up; the README shows the words as written.
    Described(&'static str),
}

impl WhenUnset {
    /// The value or the words, as plain text.
    pub const fn text(&self) -> &'static str {
        match self {
            WhenUnset::Value(v) | WhenUnset::ValueNoting(v, _) | WhenUnset::Described(v) => v,
        }
    }

    /// The value used when the setting is unset, if there is a fixed one.
    pub const fn value(&self) -> Option<&'static str> {
        match self {
            WhenUnset::Value(v) | WhenUnset::ValueNoting(v, _) => Some(v),
            WhenUnset::Described(_) => None,
        }
    }

    /// The README's default column.
    pub fn shown(&self) -> String {
        match self {
            WhenUnset::Value(v) => format!("`{v}`"),
            WhenUnset::ValueNoting(v, note) => format!("`{v}` {note}"),
            WhenUnset::Described(words) => words.to_string(),
        }
    }
}

/// One setting. `name` is the environment variable; the TOML key and the [`RawSettings`] field
/// are the same name in lower case.
#[derive(Clone, Copy)]
pub struct Setting {
    pub name: &'static str,
    pub meaning: &'static str,
    pub when_unset: WhenUnset,
    pub(super) read: fn(&RawSettings) -> Option<&str>,
    pub(super) slot: fn(&mut RawSettings) -> &mut Option<String>,
}

impl Setting {
    /// The value as given, trimmed; `None` when unset or blank.
    pub fn given(&self, raw: &RawSettings) -> Option<String> {
        (self.read)(raw)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// The value as given, or the table's value for an unset setting (empty when the table
    /// only describes what happens).
    pub fn value(&self, raw: &RawSettings) -> String {
        self.given(raw)
            .unwrap_or_else(|| self.when_unset.value().unwrap_or_default().to_string())
    }

    pub fn set(&self, raw: &mut RawSettings, value: impl Into<String>) {
        *(self.slot)(raw) = Some(value.into());
    }

    /// This setting's row of the README's settings table.
    pub fn readme_row(&self) -> String {
        format!(
            "| `{}` | {} | {} |",
            self.name,
            self.meaning,
            self.when_unset.shown()
        )
    }
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// `database_url` → `DATABASE_URL`, at compile time (see `env_name!`).
pub(super) const fn upper<const N: usize>(field: &str) -> [u8; N] {
    let bytes = field.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i].to_ascii_uppercase();
        i += 1;
    }
    out
}

/// The environment name of a [`RawSettings`] field, as a `&'static str` constant.
macro_rules! env_name {
    ($field:ident) => {{
        const UPPER: [u8; stringify!($field).len()] =
            $crate::config::spec::upper(stringify!($field));
        match ::std::str::from_utf8(&UPPER) {
            Ok(name) => name,
            Err(_) => panic!("setting names are ASCII"),
        }
    }};
}

/// Declares every setting once: the [`RawSettings`] field, a [`Setting`] constant of the same
/// name in `setting`, the ordered [`SETTINGS`] list and the plain-text `SETTINGS_DOC` rows.
macro_rules! settings {
    ($( $field:ident : $meaning:literal, $unset:expr; )*) => {
        /// Every setting as text, exactly as read. Field names are the lower-cased environment
        /// names. Deliberately not `Debug`: it holds secrets in the clear.
        #[derive(Default, Clone, serde::Deserialize)]
        #[serde(default)]
        pub struct RawSettings {
            $( pub $field: Option<String>, )*
        }

        /// One constant per setting, named like its [`RawSettings`] field.
        #[allow(non_upper_case_globals)]
        pub mod setting {
            use super::*;
            $(
                pub const $field: Setting = Setting {
                    name: env_name!($field),
                    meaning: $meaning,
                    when_unset: $unset,
                    read: |raw| raw.$field.as_deref(),
                    slot: |raw| &mut raw.$field,
                };
            )*
        }

        /// Every setting, in the README's order.
        pub const SETTINGS: &[Setting] = &[ $( setting::$field, )* ];

        /// `(name, meaning, default value or words)` of every setting, as plain text.
        pub const SETTINGS_DOC: &[(&str, &str, &str)] = &[
            $( (setting::$field.name, $meaning, setting::$field.when_unset.text()), )*
        ];
    };
}

pub(super) use {env_name, settings};
