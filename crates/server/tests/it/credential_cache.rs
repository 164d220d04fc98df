//! The API-key credential cache (`auth.credential_cache`): keys answered
//! from memory are still refused on the very next request after they are
//! deleted or their organization's Public API app is switched off; changes
//! that bypass the services (another process) are seen within the TTL; on
//! PostgreSQL the cache is off unless configured.

use chrono::Duration;
use serde_json::json;
use stint_core::ids::{ApiKeyId, OrgId};

use crate::both_backends;
use crate::support::fixtures::NowForTests;
use crate::support::{Backend, TestApp};

both_backends!(
    a_cached_key_is_refused_right_after_it_is_deleted,
    a_cached_key_is_refused_right_after_the_app_is_switched_off,
    changes_made_elsewhere_are_seen_within_the_ttl,
);

/// The cache on for both backends (one process is exact on either).
const CACHE_ON: [(&str, &str); 1] = [("auth.credential_cache", "on")];

async fn a_cached_key_is_refused_right_after_it_is_deleted(backend: Backend) {
    let app = TestApp::spawn_with(backend, &CACHE_ON).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let jwt = app
        .post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(200)
        .await
        .str("/data/token");
    // Cached by these.
    for _ in 0..3 {
        app.get("/api/v1/me").api_key(&key.token).expect(200).await;
        app.get("/api/v1/me").bearer(&jwt).expect(200).await;
    }
    // A wrong secret is refused even with the key in the cache.
    let wrong = format!("{}.sk_wrong", key.api_key);
    app.get("/api/v1/me")
        .api_key(&wrong)
        .expect(401)
        .await
        .assert_code("invalid_credentials");

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
        .bearer(&jwt)
        .expect(401)
        .await
        .assert_code("token_revoked");
}

async fn a_cached_key_is_refused_right_after_the_app_is_switched_off(backend: Backend) {
    let app = TestApp::spawn_with(backend, &CACHE_ON).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let jwt = app
        .post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(200)
        .await
        .str("/data/token");
    app.get("/api/v1/me").api_key(&key.token).expect(200).await;
    app.get("/api/v1/me").bearer(&jwt).expect(200).await;

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

    app.post("/api/v1/apps/public-api/activate")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    app.get("/api/v1/me").api_key(&key.token).expect(200).await;
    app.get("/api/v1/me").bearer(&jwt).expect(200).await;
}

/// A key revoked behind the server's back (as another process would):
/// with the default `auto`, SQLite keeps answering from the cache until the
/// TTL runs out; PostgreSQL, uncached, refuses at once.
async fn changes_made_elsewhere_are_seen_within_the_ttl(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    app.get("/api/v1/me").api_key(&key.token).expect(200).await;

    let org_id: OrgId = org.id.parse().unwrap();
    let key_id: ApiKeyId = key.id.parse().unwrap();
    #[allow(clippy::disallowed_methods)] // acting as another process would
    let mut tx = app.state.store.scoped(org_id).write().await.unwrap();
    assert!(
        tx.revoke_api_key(key_id, app.clock.now_for_tests())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    // (`/me` would read the key itself; the client list does not.)
    match backend {
        Backend::Sqlite => {
            app.get("/api/v1/clients")
                .api_key(&key.token)
                .expect(200)
                .await;
            app.advance(Duration::seconds(61));
        }
        Backend::Postgres => {}
    }
    app.get("/api/v1/clients")
        .api_key(&key.token)
        .expect(401)
        .await
        .assert_code("token_revoked");
}
