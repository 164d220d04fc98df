//! Contacts and their client: one primary contact per client, moving a
//! contact between clients, the client's default contact, and the cascade
//! when a client is deleted.

use serde_json::{Value, json};

use super::{new_client, new_contact};
use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    one_primary_contact_per_client,
    moving_a_contact_between_clients,
    deleting_the_default_contact_clears_it_on_the_client,
    deleting_a_client_deletes_its_contacts_with_events,
);

async fn one_primary_contact_per_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = new_client(&app, token, "Globex").await;
    let initech = new_client(&app, token, "Initech").await;
    let contact = |client: &str, name: &str, primary: bool| json!({"client_id": client, "name": name, "email": format!("{name}@x.example"), "is_primary": primary});
    let ada = new_contact(&app, token, contact(&globex, "ada", true)).await;
    let ada_id = ada.str("/data/id");
    assert_eq!(ada.data()["is_primary"], true);
    // Another client's primary is unaffected by Globex's.
    let alan = new_contact(&app, token, contact(&initech, "alan", true)).await;
    let grace = new_contact(&app, token, contact(&globex, "grace", true)).await;
    let grace_id = grace.str("/data/id");
    assert_eq!(grace.data()["is_primary"], true);

    let primary = |client: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/clients/{client}/contacts"))
                .bearer(token)
                .expect(200)
                .await
                .data()
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["is_primary"] == true)
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(primary(globex.clone()).await, ["grace"]);
    assert_eq!(primary(initech.clone()).await, ["alan"]);
    let ada_now = app
        .get(&format!("/api/v1/contacts/{ada_id}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(ada_now.data()["is_primary"], false);
    assert_eq!(
        ada_now.header("etag"),
        Some("\"2\""),
        "a demotion is a write"
    );

    // The demotion recorded its own event, before the new primary's.
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "client.created",
            "client.created",
            "contact.created",
            "contact.created",
            "contact.updated",
            "contact.created"
        ]
    );
    assert_eq!(events[4].1["object"]["id"], ada_id.as_str());
    assert_eq!(events[4].1["object"]["is_primary"], false);
    assert_eq!(
        events[4].1["previous_attributes"],
        json!({"is_primary": true})
    );
    assert_eq!(events[5].1["object"]["id"], grace_id.as_str());

    // Making Ada primary again by PATCH demotes Grace.
    app.patch(&format!("/api/v1/contacts/{ada_id}"))
        .bearer(token)
        .json(&json!({"is_primary": true}))
        .expect(200)
        .await;
    assert_eq!(primary(globex.clone()).await, ["ada"]);
    let events = app.events(&org).await;
    let tail: Vec<(&str, &Value)> = events[6..]
        .iter()
        .map(|(t, d)| (t.as_str(), &d["object"]["id"]))
        .collect();
    assert_eq!(
        tail,
        [
            ("contact.updated", &json!(grace_id)),
            ("contact.updated", &json!(ada_id))
        ]
    );
    // Re-sending the same value changes nothing and records nothing.
    app.patch(&format!("/api/v1/contacts/{ada_id}"))
        .bearer(token)
        .json(&json!({"is_primary": true}))
        .expect(200)
        .await;
    assert_eq!(app.events(&org).await.len(), events.len());
    // A contact may stop being primary, leaving the client with none.
    app.patch(&format!("/api/v1/contacts/{ada_id}"))
        .bearer(token)
        .json(&json!({"is_primary": false}))
        .expect(200)
        .await;
    assert!(primary(globex.clone()).await.is_empty());
    assert_eq!(alan.data()["is_primary"], true);
}

async fn moving_a_contact_between_clients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = new_client(&app, token, "Globex").await;
    let initech = new_client(&app, token, "Initech").await;
    let ada = new_contact(
        &app,
        token,
        json!({"client_id": globex, "name": "Ada", "email": "ada@x.example", "is_primary": true}),
    )
    .await
    .str("/data/id");
    let alan = new_contact(
        &app,
        token,
        json!({"client_id": initech, "name": "Alan", "email": "alan@x.example", "is_primary": true}),
    )
    .await
    .str("/data/id");
    // Ada is Globex's default contact too.
    app.patch(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .json(&json!({"default_contact_id": ada}))
        .expect(200)
        .await;

    // A move without is_primary clears it: Initech keeps Alan as primary.
    let moved = app
        .patch(&format!("/api/v1/contacts/{ada}"))
        .bearer(token)
        .json(&json!({"client_id": initech}))
        .expect(200)
        .await;
    assert_eq!(moved.data()["client_id"], initech.as_str());
    assert_eq!(moved.data()["is_primary"], false);
    let alan_now = app
        .get(&format!("/api/v1/contacts/{alan}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(alan_now.data()["is_primary"], true);
    // Globex no longer points at a contact that left it, and can still be edited.
    let globex_now = app
        .get(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .expect(200)
        .await;
    assert!(globex_now.data()["default_contact_id"].is_null());
    // Ada exists but is now Initech's: for Globex she is a contact that
    // does not exist (404 naming the field, "no such contact of this
    // client"), as the document cannot tell her id apart from a valid one.
    let resp = app
        .patch(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .json(&json!({"default_contact_id": ada}))
        .expect(404)
        .await;
    resp.assert_code("not_found");
    app.patch(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .json(&json!({"notes": "still editable"}))
        .expect(200)
        .await;
    let events = app.events(&org).await;
    let n = events.len();
    assert_eq!(events[n - 3].0, "client.updated");
    assert_eq!(
        events[n - 3].1["previous_attributes"],
        json!({"default_contact_id": ada})
    );
    assert_eq!(events[n - 2].0, "contact.updated");
    assert_eq!(
        events[n - 2].1["previous_attributes"],
        json!({"client_id": globex, "is_primary": true})
    );

    // A move that says is_primary takes the primary role at the new client.
    let back = app
        .patch(&format!("/api/v1/contacts/{alan}"))
        .bearer(token)
        .json(&json!({"client_id": globex, "is_primary": true}))
        .expect(200)
        .await;
    assert_eq!(back.data()["is_primary"], true);
    let ada_to_globex = app
        .put(&format!("/api/v1/contacts/{ada}"))
        .bearer(token)
        .json(&json!({"client_id": globex, "name": "Ada", "email": "ada@x.example", "is_primary": true}))
        .expect(200)
        .await;
    assert_eq!(ada_to_globex.data()["is_primary"], true);
    let alan_now = app
        .get(&format!("/api/v1/contacts/{alan}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(alan_now.data()["is_primary"], false, "PUT demoted Alan");
}

async fn deleting_the_default_contact_clears_it_on_the_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = new_client(&app, token, "Globex").await;
    let ada = new_contact(
        &app,
        token,
        json!({"client_id": globex, "name": "Ada", "email": "ada@x.example"}),
    )
    .await
    .str("/data/id");
    let grace = new_contact(
        &app,
        token,
        json!({"client_id": globex, "name": "Grace", "email": "grace@x.example"}),
    )
    .await
    .str("/data/id");
    let client = app
        .patch(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .json(&json!({"default_contact_id": ada}))
        .expect(200)
        .await;
    let version = client.header("etag").unwrap().to_owned();

    // Deleting another contact leaves the default alone.
    app.delete(&format!("/api/v1/contacts/{grace}"))
        .bearer(token)
        .expect(204)
        .await;
    let same = app
        .get(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(same.data()["default_contact_id"], ada.as_str());
    assert_eq!(same.header("etag"), Some(version.as_str()));

    app.delete(&format!("/api/v1/contacts/{ada}"))
        .bearer(token)
        .expect(204)
        .await;
    let cleared = app
        .get(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .expect(200)
        .await;
    assert!(cleared.data()["default_contact_id"].is_null());
    assert_ne!(cleared.header("etag"), Some(version.as_str()));
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "client.created",
            "contact.created",
            "contact.created",
            "client.updated",
            "contact.deleted",
            "client.updated",
            "contact.deleted"
        ]
    );
    assert_eq!(
        events[5].1["previous_attributes"],
        json!({"default_contact_id": ada})
    );
    assert!(events[5].1["object"]["default_contact_id"].is_null());
    assert_eq!(events[6].1["object"]["id"], ada.as_str());
}

async fn deleting_a_client_deletes_its_contacts_with_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = new_client(&app, token, "Globex").await;
    let initech = new_client(&app, token, "Initech").await;
    let ada = new_contact(
        &app,
        token,
        json!({"client_id": globex, "name": "Ada", "email": "ada@x.example", "is_primary": true}),
    )
    .await
    .str("/data/id");
    let grace = new_contact(
        &app,
        token,
        json!({"client_id": globex, "name": "Grace", "email": "grace@x.example"}),
    )
    .await
    .str("/data/id");
    let alan = new_contact(
        &app,
        token,
        json!({"client_id": initech, "name": "Alan", "email": "alan@x.example"}),
    )
    .await
    .str("/data/id");
    app.patch(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .json(&json!({"default_contact_id": grace}))
        .expect(200)
        .await;
    let before = app.events(&org).await.len();

    app.delete(&format!("/api/v1/clients/{globex}"))
        .bearer(token)
        .expect(204)
        .await;
    for id in [&ada, &grace] {
        app.get(&format!("/api/v1/contacts/{id}"))
            .bearer(token)
            .expect(404)
            .await;
    }
    app.get(&format!("/api/v1/contacts/{alan}"))
        .bearer(token)
        .expect(200)
        .await;
    let events = app.events(&org).await;
    let tail: Vec<(&str, &Value)> = events[before..]
        .iter()
        .map(|(t, d)| (t.as_str(), &d["object"]["id"]))
        .collect();
    assert_eq!(
        tail,
        [
            ("contact.deleted", &json!(ada)),
            ("contact.deleted", &json!(grace)),
            ("client.deleted", &json!(globex)),
        ]
    );
    // The client is gone as it was, default contact included.
    assert_eq!(
        events[before + 2].1["object"]["default_contact_id"],
        grace.as_str()
    );
}
