//! `/me` and the members read API: pages, the member profile, filters.

use std::collections::HashSet;

use serde_json::json;

use crate::both_backends;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

both_backends!(
    me_describes_user_organizations_and_teams,
    me_describes_an_api_key,
    members_list_pages_and_show,
    me_shows_the_member_profile_and_invitees_cannot_sign_in_yet,
    member_filters
);

async fn me_describes_user_organizations_and_teams(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let colleague = app.add_member(&org, "member").await;
    let design = app.add_team(&org, "Design", &[&org.owner.member_id]).await;
    let ops = app
        .add_team(&org, "Operations", &[&colleague.member_id])
        .await;

    let me = app
        .get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    let data = me.data();
    assert_eq!(data["actor"]["type"], "user");
    assert_eq!(data["actor"]["user"]["id"], org.owner.user_id.as_str());
    assert_eq!(data["actor"]["member"]["id"], org.owner.member_id.as_str());
    assert_eq!(data["actor"]["member"]["role"], "owner");
    assert_eq!(data["organization"]["id"], org.id.as_str());
    let orgs = data["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["member_id"], org.owner.member_id.as_str());
    let teams = orgs[0]["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 2);
    assert_eq!(teams[0]["name"], "Design");
    assert_eq!(teams[0]["id"], design.as_str());
    assert_eq!(teams[0]["is_member"], true);
    assert_eq!(teams[1]["id"], ops.as_str());
    assert_eq!(teams[1]["is_member"], false);

    let me = app
        .get("/api/v1/me")
        .bearer(&colleague.access)
        .expect(200)
        .await;
    assert_eq!(me.data()["actor"]["member"]["role"], "member");
    let teams = me.data()["organizations"][0]["teams"].as_array().unwrap();
    assert_eq!(teams[1]["is_member"], true);

    // Another organization's teams never appear.
    let other = app.signup("Other").await;
    app.add_team(&other, "Secret team", &[&other.owner.member_id])
        .await;
    let me = app
        .get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert!(!me.text.contains("Secret team"));
}

async fn me_describes_an_api_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    app.add_team(&org, "Design", &[&org.owner.member_id]).await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, Some(&["read"])).await;
    let me = app.get("/api/v1/me").api_key(&key.token).expect(200).await;
    let data = me.data();
    assert_eq!(data["actor"]["type"], "api_key");
    assert_eq!(data["actor"]["api_key"]["id"], key.id.as_str());
    assert_eq!(data["actor"]["api_key"]["scopes"], json!(["read"]));
    assert_eq!(data["organizations"][0]["id"], org.id.as_str());
    assert!(data["organizations"][0]["role"].is_null());
    assert_eq!(data["organizations"][0]["teams"][0]["name"], "Design");
    assert!(!me.text.contains(&key.api_secret));
}

async fn members_list_pages_and_show(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let mut expected = HashSet::from([org.owner.member_id.clone()]);
    for role in ["admin", "member", "member", "member"] {
        expected.insert(app.add_member(&org, role).await.member_id);
    }
    let all = app
        .get("/api/v1/members")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(all.data().as_array().unwrap().len(), 5);
    assert_eq!(all.body["meta"]["has_more"], false);
    assert!(all.body["meta"]["next_cursor"].is_null());

    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/members?limit=2&cursor={c}"),
            None => "/api/v1/members?limit=2".to_owned(),
        };
        let page = app.get(&path).bearer(&org.owner.access).expect(200).await;
        pages += 1;
        for m in page.data().as_array().unwrap() {
            assert!(
                seen.insert(m["id"].as_str().unwrap().to_owned()),
                "a member appeared twice"
            );
        }
        match page.body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);

    let one = app
        .get(&format!("/api/v1/members/{}", org.owner.member_id))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(one.data()["email"], org.owner.email.as_str());
    assert_eq!(one.header("etag"), Some("\"1\""));

    app.get("/api/v1/members?limit=0")
        .bearer(&org.owner.access)
        .expect(400)
        .await
        .assert_code("invalid_query");
    app.get("/api/v1/members?limit=1001")
        .bearer(&org.owner.access)
        .expect(400)
        .await
        .assert_code("invalid_query");
    app.get("/api/v1/members?cursor=garbage")
        .bearer(&org.owner.access)
        .expect(400)
        .await
        .assert_code("invalid_cursor");
    app.get("/api/v1/members?colour=red")
        .bearer(&org.owner.access)
        .expect(400)
        .await
        .assert_code("invalid_query");
    app.get("/api/v1/members?updated_since=2026-01-01T00:00:00")
        .bearer(&org.owner.access)
        .expect(400)
        .await
        .assert_code("invalid_query");
    let since = app
        .get("/api/v1/members?updated_since=2030-01-01T00:00:00Z")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(since.data().as_array().unwrap().len(), 0);
    app.get("/api/v1/members/mem_nonsense")
        .bearer(&org.owner.access)
        .expect(404)
        .await
        .assert_code("not_found");
    app.get(&format!("/api/v1/members/{}", org.id))
        .bearer(&org.owner.access)
        .expect(404)
        .await;
}

async fn me_shows_the_member_profile_and_invitees_cannot_sign_in_yet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let me = app
        .get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    let member = &me.data()["actor"]["member"];
    assert_eq!(member["name"], "Olive Owner");
    assert_eq!(member["initials"], "OO");
    assert_eq!(member["group_ids"], json!([]));
    assert!(member["hourly_cost"].is_null());
    app.patch(&format!("/api/v1/members/{}", org.owner.member_id))
        .bearer(&org.owner.access)
        .json(&json!({"name": "Olive", "surname": "Oyl", "timezone": "Europe/Rome"}))
        .expect(200)
        .await;
    let me = app
        .get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(me.data()["actor"]["member"]["surname"], "Oyl");
    assert_eq!(me.data()["actor"]["member"]["timezone"], "Europe/Rome");
    // The account's own name (shown as `user`) is not the membership's.
    assert_eq!(me.data()["actor"]["user"]["name"], "Olive Owner");

    // Someone invited has no password until they accept.
    let email = format!("new-{}@example.com", uuid::Uuid::now_v7().simple());
    app.post("/api/v1/members")
        .bearer(&org.owner.access)
        .json(&json!({"email": email, "name": "New"}))
        .expect(201)
        .await;
    for password in ["", "correct horse battery staple"] {
        app.post("/api/v1/token-auth")
            .json(&json!({"email": email, "password": password}))
            .expect(401)
            .await
            .assert_code("invalid_credentials");
    }
}

fn ids(resp: &Resp) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn member_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let admin = app.add_member(&org, "admin").await;
    let worker = app.add_member(&org, "member").await;
    let gone = app.add_member(&org, "member").await;
    app.delete(&format!("/api/v1/members/{}", gone.member_id))
        .bearer(token)
        .expect(204)
        .await;
    let email = format!("zed-{}@example.com", uuid::Uuid::now_v7().simple());
    let invited = app
        .post("/api/v1/members")
        .bearer(token)
        .json(&json!({"email": email, "name": "Zed", "surname": "100%_Sure"}))
        .expect(201)
        .await
        .str("/data/id");
    let team = app.add_team(&org, "Ops", &[&worker.member_id]).await;

    let get = |query: &str| {
        let query = query.to_owned();
        let app = &app;
        async move {
            let resp = app
                .get(&format!("/api/v1/members{query}"))
                .bearer(token)
                .expect(200)
                .await;
            ids(&resp)
        }
    };
    let owner = org.owner.member_id.clone();
    assert_eq!(
        get("").await,
        [
            owner.clone(),
            admin.member_id.clone(),
            worker.member_id.clone(),
            invited.clone()
        ]
    );
    assert_eq!(get("?status=archived").await, [gone.member_id.as_str()]);
    assert_eq!(get("?status=inactive").await, [gone.member_id.as_str()]);
    assert_eq!(get("?status=invited").await, [invited.as_str()]);
    assert_eq!(get("?status=all").await.len(), 5);
    assert_eq!(get("?status=invited,inactive").await.len(), 2);
    assert_eq!(
        get("?role=member").await,
        [worker.member_id.clone(), invited.clone()]
    );
    assert_eq!(get("?role=admin").await, [admin.member_id.as_str()]);
    assert_eq!(
        get(&format!("?group_id={team}")).await,
        [worker.member_id.as_str()]
    );
    assert_eq!(get("?q=ZED").await, [invited.as_str()]);
    assert_eq!(get("?q=100%25_s").await, [invited.as_str()]);
    assert_eq!(
        get(&format!("?q={}", &admin.email[..10])).await,
        [admin.member_id.as_str()]
    );
    assert_eq!(get("?q=olive").await, [owner.as_str()]);
    assert!(get("?updated_since=2030-01-01T00:00:00Z").await.is_empty());
    for bad in ["?status=bogus", "?role=boss", "?group_id=nonsense"] {
        app.get(&format!("/api/v1/members{bad}"))
            .bearer(token)
            .expect(400)
            .await
            .assert_code("invalid_query");
    }
}
