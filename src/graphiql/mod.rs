//! GraphiQL, served from the binary: the page `GET /graphql` shows a browser, and the scripts
//! and styles it loads, under `/graphiql/<package>@<version>/…`.
//!
//! The assets are the npm packages' own files, embedded byte for byte (`vendor/refresh.sh`
//! fetches them; their licences sit beside them), so the page works offline and behind a
//! proxy. `ORGRAPH_GRAPHIQL_CDN=true` loads the same files from a public CDN instead, pinned
//! by their hashes (subresource integrity). The page opens one tab per example operation of
//! the README, each runnable on the demo data over HTTP; subscriptions run over the websocket
//! (GraphiQL's fetcher sends the headers editor's JSON as the `connection_init` payload).

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Months, Utc};
use serde::Serialize;
use sha2::{Digest, Sha384};

/// Where the page loads GraphiQL's scripts and styles from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assets {
    /// From orgraph itself: nothing is fetched from elsewhere.
    Embedded,
    /// From the CDN, pinned to the embedded files' hashes.
    Cdn,
}

impl Assets {
    /// The source `ORGRAPH_GRAPHIQL_CDN` chooses.
    pub fn from_cdn_setting(cdn: bool) -> Self {
        if cdn { Self::Cdn } else { Self::Embedded }
    }
}

/// Where the embedded assets are served; the CDN keeps the same `<package>@<version>/<file>`
/// layout under its own root.
pub const ASSETS_PATH: &str = "/graphiql/";

/// The CDN `ORGRAPH_GRAPHIQL_CDN=true` loads the assets from.
const CDN: &str = "https://unpkg.com/";

/// An asset's path carries its package's version, so browsers may keep it for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The endpoint the page sends operations to, and opens subscriptions on.
const ENDPOINT: &str = "/graphql";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Script,
    Style,
}

/// One file of an npm package, as the CDN serves it.
struct Asset {
    /// `<package>@<version>/<file>`.
    file: &'static str,
    kind: Kind,
    body: &'static [u8],
}

macro_rules! asset {
    ($file:literal, $kind:expr) => {
        Asset {
            file: $file,
            kind: $kind,
            body: include_bytes!(concat!("vendor/", $file)),
        }
    };
}

/// In the order the page loads them: GraphiQL's UMD build needs React and ReactDOM first.
static ASSETS: [Asset; 4] = [
    asset!("graphiql@4.1.2/graphiql.min.css", Kind::Style),
    asset!("react@18.3.1/umd/react.production.min.js", Kind::Script),
    asset!(
        "react-dom@18.3.1/umd/react-dom.production.min.js",
        Kind::Script
    ),
    asset!("graphiql@4.1.2/graphiql.min.js", Kind::Script),
];

impl Asset {
    fn url(&self, assets: Assets) -> String {
        match assets {
            Assets::Embedded => format!("{ASSETS_PATH}{}", self.file),
            Assets::Cdn => format!("{CDN}{}", self.file),
        }
    }

    fn content_type(&self) -> &'static str {
        match self.kind {
            Kind::Script => "text/javascript; charset=utf-8",
            Kind::Style => "text/css; charset=utf-8",
        }
    }

    /// The tag that loads the asset; from the CDN, only if its bytes are the embedded ones.
    fn tag(&self, assets: Assets, integrity: &str) -> String {
        let url = self.url(assets);
        let pinned = match assets {
            Assets::Embedded => String::new(),
            Assets::Cdn => format!(r#" integrity="{integrity}" crossorigin="anonymous""#),
        };
        match self.kind {
            Kind::Script => format!(r#"<script src="{url}"{pinned}></script>"#),
            Kind::Style => format!(r#"<link rel="stylesheet" href="{url}"{pinned}>"#),
        }
    }

    fn response(&self) -> Response {
        (
            [
                (header::CONTENT_TYPE, self.content_type()),
                (header::CACHE_CONTROL, IMMUTABLE),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            self.body,
        )
            .into_response()
    }
}

/// Each asset's subresource integrity, `sha384-…`, computed once.
static INTEGRITY: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("sha384-{}", STANDARD.encode(Sha384::digest(asset.body))))
        .collect()
});

/// The routes of the embedded assets, under [`ASSETS_PATH`].
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    ASSETS.iter().fold(Router::new(), |router, asset| {
        router.route(
            &format!("{ASSETS_PATH}{}", asset.file),
            get(move || async move { asset.response() }),
        )
    })
}

/// The command that mints a token for the demo's owner of Northwind Logistics.
pub const TOKEN_COMMAND: &str = "cargo run -q -- token --email amara.okafor@northwind.example";

/// An operation the page opens in a tab of its own.
#[derive(Debug, Clone)]
pub struct Example {
    /// The operation, as the README shows it.
    pub document: &'static str,
    /// Its variables.
    pub variables: Option<serde_json::Value>,
    /// Whether it needs a signed-in viewer.
    pub signed_in: bool,
}

/// The README's example operations, with variables that fit `now`.
pub fn examples(now: DateTime<Utc>) -> Vec<Example> {
    let example = |document, signed_in| Example {
        document,
        variables: None,
        signed_in,
    };
    let today = now.date_naive();
    let a_year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    vec![
        example(include_str!("examples/reference-data.graphql"), false),
        example(include_str!("examples/dashboard.graphql"), true),
        example(include_str!("examples/people.graphql"), true),
        example(
            include_str!("examples/organizations-and-nodes.graphql"),
            true,
        ),
        Example {
            variables: Some(serde_json::json!({
                "from": format!("{a_year_ago}T00:00:00Z"),
                "to": format!("{today}T23:59:59Z"),
            })),
            ..example(include_str!("examples/dashboard-over-time.graphql"), true)
        },
        example(include_str!("examples/update-my-profile.graphql"), true),
    ]
}

/// Opens the first tab: what runs without a token, and how to get one.
fn welcome() -> String {
    format!(
        "# Welcome to orgraph. Reference data is public: run this with ▶ or Ctrl-Enter.\n\
         # Everything else needs a token: mint one with\n\
         #   {TOKEN_COMMAND}\n\
         # and put it in Headers, below, in place of the hint.\n"
    )
}

/// What GraphiQL is started with (`start.js` reads it).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageConfig {
    endpoint: &'static str,
    subscription_endpoint: &'static str,
    tabs: Vec<Tab>,
    /// The headers of a new tab.
    headers: String,
    /// Shown instead of GraphiQL when its scripts did not load.
    not_loaded: &'static str,
}

#[derive(Serialize)]
struct Tab {
    query: String,
    variables: Option<String>,
    headers: String,
}

/// The `Authorization` the *Headers* pane opens with: a hint, not a token. The server takes a
/// credential it cannot use as none, so the public first tab runs with it as it is.
pub fn authorization_hint() -> String {
    format!("Bearer <the output of: {TOKEN_COMMAND}>")
}

/// The *Headers* pane of every tab.
fn headers_hint() -> String {
    format!(
        "{{\n  \"Authorization\": {}\n}}",
        serde_json::Value::from(authorization_hint())
    )
}

fn page_config(assets: Assets, now: DateTime<Utc>) -> PageConfig {
    let tabs = examples(now)
        .into_iter()
        .enumerate()
        .map(|(index, example)| Tab {
            query: if index == 0 {
                format!("{}{}", welcome(), example.document)
            } else {
                example.document.to_owned()
            },
            variables: example.variables.map(|variables| format!("{variables:#}")),
            headers: headers_hint(),
        })
        .collect();
    PageConfig {
        endpoint: ENDPOINT,
        subscription_endpoint: ENDPOINT,
        tabs,
        headers: headers_hint(),
        not_loaded: match assets {
            Assets::Embedded => "GraphiQL's scripts did not load from this server.",
            Assets::Cdn => {
                "GraphiQL's scripts did not load from the CDN (offline, or a proxy in the way?): \
                 unset ORGRAPH_GRAPHIQL_CDN to have orgraph serve them itself."
            }
        },
    }
}

/// The GraphiQL page, loading its assets from `assets`.
pub fn page(assets: Assets) -> Html<String> {
    let tags = |kind: Kind| {
        ASSETS
            .iter()
            .zip(INTEGRITY.iter())
            .filter(|(asset, _)| asset.kind == kind)
            .map(|(asset, integrity)| asset.tag(assets, integrity))
            .collect::<Vec<_>>()
            .join("\n    ")
    };
    let config = serde_json::to_string(&page_config(assets, Utc::now()))
        .expect("the page's settings serialise");
    // Inside <script>, `</script>` in a string would end the element: JSON may escape `<`.
    let config = config
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Html(
        include_str!("page.html")
            .replace("{{styles}}", &tags(Kind::Style))
            .replace("{{scripts}}", &tags(Kind::Script))
            .replace("{{config}}", &config)
            .replace("{{start}}", include_str!("start.js")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_cannot_close_its_script_element() {
        let Html(page) = page(Assets::Embedded);
        let config = page
            .split(r#"<script type="application/json" id="orgraph-graphiql">"#)
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .expect("the page holds its config");
        assert!(!config.contains('<'), "{config}");
        let config: serde_json::Value = serde_json::from_str(config).expect("JSON");
        assert!(
            config["headers"]
                .as_str()
                .is_some_and(|headers| headers.contains(TOKEN_COMMAND)),
            "{config}"
        );
    }

    #[test]
    fn the_dashboard_over_time_covers_the_past_year() {
        let now = "2026-03-15T10:00:00Z".parse().unwrap();
        let variables: Vec<_> = examples(now)
            .into_iter()
            .filter_map(|example| example.variables)
            .collect();
        assert_eq!(
            variables,
            [serde_json::json!({"from": "2025-03-15T00:00:00Z", "to": "2026-03-15T23:59:59Z"})]
        );
    }

    #[test]
    fn cdn_tags_pin_the_embedded_bytes() {
        let Html(page) = page(Assets::Cdn);
        for (asset, integrity) in ASSETS.iter().zip(INTEGRITY.iter()) {
            let tag = asset.tag(Assets::Cdn, integrity);
            assert!(page.contains(&tag), "{tag}");
            assert!(tag.contains(&format!("{CDN}{}", asset.file)), "{tag}");
            assert!(integrity.starts_with("sha384-") && integrity.len() == 71);
        }
    }
}
