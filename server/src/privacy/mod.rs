//! Personal data: parsing ID-card and mobile numbers, masking them for display, and encrypting
//! them at rest with a blind index for lookups.

pub mod cipher;
pub mod id_number;
pub mod index;
pub mod mask;
pub mod phone;

pub use cipher::FieldCipher;
pub use id_number::IdCardNumber;
pub use mask::{mask_name, mask_phone_str};
pub use phone::MobileNumber;

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
