//! Full-width input read as meant.

/// Full-width forms typed by a Chinese input method (`１３８`, `Ｘ`, the ideographic space)
/// as their ASCII counterparts, so a number entered on any phone keyboard is read as meant.
pub(crate) fn half_width(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_letters_and_spaces_become_ascii() {
        assert_eq!(half_width("１３８\u{3000}Ｘｘ-12"), "138 Xx-12");
    }
}
