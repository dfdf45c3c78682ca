//! The staff principal extractor: validates the access token and loads the account on every
//! request, so disabling or moving a staff member takes effect on their next request.

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::{
    auth::jwt::{Audience, TokenError},
    error::{AppError, codes},
    http::bearer_token,
    jurisdictions::{Level, Scope},
    staff::{self, Role},
    state::AppState,
};

/// An authenticated, enabled staff member and the subtree they may act in.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub scope: Scope,
}

impl Staff {
    /// 403 unless the staff member has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(codes::ROLE_NOT_ALLOWED.with(format!("{}无权执行此操作", self.role.label())))
        }
    }

    /// Name shown on timelines.
    pub fn label(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| self.username.clone())
    }
}

pub(crate) fn token_error(e: TokenError) -> AppError {
    match e {
        TokenError::Expired => AppError::from(codes::TOKEN_EXPIRED),
        TokenError::Invalid => AppError::from(codes::INVALID_TOKEN),
    }
}

pub(crate) fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state_of(&req)?;
            let token = bearer_token(&req).ok_or_else(|| AppError::from(codes::MISSING_TOKEN))?;
            Staff::authenticate(&state, token).await
        })
    }
}

impl Staff {
    /// The enabled staff member a token belongs to, re-read from the database. Also used by
    /// clients that cannot send the header (`EventSource`).
    pub async fn authenticate(state: &AppState, token: &str) -> Result<Staff, AppError> {
        let id = state
            .jwt
            .verify(token, Audience::Staff)
            .map_err(token_error)?;
        let (account, node) = staff::store::find_with_jurisdiction(&state.db, id)
            .await?
            .ok_or_else(|| AppError::from(codes::INVALID_TOKEN))?;
        if account.disabled {
            return Err(AppError::from(codes::ACCOUNT_DISABLED));
        }
        let role = Role::parse(&account.role).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("staff {} has unknown role", account.id))
        })?;
        let level = Level::parse(&node.level).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "jurisdiction {} has unknown level",
                node.id
            ))
        })?;
        Ok(Staff {
            id: account.id,
            username: account.username,
            display_name: account.display_name,
            role,
            scope: Scope {
                jurisdiction_id: node.id,
                code: node.code,
                name: node.name,
                level,
                path: node.path,
            },
        })
    }
}

/// An authenticated resident (mini-program user). Ownership checks compare against `id`.
#[derive(Debug, Clone)]
pub struct Resident {
    pub id: Uuid,
    pub openid: String,
}

impl FromRequest for Resident {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state_of(&req)?;
            let token = bearer_token(&req).ok_or_else(|| AppError::from(codes::MISSING_TOKEN))?;
            let id = state
                .jwt
                .verify(token, Audience::Resident)
                .map_err(token_error)?;
            let resident = crate::residents::store::find_by_id(&state.db, id)
                .await?
                .ok_or_else(|| AppError::from(codes::INVALID_TOKEN))?;
            Ok(Resident {
                id: resident.id,
                openid: resident.openid,
            })
        })
    }
}

/// A resident when a valid resident token is present; anonymous otherwise. A present but
/// invalid token is still an error, so a client learns its session has lapsed.
#[derive(Debug, Clone)]
pub struct MaybeResident(pub Option<Resident>);

impl FromRequest for MaybeResident {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if bearer_token(req).is_none() {
            return Box::pin(async { Ok(MaybeResident(None)) });
        }
        let fut = Resident::from_request(req, payload);
        Box::pin(async move { fut.await.map(|r| MaybeResident(Some(r))) })
    }
}
