//! Signing up: organizations, their owners, validation, the switch.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    signup_creates_organization_owner_and_session,
    signup_names_every_invalid_field,
    signup_can_be_disabled,
    signup_with_an_existing_email_needs_its_password,
);

async fn signup_creates_organization_owner_and_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .post("/api/v1/signup")
        .json(&json!({
            "organization_name": "  Acme Design  ",
            "name": "Ada Lovelace",
            "email": "Ada@Example.COM",
            "password": "correct horse battery",
        }))
        .expect(201)
        .await;
    assert_eq!(resp.header("location"), Some("/api/v1/me"));
    let data = resp.data();
    assert_eq!(data["organization"]["name"], "Acme Design");
    assert_eq!(data["organization"]["plan"], "free");
    assert_eq!(data["organization"]["timezone"], "UTC");
    assert_eq!(data["organization"]["currency"], "EUR");
    assert_eq!(data["organization"]["public_api"]["status"], "inactive");
    assert!(
        data["organization"]["id"]
            .as_str()
            .unwrap()
            .starts_with("org_")
    );
    assert_eq!(data["user"]["email"], "ada@example.com");
    assert_eq!(data["member"]["role"], "owner");
    assert_eq!(data["member"]["status"], "active");
    assert_eq!(data["expires_in"], 1800);
    assert_eq!(data["access"], data["token"]);
    assert!(data["refresh"].as_str().unwrap().starts_with("rt_"));
    assert!(
        !resp.text.contains("argon2"),
        "the password hash leaked: {}",
        resp.text
    );

    let me = app
        .get("/api/v1/me")
        .bearer(data["access"].as_str().unwrap())
        .expect(200)
        .await;
    assert_eq!(me.data()["organization"]["id"], data["organization"]["id"]);

    // The normalised email signs in with any casing.
    app.post("/api/v1/token-auth")
        .json(&json!({"email": "ADA@example.com", "password": "correct horse battery"}))
        .expect(200)
        .await;

    // Time zone and currency when given.
    let resp = app
        .post("/api/v1/signup")
        .json(&json!({
            "organization_name": "Zurich Office", "name": "Hans", "email": "hans@example.ch",
            "password": "correct horse battery", "timezone": "Europe/Zurich", "currency": "CHF",
        }))
        .expect(201)
        .await;
    assert_eq!(resp.data()["organization"]["timezone"], "Europe/Zurich");
    assert_eq!(resp.data()["organization"]["currency"], "CHF");
}

async fn signup_names_every_invalid_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .post("/api/v1/signup")
        .json(&json!({
            "organization_name": " ", "name": "", "email": "not-an-email", "password": "short",
            "timezone": "Mars/Olympus", "currency": "EURO",
        }))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    let mut fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "currency",
            "email",
            "name",
            "organization_name",
            "password",
            "timezone"
        ]
    );

    let resp = app
        .post("/api/v1/signup")
        .json(&json!({"organization_name": "Acme"}))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    assert_eq!(resp.body["details"][0]["field"], "name");

    let resp = app
        .post("/api/v1/signup")
        .json(&json!({"organization_name": "A", "name": "B", "email": "b@example.com", "password": "correct horse battery", "plan": "enterprise"}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    assert_eq!(resp.body["details"][0]["field"], "plan");

    // Nothing was created by any of these.
    let count = app
        .state
        .store
        .system()
        .read()
        .await
        .unwrap()
        .count_organizations()
        .await
        .unwrap();
    assert_eq!(count, 0);
}

async fn signup_can_be_disabled(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("signup.enabled", "false")]).await;
    app.post("/api/v1/signup")
        .json(&json!({"organization_name": "A", "name": "B", "email": "b@example.com", "password": "correct horse battery"}))
        .expect(403)
        .await
        .assert_code("signup_disabled");
}

async fn signup_with_an_existing_email_needs_its_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.signup("First").await;
    app.post("/api/v1/signup")
        .json(&json!({"organization_name": "Second", "name": "X", "email": first.owner.email, "password": "a different password"}))
        .expect(409)
        .await
        .assert_code("email_taken");
    let second = app
        .post("/api/v1/signup")
        .json(&json!({"organization_name": "Second", "name": "X", "email": first.owner.email, "password": first.owner.password}))
        .expect(201)
        .await;
    assert_eq!(second.str("/data/user/id"), first.owner.user_id);
    let me = app
        .get("/api/v1/me")
        .bearer(&second.str("/data/access"))
        .expect(200)
        .await;
    let orgs = me.data()["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 2);
    assert!(orgs.iter().all(|o| o["role"] == "owner"));
    assert_eq!(orgs.iter().filter(|o| o["current"] == true).count(), 1);
    assert_eq!(me.data()["organization"]["name"], "Second");
}
