//! What tests start from: the demo jurisdictions, staff and residents with sessions, entry
//! points, valid ID numbers and application bodies, and cases moved along through the API.

use serde_json::Value;
use uuid::Uuid;

use crate::{app::TestApp, responses::TestResponse};

#[derive(Debug, Clone)]
pub struct TestStaff {
    pub id: Uuid,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// A valid resident ID number (GB 11643) for a birth date `yyyymmdd` and sequence `nnn`,
/// with the address code 110105.
pub fn id_number(birth: &str, seq: &str) -> String {
    let body = format!("110105{birth}{seq}");
    let check = zhitongche::privacy::id_number::check_char(&body).unwrap();
    format!("{body}{check}")
}

/// A complete application body for `kind` in `community`, applicant identified by `id`.
pub fn application_body(kind: &str, community: &str, id: &str) -> Value {
    serde_json::json!({
        "assistance_type": kind,
        "community_code": community,
        "applicant": {"name": "张秀兰", "id_number": id, "phone": "13812345678"},
        "address": "和平区福安大街 18 号 3 门 201",
        "household": [{"name": "王建国", "relation": "配偶", "age": 78}],
        "monthly_income_yuan": 860.5,
        "description": "老两口无固定收入,老伴常年住院,医药费负担很重",
        "urgent": false
    })
}

impl TestApp {
    /// Loads the demo jurisdictions (天津市 and below).
    pub async fn seed_demo(&self) {
        zhitongche::jurisdictions::demo::load(&self.state.db)
            .await
            .unwrap();
    }

    /// Creates a staff account directly in the database.
    pub async fn create_staff(&self, role: &str, jurisdiction_code: &str) -> TestStaff {
        use zhitongche::{auth::password, jurisdictions, staff};
        let node = jurisdictions::store::find_by_code(&self.state.db, jurisdiction_code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("jurisdiction {jurisdiction_code} exists (seed_demo?)"));
        let username = format!("{role}-{}", &Uuid::new_v4().simple().to_string()[..10]);
        let password = format!("Pw-{}-9", Uuid::new_v4().simple());
        let account = staff::store::insert(
            &self.state.db,
            staff::store::NewStaff {
                username: &username,
                display_name: None,
                password_hash: password::hash(password.clone()).await.unwrap(),
                role: staff::Role::parse(role).unwrap(),
                jurisdiction_id: node.id,
            },
        )
        .await
        .unwrap();
        TestStaff {
            id: account.id,
            username,
            password,
        }
    }

    pub async fn login(&self, staff: &TestStaff) -> Tokens {
        let res = self
            .post(
                "/api/v1/auth/staff/login",
                None,
                &serde_json::json!({"username": staff.username, "password": staff.password}),
            )
            .await;
        res.assert_status(200);
        Tokens {
            access: res.body["access_token"].as_str().unwrap().to_string(),
            refresh: res.body["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// A logged-in staff member's access token.
    pub async fn staff_token(&self, role: &str, jurisdiction_code: &str) -> (TestStaff, String) {
        let staff = self.create_staff(role, jurisdiction_code).await;
        let tokens = self.login(&staff).await;
        (staff, tokens.access)
    }

    /// A resident (created on first use of `openid`) with a session, as WeChat login would give.
    pub async fn resident_login(&self, openid: &str) -> (Uuid, Tokens) {
        use zhitongche::auth::{jwt::Audience, store};
        let resident = zhitongche::residents::store::upsert_login(&self.state.db, openid, None)
            .await
            .unwrap();
        let (access, _) = self
            .state
            .jwt
            .issue(Audience::Resident, resident.id)
            .unwrap();
        let refresh = store::issue(
            &self.state.db,
            store::PrincipalKind::Resident,
            resident.id,
            None,
            self.state.settings.auth.refresh_ttl,
        )
        .await
        .unwrap();
        (resident.id, Tokens { access, refresh })
    }

    /// Creates an entry point through the API and returns its JSON.
    pub async fn create_entry_point(&self, token: &str, community: &str, label: &str) -> Value {
        let res = self
            .post(
                "/api/v1/admin/entry-points",
                Some(token),
                &serde_json::json!({"jurisdiction_code": community, "label": label, "channel": "poster"}),
            )
            .await;
        res.assert_status(201);
        res.body
    }

    /// Posts an application for a resident and returns the response.
    pub async fn apply(&self, resident_token: &str, body: &Value) -> TestResponse {
        self.post("/api/v1/applications", Some(resident_token), body)
            .await
    }

    /// Takes a staff action on a case at the version it has now.
    pub async fn act(&self, token: &str, id: &str, action: &str, extra: Value) -> TestResponse {
        let version = self.version_of(id).await;
        let mut body = serde_json::json!({ "action": action, "expected_version": version });
        if let (Some(obj), Value::Object(extra)) = (body.as_object_mut(), extra) {
            obj.extend(extra);
        }
        self.post(
            &format!("/api/v1/staff/applications/{id}/transitions"),
            Some(token),
            &body,
        )
        .await
    }
}
