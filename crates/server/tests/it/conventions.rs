//! HTTP conventions every endpoint shares: request ids, the error body,
//! JSON-only bodies, body limits, unknown routes and methods, ETags,
//! compression.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    request_ids_are_generated_or_echoed,
    malformed_json_names_line_and_column,
    bodies_must_be_json,
    oversize_bodies_are_refused_without_writing,
    unknown_routes_and_methods_answer_json,
    responses_are_gzipped_on_request,
    health_probes_answer,
);

async fn request_ids_are_generated_or_echoed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app.get("/healthz").expect(200).await;
    let generated = resp.header("x-request-id").unwrap().to_owned();
    assert!(generated.starts_with("req_"));
    let resp = app
        .get("/api/v1/me")
        .header("x-request-id", "client-abc-123")
        .expect(401)
        .await;
    assert_eq!(resp.header("x-request-id"), Some("client-abc-123"));
    assert_eq!(resp.body["request_id"], "client-abc-123");
    // Unsafe ids are replaced, not echoed.
    let resp = app
        .get("/healthz")
        .header("x-request-id", "<script>")
        .expect(200)
        .await;
    assert!(resp.header("x-request-id").unwrap().starts_with("req_"));
}

async fn malformed_json_names_line_and_column(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .post("/api/v1/signup")
        .body(
            "application/json",
            "{\n  \"organization_name\": \"Acme\",\n  \"name\": }",
        )
        .expect(400)
        .await;
    resp.assert_code("invalid_json");
    let message = resp.body["error"].as_str().unwrap();
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("column"), "{message}");
    app.post("/api/v1/token-auth")
        .body("application/json", "")
        .expect(400)
        .await
        .assert_code("invalid_json");
    app.post("/api/v1/token-auth")
        .body("application/json", "[]")
        .expect(400)
        .await
        .assert_code("validation_failed");
    let resp = app
        .post("/api/v1/token-auth")
        .json(&json!({"email": 42, "password": "x"}))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    assert_eq!(resp.body["details"][0]["field"], "email");
}

async fn bodies_must_be_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.post("/api/v1/token-auth")
        .body("text/plain", r#"{"email": "a@b.co", "password": "x"}"#)
        .expect(415)
        .await
        .assert_code("unsupported_media_type");
    app.post("/api/v1/token-auth")
        .body(
            "application/x-www-form-urlencoded",
            "email=a@b.co&password=x",
        )
        .expect(415)
        .await;
    // A charset parameter is fine.
    app.post("/api/v1/token-auth")
        .body(
            "application/json; charset=utf-8",
            r#"{"email": "a@b.co", "password": "x"}"#,
        )
        .expect(401)
        .await;
}

async fn oversize_bodies_are_refused_without_writing(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("http.body_limit", "4KiB")]).await;
    let big = "x".repeat(8 * 1024);
    let body = json!({"organization_name": big, "name": "n", "email": "big@example.com", "password": "correct horse battery"});
    app.post("/api/v1/signup")
        .json(&body)
        .expect(413)
        .await
        .assert_code("payload_too_large");
    let count = app
        .state
        .store
        .system()
        .read()
        .await
        .unwrap()
        .count_organizations()
        .await
        .unwrap();
    assert_eq!(count, 0);
}

async fn unknown_routes_and_methods_answer_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.get("/api/v1/nothing-here")
        .expect(404)
        .await
        .assert_code("route_not_found");
    app.delete("/api/v1/signup")
        .expect(405)
        .await
        .assert_code("method_not_allowed");
    app.put("/api/v1/me")
        .expect(405)
        .await
        .assert_code("method_not_allowed");
}

async fn responses_are_gzipped_on_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = app
        .get("/api/v1/openapi.json")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-encoding"), Some("gzip"));
}

async fn health_probes_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/healthz").expect(200).await.body["status"], "ok");
    assert_eq!(app.get("/readyz").expect(200).await.body["status"], "ready");
    let store = app.state.store.clone();
    store.close().await;
    app.get("/readyz")
        .expect(503)
        .await
        .assert_code("unavailable");
}
