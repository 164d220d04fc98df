//! `/clients/{id}/service-rates`: setting, replacing, listing and removing
//! a client's rates, validation in the service's currency, If-Match, the
//! rates a service delete takes with it (with events), the service currency
//! they pin, and resolving what a client pays.

use serde_json::{Value, json};

use super::{create_client, create_service};
use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    client_service_rates_round_trip,
    client_service_rate_validation_and_if_match,
    deleting_a_service_deletes_its_rates_with_events,
    service_currency_is_fixed_while_rates_exist,
    resolving_a_rate_prefers_the_clients_own,
);

async fn client_service_rates_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let design = create_service(
        &app,
        &org,
        json!({"name": "Design", "rate": "80", "currency": "USD"}),
    )
    .await;
    let dev = create_service(&app, &org, json!({"name": "Development", "rate": "90"})).await;
    let client = create_client(&app, &org, "Globex").await;
    let other_client = create_client(&app, &org, "Initech").await;
    let path = format!("/api/v1/clients/{client}/service-rates/{design}");

    let created = app
        .put(&path)
        .bearer(token)
        .json(&json!({"rate": "95.5"}))
        .expect(201)
        .await;
    assert_eq!(created.header("location"), Some(path.as_str()));
    assert_eq!(created.header("etag"), Some("\"1\""));
    let data = created.data();
    assert_eq!(data["client_id"], client.as_str());
    assert_eq!(data["service_id"], design.as_str());
    assert_eq!(data["service_name"], "Design");
    assert_eq!(data["rate"], "95.50");
    assert_eq!(data["currency"], "USD", "the service's currency");
    assert!(data["created_at"].is_string() && data["updated_at"].is_string());

    // Replacing answers 200; the same rate again changes nothing.
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"rate": 99}))
        .expect(200)
        .await;
    assert_eq!(replaced.data()["rate"], "99.00");
    assert_eq!(replaced.header("etag"), Some("\"2\""));
    let same = app
        .put(&path)
        .bearer(token)
        .json(&json!({"rate": "99.00"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), Some("\"2\""));
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), replaced.data());
    assert_eq!(fetched.header("etag"), Some("\"2\""));

    app.advance(chrono::Duration::minutes(20));
    app.put(&format!("/api/v1/clients/{client}/service-rates/{dev}"))
        .bearer(token)
        .json(&json!({"rate": "100"}))
        .expect(201)
        .await;
    app.put(&format!(
        "/api/v1/clients/{other_client}/service-rates/{dev}"
    ))
    .bearer(token)
    .json(&json!({"rate": "70"}))
    .expect(201)
    .await;
    let list_path = format!("/api/v1/clients/{client}/service-rates");
    let list = app.get(&list_path).bearer(token).expect(200).await;
    let rows = list.data().as_array().unwrap();
    assert_eq!(rows.len(), 2, "only this client's rates");
    assert_eq!(rows[0], *replaced.data());
    assert_eq!(rows[1]["service_name"], "Development");
    assert_eq!(rows[1]["rate"], "100.00");
    assert_eq!(rows[1]["currency"], "EUR");
    let page = app
        .get(&format!("{list_path}?limit=1"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(page.data().as_array().unwrap().len(), 1);
    let cursor = page.str("/meta/next_cursor");
    let next = app
        .get(&format!("{list_path}?limit=1&cursor={cursor}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(next.data()[0]["service_id"], dev.as_str());
    assert_eq!(next.body["meta"]["has_more"], false);
    let recent = app
        .get(&format!("{list_path}?updated_since=2026-03-02T09:10:00Z"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(recent.data().as_array().unwrap().len(), 1);
    assert_eq!(recent.data()[0]["service_id"], dev.as_str());
    app.get(&format!("{list_path}?status=all"))
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");

    // Delete: 204, then 404; the other client's rate stays.
    app.delete(&path).bearer(token).expect(204).await;
    app.delete(&path)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.get(&path).bearer(token).expect(404).await;
    let list = app.get(&list_path).bearer(token).expect(200).await;
    assert_eq!(list.data().as_array().unwrap().len(), 1);
    let other = app
        .get(&format!("/api/v1/clients/{other_client}/service-rates"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(other.data()[0]["rate"], "70.00");
    // Unknown clients and services are 404, not an empty answer.
    let nobody = stint_core::ids::ClientId::generate();
    app.get(&format!("/api/v1/clients/{nobody}/service-rates"))
        .bearer(token)
        .expect(404)
        .await;
    let nothing = stint_core::ids::ServiceId::generate();
    app.put(&format!("/api/v1/clients/{client}/service-rates/{nothing}"))
        .bearer(token)
        .json(&json!({"rate": "1"}))
        .expect(404)
        .await;
    app.put(&format!("/api/v1/clients/{nobody}/service-rates/{dev}"))
        .bearer(token)
        .json(&json!({"rate": "1"}))
        .expect(404)
        .await;
    // A service id where a client id belongs names no resource.
    app.get(&format!("/api/v1/clients/{dev}/service-rates"))
        .bearer(token)
        .expect(404)
        .await;

    let events = app.events(&org).await;
    let rate_events: Vec<(&str, &Value)> = events
        .iter()
        .filter(|(t, _)| t.starts_with("client_service_rate."))
        .map(|(t, d)| (t.as_str(), d))
        .collect();
    let types: Vec<&str> = rate_events.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        types,
        [
            "client_service_rate.created",
            "client_service_rate.updated",
            "client_service_rate.created",
            "client_service_rate.created",
            "client_service_rate.deleted",
        ]
    );
    assert_eq!(rate_events[0].1["object"], *created.data());
    assert_eq!(
        rate_events[1].1["previous_attributes"],
        json!({"rate": "95.50"})
    );
    assert_eq!(rate_events[1].1["object"]["rate"], "99.00");
    assert_eq!(rate_events[4].1["object"]["service_id"], design.as_str());
}

async fn client_service_rate_validation_and_if_match(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let yen = create_service(
        &app,
        &org,
        json!({"name": "Translation", "rate": "5000", "currency": "JPY"}),
    )
    .await;
    let client = create_client(&app, &org, "Globex").await;
    let path = format!("/api/v1/clients/{client}/service-rates/{yen}");
    for (body, field, code) in [
        (
            json!({"rate": "1000000000000"}),
            "rate",
            "validation_failed",
        ),
        (json!({"rate": "-1"}), "rate", "validation_failed"),
        (json!({"rate": "lots"}), "rate", "validation_failed"),
        (json!({"rate": null}), "rate", "validation_failed"),
        (json!({}), "rate", "validation_failed"),
        (
            json!({"rate": "1", "currency": "EUR"}),
            "currency",
            "unknown_field",
        ),
    ] {
        let resp = app.put(&path).bearer(token).json(&body).expect(400).await;
        resp.assert_code(code);
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    // A rate that does not exist matches no version.
    app.put(&path)
        .bearer(token)
        .header("if-match", "\"1\"")
        .json(&json!({"rate": "6000"}))
        .expect(412)
        .await
        .assert_code("precondition_failed");
    let created = app
        .put(&path)
        .bearer(token)
        .json(&json!({"rate": "6000"}))
        .expect(201)
        .await;
    assert_eq!(created.data()["rate"], "6000");
    let etag = created.header("etag").unwrap().to_owned();
    app.put(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"rate": "6500"}))
        .expect(200)
        .await;
    app.put(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"rate": "7000"}))
        .expect(412)
        .await;
    app.delete(&path)
        .bearer(token)
        .header("if-match", &etag)
        .expect(412)
        .await;
    let current = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(current.data()["rate"], "6500");
    app.delete(&path)
        .bearer(token)
        .header("if-match", current.header("etag").unwrap())
        .expect(204)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        types,
        [
            "service.created",
            "client.created",
            "client_service_rate.created",
            "client_service_rate.updated",
            "client_service_rate.deleted",
        ]
    );
}

async fn deleting_a_service_deletes_its_rates_with_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let design = create_service(&app, &org, json!({"name": "Design"})).await;
    let dev = create_service(&app, &org, json!({"name": "Development"})).await;
    let a = create_client(&app, &org, "A").await;
    let b = create_client(&app, &org, "B").await;
    for (client, service) in [(&a, &design), (&b, &design), (&a, &dev)] {
        app.put(&format!("/api/v1/clients/{client}/service-rates/{service}"))
            .bearer(token)
            .json(&json!({"rate": "10"}))
            .expect(201)
            .await;
    }
    let before = app.events(&org).await.len();
    app.delete(&format!("/api/v1/services/{design}"))
        .bearer(token)
        .expect(204)
        .await;
    let events = app.events(&org).await;
    let new: Vec<&(String, Value)> = events[before..].iter().collect();
    let types: Vec<&str> = new.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "client_service_rate.deleted",
            "client_service_rate.deleted",
            "service.deleted"
        ]
    );
    let mut clients: Vec<&str> = new[..2]
        .iter()
        .map(|(_, d)| d["object"]["client_id"].as_str().unwrap())
        .collect();
    clients.sort();
    let mut expected = [a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(clients, expected);
    assert!(
        new[..2]
            .iter()
            .all(|(_, d)| d["object"]["service_id"] == design.as_str())
    );
    let a_rates = app
        .get(&format!("/api/v1/clients/{a}/service-rates"))
        .bearer(token)
        .expect(200)
        .await;
    let rows = a_rates.data().as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["service_id"], dev.as_str());
    let b_rates = app
        .get(&format!("/api/v1/clients/{b}/service-rates"))
        .bearer(token)
        .expect(200)
        .await;
    assert!(b_rates.data().as_array().unwrap().is_empty());
}

async fn service_currency_is_fixed_while_rates_exist(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let id = create_service(&app, &org, json!({"name": "Design", "rate": "80"})).await;
    let path = format!("/api/v1/services/{id}");
    // Without rates the currency may change.
    let changed = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"currency": "GBP"}))
        .expect(200)
        .await;
    assert_eq!(changed.data()["currency"], "GBP");
    let client = create_client(&app, &org, "Globex").await;
    app.put(&format!("/api/v1/clients/{client}/service-rates/{id}"))
        .bearer(token)
        .json(&json!({"rate": "70"}))
        .expect(201)
        .await;
    let before = app.events(&org).await.len();
    app.patch(&path)
        .bearer(token)
        .json(&json!({"currency": "EUR"}))
        .expect(409)
        .await
        .assert_code("conflict");
    app.put(&path)
        .bearer(token)
        .json(&json!({"name": "Design", "rate": "80"}))
        .expect(409)
        .await
        .assert_code("conflict");
    assert_eq!(app.events(&org).await.len(), before);
    // Other changes are fine.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"rate": "85"}))
        .expect(200)
        .await;
}

async fn resolving_a_rate_prefers_the_clients_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let service = create_service(
        &app,
        &org,
        json!({"name": "Design", "rate": "80", "rounding": "15", "vat_rate": "20"}),
    )
    .await;
    let with_rate = create_client(&app, &org, "Globex").await;
    let without = create_client(&app, &org, "Initech").await;
    app.put(&format!(
        "/api/v1/clients/{with_rate}/service-rates/{service}"
    ))
    .bearer(&org.owner.access)
    .json(&json!({"rate": "95"}))
    .expect(201)
    .await;
    // Time tracking has no API yet: resolve as the organization would.
    #[allow(clippy::disallowed_methods)] // a fixture acting as the organization itself
    let mut db = app
        .state
        .store
        .scoped(org.id.parse().unwrap())
        .read()
        .await
        .unwrap();
    let service_id = service.parse().unwrap();
    let resolve = stint_server::services::catalog_services::resolve_rate;
    let own = resolve(&mut db, service_id, Some(with_rate.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(own.client_rate, Some(9500));
    assert_eq!(own.effective_rate(), 9500);
    assert_eq!(own.service_rate, 8000);
    assert_eq!(own.currency, "EUR");
    assert_eq!(own.unit_code, "HUR");
    assert_eq!(own.rounding, 15);
    assert_eq!(own.vat_rate, 2000);
    let default = resolve(&mut db, service_id, Some(without.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(default.client_rate, None);
    assert_eq!(default.effective_rate(), 8000);
    let no_client = resolve(&mut db, service_id, None).await.unwrap().unwrap();
    assert_eq!(no_client.effective_rate(), 8000);
    // Another organization cannot resolve this service.
    #[allow(clippy::disallowed_methods)]
    let mut other_db = app
        .state
        .store
        .scoped(other.id.parse().unwrap())
        .read()
        .await
        .unwrap();
    assert!(
        resolve(&mut other_db, service_id, Some(with_rate.parse().unwrap()))
            .await
            .unwrap()
            .is_none()
    );
}
