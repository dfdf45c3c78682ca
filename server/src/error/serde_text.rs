//! serde's English wording turned into a field map with Chinese messages, without repeating
//! the offending value (it may be an ID or phone number, and the message is logged).

use super::{AppError, FieldErrors, codes};

/// A body that is JSON but not the expected shape.
pub fn serde_error(e: &serde_json::Error) -> AppError {
    if e.is_data() {
        let (message, fields) = describe_serde_error(&e.to_string());
        AppError::Validation { message, fields }
    } else {
        codes::MALFORMED_JSON.into()
    }
}

fn describe_serde_error(msg: &str) -> (String, FieldErrors) {
    let quoted = msg.split('`').nth(1).map(str::to_string);
    let mut fields = FieldErrors::new();
    let summary = if msg.starts_with("missing field") {
        if let Some(f) = &quoted {
            fields.insert(f.clone(), "必填项不能为空".into());
        }
        "缺少必填项"
    } else if msg.starts_with("unknown field") {
        if let Some(f) = &quoted {
            fields.insert(f.clone(), "不允许提交该字段".into());
        }
        "包含不允许的字段"
    } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        "字段类型或取值不正确"
    } else if msg.starts_with("unknown variant") {
        "字段取值不在允许范围内"
    } else {
        "请求内容不符合要求"
    };
    (format!("{summary}:{}", without_value(msg)), fields)
}

/// serde quotes the offending value (`invalid type: integer `110105…`, expected a string`);
/// the message is logged with the error, so the value — possibly an ID or phone number sent
/// as a number — is left out. Field names (missing, unknown) are kept.
fn without_value(msg: &str) -> String {
    let quotes_a_value = [
        "invalid type",
        "invalid value",
        "unknown variant",
        "invalid length",
    ]
    .iter()
    .any(|p| msg.starts_with(p));
    if !quotes_a_value {
        return msg.to_string();
    }
    match (
        msg.find(" `"),
        msg.find('`')
            .and_then(|i| msg[i + 1..].find('`').map(|j| i + 1 + j)),
    ) {
        (Some(start), Some(end)) if start < end => format!("{}{}", &msg[..start], &msg[end + 1..]),
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_field_errors() {
        let (msg, fields) = describe_serde_error("missing field `username` at line 1 column 2");
        assert!(msg.starts_with("缺少必填项"));
        assert_eq!(
            fields.get("username").map(String::as_str),
            Some("必填项不能为空")
        );
        let (_, fields) = describe_serde_error("unknown field `status`, expected one of `a`");
        assert!(fields.contains_key("status"));
        // The value itself is not repeated: the message ends up in the log.
        let (msg, _) = describe_serde_error(
            "invalid type: integer `110105194912310021`, expected a string at line 1 column 40",
        );
        assert!(!msg.contains("110105194912310021"), "{msg}");
        assert!(
            msg.contains("invalid type: integer, expected a string"),
            "{msg}"
        );
        let (msg, _) = describe_serde_error("unknown variant `13812345678`, expected `a` or `b`");
        assert!(!msg.contains("13812345678"), "{msg}");
    }
}
