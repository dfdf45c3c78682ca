//! Free text typed by people: trimmed, bounded in characters, free of control characters, and
//! personal names.

/// Trimmed text of at most `max` characters without control characters (newlines allowed
/// when `multiline`).
pub fn clean_text(s: &str, max: usize, multiline: bool) -> Result<String, String> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(format!("不能超过 {max} 个字"));
    }
    if s.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t')))
    {
        return Err("包含不可见的控制字符".into());
    }
    Ok(s.to_string())
}

/// A required text of `min..=max` characters; `missing` is the message when it is too short.
pub fn required_text(
    value: Option<&str>,
    min: usize,
    max: usize,
    missing: &str,
) -> Result<String, String> {
    let v = clean_text(value.unwrap_or_default(), max, true)?;
    if v.chars().count() < min {
        return Err(missing.to_string());
    }
    Ok(v)
}

/// A person's name: 1–32 characters, no digits.
pub fn parse_person_name(s: &str) -> Result<String, String> {
    let name = clean_text(s, 32, false)?;
    if name.is_empty() {
        return Err("请填写姓名".into());
    }
    if name.chars().any(|c| c.is_ascii_digit()) {
        return Err("姓名不能包含数字".into());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters_not_bytes() {
        assert_eq!(clean_text("  张三  ", 2, false).as_deref(), Ok("张三"));
        assert!(clean_text("张三丰", 2, false).is_err());
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_may_be_allowed() {
        assert!(clean_text("a\u{0}b", 10, true).is_err());
        assert!(clean_text("a\nb", 10, false).is_err());
        assert_eq!(clean_text("a\nb", 10, true).as_deref(), Ok("a\nb"));
    }

    #[test]
    fn required_text_names_what_is_missing() {
        assert_eq!(
            required_text(Some(" x "), 2, 10, "太短"),
            Err("太短".into())
        );
        assert_eq!(required_text(None, 1, 10, "请填写"), Err("请填写".into()));
        assert_eq!(
            required_text(Some("原因如下"), 2, 10, "x").as_deref(),
            Ok("原因如下")
        );
    }

    #[test]
    fn names_have_no_digits() {
        assert!(parse_person_name("张3").is_err());
        assert!(parse_person_name(" ").is_err());
        assert_eq!(parse_person_name("王小明").as_deref(), Ok("王小明"));
    }
}
