//! Reading settings into types. Every problem is collected, so start-up names all of them at
//! once; a value outside its range is an error naming the range, except for the notification
//! pipeline's tuning limits, which are moved to the limit with a start-up warning.

use std::{
    fmt::Display,
    ops::{Bound, RangeBounds},
    str::FromStr,
};

use super::{RawSettings, Setting};

/// A setting whose value was moved into its range: logged as a warning at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjusted {
    pub setting: &'static str,
    pub given: String,
    pub used: String,
}

pub(super) struct Reader<'a> {
    raw: &'a RawSettings,
    pub prod: bool,
    pub problems: Vec<String>,
    pub adjusted: Vec<Adjusted>,
}

impl<'a> Reader<'a> {
    pub fn new(raw: &'a RawSettings, prod: bool) -> Self {
        Reader {
            raw,
            prod,
            problems: Vec::new(),
            adjusted: Vec::new(),
        }
    }

    /// The value as given (trimmed), `None` when unset or blank.
    pub fn given(&self, s: &Setting) -> Option<String> {
        s.given(self.raw)
    }

    /// The value as given, or the table's value for an unset setting.
    pub fn text(&self, s: &Setting) -> String {
        s.value(self.raw)
    }

    pub fn problem(&mut self, s: &Setting, message: impl Display) {
        self.problems.push(format!("{}: {message}", s.name));
    }

    /// A whole number within `range`; anything else is a problem naming the range.
    pub fn number<T>(&mut self, s: &Setting, range: impl RangeBounds<T>) -> T
    where
        T: FromStr + PartialOrd + Display + Copy + Default,
    {
        let text = self.text(s);
        let Ok(n) = text.parse::<T>() else {
            self.problem(s, format!("expected a positive whole number, got `{text}`"));
            return T::default();
        };
        if !range.contains(&n) {
            self.problem(s, format!("must be {}, got {n}", describe(&range)));
        }
        n
    }

    /// A whole number of at least `min`; one above `ceiling` is lowered to it with a warning.
    pub fn number_capped<T>(&mut self, s: &Setting, min: T, ceiling: T) -> T
    where
        T: FromStr + PartialOrd + Display + Copy + Default,
    {
        let n = self.number(s, min..);
        if n > ceiling {
            self.adjust(s, n, ceiling)
        } else {
            n
        }
    }

    /// A whole number; one below `floor` is raised to it with a warning.
    pub fn number_floored<T>(&mut self, s: &Setting, floor: T) -> T
    where
        T: FromStr + PartialOrd + Display + Copy + Default,
    {
        let n = self.number(s, ..);
        if n < floor {
            self.adjust(s, n, floor)
        } else {
            n
        }
    }

    fn adjust<T: Display>(&mut self, s: &Setting, given: T, used: T) -> T {
        self.adjusted.push(Adjusted {
            setting: s.name,
            given: given.to_string(),
            used: used.to_string(),
        });
        used
    }

    /// `true`/`1` or `false`/`0`.
    pub fn flag(&mut self, s: &Setting) -> bool {
        match self.text(s).as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            other => {
                self.problem(s, format!("expected true or false, got `{other}`"));
                false
            }
        }
    }

    /// One of `options` (as given, or the table's value); anything else is a problem listing
    /// them, and `options[0]` is used meanwhile.
    pub fn choice<T: Copy>(&mut self, s: &Setting, options: &[(&str, T)]) -> T {
        let text = self.text(s);
        self.pick(s, &text, options)
    }

    /// Like [`Reader::choice`], with `default` for an unset setting.
    pub fn choice_or<T: Copy>(&mut self, s: &Setting, options: &[(&str, T)], default: T) -> T {
        match self.given(s) {
            Some(text) => self.pick(s, &text, options),
            None => default,
        }
    }

    fn pick<T: Copy>(&mut self, s: &Setting, text: &str, options: &[(&str, T)]) -> T {
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == text) {
            return *v;
        }
        let names: Vec<String> = options.iter().map(|(n, _)| format!("`{n}`")).collect();
        let listed = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        self.problem(s, format!("expected {listed}, got `{text}`"));
        options[0].1
    }
}

/// `at least 1`, `between 1 and 256`, `at most 9`.
fn describe<T: Display>(range: &impl RangeBounds<T>) -> String {
    match (range.start_bound(), range.end_bound()) {
        (Bound::Included(lo), Bound::Included(hi)) => format!("between {lo} and {hi}"),
        (Bound::Included(lo), _) => format!("at least {lo}"),
        (_, Bound::Included(hi)) => format!("at most {hi}"),
        _ => "a whole number".into(),
    }
}
