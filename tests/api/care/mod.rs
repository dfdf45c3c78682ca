//! Grid care: the registry's scope and privacy, visits moving the schedule (and off a
//! holiday), missed-visit alerts up the ladder, a visit opening an application, people on a
//! roll blocking duplicate applications, and bulk onboarding from CSV and XLSX.

mod alerts;
mod exports;
mod files;
mod imports;
mod onboarding;
mod registry;
mod roll;
mod support;
mod visits;
