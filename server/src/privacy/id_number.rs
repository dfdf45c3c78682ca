//! Resident ID-card numbers (GB 11643-1999): 18 characters, province prefix, a real birth date,
//! and the ISO 7064 MOD 11-2 check character.

use chrono::{Datelike, NaiveDate};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Province-level prefixes of GB/T 2260, plus 81/82/83 for HK/Macau/Taiwan residence permits.
const PROVINCES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

#[derive(Clone, PartialEq, Eq)]
pub struct IdCardNumber {
    value: String,
    birth: NaiveDate,
}

impl std::fmt::Debug for IdCardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdCardNumber({})", self.masked())
    }
}

/// The check character for the first 17 digits.
pub fn check_char(body: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in body.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

impl IdCardNumber {
    /// Parses and validates against `today` (the birth date may not be later).
    pub fn parse(input: &str, today: NaiveDate) -> Result<IdCardNumber, String> {
        let value: String = super::half_width(input)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if value.chars().count() != 18 {
            return Err("身份证号应为 18 位".into());
        }
        // Byte positions below assume ASCII; anything else is malformed anyway.
        if !value.is_ascii() {
            return Err("身份证号格式不正确:前 17 位应为数字,最后一位为数字或 X".into());
        }
        let (body, last) = value.split_at(17);
        if !body.chars().all(|c| c.is_ascii_digit())
            || !last.chars().all(|c| c.is_ascii_digit() || c == 'X')
        {
            return Err("身份证号格式不正确:前 17 位应为数字,最后一位为数字或 X".into());
        }
        if !PROVINCES.contains(&&body[..2]) {
            return Err("身份证号的地区码不正确".into());
        }
        let birth = NaiveDate::parse_from_str(&body[6..14], "%Y%m%d")
            .map_err(|_| "身份证号中的出生日期不存在".to_string())?;
        if birth.year() < 1800 || birth > today {
            return Err("身份证号中的出生日期不合理".into());
        }
        if check_char(body) != last.chars().next() {
            return Err("身份证号校验位不正确,请核对".into());
        }
        Ok(IdCardNumber { value, birth })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// Age in whole years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        day.years_since(self.birth).unwrap_or(0)
    }

    pub fn is_male(&self) -> bool {
        self.value[16..17].parse::<u32>().is_ok_and(|d| d % 2 == 1)
    }

    /// `110105********002X`: first six and last four.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.value[..6], &self.value[14..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn the_reference_numbers_are_valid() {
        let a = IdCardNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(a.as_str(), "11010519491231002X");
        assert_eq!(a.masked(), "110105********002X");
        assert_eq!(
            a.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!a.is_male());
        assert_eq!(a.age_on(today()), 76);
        // Typed with a Chinese input method, or copied with spaces.
        for typed in [
            "１１０１０５１９４９１２３１００２ｘ",
            "110105 19491231 002X",
        ] {
            assert_eq!(IdCardNumber::parse(typed, today()).unwrap(), a, "{typed}");
        }
        let b = IdCardNumber::parse("440524188001010014", today()).unwrap();
        assert!(b.is_male());
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_reason() {
        let cases = [
            ("11010519491231002", "18 位"),
            ("1101051949123100XX", "格式"),
            ("99010519491231002X", "地区码"),
            ("110105194902300022", "出生日期"),
            ("110105203001010023", "出生日期"),
            ("110105194912310021", "校验位"),
        ];
        for (input, reason) in cases {
            let err = IdCardNumber::parse(input, today()).unwrap_err();
            assert!(err.contains(reason), "{input}: {err}");
        }
    }

    proptest::proptest! {
        /// Any real birth date, province and sequence: exactly one check character is valid,
        /// and it is the one GB 11643 computes.
        #[test]
        fn exactly_the_computed_check_character_is_accepted(
            province in 0usize..PROVINCES.len(),
            county in 0u32..10_000,
            days in 0i64..(125 * 365),
            seq in 0u32..1000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            let body = format!("{}{county:04}{}{seq:03}", PROVINCES[province], birth.format("%Y%m%d"));
            let good = check_char(&body).unwrap();
            let parsed = IdCardNumber::parse(&format!("{body}{good}"), today());
            proptest::prop_assert!(parsed.is_ok(), "{body}{good}: {parsed:?}");
            let parsed = parsed.unwrap();
            proptest::prop_assert_eq!(parsed.birth_date(), birth);
            proptest::prop_assert_eq!(parsed.is_male(), seq % 2 == 1);
            for other in CHECK.iter().filter(|c| **c != good) {
                let bad = format!("{body}{other}");
                proptest::prop_assert!(IdCardNumber::parse(&bad, today()).is_err(), "{bad} accepted");
            }
        }

        /// A single changed digit in the body is always caught.
        #[test]
        fn a_single_digit_change_is_always_caught(
            days in 0i64..(100 * 365),
            seq in 0u32..1000,
            pos in 0usize..17,
            delta in 1u32..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let body = format!("110105{}{seq:03}", birth.format("%Y%m%d"));
            let valid = format!("{body}{}", check_char(&body).unwrap());
            let mut digits: Vec<char> = valid.chars().collect();
            let d = digits[pos].to_digit(10).unwrap();
            digits[pos] = char::from_digit((d + delta) % 10, 10).unwrap();
            let changed: String = digits.into_iter().collect();
            proptest::prop_assert!(IdCardNumber::parse(&changed, today()).is_err(), "{changed} accepted");
        }
    }

    proptest::proptest! {
        /// Whatever a resident types, parsing answers with a value or a message, never a panic.
        #[test]
        fn no_input_makes_the_parsers_panic(input in "\\PC{0,24}") {
            let _ = IdCardNumber::parse(&input, today());
            let _ = crate::privacy::MobileNumber::parse(&input);
            let _ = crate::jurisdictions::domain::Code::parse(&input);
        }
    }

    #[test]
    fn multi_byte_characters_at_the_check_position_are_refused_not_a_panic() {
        for input in [
            "1101051949123100中1",
            "110105194912310中2X",
            "１１０１０５１９４９１２３１００２中",
        ] {
            assert!(IdCardNumber::parse(input, today()).is_err(), "{input}");
        }
    }

    #[test]
    fn debug_output_is_masked() {
        let a = IdCardNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(format!("{a:?}"), "IdCardNumber(110105********002X)");
    }
}
