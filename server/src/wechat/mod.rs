//! WeChat: a thin typed client for the mini-program server APIs (login, phone, 小程序码,
//! subscribe messages, content check) and the access token shared by every instance.

pub mod client;
mod dev;
pub mod dto;
mod endpoints;
pub mod errors;
pub mod force;
mod live;
mod parse;
pub mod token;
mod transport;

pub use client::WechatClient;
pub use dto::{
    DataValue, Image, PhoneInfo, SecCheckRequest, SecCheckResult, SendOutcome, Session,
    SubscribeMessage, Suggest, WxaCodeRequest, mask_openid,
};
pub use errors::{ErrorClass, WechatError, codes};
pub use token::AccessToken;
