//! The WeChat client against a fake WeChat: exact requests, the shared access token, one
//! refresh on a rejected token, bounded retries, resident login and phone binding, dev mode.

mod login;
mod messages;
mod support;
mod tokens;
