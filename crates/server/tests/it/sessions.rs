//! Signing in with email and password, refresh rotation with reuse
//! detection, sign-out, and access-token expiry.

use chrono::Duration;
use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    token_auth_answers_a_pair_and_accepts_username,
    token_auth_refusals_do_not_reveal_accounts,
    token_auth_picks_the_organization,
    access_tokens_expire_after_thirty_minutes,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_revokes_the_family,
    every_authorization_scheme_is_accepted,
    missing_malformed_and_forged_credentials_are_refused,
    deactivated_members_are_locked_out,
);

async fn token_auth_answers_a_pair_and_accepts_username(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let resp = app
        .post("/api/v1/token-auth")
        .json(&json!({"username": org.owner.email, "password": org.owner.password}))
        .expect(200)
        .await;
    let data = resp.data();
    assert_eq!(data["expires_in"], 1800);
    assert_eq!(data["access"], data["token"]);
    assert!(data["refresh"].as_str().unwrap().starts_with("rt_"));
    app.get("/api/v1/me")
        .bearer(data["access"].as_str().unwrap())
        .expect(200)
        .await;
}

async fn token_auth_refusals_do_not_reveal_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let wrong_password = app
        .post("/api/v1/token-auth")
        .json(&json!({"email": org.owner.email, "password": "not the password"}))
        .expect(401)
        .await;
    let no_account = app
        .post("/api/v1/token-auth")
        .json(&json!({"email": "nobody@example.com", "password": "not the password"}))
        .expect(401)
        .await;
    wrong_password.assert_code("invalid_credentials");
    no_account.assert_code("invalid_credentials");
    assert_eq!(wrong_password.body["error"], no_account.body["error"]);
    app.post("/api/v1/token-auth")
        .json(&json!({"email": org.owner.email}))
        .expect(400)
        .await;
}

async fn token_auth_picks_the_organization(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.signup("First").await;
    let second = app
        .post("/api/v1/signup")
        .json(&json!({"organization_name": "Second", "name": "X", "email": first.owner.email, "password": first.owner.password}))
        .expect(201)
        .await;
    let second_id = second.str("/data/organization/id");
    let default = app.sign_in(&first.owner.email, None).await;
    let me = app
        .get("/api/v1/me")
        .bearer(default["access"].as_str().unwrap())
        .expect(200)
        .await;
    assert_eq!(
        me.data()["organization"]["id"],
        first.id.as_str(),
        "the oldest membership is the default"
    );
    let chosen = app.sign_in(&first.owner.email, Some(&second_id)).await;
    let me = app
        .get("/api/v1/me")
        .bearer(chosen["access"].as_str().unwrap())
        .expect(200)
        .await;
    assert_eq!(me.data()["organization"]["id"], second_id.as_str());

    let other = app.signup("Not yours").await;
    app.post("/api/v1/token-auth")
        .json(&json!({"email": first.owner.email, "password": first.owner.password, "organization_id": other.id}))
        .expect(401)
        .await
        .assert_code("invalid_credentials");
}

async fn access_tokens_expire_after_thirty_minutes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.advance(Duration::minutes(29));
    app.get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    app.advance(Duration::minutes(1));
    app.get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(401)
        .await
        .assert_code("token_expired");
    // The refresh token still gives a fresh pair.
    let pair = app
        .post("/api/v1/token-refresh")
        .json(&json!({"refresh": org.owner.refresh}))
        .expect(200)
        .await;
    app.get("/api/v1/me")
        .bearer(&pair.str("/data/access"))
        .expect(200)
        .await;
}

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let first = app
        .post("/api/v1/token-refresh")
        .json(&json!({"refresh": org.owner.refresh}))
        .expect(200)
        .await;
    let next_refresh = first.str("/data/refresh");
    let next_access = first.str("/data/access");
    assert_ne!(next_refresh, org.owner.refresh);
    app.get("/api/v1/me").bearer(&next_access).expect(200).await;

    // The spent token again: the whole family dies.
    app.post("/api/v1/token-refresh")
        .json(&json!({"refresh": org.owner.refresh}))
        .expect(401)
        .await
        .assert_code("refresh_token_reused");
    app.post("/api/v1/token-refresh")
        .json(&json!({"refresh": next_refresh}))
        .expect(401)
        .await
        .assert_code("token_revoked");
    app.get("/api/v1/me")
        .bearer(&next_access)
        .expect(401)
        .await
        .assert_code("token_revoked");
    app.get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(401)
        .await
        .assert_code("token_revoked");

    // A fresh sign-in is a new family and works.
    let pair = app.sign_in(&org.owner.email, None).await;
    app.get("/api/v1/me")
        .bearer(pair["access"].as_str().unwrap())
        .expect(200)
        .await;

    app.post("/api/v1/token-refresh")
        .json(&json!({"refresh": "rt_made_up"}))
        .expect(401)
        .await
        .assert_code("invalid_token");
}

async fn logout_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other_session = app.sign_in(&org.owner.email, None).await;

    app.post("/api/v1/logout")
        .json(&json!({"refresh": org.owner.refresh}))
        .expect(204)
        .await;
    app.get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(401)
        .await
        .assert_code("token_revoked");
    app.post("/api/v1/token-refresh")
        .json(&json!({"refresh": org.owner.refresh}))
        .expect(401)
        .await;
    // Another session of the same user is untouched.
    let other_access = other_session["access"].as_str().unwrap();
    app.get("/api/v1/me").bearer(other_access).expect(200).await;

    // Logging out with only the access token ends that session.
    app.post("/api/v1/logout")
        .bearer(other_access)
        .expect(204)
        .await;
    app.get("/api/v1/me")
        .bearer(other_access)
        .expect(401)
        .await
        .assert_code("token_revoked");

    // Nothing to identify the session.
    app.post("/api/v1/logout")
        .expect(400)
        .await
        .assert_code("validation_failed");
}

async fn every_authorization_scheme_is_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let jwt = app
        .post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(200)
        .await
        .str("/data/token");
    for (header, value) in [
        ("authorization", format!("Bearer {}", org.owner.access)),
        ("authorization", format!("JWT {}", org.owner.access)),
        ("authorization", format!("bearer {jwt}")),
        ("authorization", format!("JWT {jwt}")),
        ("authorization", format!("Token {}", key.token)),
        ("x-api-key", key.token.clone()),
        ("x-api-key", jwt.clone()),
    ] {
        app.get("/api/v1/me")
            .header(header, &value)
            .expect(200)
            .await;
    }
}

async fn missing_malformed_and_forged_credentials_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.get("/api/v1/me")
        .expect(401)
        .await
        .assert_code("missing_credentials");
    let resp = app
        .get("/api/v1/me")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .expect(401)
        .await;
    resp.assert_code("invalid_token");
    assert!(resp.header("www-authenticate").is_some());
    app.get("/api/v1/me")
        .bearer("not-a-jwt")
        .expect(401)
        .await
        .assert_code("invalid_token");
    app.get("/api/v1/me")
        .header("authorization", "Bearer")
        .expect(401)
        .await
        .assert_code("invalid_token");

    // A token with its payload swapped for another's claims fails the signature.
    let parts: Vec<&str> = org.owner.access.split('.').collect();
    let other = app.signup("Other").await;
    let other_parts: Vec<&str> = other.owner.access.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    app.get("/api/v1/me")
        .bearer(&forged)
        .expect(401)
        .await
        .assert_code("invalid_token");

    // Signed with another key.
    let claims = stint_server::auth::jwt::Claims {
        iss: "stint".into(),
        sub: org.owner.user_id.clone(),
        org: org.id.clone(),
        kind: stint_server::auth::jwt::TokenKind::User,
        sid: None,
        iat: 0,
        exp: i64::MAX,
    };
    let foreign = stint_server::auth::jwt::sign(&claims, b"some other server's key material!");
    app.get("/api/v1/me")
        .bearer(&foreign)
        .expect(401)
        .await
        .assert_code("invalid_token");

    // A made-up key pair.
    app.get("/api/v1/me")
        .api_key("pk_aaaaaaaaaaaaaaaaaaaaaaaa.sk_bbbb")
        .expect(401)
        .await
        .assert_code("invalid_credentials");
}

async fn deactivated_members_are_locked_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    app.get("/api/v1/me")
        .bearer(&member.access)
        .expect(200)
        .await;
    #[allow(clippy::disallowed_methods)]
    let scoped = app.state.store.scoped(org.id.parse().unwrap());
    let mut tx = scoped.write().await.unwrap();
    let now = stint_core::Clock::now(app.clock.as_ref());
    let changed = tx
        .set_member_status(member.member_id.parse().unwrap(), "inactive", now)
        .await;
    assert!(changed.unwrap());
    tx.commit().await.unwrap();
    app.get("/api/v1/me")
        .bearer(&member.access)
        .expect(401)
        .await
        .assert_code("account_inactive");
    app.post("/api/v1/token-auth")
        .json(&json!({"email": member.email, "password": member.password}))
        .expect(401)
        .await
        .assert_code("account_inactive");
}
