//! Signing up, signing in and out, refreshing, and exchanging an API key
//! pair for a JWT. These are the operations that work without credentials.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use stint_core::ids::OrgId;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Code, ErrorBody};
use super::extract::{Json, OptionalJson};
use super::response::{self, Data};
use super::views::{MemberOut, OrganizationOut, UserOut};
use crate::auth::{Actor, authenticate};
use crate::services::organizations::{NewOrganizationInput, create_organization};
use crate::services::sessions::{self, TokenPair};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(token_auth))
        .routes(routes!(token_refresh))
        .routes(routes!(logout))
        .routes(routes!(login))
        .routes(routes!(oauth_token))
}

/// A new organization and its owner.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupIn {
    #[schema(example = "Acme Design Studio")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub organization_name: String,
    /// The owner's full name.
    #[schema(example = "Ada Lovelace")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    #[schema(example = "ada@example.com")]
    #[schema(value_type = crate::api::dto::formats::EmailAddress)]
    pub email: String,
    /// At least 10 characters. If the email already has an account, its current password.
    #[schema(example = "correct horse battery staple", min_length = 10)]
    pub password: String,
    /// IANA time zone; UTC when absent.
    #[schema(example = "Europe/Paris")]
    #[schema(value_type = Option<crate::api::dto::formats::TimeZoneName>)]
    pub timezone: Option<String>,
    /// ISO 4217 currency; EUR when absent.
    #[schema(example = "EUR")]
    #[schema(value_type = Option<crate::api::dto::formats::CurrencyCode>)]
    pub currency: Option<String>,
}

/// An access token and its refresh token.
#[derive(Serialize, ToSchema)]
pub struct TokenPairOut {
    /// JWT for `Authorization: Bearer …`; lives `expires_in` seconds.
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdGludCJ9.c2lnbmF0dXJl")]
    pub access: String,
    /// Spend it at `/token-refresh` for a new pair; each works once.
    #[schema(example = "rt_Nq3Ow7fXyB3p1vQ2pgAZNkq3Ow7fXyB3p1vQ2pgAZNk")]
    pub refresh: String,
    /// The same as `access`, for clients that look for `token`.
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdGludCJ9.c2lnbmF0dXJl")]
    pub token: String,
    /// Seconds until `access` expires.
    #[schema(example = 1800)]
    pub expires_in: i64,
}

impl From<TokenPair> for TokenPairOut {
    fn from(pair: TokenPair) -> Self {
        TokenPairOut {
            token: pair.access.clone(),
            access: pair.access,
            refresh: pair.refresh,
            expires_in: pair.expires_in,
        }
    }
}

/// The new organization, its owner, and a signed-in session.
#[derive(Serialize, ToSchema)]
pub struct SignupOut {
    pub organization: OrganizationOut,
    pub user: UserOut,
    pub member: MemberOut,
    #[serde(flatten)]
    pub tokens: TokenPairOut,
}

/// Sign up: create an organization and its owner
///
/// Creates an organization on the `free` plan with the caller as its owner
/// and signs them in. An email that already has an account may sign up again
/// with that account's password to own another organization.
#[utoipa::path(post, path = "/signup", tag = "Authentication", security(()),
    request_body = SignupIn,
    responses(
        (status = 201, description = "Organization created; the owner is signed in", body = Data<SignupOut>,
            headers(("Location" = String, description = "The new organization's `/me`"))),
        (status = 403, description = "`signup_disabled`: this server does not allow signing up", body = ErrorBody),
        (status = 409, description = "`email_taken`: the email has an account and the password is not its password", body = ErrorBody),
    ))]
pub async fn signup(
    State(state): State<AppState>,
    Json(input): Json<SignupIn>,
) -> Result<Response, ApiError> {
    if !state.settings.signup.enabled {
        return Err(ApiError::new(
            Code::SignupDisabled,
            "Signing up is disabled on this server",
        ));
    }
    let created = create_organization(
        &state,
        NewOrganizationInput {
            organization_name: input.organization_name,
            owner_name: input.name,
            email: input.email,
            password: input.password,
            timezone: input.timezone,
            currency: input.currency,
        },
        true,
    )
    .await?;
    let tokens = created
        .tokens
        .ok_or_else(|| ApiError::internal(std::io::Error::other("signup opened no session")))?;
    let out = SignupOut {
        organization: OrganizationOut::from(&created.organization),
        user: UserOut::from(&created.user),
        member: MemberOut::from(&created.member),
        tokens: tokens.into(),
    };
    Ok(response::created("/api/v1/me", out, None))
}

/// Email and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenAuthIn {
    /// The account's email (`username` is accepted as an alias).
    #[serde(alias = "username")]
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "correct horse battery staple")]
    pub password: String,
    /// Which of the user's organizations to sign in to; the oldest membership when absent.
    pub organization_id: Option<OrgId>,
}

/// Sign in with email and password
///
/// Answers an access token (30 minutes) and a rotating refresh token.
#[utoipa::path(post, path = "/token-auth", tag = "Authentication", security(()),
    request_body = TokenAuthIn,
    responses(
        (status = 200, description = "Signed in", body = Data<TokenPairOut>),
        (status = 401, description = "`invalid_credentials` (the same whether or not the account exists) or `account_inactive`", body = ErrorBody),
    ))]
pub async fn token_auth(
    State(state): State<AppState>,
    Json(input): Json<TokenAuthIn>,
) -> Result<Response, ApiError> {
    let (pair, _org) =
        sessions::sign_in(&state, &input.email, input.password, input.organization_id).await?;
    Ok(response::ok(TokenPairOut::from(pair)))
}

/// A refresh token to spend.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshIn {
    #[schema(example = "rt_Nq3Ow7fXyB3p1vQ2pgAZNkq3Ow7fXyB3p1vQ2pgAZNk")]
    pub refresh: String,
}

/// Refresh: trade a refresh token for a new pair
///
/// The presented refresh token is spent. Presenting a spent one again
/// revokes its whole session (`refresh_token_reused`).
#[utoipa::path(post, path = "/token-refresh", tag = "Authentication", security(()),
    request_body = RefreshIn,
    responses(
        (status = 200, description = "A new pair", body = Data<TokenPairOut>),
        (status = 401, description = "`invalid_token`, `token_revoked`, `refresh_token_reused` or `account_inactive`", body = ErrorBody),
    ))]
pub async fn token_refresh(
    State(state): State<AppState>,
    Json(input): Json<RefreshIn>,
) -> Result<Response, ApiError> {
    let pair = sessions::refresh(&state, &input.refresh).await?;
    Ok(response::ok(TokenPairOut::from(pair)))
}

/// Which session to end.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutIn {
    /// A refresh token of the session; optional when the request is authenticated with the session's access token.
    pub refresh: Option<String>,
}

/// Sign out: revoke a session
///
/// Revokes the session (the refresh-token family) named by the body's
/// refresh token, or else the session of the access token sent. Its access
/// and refresh tokens stop working at once.
#[utoipa::path(post, path = "/logout", tag = "Authentication", security(()),
    request_body(content = Option<LogoutIn>, description = "Optional when authenticated with a user access token"),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "`validation_failed`: neither a refresh token nor a user access token was given", body = ErrorBody),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    OptionalJson(input): OptionalJson<LogoutIn>,
) -> Result<Response, ApiError> {
    if let Some(refresh) = input.and_then(|i| i.refresh) {
        sessions::sign_out_refresh(&state, &refresh).await?;
        return Ok(response::no_content());
    }
    if headers.contains_key(axum::http::header::AUTHORIZATION) || headers.contains_key("x-api-key")
    {
        let ctx = authenticate(&state, &headers).await?;
        match ctx.actor() {
            Actor::User { session, .. } => sessions::sign_out_session(&state, session).await?,
            // An API key has no session: signing out is a no-op, not an error
            // (delete the key to revoke it).
            Actor::ApiKey { .. } => {}
        }
        return Ok(response::no_content());
    }
    Err(ApiError::field(
        "refresh",
        "send the session's refresh token, or call with its access token",
    ))
}

/// An API key pair.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    #[schema(example = "pk_3x9k2m4n6p8q0r1s2t3v4w5x")]
    pub api_key: String,
    #[schema(example = "sk_8f3k2m4n6p8q0r1s2t3v4w5x6y7z8a9b0c1d2e3f4g5h6j7k8m9n0p")]
    pub api_secret: String,
}

/// A JWT for the key.
#[derive(Serialize, ToSchema)]
pub struct LoginOut {
    /// Send as `Authorization: Bearer …`.
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdGludCJ9.c2lnbmF0dXJl")]
    pub token: String,
    /// Seconds until it expires.
    #[schema(example = 600)]
    pub expires_in: i64,
}

/// Log in with an API key pair
///
/// Exchanges an API key and its secret for a JWT that lives 10 minutes. The
/// JWT dies with the key: deleting the key or switching the Public API app
/// off refuses it on the next request.
#[utoipa::path(post, path = "/login", tag = "Authentication", security(()),
    request_body = LoginIn,
    responses(
        (status = 200, description = "A JWT for the key", body = Data<LoginOut>),
        (status = 401, description = "`invalid_credentials` (the same whether or not the key exists), `token_revoked` or `public_api_inactive`", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Json(input): Json<LoginIn>,
) -> Result<Response, ApiError> {
    let (token, expires_in) =
        sessions::exchange_api_key(&state, input.api_key.trim(), input.api_secret.trim()).await?;
    Ok(response::ok(LoginOut { token, expires_in }))
}

/// An OAuth 2.0 client-credentials request (RFC 6749 §4.4): the API key is
/// the client id and its secret the client secret, sent in the form or as
/// HTTP Basic authentication.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuthTokenIn {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    /// The API key (`pk_…`), unless sent with HTTP Basic.
    pub client_id: Option<String>,
    /// The API secret (`sk_…`), unless sent with HTTP Basic.
    pub client_secret: Option<String>,
    /// Ignored: a key's scopes were fixed when it was created.
    pub scope: Option<String>,
}

/// An OAuth 2.0 access token.
#[derive(Serialize, ToSchema)]
pub struct OAuthTokenOut {
    /// A JWT for `Authorization: Bearer …`, the same as `/login` gives.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    #[schema(example = 600)]
    pub expires_in: i64,
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// OAuth 2.0 token (client credentials)
///
/// The same exchange as `/login` in the shape OAuth 2.0 clients expect
/// (Swagger UI's Authorize dialog, n8n, Zapier …): `grant_type=client_credentials`
/// with the API key as client id and its secret as client secret, form-encoded
/// as RFC 6749 requires (JSON is accepted too). Errors keep Stint's error body.
#[utoipa::path(post, path = "/oauth/token", tag = "Authentication", security(()),
    request_body(content(
        (OAuthTokenIn = "application/x-www-form-urlencoded"),
        (OAuthTokenIn = "application/json"),
    )),
    responses(
        (status = 200, description = "An access token for the key", body = OAuthTokenOut),
        (status = 400, description = "`validation_failed`: `grant_type` is not `client_credentials` or the client is missing", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`, `token_revoked` or `public_api_inactive`", body = ErrorBody),
    ))]
pub async fn oauth_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let input: OAuthTokenIn = match content_type.as_str() {
        "application/x-www-form-urlencoded" => serde_html_form::from_bytes(&body)
            .map_err(|e| ApiError::new(Code::ValidationFailed, format!("Invalid form: {e}")))?,
        "application/json" => super::extract::parse_json(&body)?,
        _ => {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "Send the token request as application/x-www-form-urlencoded (or JSON)",
            ));
        }
    };
    if input.grant_type != "client_credentials" {
        return Err(ApiError::field("grant_type", "must be client_credentials"));
    }
    let (id, secret) = match (
        input.client_id,
        input.client_secret,
        basic_credentials(&headers),
    ) {
        (Some(id), Some(secret), _) => (id, secret),
        (_, _, Some(pair)) => pair,
        _ => {
            return Err(ApiError::field(
                "client_id",
                "send client_id and client_secret, or HTTP Basic authentication",
            ));
        }
    };
    let (access_token, expires_in) =
        sessions::exchange_api_key(&state, id.trim(), secret.trim()).await?;
    Ok(axum::Json(OAuthTokenOut {
        access_token,
        token_type: "Bearer",
        expires_in,
    })
    .into_response())
}
