//! Documentation served by the binary itself: Swagger UI at `/docs` (its
//! assets are vendored into the build, nothing is fetched at run time) over
//! `/api/v1/openapi.json`, and the guide at `/docs/guide`, rendered from
//! `docs/api-guide.md`.

use std::sync::OnceLock;

use axum::Router;
use axum::response::Html;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::state::AppState;

const GUIDE_MARKDOWN: &str = include_str!("../../../../docs/api-guide.md");

pub fn swagger_ui() -> Router<AppState> {
    let config = Config::new(["/api/v1/openapi.json"])
        .try_it_out_enabled(true)
        .persist_authorization(true)
        .display_operation_id(false);
    Router::from(SwaggerUi::new("/docs").config(config))
}

/// The guide as one HTML page.
pub async fn guide() -> Html<&'static str> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(|| {
        let parser = pulldown_cmark::Parser::new_ext(GUIDE_MARKDOWN, pulldown_cmark::Options::ENABLE_TABLES);
        let mut body = String::new();
        pulldown_cmark::html::push_html(&mut body, parser);
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stint API guide</title>\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
             code,pre{{background:#f4f4f4;border-radius:3px}}pre{{padding:.75rem;overflow:auto}}\
             table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}}</style>\
             </head><body><p><a href=\"/docs/\">Interactive reference</a></p>{body}</body></html>"
        )
    }))
}
