//! Time limits of a case: the clock of each stage, and the background scanner that escalates
//! once per level (remind → 催办 street → 督办 district), once across instances.

mod clock;
mod scanner;

pub use clock::{Clock, SUPERVISE_AFTER_WORKING_DAYS, SlaState, calendar, for_stage, resume};
pub use scanner::{SCAN_EVERY, ScanReport, run_once, run_until_stopped};
