//! `/me` and the members read API.

use std::collections::HashSet;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    me_describes_user_organizations_and_teams,
    me_describes_an_api_key,
    members_list_pages_and_show
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
    assert_eq!(
        data["actor"]["api_key"]["scopes"],
        serde_json::json!(["read"])
    );
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
