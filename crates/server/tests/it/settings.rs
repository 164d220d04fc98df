//! `/settings`: defaults, merge patches section by section, validation
//! naming fields, who may read and write, If-Match, the organization's
//! columns kept in sync, members' amounts following the currency, events.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    settings_start_from_defaults,
    settings_patch_round_trip,
    settings_validation_names_fields,
    only_owners_admins_and_keys_reach_settings,
    settings_events_and_if_match,
    currency_change_keeps_member_amounts,
);

const PATH: &str = "/api/v1/settings";

async fn settings_start_from_defaults(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let resp = app.get(PATH).bearer(&org.owner.access).expect(200).await;
    assert_eq!(resp.header("etag"), Some("\"1\""));
    let data = resp.data();
    assert_eq!(data["profile"]["name"], "Acme");
    assert!(data["profile"]["iban"].is_null());
    assert!(data["profile"]["address"]["city"].is_null());
    assert_eq!(
        data["defaults"],
        json!({"currency": "EUR", "timezone": "UTC", "locale": null, "default_vat_rate": null,
               "payment_terms_days": 30, "time_rounding": "none"})
    );
    assert_eq!(
        data["invoicing"],
        json!({"prefix": "INV-", "next_number": 1, "number_format": "{prefix}{yyyy}-{seq:4}",
               "footer": null, "notes": null})
    );
}

async fn settings_patch_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let patched = app
        .patch(PATH)
        .bearer(token)
        .json(&json!({
            "profile": {"name": "Acme Studio", "legal_name": "Acme Studio SAS",
                        "address": {"street": "1 rue de la Paix", "city": "Paris", "country_code": "FR"},
                        "iban": "fr76 3000 6000 0112 3456 7890 189", "bic": "bnpafrpp",
                        "email": "Billing@Acme.example", "website": "https://acme.example"},
            "defaults": {"currency": "USD", "timezone": "Europe/Paris", "locale": "fr-FR",
                         "default_vat_rate": "20", "time_rounding": 15},
            "invoicing": {"prefix": "F-", "next_number": 42, "number_format": "{prefix}{yy}{mm}-{seq:3}",
                          "footer": "Merci"},
        }))
        .expect(200)
        .await;
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let data = patched.data();
    assert_eq!(data["profile"]["iban"], "FR7630006000011234567890189");
    assert_eq!(data["profile"]["bic"], "BNPAFRPP");
    assert_eq!(data["profile"]["email"], "billing@acme.example");
    assert_eq!(data["profile"]["address"]["country_code"], "FR");
    assert_eq!(data["defaults"]["currency"], "USD");
    assert_eq!(data["defaults"]["default_vat_rate"], "20.00");
    assert_eq!(data["defaults"]["time_rounding"], "15");
    assert_eq!(data["invoicing"]["next_number"], 42);
    let fetched = app.get(PATH).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), patched.data());
    // The organization's columns follow.
    let me = app.get("/api/v1/me").bearer(token).expect(200).await;
    assert_eq!(me.data()["organization"]["name"], "Acme Studio");
    assert_eq!(me.data()["organization"]["currency"], "USD");
    assert_eq!(me.data()["organization"]["timezone"], "Europe/Paris");
    // Nested objects merge key by key; null clears an optional field.
    let merged = app
        .patch(PATH)
        .bearer(token)
        .json(
            &json!({"profile": {"address": {"city": "Lyon"}, "bic": null},
                      "defaults": {"time_rounding": "none"}}),
        )
        .expect(200)
        .await;
    assert_eq!(merged.data()["profile"]["address"]["city"], "Lyon");
    assert_eq!(
        merged.data()["profile"]["address"]["street"],
        "1 rue de la Paix"
    );
    assert!(merged.data()["profile"]["bic"].is_null());
    assert_eq!(merged.data()["profile"]["legal_name"], "Acme Studio SAS");
    assert_eq!(merged.data()["defaults"]["time_rounding"], "none");
    // Required fields cannot be cleared.
    let resp = app
        .patch(PATH)
        .bearer(token)
        .json(&json!({"defaults": {"currency": null}}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "defaults.currency");
}

async fn settings_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let resp = app
        .patch(PATH)
        .bearer(token)
        .json(&json!({
            "profile": {"name": " ", "iban": "FR77 3000 6000 0112 3456 7890 189", "bic": "BNPA",
                        "email": "nope", "website": "not a site", "address": {"country_code": "XX"}},
            "defaults": {"currency": "EURO", "timezone": "Mars/Olympus", "locale": "French",
                         "default_vat_rate": "101", "payment_terms_days": 400},
            "invoicing": {"next_number": 0, "number_format": "{prefix}{year}-{seq}", "prefix": "P".repeat(21)},
        }))
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
            "defaults.currency",
            "defaults.default_vat_rate",
            "defaults.locale",
            "defaults.payment_terms_days",
            "defaults.timezone",
            "invoicing.next_number",
            "invoicing.number_format",
            "invoicing.prefix",
            "profile.address.country_code",
            "profile.bic",
            "profile.email",
            "profile.iban",
            "profile.name",
            "profile.website",
        ]
    );
    for (body, field) in [
        (
            json!({"invoicing": {"number_format": "{prefix}{yyyy}"}}),
            "invoicing.number_format",
        ),
        (
            json!({"invoicing": {"number_format": "{seq:13}"}}),
            "invoicing.number_format",
        ),
        (
            json!({"defaults": {"time_rounding": 10}}),
            "defaults.time_rounding",
        ),
        (
            json!({"defaults": {"default_vat_rate": "5.555"}}),
            "defaults.default_vat_rate",
        ),
        (json!({"profile": {"iban": "FR76"}}), "profile.iban"),
    ] {
        let resp = app.patch(PATH).bearer(token).json(&body).expect(400).await;
        assert_eq!(resp.body["details"][0]["field"], field, "{}", resp.text);
    }
    let resp = app
        .patch(PATH)
        .bearer(token)
        .json(&json!({"profile": {"colour": "red"}}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    assert_eq!(resp.body["details"][0]["field"], "profile.colour");
    // Nothing was stored by any refused request.
    let current = app.get(PATH).bearer(token).expect(200).await;
    assert_eq!(current.header("etag"), Some("\"1\""));
    assert!(app.events(&org).await.is_empty());
}

async fn only_owners_admins_and_keys_reach_settings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let admin = app.add_member(&org, "admin").await;
    app.get(PATH)
        .bearer(&member.access)
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.patch(PATH)
        .bearer(&member.access)
        .json(&json!({"profile": {"name": "Mine"}}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.get(PATH).bearer(&admin.access).expect(200).await;
    app.patch(PATH)
        .bearer(&admin.access)
        .json(&json!({"invoicing": {"prefix": "A-"}}))
        .expect(200)
        .await;
    app.activate_public_api(&org).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    let write = app.create_key(&org, None).await;
    app.get(PATH).api_key(&read.token).expect(200).await;
    app.patch(PATH)
        .api_key(&read.token)
        .json(&json!({"invoicing": {"prefix": "R-"}}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    let by_key = app
        .patch(PATH)
        .api_key(&write.token)
        .json(&json!({"invoicing": {"prefix": "K-"}}))
        .expect(200)
        .await;
    assert_eq!(by_key.data()["invoicing"]["prefix"], "K-");
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["settings.updated", "settings.updated"]);
}

async fn settings_events_and_if_match(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let token = &org.owner.access;
    let first = app.get(PATH).bearer(token).expect(200).await;
    let etag = first.header("etag").unwrap().to_owned();
    let changed = app
        .patch(PATH)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"defaults": {"payment_terms_days": 45}}))
        .expect(200)
        .await;
    app.patch(PATH)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"defaults": {"payment_terms_days": 60}}))
        .expect(412)
        .await
        .assert_code("precondition_failed");
    // An unchanged result keeps the version and records nothing.
    let same = app
        .patch(PATH)
        .bearer(token)
        .json(&json!({"defaults": {"payment_terms_days": 45}}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), changed.header("etag"));
    let events = app.events(&org).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "settings.updated");
    assert_eq!(events[0].1["object"]["defaults"]["payment_terms_days"], 45);
    assert_eq!(
        events[0].1["previous_attributes"],
        json!({"defaults": first.data()["defaults"]})
    );
    // Each organization has its own settings.
    let theirs = app.get(PATH).bearer(&other.owner.access).expect(200).await;
    assert_eq!(theirs.data()["profile"]["name"], "Other");
    assert_eq!(theirs.data()["defaults"]["payment_terms_days"], 30);
    assert!(app.events(&other).await.is_empty());
}

async fn currency_change_keeps_member_amounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let member = app.add_member(&org, "member").await;
    let path = format!("/api/v1/members/{}", member.member_id);
    app.patch(&path)
        .bearer(token)
        .json(&json!({"hourly_cost": "45.50", "default_hourly_rate": "90"}))
        .expect(200)
        .await;
    app.patch(PATH)
        .bearer(token)
        .json(&json!({"defaults": {"currency": "USD"}}))
        .expect(200)
        .await;
    let usd = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(usd.data()["hourly_cost"], "45.50");
    app.patch(PATH)
        .bearer(token)
        .json(&json!({"defaults": {"currency": "JPY"}}))
        .expect(200)
        .await;
    let jpy = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(jpy.data()["hourly_cost"], "46");
    assert_eq!(jpy.data()["default_hourly_rate"], "90");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"hourly_cost": "45.5"}))
        .expect(200)
        .await;
    // Extra decimals round half away from zero to the currency's unit.
    assert_eq!(
        app.get(&path).bearer(token).expect(200).await.data()["hourly_cost"],
        "46"
    );
    app.patch(PATH)
        .bearer(token)
        .json(&json!({"defaults": {"currency": "KWD"}}))
        .expect(200)
        .await;
    let kwd = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(kwd.data()["hourly_cost"], "46.000");
}
