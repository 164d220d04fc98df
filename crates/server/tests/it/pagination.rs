//! Keyset pagination as a property: whatever the page size, walking every
//! page returns each row exactly once, even while other requests insert
//! rows during the walk (new rows land after the ones already seen).

use std::collections::HashSet;

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(walking_pages_returns_each_row_once_under_concurrent_inserts);

async fn walk(app: &TestApp, token: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/clients?limit={limit}&cursor={c}"),
            None => format!("/api/v1/clients?limit={limit}"),
        };
        let page = app.get(&path).bearer(token).expect(200).await;
        let rows = page.data().as_array().unwrap();
        assert!(rows.len() <= limit as usize);
        ids.extend(rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        match page.body["meta"]["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(page.body["meta"]["has_more"], true);
                cursor = Some(next.to_owned());
            }
            None => {
                assert_eq!(page.body["meta"]["has_more"], false);
                return ids;
            }
        }
    }
}

async fn walking_pages_returns_each_row_once_under_concurrent_inserts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = org.owner.access.clone();
    let mut before = HashSet::new();
    for i in 0..60 {
        let resp = app
            .post("/api/v1/clients")
            .bearer(&token)
            .json(&json!({"name": format!("Client {i:03}")}))
            .expect(201)
            .await;
        before.insert(resp.str("/data/id"));
    }
    // Page sizes from the smallest to larger than the table.
    for limit in [1u32, 7, 13, 64] {
        let writer = {
            let base = app.base.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder().no_proxy().build().unwrap();
                let mut created = Vec::new();
                for i in 0..15 {
                    let resp = client
                        .post(format!("{base}/api/v1/clients"))
                        .bearer_auth(&token)
                        .json(&json!({"name": format!("Concurrent {limit}-{i}")}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                    let body: serde_json::Value = resp.json().await.unwrap();
                    created.push(body["data"]["id"].as_str().unwrap().to_owned());
                }
                created
            })
        };
        let seen = walk(&app, &token, limit).await;
        let created_meanwhile = writer.await.unwrap();
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "a row appeared twice with limit {limit}"
        );
        for id in &before {
            assert!(
                unique.contains(id),
                "a row that existed before the walk was skipped with limit {limit}"
            );
        }
        // Everything seen existed before or was created during the walk.
        assert!(
            seen.iter()
                .all(|id| before.contains(id) || created_meanwhile.contains(id))
        );
        // A walk after the writes sees every row exactly once.
        before.extend(created_meanwhile);
        let after: Vec<String> = walk(&app, &token, limit).await;
        assert_eq!(after.len(), before.len());
        assert_eq!(after.iter().collect::<HashSet<_>>().len(), before.len());
    }
}
