//! `/member-groups` (teams): CRUD, member ids checked against the
//! organization, counts, filters, archive, roles, If-Match, events and
//! tenancy; teams seen from members and `/me`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

both_backends!(
    teams_crud_round_trip,
    team_validation_names_fields,
    team_filters_and_archive,
    team_roles_events_and_if_match,
    other_organizations_teams_answer_404,
);

fn path(id: &str) -> String {
    format!("/api/v1/member-groups/{id}")
}

fn names(resp: &Resp) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn teams_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;
    let created = app
        .post("/api/v1/member-groups")
        .bearer(token)
        .json(&json!({"name": " Design ", "member_ids": [bob.member_id, ann.member_id, bob.member_id]}))
        .expect(201)
        .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("team_"));
    assert_eq!(created.header("location"), Some(path(&id).as_str()));
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["name"], "Design");
    assert_eq!(data["status"], "active");
    assert_eq!(data["members_count"], 2);
    let mut expected = vec![ann.member_id.clone(), bob.member_id.clone()];
    expected.sort_by_key(|m| m.parse::<stint_core::ids::MemberId>().unwrap());
    assert_eq!(data["member_ids"], json!(expected));
    let fetched = app.get(&path(&id)).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), created.data());

    // Members show their teams, and /me lists them.
    let member = app
        .get(&format!("/api/v1/members/{}", ann.member_id))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(member.data()["group_ids"], json!([id]));
    let me = app.get("/api/v1/me").bearer(&ann.access).expect(200).await;
    assert_eq!(me.data()["organizations"][0]["teams"][0]["id"], id.as_str());
    assert_eq!(me.data()["organizations"][0]["teams"][0]["is_member"], true);
    assert_eq!(me.data()["actor"]["member"]["group_ids"], json!([id]));

    let patched = app
        .patch(&path(&id))
        .bearer(token)
        .json(&json!({"name": "Design & UX"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["name"], "Design & UX");
    assert_eq!(patched.data()["members_count"], 2);
    assert_eq!(patched.header("etag"), Some("\"2\""));
    // PUT replaces: absent member_ids empties the team.
    let replaced = app
        .put(&path(&id))
        .bearer(token)
        .json(&json!({"name": "Design"}))
        .expect(200)
        .await;
    assert_eq!(replaced.data()["member_ids"], json!([]));
    assert_eq!(replaced.data()["members_count"], 0);
    let same = app
        .patch(&path(&id))
        .bearer(token)
        .json(&json!({"name": "Design"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), replaced.header("etag"));

    app.delete(&path(&id)).bearer(token).expect(204).await;
    app.get(&path(&id))
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.delete(&path(&id)).bearer(token).expect(404).await;
    app.patch(&path(&id))
        .bearer(token)
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
    // The members stay.
    app.get(&format!("/api/v1/members/{}", ann.member_id))
        .bearer(token)
        .expect(200)
        .await;
}

async fn team_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let token = &org.owner.access;
    let resp = app
        .post("/api/v1/member-groups")
        .bearer(token)
        .json(&json!({"name": "", "member_ids": [
            org.owner.member_id, other.owner.member_id, "mem_01jd8x2k4m6n8p9q0r1s2t3v4w"]}))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    let fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "member_ids[1]", "member_ids[2]"]);
    let resp = app
        .post("/api/v1/member-groups")
        .bearer(token)
        .json(&json!({"name": "A", "members": []}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    assert_eq!(resp.body["details"][0]["field"], "members");
    let resp = app
        .post("/api/v1/member-groups")
        .bearer(token)
        .json(&json!({"name": "A", "member_ids": ["team_01jd8x2k4m6n8p9q0r1s2t3v4w"]}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "member_ids[0]");
    let resp = app
        .post("/api/v1/member-groups")
        .bearer(token)
        .json(&json!({"name": "A", "status": "gone"}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "status");
    let list = app
        .get("/api/v1/member-groups?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert!(list.data().as_array().unwrap().is_empty());
    assert!(app.events(&org).await.is_empty());
}

async fn team_filters_and_archive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    let mut ids = Vec::new();
    for (name, members) in [
        ("Design", vec![ann.member_id.clone()]),
        ("Ops 100%", vec![]),
        (
            "Sales_EU",
            vec![ann.member_id.clone(), org.owner.member_id.clone()],
        ),
    ] {
        let resp = app
            .post("/api/v1/member-groups")
            .bearer(token)
            .json(&json!({"name": name, "member_ids": members}))
            .expect(201)
            .await;
        ids.push(resp.str("/data/id"));
    }
    app.patch(&path(&ids[0]))
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    let get = |query: &str| {
        let query = query.to_owned();
        let app = &app;
        async move {
            let resp = app
                .get(&format!("/api/v1/member-groups{query}"))
                .bearer(token)
                .expect(200)
                .await;
            names(&resp)
        }
    };
    assert_eq!(get("").await, ["Ops 100%", "Sales_EU"]);
    assert_eq!(get("?status=archived").await, ["Design"]);
    assert_eq!(get("?status=all").await.len(), 3);
    assert_eq!(get("?q=SALES").await, ["Sales_EU"]);
    assert_eq!(get("?q=0%25").await, ["Ops 100%"]);
    assert_eq!(get("?q=s_e").await, ["Sales_EU"]);
    assert_eq!(
        get(&format!("?member_id={}&status=all", ann.member_id)).await,
        ["Design", "Sales_EU"]
    );
    assert_eq!(
        get(&format!("?member_id={}", org.owner.member_id)).await,
        ["Sales_EU"]
    );
    assert!(get("?updated_since=2030-01-01T00:00:00Z").await.is_empty());
    let page = app
        .get("/api/v1/member-groups?limit=1&status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(page.body["meta"]["has_more"], true);
    let counts: Vec<Value> = app
        .get("/api/v1/member-groups?status=all")
        .bearer(token)
        .expect(200)
        .await
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["members_count"].clone())
        .collect();
    assert_eq!(counts, [json!(1), json!(0), json!(2)]);
    for bad in ["?status=bogus", "?member_id=team_x"] {
        app.get(&format!("/api/v1/member-groups{bad}"))
            .bearer(token)
            .expect(400)
            .await
            .assert_code("invalid_query");
    }
    // Archived teams leave /me.
    let me = app.get("/api/v1/me").bearer(&ann.access).expect(200).await;
    let teams: Vec<&str> = me.data()["organizations"][0]["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(teams, ["Ops 100%", "Sales_EU"]);
}

async fn team_roles_events_and_if_match(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let member = app.add_member(&org, "member").await;
    let created = app
        .post("/api/v1/member-groups")
        .bearer(token)
        .json(&json!({"name": "Design"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let etag = created.header("etag").unwrap().to_owned();
    app.patch(&path(&id))
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"member_ids": [member.member_id]}))
        .expect(200)
        .await;
    for req in [
        app.patch(&path(&id))
            .json(&json!({"name": "x"}))
            .bearer(token),
        app.put(&path(&id))
            .json(&json!({"name": "x"}))
            .bearer(token),
        app.delete(&path(&id)).bearer(token),
    ] {
        req.header("if-match", &etag)
            .expect(412)
            .await
            .assert_code("precondition_failed");
    }
    // Members read teams but cannot write them.
    app.get("/api/v1/member-groups")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path(&id)).bearer(&member.access).expect(200).await;
    app.post("/api/v1/member-groups")
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.patch(&path(&id))
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await;
    app.delete(&path(&id))
        .bearer(&member.access)
        .expect(403)
        .await;
    app.activate_public_api(&org).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    let write = app.create_key(&org, None).await;
    app.post("/api/v1/member-groups")
        .api_key(&read.token)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.patch(&path(&id))
        .api_key(&write.token)
        .json(&json!({"name": "Design team"}))
        .expect(200)
        .await;
    app.patch(&path(&id))
        .bearer(token)
        .json(&json!({"name": ""}))
        .expect(400)
        .await;
    app.delete(&path(&id)).bearer(token).expect(204).await;

    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "member_group.created",
            "member_group.updated",
            "member_group.updated",
            "member_group.deleted"
        ]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"member_ids": [], "members_count": 0})
    );
    assert_eq!(
        events[2].1["previous_attributes"],
        json!({"name": "Design"})
    );
    assert_eq!(events[3].1["object"]["id"], id.as_str());
}

async fn other_organizations_teams_answer_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let theirs = app
        .post("/api/v1/member-groups")
        .bearer(&other.owner.access)
        .json(&json!({"name": "Theirs", "member_ids": [other.owner.member_id]}))
        .expect(201)
        .await
        .str("/data/id");
    let token = &org.owner.access;
    app.get(&path(&theirs))
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.patch(&path(&theirs))
        .bearer(token)
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
    app.put(&path(&theirs))
        .bearer(token)
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
    app.delete(&path(&theirs)).bearer(token).expect(404).await;
    let list = app
        .get("/api/v1/member-groups?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert!(list.data().as_array().unwrap().is_empty());
    // Filtering by their member finds nothing here.
    let list = app
        .get(&format!(
            "/api/v1/member-groups?member_id={}",
            other.owner.member_id
        ))
        .bearer(token)
        .expect(200)
        .await;
    assert!(list.data().as_array().unwrap().is_empty());
    let still = app
        .get(&path(&theirs))
        .bearer(&other.owner.access)
        .expect(200)
        .await;
    assert_eq!(still.data()["name"], "Theirs");
}
