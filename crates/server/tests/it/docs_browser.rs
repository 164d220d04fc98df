//! A new user's first minutes with `/docs`, in a real browser (Debian's
//! headless Chromium through chromedriver): open the page, authorize, and
//! "Try it out" against the same server — once with the long-lived API key,
//! once with the key and secret as OAuth 2.0 client credentials (the
//! key-and-secret login), sending the documented example body.
//!
//! Needs `chromium` and `chromedriver` (Debian packages). Without them the
//! tests are skipped with a notice, unless `STINT_TEST_REQUIRE_EXTERNAL=1`.

use serde_json::json;

use crate::schemathesis::external_available;
use crate::support::webdriver::{Browser, Element};
use crate::support::{Backend, TestApp};

async fn open_docs(app: &TestApp) -> Option<(Browser, tempfile::TempDir)> {
    if !external_available("chromedriver") {
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::start(profile.path()).await;
    browser.goto(&format!("{}/docs/", app.base)).await;
    // The page is ready once Swagger UI has rendered the served document.
    browser
        .element(".opblock-summary-path", "/api/v1/clients", None)
        .await;
    Some((browser, profile))
}

/// Opens the Authorize dialog and returns the block of one security scheme.
async fn authorize_dialog_block(browser: &Browser, scheme_text: &str) -> Element {
    let open = browser
        .element(".scheme-container button.authorize", "Authorize", None)
        .await;
    browser.click(&open).await;
    browser
        .element(".modal-ux .auth-container", scheme_text, None)
        .await
}

async fn close_dialog(browser: &Browser) {
    let close = browser
        .element(".modal-ux button.btn-done", "Close", None)
        .await;
    browser.click(&close).await;
}

/// Expands an operation, presses "Try it out" then "Execute", and returns
/// the live response's status and body as the page shows them.
async fn try_it_out(browser: &Browser, method: &str, path: &str) -> (String, String) {
    let block = browser
        .wait_for(
            &format!("the operation {method} {path}"),
            "return [...document.querySelectorAll('.opblock.opblock-' + arguments[0])]\
               .find(b => b.querySelector('.opblock-summary-path')?.dataset.path === arguments[1]) || null;",
            vec![json!(method), json!(path)],
        )
        .await;
    let block = Element::from_json(&block);
    let summary = browser
        .element(".opblock-summary-control", "", Some(&block))
        .await;
    browser.click(&summary).await;
    // `/docs` opens with "Try it out" already switched on (tryItOutEnabled);
    // the button then reads "Cancel". Press it only if it is still off.
    let try_out = browser
        .element("button.try-out__btn", "", Some(&block))
        .await;
    let label = browser
        .script("return arguments[0].textContent", vec![try_out.as_json()])
        .await;
    if label.as_str().is_some_and(|l| l.contains("Try it out")) {
        browser.click(&try_out).await;
    }
    let execute = browser
        .element("button.execute", "Execute", Some(&block))
        .await;
    browser.click(&execute).await;
    let status = browser
        .wait_for(
            "the live response",
            "const cell = arguments[0].querySelector('.live-responses-table tbody .response-col_status');\
             return cell ? cell.textContent.trim() : null;",
            vec![block.as_json()],
        )
        .await;
    let body = browser
        .script(
            "const code = arguments[0].querySelector('.live-responses-table .response-col_description pre');\
             return code ? code.textContent : '';",
            vec![block.as_json()],
        )
        .await;
    (
        status.as_str().unwrap_or_default().to_owned(),
        body.as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_authorizes_with_an_api_key_and_tries_an_operation() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = app.signup("Docs in a browser").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    app.post("/api/v1/clients")
        .bearer(&org.owner.access)
        .json(&json!({"name": "Acme Browsing Ltd"}))
        .expect(201)
        .await;
    let Some((browser, _profile)) = open_docs(&app).await else {
        return;
    };

    let block = authorize_dialog_block(&browser, "X-Api-Key").await;
    let input = browser.element("input", "", Some(&block)).await;
    browser.type_into(&input, &key.token).await;
    let authorize = browser
        .element("button.authorize", "Authorize", Some(&block))
        .await;
    browser.click(&authorize).await;
    browser
        .element(".modal-ux .auth-container", "Authorized", None)
        .await;
    close_dialog(&browser).await;

    let (status, body) = try_it_out(&browser, "get", "/api/v1/clients").await;
    assert_eq!(status, "200", "{body}");
    assert!(body.contains("Acme Browsing Ltd"), "{body}");
    browser.quit().await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_and_secret_login_authorizes_and_the_example_body_creates_a_record() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = app.signup("Docs with a key pair").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let Some((browser, _profile)) = open_docs(&app).await else {
        return;
    };

    let block = authorize_dialog_block(&browser, "clientCredentials").await;
    let client_id = browser.element("input[type=text]", "", Some(&block)).await;
    browser.type_into(&client_id, &key.api_key).await;
    let secret = browser
        .element("input[type=password]", "", Some(&block))
        .await;
    browser.type_into(&secret, &key.api_secret).await;
    let authorize = browser
        .element("button.authorize", "Authorize", Some(&block))
        .await;
    browser.click(&authorize).await;
    // Swagger UI posts the pair to the token URL and keeps the JWT it gets.
    browser
        .element(".modal-ux .auth-container", "Logout", None)
        .await;
    close_dialog(&browser).await;

    let (status, body) = try_it_out(&browser, "post", "/api/v1/clients").await;
    assert_eq!(
        status, "201",
        "the documented example creates a client: {body}"
    );
    let created: serde_json::Value = serde_json::from_str(&body).expect("a JSON body");
    let id = created["data"]["id"].as_str().expect("an id").to_owned();
    app.get(&format!("/api/v1/clients/{id}"))
        .header("x-api-key", &key.token)
        .expect(200)
        .await;
    browser.quit().await;
}

/// Every read without a path parameter, tried as the owner with the
/// parameters `/docs` fills in by itself, answers 200: the document's
/// defaults and examples are requests the server accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_and_singleton_read_works_from_the_docs_as_the_owner() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = app.signup("Docs, every read").await;
    app.activate_public_api(&org).await;
    let Some((browser, _profile)) = open_docs(&app).await else {
        return;
    };
    let block = authorize_dialog_block(&browser, "http, Bearer").await;
    let input = browser.element("input", "", Some(&block)).await;
    browser.type_into(&input, &org.owner.access).await;
    let authorize = browser
        .element("button.authorize", "Authorize", Some(&block))
        .await;
    browser.click(&authorize).await;
    browser
        .element(".modal-ux .auth-container", "Logout", None)
        .await;
    close_dialog(&browser).await;

    let document = app.get("/api/v1/openapi.json").expect(200).await.body;
    let reads: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, item)| !path.contains('{') && item.get("get").is_some())
        .map(|(path, _)| path.clone())
        .collect();
    assert!(reads.len() > 20, "{reads:?}");
    let mut failures = Vec::new();
    for path in &reads {
        let (status, body) = try_it_out(&browser, "get", path).await;
        if status != "200" {
            failures.push(format!("GET {path}: {status} {body}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    browser.quit().await;
}
