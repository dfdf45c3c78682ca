//! sea-orm 2 entities (dense format), one module per table. Persistence shapes only: API
//! shapes live in each server domain's `dto.rs`.

pub mod assistance_types;
pub mod audit_log;
pub mod entry_point_codes;
pub mod entry_points;
pub mod jurisdictions;
pub mod refresh_tokens;
pub mod residents;
pub mod scans;
pub mod staff;
