//! Member use cases: invite, change profile and role, deactivate, and
//! accept an invitation — with the role rules (members edit only their own
//! profile; only owners touch the owner role; one active owner must
//! remain), versioned and recorded in the event outbox.
//!
//! Events: `member.created` on an invitation of someone new,
//! `member.updated` on every other change (a re-invitation of an inactive
//! member and an accepted invitation included, with `status` in
//! `previous_attributes`), and `member.deactivated` on DELETE (same payload
//! shape as an update). Members are never deleted: their history stays.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use stint_core::currency::Currency;
use stint_core::ids::{EventId, MemberId};
use stint_core::money::parse_non_negative_amount;
use stint_core::password::password_problem;
use stint_core::timezone::parse_timezone;
use stint_core::validation::{
    derive_initials, email_problem, name_problem, normalize_email, optional_text,
};
use stint_core::{Role, Validation};
use stint_store::events::NewEvent;
use stint_store::members::{Member, MemberProfile, MemberValues, NewInvitation, full_name};
use stint_store::{Tenant, Tx};

use super::events;
use super::sessions::{TokenPair, open_session};
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::members::{MemberIn, MemberInvite, MemberOut};
use crate::api::error::{ApiError, Code};
use crate::auth::crypto::{random_bytes, sha256};
use crate::auth::password::{hash_password, verify_password};
use crate::auth::{Actor, Ctx};
use crate::state::AppState;

const RESOURCE: &str = "member";
/// How long an invitation token can be accepted. Fixed on purpose: a
/// leaked token should not outlive a week.
pub const INVITATION_TTL: Duration = Duration::days(7);
const TOKEN_PREFIX: &str = "invite_";

fn not_found() -> ApiError {
    ApiError::not_found("member")
}

/// Checks a profile input against the rules and the organization's data;
/// `v` may already hold problems of fields outside the profile (`email`).
async fn validate(
    tx: &mut Tenant<Tx>,
    input: MemberIn,
    mut v: Validation,
) -> Result<MemberValues, ApiError> {
    v.check("name", name_problem(&input.name, 100));
    let mut text = |field: &str, value: &Option<String>, max: usize| match optional_text(value, max)
    {
        Ok(t) => t,
        Err(e) => {
            v.add(field, e);
            None
        }
    };
    let surname = text("surname", &input.surname, 100);
    let initials = text("initials", &input.initials, 10);
    let phone = text("phone", &input.phone, 50);
    let timezone = input.timezone.clone();
    if let Some(tz) = &timezone
        && parse_timezone(tz).is_none()
    {
        v.add("timezone", "must be an IANA time zone such as Europe/Paris");
    }
    let currency = tx.organization().await?.currency;
    let currency = Currency::from_code(&currency).unwrap_or(Currency::EUR);
    let mut amount = |field: &str, value: &Option<crate::api::decimal::DecimalText>| {
        let text = value.as_ref()?;
        match parse_non_negative_amount(text.as_str(), currency) {
            Ok(minor) => Some(minor),
            Err(e) => {
                v.add(field, e);
                None
            }
        }
    };
    let hourly_cost = amount("hourly_cost", &input.hourly_cost);
    let default_hourly_rate = amount("default_hourly_rate", &input.default_hourly_rate);
    let mut group_ids = input.group_ids.clone();
    group_ids.sort();
    group_ids.dedup();
    let missing = tx.missing(&group_ids).await?;
    // In the order sent, each unknown id once (at its first place).
    for (index, id) in input.group_ids.iter().enumerate() {
        if missing.contains(id) && !input.group_ids[..index].contains(id) {
            v.missing(format!("group_ids[{index}]"), "team");
        }
    }
    v.finish().map_err(ApiError::validation)?;
    let name = input.name.trim().to_owned();
    let initials =
        initials.unwrap_or_else(|| derive_initials(&full_name(&name, surname.as_deref())));
    Ok(MemberValues {
        role: input.role.as_str().to_owned(),
        profile: MemberProfile {
            name,
            surname,
            initials: Some(initials),
            phone,
            timezone,
            hourly_cost,
            default_hourly_rate,
        },
        group_ids,
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: MemberId) -> Result<Member, ApiError> {
    tx.member(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("member vanished mid-write")))
}

/// Granting, removing or deactivating the owner role is an owner's call,
/// made signed in: admins and API keys cannot take over an organization.
fn require_owner(ctx: &Ctx, what: &str) -> Result<(), ApiError> {
    match ctx.actor() {
        Actor::User { .. } if ctx.role() == Role::Owner => Ok(()),
        _ => Err(ApiError::new(
            Code::InsufficientRole,
            format!("Only owners can {what}"),
        )),
    }
}

/// Refuses to leave the organization without an active owner. Locks the
/// organization first so two owners demoting each other cannot both win.
async fn ensure_another_owner(tx: &mut Tenant<Tx>) -> Result<(), ApiError> {
    tx.lock_organization().await?;
    if tx.count_active_owners().await? <= 1 {
        return Err(ApiError::new(
            Code::LastOwner,
            "This is the organization's last active owner; make someone else owner first",
        ));
    }
    Ok(())
}

/// The plan's limit on members: active and invited ones count; a new
/// invitation (or reopening an inactive member) needs room for one more.
async fn check_member_limit(state: &AppState, tx: &mut Tenant<Tx>) -> Result<(), ApiError> {
    // Two invitations racing past the count would both fit otherwise.
    tx.lock_organization().await?;
    let plan = tx.organization().await?.plan;
    let max = state.settings.plan(&plan).max_members;
    crate::limits::plans::check_count(&plan, "members", tx.count_members_in_use().await?, max)
}

/// An invitation just made: the member and the token, shown once.
pub struct Invited {
    pub member: Member,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

fn new_token() -> String {
    use base64::Engine;
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    )
}

/// Invites someone: their account is created when the email has none, a
/// membership is added with status `invited` (an inactive membership is
/// reopened), and a fresh token replaces any earlier one.
pub async fn invite(state: &AppState, ctx: &Ctx, input: MemberInvite) -> Result<Invited, ApiError> {
    ctx.require_write()?;
    if input.role == Some(Role::Owner) {
        require_owner(ctx, "invite an owner")?;
    }
    let now = state.now();
    let (email, input) = input.split();
    let email = normalize_email(&email);
    let mut v = Validation::new();
    v.check("email", email_problem(&email));
    let display_name = full_name(&input.name, input.surname.as_deref());
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, input, v).await?;
    let user = tx.invitee_user(&email, &display_name, now).await?;
    let member = match tx.member_of_user(user).await? {
        Some(existing) if existing.status != "inactive" => {
            return Err(ApiError::new(
                Code::Conflict,
                format!(
                    "{email} is already a member of this organization (status {})",
                    existing.status
                ),
            ));
        }
        Some(existing) => {
            check_member_limit(state, &mut tx).await?;
            if !tx
                .update_member(existing.id, &values, "invited", existing.version, now)
                .await?
            {
                return Err(stale());
            }
            let member = reload(&mut tx, existing.id).await?;
            events::updated(
                &mut tx,
                ctx,
                now,
                RESOURCE,
                member.id.uuid(),
                &MemberOut::from(&existing),
                &MemberOut::from(&member),
            )
            .await?;
            member
        }
        None => {
            check_member_limit(state, &mut tx).await?;
            let id = MemberId::generate();
            tx.insert_member(id, user, "invited", &values, now).await?;
            let member = reload(&mut tx, id).await?;
            events::created(
                &mut tx,
                ctx,
                now,
                RESOURCE,
                id.uuid(),
                &MemberOut::from(&member),
            )
            .await?;
            member
        }
    };
    let token = new_token();
    let expires_at = now + INVITATION_TTL;
    tx.delete_pending_invitations(member.id).await?;
    tx.insert_invitation(&NewInvitation {
        token_hash: sha256(token.as_bytes()).to_vec(),
        member_id: member.id,
        created_by: ctx.member_id(),
        now,
        expires_at,
    })
    .await?;
    tx.commit().await?;
    Ok(Invited {
        member,
        token,
        expires_at,
    })
}

/// Whether two members differ only in what a member may change of their
/// own: name, surname, initials, phone and time zone.
fn same_beyond_profile(current: &Member, next: &MemberValues) -> bool {
    let mut current_groups = current.group_ids.clone();
    current_groups.sort();
    current.role == next.role
        && current_groups == next.group_ids
        && current.hourly_cost == next.profile.hourly_cost
        && current.default_hourly_rate == next.profile.default_hourly_rate
}

/// Replaces a member's profile, role and teams with the input `build`
/// makes from the current one (PUT ignores it; PATCH merges into it).
/// Owners, admins and write keys change anything but email and status; a
/// member may change only their own profile fields.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: MemberId,
    if_match: IfMatch,
    build: impl FnOnce(&Member) -> Result<MemberIn, ApiError>,
) -> Result<Member, ApiError> {
    let own_profile_only = match ctx.require_write() {
        Ok(()) => false,
        Err(_) if ctx.member_id() == Some(id) => true,
        Err(refused) => return Err(refused),
    };
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.member(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, build(&current)?, Validation::new()).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if own_profile_only && !same_beyond_profile(&current, &values) {
        return Err(ApiError::new(
            Code::InsufficientRole,
            "Members can change only their own name, surname, initials, phone and time zone",
        ));
    }
    let was_owner = current.role == Role::Owner.as_str();
    if was_owner != (values.role == Role::Owner.as_str()) {
        require_owner(ctx, "grant or remove the owner role")?;
        if was_owner && current.status == "active" {
            ensure_another_owner(&mut tx).await?;
        }
    }
    if !tx
        .update_member(id, &values, &current.status, current.version, now)
        .await?
    {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &MemberOut::from(&current),
        &MemberOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deactivates a member: status `inactive`, history kept, their sessions
/// ended and their pending invitation forgotten. Deactivating an inactive
/// member changes nothing. Only owners deactivate owners, and never the
/// last active one.
pub async fn deactivate(
    state: &AppState,
    ctx: &Ctx,
    id: MemberId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.member(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if current.status == "inactive" {
        return Ok(());
    }
    if current.role == Role::Owner.as_str() {
        require_owner(ctx, "deactivate an owner")?;
        if current.status == "active" {
            ensure_another_owner(&mut tx).await?;
        }
    }
    if !tx
        .set_member_status_at(id, "inactive", current.version, now)
        .await?
    {
        return Err(stale());
    }
    tx.delete_pending_invitations(id).await?;
    tx.revoke_member_sessions(id, now, "member_deactivated")
        .await?;
    let after = reload(&mut tx, id).await?;
    let after = serde_json::to_value(MemberOut::from(&after)).map_err(ApiError::internal)?;
    let before = serde_json::to_value(MemberOut::from(&current)).map_err(ApiError::internal)?;
    let data = json!({
        "object": after,
        "previous_attributes": events::previous_attributes(&before, &after),
    });
    events::record(
        &mut tx,
        ctx,
        now,
        format!("{RESOURCE}.deactivated"),
        RESOURCE,
        Some(id.uuid()),
        data,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn invalid_invitation() -> ApiError {
    ApiError::new(
        Code::InvalidToken,
        "This invitation is unknown, expired or already used; ask for a new one",
    )
}

/// Accepts an invitation: activates the membership and signs the invitee
/// in to that organization. Someone new chooses their password here;
/// someone who already has an account must give its password, so holding
/// the token (which the inviter saw) never opens an existing account.
pub async fn accept_invitation(
    state: &AppState,
    token: &str,
    password: String,
) -> Result<TokenPair, ApiError> {
    let now = state.now();
    let token_hash = sha256(token.trim().as_bytes());
    let mut system = state.store.system().read().await?;
    let invitation = system
        .pending_invitation(&token_hash, now)
        .await?
        .ok_or_else(invalid_invitation)?;
    drop(system);
    // Hashing and verifying are slow: done before the write transaction.
    let new_hash = match &invitation.password_hash {
        Some(existing) => {
            if !verify_password(password, Some(existing.clone())).await? {
                return Err(ApiError::new(
                    Code::InvalidCredentials,
                    "This email already has an account: give its current password to accept",
                ));
            }
            None
        }
        None => {
            if let Some(problem) = password_problem(&password) {
                return Err(ApiError::field("password", problem));
            }
            Some(hash_password(password).await?)
        }
    };
    let mut tx = state.store.system().write().await?;
    if !tx.accept_invitation(&invitation, now).await? {
        return Err(invalid_invitation());
    }
    if let Some(hash) = &new_hash
        && !tx.set_first_password(invitation.user_id, hash, now).await?
    {
        // A password was chosen meanwhile through another invitation.
        return Err(ApiError::new(
            Code::InvalidCredentials,
            "This account now has a password: accept again giving it",
        ));
    }
    let pair = open_session(
        state,
        &mut tx,
        invitation.org_id,
        invitation.member_id,
        invitation.user_id,
    )
    .await?;
    let mut tenant = tx.into_tenant_of(&invitation);
    let member = reload(&mut tenant, invitation.member_id).await?;
    tenant
        .insert_event(&NewEvent {
            id: EventId::generate(),
            event_type: format!("{RESOURCE}.updated"),
            resource_type: RESOURCE.to_owned(),
            resource_id: Some(member.id.uuid()),
            actor_type: "user",
            actor_id: Some(member.id.uuid()),
            data: json!({
                "object": MemberOut::from(&member),
                "previous_attributes": {"status": "invited"},
            }),
            occurred_at: now,
        })
        .await?;
    tenant.commit().await?;
    Ok(pair)
}
