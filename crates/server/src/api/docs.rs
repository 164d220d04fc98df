//! Documentation served by the binary itself: Swagger UI at `/docs` (its
//! assets are vendored into the build, nothing is fetched at run time) over
//! `/api/v1/openapi.json`, and the guide at `/docs/guide`, rendered from
//! `docs/api-guide.md`.

use std::sync::OnceLock;

use axum::Router;
use axum::response::Html;
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::error::{ApiError, Code};
use crate::state::AppState;

/// The pages under `/docs/guide`: the guide, and the documents it links to
/// that matter to API users. Links between them (`webhooks.md`) and to the
/// document (`openapi.json`) are rewritten to where the server serves them.
const PAGES: [(&str, &str, &str); 3] = [
    (
        "",
        "Stint API guide",
        include_str!("../../../../docs/api-guide.md"),
    ),
    (
        "webhooks",
        "Stint webhooks",
        include_str!("../../../../docs/webhooks.md"),
    ),
    (
        "conformance",
        "Stint API conformance",
        include_str!("../../../../docs/conformance.md"),
    ),
];

/// Where a link of the Markdown sources points once served.
fn served_link(destination: &str) -> Option<String> {
    if destination == "openapi.json" {
        return Some("/api/v1/openapi.json".to_owned());
    }
    let (file, anchor) = destination.split_once('#').unwrap_or((destination, ""));
    let name = file.strip_suffix(".md")?;
    let page = if name == "api-guide" { "" } else { name };
    PAGES.iter().any(|(slug, _, _)| *slug == page).then(|| {
        let path = if page.is_empty() {
            "/docs/guide".to_owned()
        } else {
            format!("/docs/guide/{page}")
        };
        if anchor.is_empty() {
            path
        } else {
            format!("{path}#{anchor}")
        }
    })
}

fn render(title: &str, markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag};
    let parser =
        Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES).map(
            |event| match event {
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let dest_url = served_link(&dest_url).map_or(dest_url, Into::into);
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })
                }
                other => other,
            },
        );
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         code,pre{{background:#f4f4f4;border-radius:3px}}pre{{padding:.75rem;overflow:auto}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}}</style>\
         </head><body><p><a href=\"/docs/\">Interactive reference</a> · <a href=\"/docs/guide\">Guide</a></p>{body}</body></html>"
    )
}

/// The rendered pages, once per process.
fn pages() -> &'static [(&'static str, String)] {
    static RENDERED: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    RENDERED.get_or_init(|| {
        PAGES
            .iter()
            .map(|(slug, title, markdown)| (*slug, render(title, markdown)))
            .collect()
    })
}

pub fn swagger_ui() -> Router<AppState> {
    let config = Config::new(["/api/v1/openapi.json"])
        .try_it_out_enabled(true)
        .persist_authorization(true)
        .display_operation_id(false);
    Router::from(SwaggerUi::new("/docs").config(config))
}

/// The guide as one HTML page.
pub async fn guide() -> Html<&'static str> {
    Html(&pages()[0].1)
}

/// Another page under `/docs/guide/{page}`.
pub async fn guide_page(
    super::extract::Path(page): super::extract::Path<String>,
) -> Result<Html<&'static str>, ApiError> {
    pages()
        .iter()
        .find(|(slug, _)| !slug.is_empty() && *slug == page)
        .map(|(_, html)| Html(html.as_str()))
        .ok_or_else(|| ApiError::new(Code::RouteNotFound, "No such page of the guide"))
}
