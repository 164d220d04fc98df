//! Receipts: stored in the database and returned byte for byte with their
//! content type; the type is checked from the bytes (PNG, JPEG, PDF), a
//! contradicting header is refused, at most 10 MiB (well above the general
//! 1 MiB body limit), and DELETE removes them.

use serde_json::json;

use super::{EXPENSES, create_expense, expense_path};
use crate::both_backends;
use crate::support::{Backend, TestApp};
use crate::time_entries::spawn;

both_backends!(
    receipts_round_trip_byte_for_byte,
    receipts_are_checked_by_content,
    receipts_may_be_large_but_not_too_large,
    receipts_belong_to_visible_expenses,
);

const MIB: usize = 1024 * 1024;

fn receipt_path(id: &str) -> String {
    format!("{}/receipt", expense_path(id))
}

/// `len` bytes starting with `magic`, then every byte value in turn (so
/// NULs, invalid UTF-8 and CR/LF all travel through).
fn file(magic: &[u8], len: usize) -> Vec<u8> {
    let mut bytes = magic.to_vec();
    bytes.extend((0..len.saturating_sub(magic.len())).map(|i| (i % 256) as u8));
    bytes
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const PDF: &[u8] = b"%PDF-1.7\n";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0];

fn sha256_hex(bytes: &[u8]) -> String {
    stint_server::auth::crypto::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn receipts_round_trip_byte_for_byte(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let id = create_expense(&app, token, json!({"amount": "42"})).await;
    let path = receipt_path(&id);
    app.get(&path)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");

    let png = file(PNG, 5000);
    let stored = app
        .put(&path)
        .bearer(token)
        .body("image/png", png.clone())
        .expect(200)
        .await;
    assert_eq!(
        stored.header("etag"),
        Some("\"2\""),
        "the expense's version"
    );
    let receipt = &stored.data()["receipt"];
    assert_eq!(receipt["content_type"], "image/png");
    assert_eq!(receipt["size_bytes"], 5000);
    assert_eq!(receipt["sha256"], sha256_hex(&png));
    assert_eq!(receipt["uploaded_at"], "2026-03-02T09:00:00Z");
    let fetched = app.get(&expense_path(&id)).bearer(token).expect(200).await;
    assert_eq!(fetched.data()["receipt"], *receipt);

    let back = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(back.header("content-type"), Some("image/png"));
    let expected_etag = format!("\"{}\"", sha256_hex(&png));
    assert_eq!(back.header("etag"), Some(expected_etag.as_str()));
    let bytes = reqwest_bytes(&app, &path, token).await;
    assert_eq!(bytes, png, "byte for byte");

    // Replacing it with a PDF (sent as a generic binary: sniffed).
    let pdf = file(PDF, 70_000);
    let stored = app
        .put(&path)
        .bearer(token)
        .body("application/octet-stream", pdf.clone())
        .expect(200)
        .await;
    assert_eq!(stored.data()["receipt"]["content_type"], "application/pdf");
    assert_eq!(stored.data()["receipt"]["size_bytes"], 70_000);
    let back = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(back.header("content-type"), Some("application/pdf"));
    assert_eq!(reqwest_bytes(&app, &path, token).await, pdf);
    // A JPEG with its own type and a charset-like parameter.
    let jpeg = file(JPEG, 1234);
    app.put(&path)
        .bearer(token)
        .body("image/jpeg; name=receipt.jpg", jpeg.clone())
        .expect(200)
        .await;
    let back = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(back.header("content-type"), Some("image/jpeg"));
    assert_eq!(reqwest_bytes(&app, &path, token).await, jpeg);

    // DELETE removes it (and only it).
    app.delete(&path).bearer(token).expect(204).await;
    app.get(&path).bearer(token).expect(404).await;
    app.delete(&path).bearer(token).expect(404).await;
    let expense = app.get(&expense_path(&id)).bearer(token).expect(200).await;
    assert!(expense.data()["receipt"].is_null());
    assert_eq!(expense.data()["amount"], "42.00");
    // Deleting the expense takes its receipt with it.
    app.put(&path)
        .bearer(token)
        .body("image/png", png)
        .expect(200)
        .await;
    app.delete(&expense_path(&id))
        .bearer(token)
        .expect(204)
        .await;
    app.get(&path).bearer(token).expect(404).await;
}

fn raw_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The raw bytes of a GET (the test client's body is decoded as text).
async fn reqwest_bytes(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    raw_client()
        .get(format!("{}{path}", app.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

async fn receipts_are_checked_by_content(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let id = create_expense(&app, token, json!({"amount": "42"})).await;
    let path = receipt_path(&id);
    let refusals: Vec<(&str, Vec<u8>)> = vec![
        ("image/gif", file(b"GIF89a", 100)),
        ("image/png", file(b"GIF89a", 100)),
        ("text/plain", b"just some text".to_vec()),
        ("application/pdf", b"just some text".to_vec()),
        ("image/png", Vec::new()),
        // The bytes are a PNG, the header says otherwise.
        ("application/pdf", file(PNG, 100)),
        ("image/jpeg", file(PDF, 100)),
        ("text/plain", file(PNG, 100)),
    ];
    for (content_type, bytes) in refusals {
        let resp = app
            .put(&path)
            .bearer(token)
            .body(content_type, bytes)
            .expect(415)
            .await;
        resp.assert_code("unsupported_media_type");
    }
    let resp = app
        .put(&path)
        .bearer(token)
        .body("application/pdf", file(PNG, 100))
        .expect(415)
        .await;
    let message = resp.body["error"].as_str().unwrap();
    assert!(
        message.contains("image/png") && message.contains("application/pdf"),
        "{message}"
    );
    let expense = app.get(&expense_path(&id)).bearer(token).expect(200).await;
    assert!(expense.data()["receipt"].is_null(), "nothing stored");
    assert_eq!(expense.header("etag"), Some("\"1\""));
    // No content type at all: the bytes decide.
    let resp = raw_client()
        .put(format!("{}{path}", app.base))
        .header("authorization", format!("Bearer {token}"))
        .body(file(PDF, 10))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["receipt"]["content_type"], "application/pdf");
}

async fn receipts_may_be_large_but_not_too_large(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let id = create_expense(&app, token, json!({"amount": "42"})).await;
    let path = receipt_path(&id);

    // Exactly 10 MiB passes, ten times the general body limit.
    let big = file(PDF, 10 * MIB);
    let stored = app
        .put(&path)
        .bearer(token)
        .body("application/pdf", big.clone())
        .expect(200)
        .await;
    assert_eq!(stored.data()["receipt"]["size_bytes"], 10 * MIB);
    assert_eq!(stored.data()["receipt"]["sha256"], sha256_hex(&big));
    assert_eq!(reqwest_bytes(&app, &path, token).await, big);
    // One byte more does not, and leaves the stored receipt alone.
    let resp = app
        .put(&path)
        .bearer(token)
        .body("application/pdf", file(PDF, 10 * MIB + 1))
        .expect(413)
        .await;
    resp.assert_code("payload_too_large");
    app.put(&path)
        .bearer(token)
        .body("image/png", file(PNG, 12 * MIB))
        .expect(413)
        .await;
    let expense = app.get(&expense_path(&id)).bearer(token).expect(200).await;
    assert_eq!(expense.data()["receipt"]["size_bytes"], 10 * MIB);
    // The general limit still holds for ordinary JSON bodies.
    let huge = json!({"amount": "1", "description": "x".repeat(2 * MIB)});
    app.post(EXPENSES)
        .bearer(token)
        .json(&huge)
        .expect(413)
        .await
        .assert_code("payload_too_large");
}

async fn receipts_belong_to_visible_expenses(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;
    app.activate_public_api(&org).await;
    let read_only = app.create_key(&org, Some(&["read"])).await;
    let anns = create_expense(&app, &ann.access, json!({"amount": "42"})).await;
    let path = receipt_path(&anns);
    let png = file(PNG, 64);
    app.put(&path)
        .bearer(&ann.access)
        .body("image/png", png.clone())
        .expect(200)
        .await;
    // Another member: 404 on every receipt operation.
    app.get(&path).bearer(&bob.access).expect(404).await;
    app.put(&path)
        .bearer(&bob.access)
        .body("image/png", png.clone())
        .expect(404)
        .await;
    app.delete(&path).bearer(&bob.access).expect(404).await;
    // Owners and read keys see it; read keys cannot change it.
    assert_eq!(reqwest_bytes(&app, &path, &org.owner.access).await, png);
    app.get(&path).api_key(&read_only.token).expect(200).await;
    app.put(&path)
        .api_key(&read_only.token)
        .body("image/png", png.clone())
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.delete(&path)
        .api_key(&read_only.token)
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    // An expense that does not exist has no receipt.
    let unknown = receipt_path(&stint_core::ids::ExpenseId::generate().to_string());
    app.put(&unknown)
        .bearer(&org.owner.access)
        .body("image/png", png)
        .expect(404)
        .await;
    app.get(&unknown)
        .bearer(&org.owner.access)
        .expect(404)
        .await;
}
