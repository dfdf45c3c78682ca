//! The fault suite's harness (issue 15): instances of the real service as child processes on
//! one fresh PostgreSQL database and a private Redis, a fake WeChat counting every send, a load
//! of transitions, faults while it runs and the count afterwards.

pub mod cluster;
pub mod count;
pub mod figures;
pub mod load;
pub mod processes;
pub mod run;
pub mod wechat;

pub use cluster::Cluster;
pub use figures::Figures;
pub use run::{Fault, Plan, run};
