//! Creating an organization with its owner: signup over HTTP and the
//! operators' `stint admin create-organization` both come through here.

use stint_core::currency::Currency;
use stint_core::ids::{MemberId, OrgId, UserId};
use stint_core::password::password_problem;
use stint_core::timezone::parse_timezone;
use stint_core::validation::{email_problem, name_problem, normalize_email};
use stint_core::{Role, Validation};
use stint_store::members::{Member, MemberProfile, NewMember};
use stint_store::organizations::{NewOrganization, Organization};
use stint_store::users::{NewUser, User};

use super::sessions::{TokenPair, open_session};
use crate::api::error::{ApiError, Code};
use crate::auth::password::{hash_password, verify_password};
use crate::state::AppState;

/// Every organization starts on this plan; operators change it.
pub const DEFAULT_PLAN: &str = "free";
const MAX_NAME_CHARS: usize = 200;

/// What a new organization and its owner need.
#[derive(Debug, Clone)]
pub struct NewOrganizationInput {
    pub organization_name: String,
    pub owner_name: String,
    pub email: String,
    pub password: String,
    pub timezone: Option<String>,
    pub currency: Option<String>,
}

/// The result: the organization, its owner, and tokens when asked for.
pub struct CreatedOrganization {
    pub organization: Organization,
    pub user: User,
    pub member: Member,
    pub tokens: Option<TokenPair>,
}

fn validate(input: &NewOrganizationInput) -> Result<(), ApiError> {
    let mut v = Validation::new();
    v.check(
        "organization_name",
        name_problem(&input.organization_name, MAX_NAME_CHARS),
    );
    v.check("name", name_problem(&input.owner_name, MAX_NAME_CHARS));
    v.check("email", email_problem(&normalize_email(&input.email)));
    v.check("password", password_problem(&input.password));
    if let Some(tz) = &input.timezone
        && parse_timezone(tz).is_none()
    {
        v.add("timezone", "must be an IANA time zone such as Europe/Paris");
    }
    if let Some(currency) = &input.currency
        && Currency::from_code(currency).is_none()
    {
        v.add("currency", "must be an ISO 4217 code such as EUR");
    }
    v.finish().map_err(ApiError::validation)
}

/// Creates the organization and its owner. When the email already has an
/// account, the password must be that account's: the existing user then
/// owns the new organization too.
pub async fn create_organization(
    state: &AppState,
    input: NewOrganizationInput,
    with_tokens: bool,
) -> Result<CreatedOrganization, ApiError> {
    validate(&input)?;
    let email = normalize_email(&input.email);
    let mut system = state.store.system().read().await?;
    let existing = system.user_by_email(&email).await?;
    drop(system);
    let new_hash = match &existing {
        Some(user) => {
            if !verify_password(input.password.clone(), user.password_hash.clone()).await? {
                return Err(ApiError::new(
                    Code::EmailTaken,
                    "An account with this email already exists; sign up with its password to add an organization to it",
                ));
            }
            None
        }
        None => Some(hash_password(input.password.clone()).await?),
    };

    let now = state.now();
    let mut tx = state.store.system().write().await?;
    let user = match (existing, new_hash) {
        (Some(user), _) => user,
        (None, hash) => {
            let new_user = NewUser {
                id: UserId::generate(),
                email,
                name: input.owner_name.trim().to_owned(),
                password_hash: hash,
                now,
            };
            tx.insert_user(&new_user).await.map_err(|e| {
                if e.is_unique_on("email") {
                    ApiError::new(
                        Code::EmailTaken,
                        "An account with this email already exists",
                    )
                } else {
                    e.into()
                }
            })?
        }
    };
    let organization = tx
        .insert_organization(&NewOrganization {
            id: OrgId::generate(),
            name: input.organization_name.trim().to_owned(),
            plan: DEFAULT_PLAN.to_owned(),
            timezone: input.timezone.unwrap_or_else(|| "UTC".to_owned()),
            currency: input.currency.unwrap_or_else(|| "EUR".to_owned()),
            now,
        })
        .await?;
    let member_id = MemberId::generate();
    tx.insert_member(&NewMember {
        id: member_id,
        org_id: organization.id,
        user_id: user.id,
        role: Role::Owner.as_str().to_owned(),
        status: "active".to_owned(),
        profile: MemberProfile::named(&input.owner_name),
        now,
    })
    .await?;
    let member = tx
        .member_by_id(member_id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("member vanished after insert")))?;
    let tokens = if with_tokens {
        Some(open_session(state, &mut tx, organization.id, member_id, user.id).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(CreatedOrganization {
        organization,
        user,
        member,
        tokens,
    })
}
