//! `/invitations/accept`: joining an organization with the token its owner
//! or admin was given when inviting. Works without credentials: the token is
//! the credential.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::authentication::TokenPairOut;
use super::error::{ApiError, ErrorBody};
use super::extract::Json;
use super::response::{self, Data};
use crate::services::members;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(accept_invitation))
}

/// An invitation token and the invitee's password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationIn {
    /// The `invitation_token` answered when the member was invited.
    #[schema(example = "invite_Nq3Ow7fXyB3p1vQ2pgAZNkq3Ow7fXyB3p1vQ2pgAZNk")]
    pub token: String,
    /// For someone new, the password they choose (at least 10 characters);
    /// for an existing account, its current password.
    #[schema(example = "correct horse battery staple", min_length = 10)]
    pub password: String,
}

/// Accept an invitation
///
/// Activates the invited membership and signs the invitee in to that
/// organization, answering a token pair as `/token-auth` does. When the
/// invited email has no password yet, `password` sets it. When it already
/// has one, `password` must be that password (`401 invalid_credentials`
/// otherwise): the token was seen by the inviter, so it never opens an
/// existing account by itself. A token works once, for 7 days, and stops
/// working when the member is deactivated or invited again; unknown,
/// expired and used tokens all answer `401 invalid_token`.
#[utoipa::path(post, path = "/invitations/accept", tag = "Members", security(()),
    request_body = AcceptInvitationIn,
    responses(
        (status = 200, description = "Joined and signed in", body = Data<TokenPairOut>),
        (status = 401, description = "`invalid_token`: unknown, expired or used invitation; `invalid_credentials`: not the existing account's password", body = ErrorBody),
    ))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    Json(input): Json<AcceptInvitationIn>,
) -> Result<Response, ApiError> {
    let pair = members::accept_invitation(&state, &input.token, input.password).await?;
    Ok(response::ok(TokenPairOut::from(pair)))
}
