//! One organization can never see or touch another's data: every endpoint
//! answers another organization's ids exactly as ids that do not exist.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    other_organizations_ids_answer_404,
    credentials_only_reach_their_own_organization
);

async fn other_organizations_ids_answer_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    app.activate_public_api(&a).await;
    app.activate_public_api(&b).await;
    let a_key = app.create_key(&a, None).await;
    let b_key = app.create_key(&b, None).await;
    let a_member = app.add_member(&a, "member").await;

    // A's resources tried with B's credentials: (method, path, status for
    // B's owner, status for B's API key). API keys never manage keys, so
    // they are refused before anything is looked up.
    let targets = [
        (
            "GET",
            format!("/api/v1/members/{}", a.owner.member_id),
            404,
            404,
        ),
        (
            "GET",
            format!("/api/v1/members/{}", a_member.member_id),
            404,
            404,
        ),
        ("GET", format!("/api/v1/api-keys/{}", a_key.id), 404, 403),
        ("DELETE", format!("/api/v1/api-keys/{}", a_key.id), 404, 403),
    ];
    for (credential, is_key) in [
        (format!("Bearer {}", b.owner.access), false),
        (format!("Token {}", b_key.token), true),
    ] {
        for (method, path, for_user, for_key) in &targets {
            let req = app
                .req(method.parse().unwrap(), path)
                .header("authorization", &credential);
            let resp = req.send().await;
            let expected = if is_key { *for_key } else { *for_user };
            assert_eq!(
                resp.status, expected,
                "{method} {path} with B's credentials: {}",
                resp.text
            );
        }
        // A made-up id of the right type answers exactly the same.
        let made_up = stint_core::ids::MemberId::generate();
        let resp = app
            .get(&format!("/api/v1/members/{made_up}"))
            .header("authorization", &credential)
            .expect(404)
            .await;
        let foreign = app
            .get(&format!("/api/v1/members/{}", a.owner.member_id))
            .header("authorization", &credential)
            .expect(404)
            .await;
        assert_eq!(resp.body["error"], foreign.body["error"]);
        assert_eq!(resp.body["code"], foreign.body["code"]);
    }
    // A's key still works: B's DELETE did nothing.
    app.get("/api/v1/me")
        .api_key(&a_key.token)
        .expect(200)
        .await;

    // Lists show only one's own rows.
    let members = app
        .get("/api/v1/members")
        .bearer(&b.owner.access)
        .expect(200)
        .await;
    let ids: Vec<&str> = members
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b.owner.member_id.as_str()]);
    let keys = app
        .get("/api/v1/api-keys")
        .bearer(&b.owner.access)
        .expect(200)
        .await;
    let ids: Vec<&str> = keys
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b_key.id.as_str()]);
}

async fn credentials_only_reach_their_own_organization(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    app.activate_public_api(&b).await;

    // Switching B's app off does not touch A, and A's owner cannot switch B's.
    app.post("/api/v1/apps/public-api/deactivate")
        .bearer(&a.owner.access)
        .expect(200)
        .await;
    let b_app = app
        .get("/api/v1/apps/public-api")
        .bearer(&b.owner.access)
        .expect(200)
        .await;
    assert_eq!(b_app.data()["status"], "active");

    // A user signing in to an organization they do not belong to.
    app.post("/api/v1/token-auth")
        .json(
            &json!({"email": a.owner.email, "password": a.owner.password, "organization_id": b.id}),
        )
        .expect(401)
        .await
        .assert_code("invalid_credentials");

    // B's refresh token cannot be spent for A, and logging out with it only ends B's session.
    app.post("/api/v1/logout")
        .json(&json!({"refresh": b.owner.refresh}))
        .expect(204)
        .await;
    app.get("/api/v1/me")
        .bearer(&a.owner.access)
        .expect(200)
        .await;
    app.get("/api/v1/me")
        .bearer(&b.owner.access)
        .expect(401)
        .await;
}
