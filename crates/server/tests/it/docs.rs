//! Documentation generated from the code stays equal to the code: the OpenAPI
//! document in `docs/openapi.json` (which must equal what the server serves)
//! and the error-code table in the guide. Regenerate both with
//! `STINT_UPDATE_DOCS=1 cargo test --test it docs`.

use crate::support::{Backend, TestApp};

fn docs_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(name)
}

fn committed_path() -> std::path::PathBuf {
    docs_path("openapi.json")
}

fn updating() -> bool {
    std::env::var("STINT_UPDATE_DOCS").is_ok_and(|v| v == "1")
}

#[test]
fn the_error_code_table_in_the_docs_is_current() {
    const START: &str =
        "<!-- error-codes:start (generated: STINT_UPDATE_DOCS=1 cargo test --test it docs) -->\n";
    const END: &str = "<!-- error-codes:end -->";
    let path = docs_path("api-guide.md");
    let text = std::fs::read_to_string(&path).expect("docs/api-guide.md");
    let (before, rest) = text.split_once(START).expect("start marker");
    let (_, after) = rest.split_once(END).expect("end marker");
    let expected = format!(
        "{before}{START}{}{END}{after}",
        stint_server::api::error::code_table_markdown()
    );
    if updating() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert!(
        expected == text,
        "the code table in docs/api-guide.md is stale; run STINT_UPDATE_DOCS=1 cargo test --test it docs"
    );
}

#[tokio::test]
async fn committed_document_matches_the_served_one() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let served = app.get("/api/v1/openapi.json").expect(200).await;
    assert_eq!(served.header("content-type"), Some("application/json"));
    let path = committed_path();
    if updating() {
        std::fs::write(&path, &served.text).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served.text,
        "docs/openapi.json is out of date; run `STINT_UPDATE_DOCS=1 cargo test --test it docs` and commit it"
    );
}

#[test]
fn every_operation_documents_its_errors_and_has_a_summary() {
    let doc: serde_json::Value = serde_json::from_str(&stint_server::api::openapi_json()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
            for status in ["500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not declare {status}"
                );
            }
            let public = op["security"] == serde_json::json!([{}]);
            if !public {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} does not declare 401"
                );
            }
            if path.contains('{') {
                assert!(
                    responses.contains_key("404"),
                    "{method} {path} does not declare 404"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} does not declare {status}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn interactive_docs_and_the_guide_are_served_by_the_binary() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // `/docs` redirects to `/docs/` (the client follows it).
    let followed = app.get("/docs").expect(200).await;
    assert!(followed.text.contains("swagger-ui"));
    let page = app.get("/docs/").expect(200).await;
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    let init = app.get("/docs/swagger-initializer.js").expect(200).await;
    assert!(init.text.contains("/api/v1/openapi.json"));
    let css = app.get("/docs/swagger-ui.css").expect(200).await;
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    let guide = app.get("/docs/guide").expect(200).await;
    assert!(guide.text.contains("<h1>Stint API guide</h1>"));
    assert!(
        guide.text.contains("<code>rate_limited</code>"),
        "the code table is on the page"
    );
    // Links between the documents lead to pages the server serves.
    assert!(
        guide.text.contains("href=\"/docs/guide/webhooks\""),
        "{}",
        guide.text
    );
    assert!(guide.text.contains("href=\"/api/v1/openapi.json\""));
    let webhooks = app.get("/docs/guide/webhooks").expect(200).await;
    assert!(
        webhooks.text.contains("webhook-signature"),
        "{}",
        webhooks.text
    );
    app.get("/docs/guide/conformance").expect(200).await;
    app.get("/docs/guide/architecture")
        .expect(404)
        .await
        .assert_code("route_not_found");
}
