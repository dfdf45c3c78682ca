//! The fake WeChat every test app points at: the access token it hands out, and what it was
//! asked.

use wiremock::{
    Mock, Request, ResponseTemplate,
    matchers::{body_json, method, path},
};

use crate::app::TestApp;

impl TestApp {
    /// Makes the fake WeChat hand out `token` from `stable_token` (exact request asserted), at
    /// most `times` times when given.
    pub async fn mock_stable_token(&self, token: &str, times: Option<u64>) {
        let mut mock = Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .and(body_json(serde_json::json!({
                "grant_type": "client_credential",
                "appid": "wxtestappid",
                "secret": "wechat-test-secret",
                "force_refresh": false
            })))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"access_token": token, "expires_in": 7200})),
            );
        if let Some(n) = times {
            mock = mock.up_to_n_times(n).with_priority(1);
        }
        mock.mount(&self.wechat).await;
    }

    /// The requests the fake WeChat received on `path`, oldest first.
    pub async fn wechat_requests(&self, path: &str) -> Vec<Request> {
        self.wechat
            .received_requests()
            .await
            .expect("the fake WeChat records requests")
            .into_iter()
            .filter(|r| r.url.path() == path)
            .collect()
    }
}
