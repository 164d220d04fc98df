//! The Public API app and API key pairs: creation, listing, the key-and-
//! secret exchange, scopes, and being locked out the moment a key is deleted
//! or the app is switched off.

use chrono::Duration;
use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    public_api_app_starts_inactive_and_only_admins_switch_it,
    keys_need_an_active_app_and_an_admin,
    created_keys_show_their_secret_once,
    login_exchanges_a_key_pair_for_a_ten_minute_jwt,
    read_only_keys_cannot_write,
    deleting_a_key_locks_it_out_at_once,
    deactivating_the_app_locks_keys_out_until_it_returns,
);

async fn public_api_app_starts_inactive_and_only_admins_switch_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let resp = app
        .get("/api/v1/apps/public-api")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(resp.data()["status"], "inactive");
    assert!(resp.data()["activated_at"].is_null());

    let member = app.add_member(&org, "member").await;
    app.get("/api/v1/apps/public-api")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.post("/api/v1/apps/public-api/activate")
        .bearer(&member.access)
        .expect(403)
        .await
        .assert_code("insufficient_role");

    let admin = app.add_member(&org, "admin").await;
    let resp = app
        .post("/api/v1/apps/public-api/activate")
        .bearer(&admin.access)
        .expect(200)
        .await;
    assert_eq!(resp.data()["status"], "active");
    let activated_at = resp.data()["activated_at"].clone();
    assert!(activated_at.is_string());

    // Activating again keeps the first activation time.
    app.advance(Duration::minutes(5));
    let again = app
        .post("/api/v1/apps/public-api/activate")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(again.data()["activated_at"], activated_at);

    let off = app
        .post("/api/v1/apps/public-api/deactivate")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(off.data()["status"], "inactive");
}

async fn keys_need_an_active_app_and_an_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.post("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .json(&json!({"name": "zapier"}))
        .expect(409)
        .await
        .assert_code("app_inactive");
    app.activate_public_api(&org).await;
    let member = app.add_member(&org, "member").await;
    app.post("/api/v1/api-keys")
        .bearer(&member.access)
        .json(&json!({"name": "zapier"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.get("/api/v1/api-keys")
        .bearer(&member.access)
        .expect(403)
        .await
        .assert_code("insufficient_role");
    // A key cannot mint keys either.
    let key = app.create_key(&org, None).await;
    app.post("/api/v1/api-keys")
        .api_key(&key.token)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    // Validation.
    let resp = app
        .post("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .json(&json!({"name": " "}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "name");
    let resp = app
        .post("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .json(&json!({"name": "x", "scopes": []}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "scopes");
    let resp = app
        .post("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .json(&json!({"name": "x", "scopes": ["admin"]}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "scopes[0]");
}

async fn created_keys_show_their_secret_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let resp = app
        .post("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .json(&json!({"name": "Reporting", "scopes": ["read"]}))
        .expect(201)
        .await;
    let data = resp.data();
    let id = data["id"].as_str().unwrap();
    assert!(id.starts_with("key_"));
    assert_eq!(
        resp.header("location"),
        Some(format!("/api/v1/api-keys/{id}").as_str())
    );
    assert!(resp.header("etag").is_some());
    assert_eq!(data["scopes"], json!(["read"]));
    let secret = data["api_secret"].as_str().unwrap();
    assert!(secret.starts_with("sk_"));
    assert_eq!(
        data["token"],
        format!("{}.{}", data["api_key"].as_str().unwrap(), secret)
    );

    let list = app
        .get("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert!(!list.text.contains(secret), "a secret leaked into the list");
    let listed = &list.data()[0];
    assert_eq!(listed["id"], id);
    assert_eq!(listed["name"], "Reporting");
    assert_eq!(listed["status"], "active");
    assert_eq!(listed["created_by"], org.owner.member_id.as_str());
    assert!(listed["last_used_at"].is_null());
    assert!(listed.get("api_secret").is_none() && listed.get("token").is_none());
    let one = app
        .get(&format!("/api/v1/api-keys/{id}"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert!(!one.text.contains(secret));

    // Using the key records when it was last used.
    app.get("/api/v1/me")
        .api_key(data["token"].as_str().unwrap())
        .expect(200)
        .await;
    let mut last_used = serde_json::Value::Null;
    for _ in 0..50 {
        let list = app
            .get("/api/v1/api-keys")
            .bearer(&org.owner.access)
            .expect(200)
            .await;
        last_used = list.data()[0]["last_used_at"].clone();
        if !last_used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(last_used.is_string(), "last_used_at was never recorded");
}

async fn login_exchanges_a_key_pair_for_a_ten_minute_jwt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let resp = app
        .post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(200)
        .await;
    assert_eq!(resp.data()["expires_in"], 600);
    let jwt = resp.str("/data/token");
    let me = app.get("/api/v1/me").bearer(&jwt).expect(200).await;
    assert_eq!(me.data()["actor"]["type"], "api_key");
    assert_eq!(me.data()["actor"]["api_key"]["id"], key.id.as_str());

    app.advance(Duration::minutes(10));
    app.get("/api/v1/me")
        .bearer(&jwt)
        .expect(401)
        .await
        .assert_code("token_expired");
    // The long-lived token does not expire.
    app.get("/api/v1/me").api_key(&key.token).expect(200).await;

    let wrong_secret = app
        .post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": "sk_wrong"}))
        .expect(401)
        .await;
    let no_key = app
        .post("/api/v1/login")
        .json(&json!({"api_key": "pk_doesnotexist", "api_secret": key.api_secret}))
        .expect(401)
        .await;
    wrong_secret.assert_code("invalid_credentials");
    no_key.assert_code("invalid_credentials");
    assert_eq!(wrong_secret.body["error"], no_key.body["error"]);
}

async fn read_only_keys_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, Some(&["read"])).await;
    app.get("/api/v1/members")
        .api_key(&key.token)
        .expect(200)
        .await;
    app.post("/api/v1/api-keys")
        .api_key(&key.token)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.post("/api/v1/apps/public-api/deactivate")
        .api_key(&key.token)
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.delete(&format!("/api/v1/api-keys/{}", key.id))
        .api_key(&key.token)
        .expect(403)
        .await
        .assert_code("insufficient_scope");
}

async fn deleting_a_key_locks_it_out_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let keep = app.create_key(&org, None).await;
    let jwt = app
        .post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(200)
        .await
        .str("/data/token");
    app.get("/api/v1/me").api_key(&key.token).expect(200).await;
    app.get("/api/v1/me").bearer(&jwt).expect(200).await;

    app.delete(&format!("/api/v1/api-keys/{}", key.id))
        .bearer(&org.owner.access)
        .expect(204)
        .await;
    app.get("/api/v1/me")
        .api_key(&key.token)
        .expect(401)
        .await
        .assert_code("token_revoked");
    app.get("/api/v1/me")
        .header("authorization", &format!("Token {}", key.token))
        .expect(401)
        .await;
    app.get("/api/v1/me")
        .bearer(&jwt)
        .expect(401)
        .await
        .assert_code("token_revoked");
    app.post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(401)
        .await;
    app.delete(&format!("/api/v1/api-keys/{}", key.id))
        .bearer(&org.owner.access)
        .expect(404)
        .await
        .assert_code("not_found");
    app.get(&format!("/api/v1/api-keys/{}", key.id))
        .bearer(&org.owner.access)
        .expect(404)
        .await;
    let list = app
        .get("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(list.data().as_array().unwrap().len(), 1);
    // The other key is unaffected.
    app.get("/api/v1/me").api_key(&keep.token).expect(200).await;
}

async fn deactivating_the_app_locks_keys_out_until_it_returns(backend: Backend) {
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

    app.post("/api/v1/apps/public-api/deactivate")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    app.get("/api/v1/me")
        .api_key(&key.token)
        .expect(401)
        .await
        .assert_code("public_api_inactive");
    app.get("/api/v1/me")
        .bearer(&jwt)
        .expect(401)
        .await
        .assert_code("public_api_inactive");
    app.post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(401)
        .await
        .assert_code("public_api_inactive");
    // Users are not affected, and see the keys as inactive.
    let list = app
        .get("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(list.data()[0]["status"], "inactive");

    app.post("/api/v1/apps/public-api/activate")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    app.get("/api/v1/me").api_key(&key.token).expect(200).await;
    app.get("/api/v1/me").bearer(&jwt).expect(200).await;
}

both_backends!(oauth_client_credentials_exchange_a_key_pair);

async fn oauth_client_credentials_exchange_a_key_pair(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        key.api_key, key.api_secret
    );
    let resp = app
        .post("/api/v1/oauth/token")
        .body("application/x-www-form-urlencoded", form)
        .expect(200)
        .await;
    assert_eq!(resp.body["token_type"], "Bearer");
    assert_eq!(resp.body["expires_in"], 600);
    let token = resp.body["access_token"].as_str().unwrap().to_owned();
    let me = app.get("/api/v1/me").bearer(&token).expect(200).await;
    assert_eq!(me.data()["actor"]["api_key"]["id"], key.id.as_str());
    // HTTP Basic carries the pair too.
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", key.api_key, key.api_secret));
    app.post("/api/v1/oauth/token")
        .header("authorization", &format!("Basic {basic}"))
        .body(
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials",
        )
        .expect(200)
        .await;
    app.post("/api/v1/oauth/token")
        .body(
            "application/x-www-form-urlencoded",
            format!(
                "grant_type=password&client_id={}&client_secret=x",
                key.api_key
            ),
        )
        .expect(400)
        .await
        .assert_code("validation_failed");
    app.post("/api/v1/oauth/token")
        .body(
            "application/x-www-form-urlencoded",
            format!(
                "grant_type=client_credentials&client_id={}&client_secret=sk_wrong",
                key.api_key
            ),
        )
        .expect(401)
        .await
        .assert_code("invalid_credentials");
    app.post("/api/v1/oauth/token")
        .body("text/plain", "grant_type=client_credentials")
        .expect(415)
        .await;
}
