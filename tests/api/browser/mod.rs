//! The console in a real browser (headless Chromium), against the real application on
//! PostgreSQL and Redis with WeChat faked by wiremock. A day's work end to end: an operator
//! enters a call that opens a case with the keyboard alone; the community caseworker, already
//! signed in elsewhere, sees it arrive live, accepts it and asks for more (meeting a stale page
//! on the way); the street approver approves a resident's case and the resident's WeChat
//! notices match; a caseworker of another community sees nothing of it; the session outlives
//! its access token and signing out ends it; an admin makes an entry point and downloads its
//! poster. Screenshots of each screen go to `target/screenshots/`.

mod common;
mod day;
mod entry_points;
