//! The dependency rule of this crate, checked: every module has a layer, and no module imports
//! one from a layer above its own. Bottom to top:
//!
//! 0. **kernel** — config, error, db, http, kv, privacy, text, money, and every domain's pure
//!    types (`domain`, `dto`, `workflow`, seed data, the outbox `payload`);
//! 1. **leaf stores and clients** — each `store`, audit, wechat, sms, ratelimit, metrics, the
//!    outbox with its typed payload, and the notification pipeline's per-instance `runtime`
//!    (transport, live hub, templates: no pipeline logic);
//! 2. **auth and `state`**, the composition root of shared services;
//! 3. **the case core** — applications (intake, transitions, clocks, 回访 scheduling);
//! 4. **channels built on cases** — hotline, entry points, notifications, grid care, referrals,
//!    reports and the other domains' services;
//! 5. **the HTTP edge** — `routes`, handlers, `openapi`, `startup`, `cli`, `telemetry`, console.
//!
//! A lower module that must tell a higher one something writes an outbox event or takes a
//! callback. `cargo test -p zhitongche --lib layers` runs the check; CI runs it with every test.

/// The layer of a module path (`applications::intake::create`), by the most specific rule.
pub fn layer_of(module: &str) -> u8 {
    let parts: Vec<&str> = module.split("::").collect();
    let top = parts.first().copied().unwrap_or_default();
    let has = |name: &str| parts.iter().skip(1).any(|p| *p == name);
    let any_ends = |suffix: &str| parts.iter().skip(1).any(|p| p.ends_with(suffix));
    if matches!(
        top,
        "routes" | "openapi" | "startup" | "cli" | "telemetry" | "console" | "main"
    ) || has("routes")
        || any_ends("handlers")
    {
        return 5;
    }
    if matches!(
        top,
        "config" | "error" | "db" | "http" | "kv" | "privacy" | "text" | "money" | "layers"
    ) || has("domain")
        || has("dto")
        || has("seed")
        || has("payload")
        || has("workflow")
    {
        return 0;
    }
    if matches!(
        top,
        "audit" | "wechat" | "sms" | "ratelimit" | "metrics" | "outbox"
    ) || has("store")
        || has("runtime")
    {
        return 1;
    }
    match top {
        "auth" | "state" => 2,
        "applications" => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod check;
