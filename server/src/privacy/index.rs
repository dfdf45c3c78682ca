//! The names of the blind indexes: one per kind of value, so that a number indexed in one
//! table finds its matches in every other (an applicant's phone, a caller's, a resident's).

/// ID-card numbers (GB 11643).
pub const ID_NUMBER: &str = "id_number";
/// Phone numbers (mobiles normalised, landlines with their area code).
pub const PHONE: &str = "phone";
