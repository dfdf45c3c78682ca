//! Personal data: parsing ID-card and mobile numbers, masking them for display, and encrypting
//! them at rest with a blind index for lookups.

pub mod cipher;
pub mod id_number;
pub mod index;
pub mod mask;
pub mod phone;
mod width;

pub use cipher::FieldCipher;
pub use id_number::IdCardNumber;
pub use mask::{mask_name, mask_phone_str};
pub use phone::MobileNumber;
pub(crate) use width::half_width;
