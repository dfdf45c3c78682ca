//! What the WeChat tests share: the fake phone-number endpoint and its answer.

use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};

pub(super) fn phone_mock(token: &str, code: &str, body: serde_json::Value) -> Mock {
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .and(query_param("access_token", token))
        .and(body_json(json!({ "code": code })))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
}

pub(super) fn phone_info(appid: &str, country_code: serde_json::Value) -> serde_json::Value {
    json!({"errcode": 0, "errmsg": "ok", "phone_info": {
        "phoneNumber": "13812345678", "purePhoneNumber": "13812345678",
        "countryCode": country_code, "watermark": {"timestamp": 1764390000, "appid": appid}}})
}
