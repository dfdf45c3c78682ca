//! Mainland mobile numbers: `+86`/`0086` and separators stripped, then `1[3-9]` + 9 digits.

#[derive(Clone, PartialEq, Eq)]
pub struct MobileNumber(String);

impl std::fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MobileNumber({})", self.masked())
    }
}

impl MobileNumber {
    pub fn parse(input: &str) -> Result<MobileNumber, String> {
        let compact: String = super::half_width(input)
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')'))
            .collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        let ok = digits.len() == 11
            && digits.chars().all(|c| c.is_ascii_digit())
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9');
        if ok {
            Ok(MobileNumber(digits.to_string()))
        } else {
            Err("请输入正确的 11 位手机号码".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        super::mask::mask_phone_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_separators_are_stripped() {
        for input in [
            "13812345678",
            "+86 138-1234-5678",
            "008613812345678",
            " 138 1234 5678 ",
            "１３８　１２３４－５６７８",
        ] {
            assert_eq!(
                MobileNumber::parse(input).unwrap().as_str(),
                "13812345678",
                "{input}"
            );
        }
        assert_eq!(
            MobileNumber::parse("19912345678").unwrap().masked(),
            "199****5678"
        );
    }

    #[test]
    fn non_mobile_numbers_are_refused() {
        for input in [
            "12812345678",
            "1381234567",
            "022-23456789",
            "1381234567a",
            "",
        ] {
            assert!(MobileNumber::parse(input).is_err(), "{input}");
        }
    }
}
