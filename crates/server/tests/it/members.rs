//! `/members` and `/invitations/accept`: inviting, accepting (never taking
//! over an existing account), profile and role changes with their rules,
//! deactivation, filters, validation, If-Match, events and tenancy.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::fixtures::{OrgFixture, PASSWORD};
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

both_backends!(
    invite_accept_round_trip,
    accepting_never_takes_over_an_existing_account,
    invitation_tokens_expire_and_die_with_deactivation,
    member_profile_patch_put_and_validation,
    members_edit_only_their_own_profile,
    owner_role_rules_and_last_owner,
    deactivation_locks_out_and_keeps_history,
    if_match_and_other_organizations,
);

fn path(id: &str) -> String {
    format!("/api/v1/members/{id}")
}

fn unique_email(prefix: &str) -> String {
    format!("{prefix}-{}@example.com", uuid::Uuid::now_v7().simple())
}

/// Invites `body` as the organization's owner.
async fn invite(app: &TestApp, org: &OrgFixture, body: Value) -> Resp {
    app.post("/api/v1/members")
        .bearer(&org.owner.access)
        .json(&body)
        .expect(201)
        .await
}

async fn accept(app: &TestApp, token: &str, password: &str) -> Resp {
    app.post("/api/v1/invitations/accept")
        .json(&json!({"token": token, "password": password}))
        .send()
        .await
}

fn types(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(t, _)| t.as_str()).collect()
}

fn ids(resp: &Resp) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn invite_accept_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let email = unique_email("grace");
    let created = invite(
        &app,
        &org,
        json!({"email": email.to_uppercase(), "name": "Grace", "surname": "Hopper", "role": "admin",
               "hourly_cost": "45.5", "default_hourly_rate": 95, "timezone": "Europe/Paris"}),
    )
    .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("mem_"));
    assert_eq!(created.header("location"), Some(path(&id).as_str()));
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["email"], email.as_str(), "emails are normalised");
    assert_eq!(data["status"], "invited");
    assert_eq!(data["role"], "admin");
    assert_eq!(data["initials"], "GH");
    assert_eq!(data["hourly_cost"], "45.50");
    assert_eq!(data["default_hourly_rate"], "95.00");
    assert_eq!(data["timezone"], "Europe/Paris");
    assert_eq!(data["group_ids"], json!([]));
    let token = data["invitation_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("invite_") && token.len() > 40);
    assert_eq!(data["invitation_expires_at"], "2026-03-09T09:00:00Z");

    // The token is shown once: never in reads or events.
    let fetched = app
        .get(&path(&id))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(fetched.data()["status"], "invited");
    assert!(fetched.data().get("invitation_token").is_none());
    let listed = app
        .get("/api/v1/members")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(listed.data().as_array().unwrap().len(), 2);
    assert!(!format!("{:?}", app.events(&org).await).contains(&token));

    // The password policy applies to someone new.
    let short = accept(&app, &token, "short").await;
    assert_eq!(short.status, 400, "{}", short.text);
    assert_eq!(short.body["details"][0]["field"], "password");
    let joined = accept(&app, &token, "a brand new password").await;
    assert_eq!(joined.status, 200, "{}", joined.text);
    let access = joined.str("/data/access");
    assert!(joined.str("/data/refresh").starts_with("rt_"));
    let me = app.get("/api/v1/me").bearer(&access).expect(200).await;
    assert_eq!(me.data()["actor"]["member"]["id"], id.as_str());
    assert_eq!(me.data()["actor"]["member"]["status"], "active");
    assert_eq!(me.data()["actor"]["member"]["role"], "admin");
    assert_eq!(me.data()["organization"]["id"], org.id.as_str());
    // The new admin can work, and sign in with the chosen password.
    app.post("/api/v1/members")
        .bearer(&access)
        .json(&json!({"email": unique_email("x"), "name": "X"}))
        .expect(201)
        .await;
    app.post("/api/v1/token-auth")
        .json(&json!({"email": email, "password": "a brand new password"}))
        .expect(200)
        .await;
    // A token works once.
    accept(&app, &token, "a brand new password")
        .await
        .assert_code("invalid_token");
    accept(&app, "invite_nonsense", PASSWORD)
        .await
        .assert_code("invalid_token");

    let events = app.events(&org).await;
    assert_eq!(
        types(&events)[..2],
        ["member.created", "member.updated"],
        "{events:?}"
    );
    assert_eq!(events[0].1["object"]["status"], "invited");
    assert_eq!(events[1].1["object"]["status"], "active");
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"status": "invited"})
    );
}

async fn accepting_never_takes_over_an_existing_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    // B invites A's owner, who already has an account with a password.
    let invited = invite(
        &app,
        &b,
        json!({"email": a.owner.email, "name": "Olive", "surname": "Elsewhere"}),
    )
    .await;
    assert_eq!(invited.data()["role"], "member");
    let token = invited.str("/data/invitation_token");
    // Whoever holds the token (B's owner saw it) cannot choose a password.
    accept(&app, &token, "i am taking this over")
        .await
        .assert_code("invalid_credentials");
    // The account's password is unchanged and the invitation still pending.
    app.post("/api/v1/token-auth")
        .json(&json!({"email": a.owner.email, "password": PASSWORD}))
        .expect(200)
        .await;
    let joined = accept(&app, &token, PASSWORD).await;
    assert_eq!(joined.status, 200, "{}", joined.text);
    let me = app
        .get("/api/v1/me")
        .bearer(&joined.str("/data/access"))
        .expect(200)
        .await;
    assert_eq!(me.data()["organization"]["id"], b.id.as_str());
    assert_eq!(me.data()["organizations"].as_array().unwrap().len(), 2);
    // The profile is per organization: A still shows the original name.
    let in_a = app
        .get(&path(&a.owner.member_id))
        .bearer(&a.owner.access)
        .expect(200)
        .await;
    assert_eq!(in_a.data()["name"], "Olive Owner");
    assert_eq!(me.data()["actor"]["member"]["surname"], "Elsewhere");

    // Someone already in the organization (active or invited) is a conflict.
    for email in [a.owner.email.clone(), b.owner.email.clone()] {
        app.post("/api/v1/members")
            .bearer(&b.owner.access)
            .json(&json!({"email": email, "name": "Again"}))
            .expect(409)
            .await
            .assert_code("conflict");
    }
    let pending = unique_email("pending");
    invite(&app, &b, json!({"email": pending, "name": "P"})).await;
    app.post("/api/v1/members")
        .bearer(&b.owner.access)
        .json(&json!({"email": pending, "name": "P"}))
        .expect(409)
        .await;
}

async fn invitation_tokens_expire_and_die_with_deactivation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let late = invite(
        &app,
        &org,
        json!({"email": unique_email("late"), "name": "Late"}),
    )
    .await;
    app.advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
    accept(&app, &late.str("/data/invitation_token"), PASSWORD)
        .await
        .assert_code("invalid_token");

    let owner = app.sign_in(&org.owner.email, None).await;
    let owner_access = owner["access"].as_str().unwrap().to_owned();
    let email = unique_email("ann");
    let first = app
        .post("/api/v1/members")
        .bearer(&owner_access)
        .json(&json!({"email": email, "name": "Ann"}))
        .expect(201)
        .await;
    let id = first.str("/data/id");
    app.delete(&path(&id))
        .bearer(&owner_access)
        .expect(204)
        .await;
    accept(&app, &first.str("/data/invitation_token"), PASSWORD)
        .await
        .assert_code("invalid_token");

    // Inviting an inactive member again reopens the same membership.
    let again = app
        .post("/api/v1/members")
        .bearer(&owner_access)
        .json(&json!({"email": email, "name": "Ann", "surname": "Again"}))
        .expect(201)
        .await;
    assert_eq!(again.str("/data/id"), id);
    assert_eq!(again.data()["status"], "invited");
    assert_eq!(again.data()["surname"], "Again");
    accept(&app, &first.str("/data/invitation_token"), PASSWORD)
        .await
        .assert_code("invalid_token");
    let joined = accept(&app, &again.str("/data/invitation_token"), PASSWORD).await;
    assert_eq!(joined.status, 200, "{}", joined.text);

    let events = app.events(&org).await;
    let mine: Vec<&(String, Value)> = events
        .iter()
        .filter(|(_, d)| d["object"]["id"] == id.as_str())
        .collect();
    let kinds: Vec<&str> = mine.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "member.created",
            "member.deactivated",
            "member.updated",
            "member.updated"
        ]
    );
    assert_eq!(
        mine[1].1["previous_attributes"],
        json!({"status": "invited"})
    );
    assert_eq!(mine[2].1["previous_attributes"]["status"], "inactive");
    assert_eq!(mine[2].1["previous_attributes"]["surname"], Value::Null);
}

async fn member_profile_patch_put_and_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let colleague = app.add_member(&org, "member").await;
    let id = colleague.member_id.clone();
    let team = app.add_team(&org, "Design", &[]).await;

    let patched = app
        .patch(&path(&id))
        .bearer(token)
        .json(&json!({"surname": "Byron", "phone": "+44 20 7946 0000", "group_ids": [team], "hourly_cost": "30"}))
        .expect(200)
        .await;
    let data = patched.data();
    assert_eq!(data["name"], "member person");
    assert_eq!(data["surname"], "Byron");
    assert_eq!(data["group_ids"], json!([team]));
    assert_eq!(data["hourly_cost"], "30.00");
    assert_eq!(data["email"], colleague.email.as_str());
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let cleared = app
        .patch(&path(&id))
        .bearer(token)
        .json(&json!({"phone": null}))
        .expect(200)
        .await;
    assert!(cleared.data()["phone"].is_null());

    // PUT replaces everything; absent optional fields are cleared.
    let replaced = app
        .put(&path(&id))
        .bearer(token)
        .json(&json!({"name": "Ada", "surname": "Lovelace", "role": "member"}))
        .expect(200)
        .await;
    assert_eq!(replaced.data()["initials"], "AL");
    assert_eq!(replaced.data()["group_ids"], json!([]));
    assert!(replaced.data()["hourly_cost"].is_null());
    app.put(&path(&id))
        .bearer(token)
        .json(&json!({"name": "Ada"}))
        .expect(400)
        .await
        .assert_code("validation_failed");
    let same = app
        .patch(&path(&id))
        .bearer(token)
        .json(&json!({"name": "Ada"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), replaced.header("etag"));

    // Email and status are read-only.
    for body in [
        json!({"email": "x@example.com"}),
        json!({"status": "inactive"}),
    ] {
        app.patch(&path(&id))
            .bearer(token)
            .json(&body)
            .expect(400)
            .await
            .assert_code("unknown_field");
    }
    let resp = app
        .patch(&path(&id))
        .bearer(token)
        .json(&json!({"name": "", "timezone": "Mars/Olympus", "hourly_cost": "12.3450000000000",
                       "default_hourly_rate": "-5", "initials": "TOOLONGINITIALS", "group_ids": ["team_01jd8x2k4m6n8p9q0r1s2t3v4w"]}))
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
            "default_hourly_rate",
            "group_ids[0]",
            "hourly_cost",
            "initials",
            "name",
            "timezone"
        ]
    );
    let resp = app
        .post("/api/v1/members")
        .bearer(token)
        .json(&json!({"email": "nope", "name": " ", "role": "member"}))
        .expect(400)
        .await;
    let mut fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["email", "name"]);
    app.post("/api/v1/members")
        .bearer(token)
        .json(&json!({"email": unique_email("r"), "name": "R", "role": "boss"}))
        .expect(400)
        .await
        .assert_code("validation_failed");
    // Refused writes recorded nothing: two updates (patch, clear, put).
    let events = app.events(&org).await;
    assert_eq!(
        types(&events),
        ["member.updated", "member.updated", "member.updated"]
    );
    assert_eq!(
        events[0].1["previous_attributes"],
        json!({"surname": null, "phone": null, "group_ids": [], "hourly_cost": null})
    );
}

async fn members_edit_only_their_own_profile(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let me = app.add_member(&org, "member").await;
    let other = app.add_member(&org, "member").await;
    let own = path(&me.member_id);
    let changed = app
        .patch(&own)
        .bearer(&me.access)
        .json(&json!({"name": "Mia", "surname": "Self", "initials": "MS", "phone": "+1 555", "timezone": "America/New_York", "role": "member"}))
        .expect(200)
        .await;
    assert_eq!(changed.data()["timezone"], "America/New_York");
    for body in [
        json!({"role": "admin"}),
        json!({"hourly_cost": "10"}),
        json!({"default_hourly_rate": "10"}),
        json!({"group_ids": [app.add_team(&org, "T", &[]).await]}),
    ] {
        app.patch(&own)
            .bearer(&me.access)
            .json(&body)
            .expect(403)
            .await
            .assert_code("insufficient_role");
    }
    app.patch(&path(&other.member_id))
        .bearer(&me.access)
        .json(&json!({"name": "Nope"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.post("/api/v1/members")
        .bearer(&me.access)
        .json(&json!({"email": unique_email("x"), "name": "X"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.delete(&path(&other.member_id))
        .bearer(&me.access)
        .expect(403)
        .await;
    // Reading is open to every member.
    app.get("/api/v1/members")
        .bearer(&me.access)
        .expect(200)
        .await;
    // Keys: a read key cannot write; a write key manages members (not owners).
    app.activate_public_api(&org).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    let write = app.create_key(&org, None).await;
    app.get("/api/v1/members")
        .api_key(&read.token)
        .expect(200)
        .await;
    app.post("/api/v1/members")
        .api_key(&read.token)
        .json(&json!({"email": unique_email("x"), "name": "X"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.patch(&path(&other.member_id))
        .api_key(&write.token)
        .json(&json!({"role": "admin", "hourly_cost": "12"}))
        .expect(200)
        .await;
    app.post("/api/v1/members")
        .api_key(&write.token)
        .json(&json!({"email": unique_email("o"), "name": "O", "role": "owner"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    let events = app.events(&org).await;
    assert_eq!(types(&events), ["member.updated", "member.updated"]);
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"role": "member", "hourly_cost": null})
    );
}

async fn owner_role_rules_and_last_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let owner = &org.owner;
    let admin = app.add_member(&org, "admin").await;
    let member = app.add_member(&org, "member").await;
    // Admins manage members but never the owner role.
    app.patch(&path(&member.member_id))
        .bearer(&admin.access)
        .json(&json!({"role": "admin"}))
        .expect(200)
        .await;
    app.patch(&path(&member.member_id))
        .bearer(&admin.access)
        .json(&json!({"role": "owner"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.patch(&path(&owner.member_id))
        .bearer(&admin.access)
        .json(&json!({"role": "admin"}))
        .expect(403)
        .await;
    app.delete(&path(&owner.member_id))
        .bearer(&admin.access)
        .expect(403)
        .await;
    app.post("/api/v1/members")
        .bearer(&admin.access)
        .json(&json!({"email": unique_email("o"), "name": "O", "role": "owner"}))
        .expect(403)
        .await;
    // Admins may still rename the owner.
    app.patch(&path(&owner.member_id))
        .bearer(&admin.access)
        .json(&json!({"phone": "+33 1"}))
        .expect(200)
        .await;
    // The last active owner can be neither demoted nor deactivated.
    app.patch(&path(&owner.member_id))
        .bearer(&owner.access)
        .json(&json!({"role": "admin"}))
        .expect(409)
        .await
        .assert_code("last_owner");
    app.delete(&path(&owner.member_id))
        .bearer(&owner.access)
        .expect(409)
        .await
        .assert_code("last_owner");
    // An invited owner does not count as an active one.
    invite(
        &app,
        &org,
        json!({"email": unique_email("o"), "name": "O", "role": "owner"}),
    )
    .await;
    app.patch(&path(&owner.member_id))
        .bearer(&owner.access)
        .json(&json!({"role": "admin"}))
        .expect(409)
        .await;
    // With a second active owner, the first may step down.
    app.patch(&path(&admin.member_id))
        .bearer(&owner.access)
        .json(&json!({"role": "owner"}))
        .expect(200)
        .await;
    let stepped = app
        .patch(&path(&owner.member_id))
        .bearer(&owner.access)
        .json(&json!({"role": "admin"}))
        .expect(200)
        .await;
    assert_eq!(stepped.data()["role"], "admin");
    app.delete(&path(&admin.member_id))
        .bearer(&admin.access)
        .expect(409)
        .await
        .assert_code("last_owner");
}

async fn deactivation_locks_out_and_keeps_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let id = path(&member.member_id);
    app.get("/api/v1/me")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.delete(&id).bearer(&org.owner.access).expect(204).await;
    // Their sessions stop at once; signing in again is refused.
    let resp = app
        .get("/api/v1/me")
        .bearer(&member.access)
        .expect(401)
        .await;
    assert!(
        ["token_revoked", "account_inactive"].contains(&resp.code()),
        "{}",
        resp.text
    );
    app.post("/api/v1/token-refresh")
        .json(&json!({"refresh": member.refresh}))
        .expect(401)
        .await;
    app.post("/api/v1/token-auth")
        .json(&json!({"email": member.email, "password": PASSWORD}))
        .expect(401)
        .await
        .assert_code("account_inactive");
    // History stays: the member is still there, inactive.
    let kept = app.get(&id).bearer(&org.owner.access).expect(200).await;
    assert_eq!(kept.data()["status"], "inactive");
    // Deactivating again changes nothing.
    app.delete(&id).bearer(&org.owner.access).expect(204).await;
    let events = app.events(&org).await;
    assert_eq!(types(&events), ["member.deactivated"]);
    assert_eq!(events[0].1["object"]["status"], "inactive");
    assert_eq!(
        events[0].1["previous_attributes"],
        json!({"status": "active"})
    );
}

async fn if_match_and_other_organizations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let token = &org.owner.access;
    let member = app.add_member(&org, "member").await;
    let id = path(&member.member_id);
    let current = app.get(&id).bearer(token).expect(200).await;
    let etag = current.header("etag").unwrap().to_owned();
    app.patch(&id)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"phone": "1"}))
        .expect(200)
        .await;
    app.patch(&id)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"phone": "2"}))
        .expect(412)
        .await
        .assert_code("precondition_failed");
    app.put(&id)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"name": "x", "role": "member"}))
        .expect(412)
        .await;
    app.delete(&id)
        .bearer(token)
        .header("if-match", &etag)
        .expect(412)
        .await;

    // Another organization's member ids answer 404 everywhere.
    let foreign = path(&other.owner.member_id);
    app.get(&foreign)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.patch(&foreign)
        .bearer(token)
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
    app.put(&foreign)
        .bearer(token)
        .json(&json!({"name": "x", "role": "member"}))
        .expect(404)
        .await;
    app.delete(&foreign).bearer(token).expect(404).await;
    // … and another organization's teams are not teams here.
    let their_team = app.add_team(&other, "Theirs", &[]).await;
    let resp = app
        .patch(&id)
        .bearer(token)
        .json(&json!({"group_ids": [their_team]}))
        .expect(404)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "group_ids[0]");
    let resp = app
        .post("/api/v1/members")
        .bearer(token)
        .json(&json!({"email": unique_email("t"), "name": "T", "group_ids": [their_team]}))
        .expect(404)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "group_ids[0]");
    // Their member list never shows ours.
    let theirs = app
        .get("/api/v1/members?status=all")
        .bearer(&other.owner.access)
        .expect(200)
        .await;
    assert_eq!(ids(&theirs), [other.owner.member_id.as_str()]);
}
