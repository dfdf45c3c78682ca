//! The fake WeChat of a fault run: every instance calls it under a path of its own
//! (`{uri}/{instance}/cgi-bin/…`), so each subscribe send is noted with when it arrived and which
//! instance made it. Answers come after a short delay, so a kill can fall between a request
//! leaving and its answer.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{method, path_regex},
};

/// One subscribe message as the fake WeChat received it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub at: DateTime<Utc>,
    /// The instance that sent it (the first segment of its path).
    pub instance: String,
    pub body: Value,
}

#[derive(Clone)]
struct Recorder {
    sent: Arc<Mutex<Vec<Sent>>>,
    delay: Duration,
}

impl Respond for Recorder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let instance = req
            .url
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let body = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        sent.push(Sent {
            at: Utc::now(),
            instance,
            body,
        });
        let msgid = sent.len();
        ResponseTemplate::new(200)
            .set_body_json(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}))
            .set_delay(self.delay)
    }
}

pub struct FakeWechat {
    server: MockServer,
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl FakeWechat {
    /// Hands out an access token to anyone and answers every send after `delay`.
    pub async fn start(delay: Duration) -> FakeWechat {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(method("POST"))
            .and(path_regex(r"^/[a-z0-9-]+/cgi-bin/stable_token$"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "TOKEN-CHAOS", "expires_in": 7200})),
            )
            .mount(&server)
            .await;
        let sent = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("POST"))
            .and(path_regex(r"^/[a-z0-9-]+/cgi-bin/message/subscribe/send$"))
            .respond_with(Recorder {
                sent: sent.clone(),
                delay,
            })
            .mount(&server)
            .await;
        FakeWechat { server, sent }
    }

    /// The API base an instance is given.
    pub fn base_for(&self, instance: &str) -> String {
        format!("{}/{instance}", self.server.uri())
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
