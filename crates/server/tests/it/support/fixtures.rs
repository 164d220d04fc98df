//! Fixtures: organizations signed up over HTTP, members and teams added
//! through the store (their APIs arrive with the records issue), API keys.

use serde_json::{Value, json};
use stint_core::ids::{MemberGroupId, MemberId, OrgId, UserId};
use stint_store::members::{MemberProfile, NewMember};
use stint_store::users::NewUser;

use super::TestApp;

pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in user of one organization.
#[derive(Debug, Clone)]
pub struct UserFixture {
    pub email: String,
    pub password: String,
    pub user_id: String,
    pub member_id: String,
    pub org_id: String,
    pub access: String,
    pub refresh: String,
}

/// An organization and its owner.
#[derive(Debug, Clone)]
pub struct OrgFixture {
    pub id: String,
    pub owner: UserFixture,
}

/// An API key pair.
#[derive(Debug, Clone)]
pub struct KeyFixture {
    pub id: String,
    pub api_key: String,
    pub api_secret: String,
    pub token: String,
}

fn unique_email(prefix: &str) -> String {
    format!("{prefix}-{}@example.com", uuid::Uuid::now_v7().simple())
}

impl TestApp {
    /// Signs up a new organization with a fresh owner.
    pub async fn signup(&self, name: &str) -> OrgFixture {
        let email = unique_email("owner");
        let resp = self
            .post("/api/v1/signup")
            .json(&json!({"organization_name": name, "name": "Olive Owner", "email": email, "password": PASSWORD}))
            .expect(201)
            .await;
        let owner = UserFixture {
            email,
            password: PASSWORD.into(),
            user_id: resp.str("/data/user/id"),
            member_id: resp.str("/data/member/id"),
            org_id: resp.str("/data/organization/id"),
            access: resp.str("/data/access"),
            refresh: resp.str("/data/refresh"),
        };
        OrgFixture {
            id: owner.org_id.clone(),
            owner,
        }
    }

    pub async fn activate_public_api(&self, org: &OrgFixture) {
        self.post("/api/v1/apps/public-api/activate")
            .bearer(&org.owner.access)
            .expect(200)
            .await;
    }

    /// Creates a key (the app must be active); `scopes: None` gives both.
    pub async fn create_key(&self, org: &OrgFixture, scopes: Option<&[&str]>) -> KeyFixture {
        let mut body = json!({"name": "integration"});
        if let Some(scopes) = scopes {
            body["scopes"] = json!(scopes);
        }
        let resp = self
            .post("/api/v1/api-keys")
            .bearer(&org.owner.access)
            .json(&body)
            .expect(201)
            .await;
        KeyFixture {
            id: resp.str("/data/id"),
            api_key: resp.str("/data/api_key"),
            api_secret: resp.str("/data/api_secret"),
            token: resp.str("/data/token"),
        }
    }

    /// Adds a member with a role and signs them in to the organization.
    pub async fn add_member(&self, org: &OrgFixture, role: &str) -> UserFixture {
        let email = unique_email(role);
        let hash = stint_server::auth::password::hash_password(PASSWORD.into())
            .await
            .unwrap();
        let org_id: OrgId = org.id.parse().unwrap();
        let user_id = UserId::generate();
        let member_id = MemberId::generate();
        let now = self.clock.as_ref().now_for_tests();
        let mut tx = self.state.store.system().write().await.unwrap();
        tx.insert_user(&NewUser {
            id: user_id,
            email: email.clone(),
            name: format!("{role} person"),
            password_hash: Some(hash),
            now,
        })
        .await
        .unwrap();
        tx.insert_member(&NewMember {
            id: member_id,
            org_id,
            user_id,
            role: role.into(),
            status: "active".into(),
            profile: MemberProfile::named(&format!("{role} person")),
            now,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let tokens = self.sign_in(&email, Some(&org.id)).await;
        UserFixture {
            email,
            password: PASSWORD.into(),
            user_id: user_id.to_string(),
            member_id: member_id.to_string(),
            org_id: org.id.clone(),
            access: tokens["access"].as_str().unwrap().into(),
            refresh: tokens["refresh"].as_str().unwrap().into(),
        }
    }

    /// `/token-auth` data for an email with the fixture password.
    pub async fn sign_in(&self, email: &str, org: Option<&str>) -> Value {
        let mut body = json!({"email": email, "password": PASSWORD});
        if let Some(org) = org {
            body["organization_id"] = json!(org);
        }
        self.post("/api/v1/token-auth")
            .json(&body)
            .expect(200)
            .await
            .data()
            .clone()
    }

    /// Adds a team (member group) with the given members, through the store.
    pub async fn add_team(&self, org: &OrgFixture, name: &str, members: &[&str]) -> String {
        let org_id: OrgId = org.id.parse().unwrap();
        let id = MemberGroupId::generate();
        let now = self.clock.as_ref().now_for_tests();
        let members: Vec<MemberId> = members.iter().map(|m| m.parse().unwrap()).collect();
        #[allow(clippy::disallowed_methods)] // a fixture acting as the organization itself
        let mut tx = self.state.store.scoped(org_id).write().await.unwrap();
        tx.insert_member_group(id, name, &members, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id.to_string()
    }
}

/// The fake clock's time without importing the trait at every call site.
pub trait NowForTests {
    fn now_for_tests(&self) -> chrono::DateTime<chrono::Utc>;
}

impl NowForTests for stint_core::FakeClock {
    fn now_for_tests(&self) -> chrono::DateTime<chrono::Utc> {
        stint_core::Clock::now(self)
    }
}

impl TestApp {
    /// Every event of an organization, oldest first, as (type, data).
    pub async fn events(&self, org: &OrgFixture) -> Vec<(String, Value)> {
        #[allow(clippy::disallowed_methods)] // reading the outbox as the organization
        let mut db = self
            .state
            .store
            .scoped(org.id.parse().unwrap())
            .read()
            .await
            .unwrap();
        let page = db
            .list_events(&Default::default(), &stint_store::PageRequest::first(1000))
            .await
            .unwrap();
        page.items
            .into_iter()
            .map(|e| (e.event_type, e.data.0))
            .collect()
    }

    /// Defines a custom field through the store (the API comes with its resource).
    pub async fn define_custom_field(
        &self,
        org: &OrgFixture,
        entity: &str,
        key: &str,
        field_type: &str,
        options: &[&str],
        required: bool,
    ) {
        #[allow(clippy::disallowed_methods)]
        let mut tx = self
            .state
            .store
            .scoped(org.id.parse().unwrap())
            .write()
            .await
            .unwrap();
        let values = stint_store::custom_fields::CustomFieldValues {
            entity: entity.into(),
            key: key.into(),
            label: key.into(),
            field_type: field_type.into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            required,
            visible: true,
            sort_order: 0,
            status: "active".into(),
        };
        let now = self.clock.as_ref().now_for_tests();
        tx.insert_custom_field(stint_core::ids::CustomFieldId::generate(), &values, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}
