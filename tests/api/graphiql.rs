//! GraphiQL: the page and its assets come from orgraph itself (the CDN only when asked for),
//! and the operations it opens with run on the demo data. `tests/node/graphiql.test.mjs`
//! drives the page in a real browser.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use entity::prelude::*;
use entity::users;
use orgraph::auth::token::TokenKeys;
use orgraph::graphiql::{ASSETS_PATH, authorization_hint, examples};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha384};

use crate::helpers::*;

/// The GraphiQL page, as a browser asks for it.
async fn graphiql_page(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "text/html; charset=utf-8");
    response.text().await.expect("a page")
}

fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// Every value of `attribute="…"` in `page`.
fn attribute_values<'a>(page: &'a str, attribute: &str) -> Vec<&'a str> {
    let opening = format!(" {attribute}=\"");
    page.split(&opening)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

#[tokio::test]
async fn the_page_loads_every_asset_from_orgraph_itself() {
    let app = spawn_app().await;
    let page = graphiql_page(&app).await;
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("//unpkg"),
        "the page names no other server:\n{page}"
    );
    let scripts = attribute_values(&page, "src");
    let styles = attribute_values(&page, "href");
    assert_eq!(scripts.len(), 3, "React, ReactDOM, GraphiQL: {scripts:?}");
    for (urls, expected_type) in [
        (&scripts[..], "text/javascript; charset=utf-8"),
        (&styles[1..], "text/css; charset=utf-8"),
    ] {
        for url in urls.iter() {
            assert!(url.starts_with(ASSETS_PATH), "{url}");
            let asset = app.client.get(app.url(url)).send().await.unwrap();
            assert_eq!(asset.status(), 200, "{url}");
            assert_eq!(content_type(&asset), expected_type, "{url}");
            let cache = asset.headers()["cache-control"].to_str().unwrap();
            assert!(cache.contains("immutable"), "{url}: {cache}");
            assert!(asset.bytes().await.unwrap().len() > 1000, "{url}");
        }
    }
    assert_eq!(styles[0], "data:,", "the favicon is fetched from nowhere");
}

#[tokio::test]
async fn the_cdn_is_opt_in_and_pinned_to_the_embedded_bytes() {
    let app = spawn_app_with(|settings| settings.graphiql_cdn = true).await;
    let page = graphiql_page(&app).await;
    let urls: Vec<&str> = attribute_values(&page, "src")
        .into_iter()
        .chain(attribute_values(&page, "href").into_iter().skip(1))
        .collect();
    let integrities = attribute_values(&page, "integrity");
    assert_eq!(urls.len(), 4, "{urls:?}");
    assert_eq!(integrities.len(), urls.len());
    for url in urls {
        let file = url
            .strip_prefix("https://unpkg.com/")
            .unwrap_or_else(|| panic!("{url} is on the CDN"));
        let embedded = app
            .client
            .get(app.url(&format!("{ASSETS_PATH}{file}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let integrity = format!("sha384-{}", STANDARD.encode(Sha384::digest(&embedded)));
        assert!(
            page.contains(&format!(r#"{url}" integrity="{integrity}""#)),
            "{url} is pinned to the embedded file's hash"
        );
    }
}

#[test]
fn the_examples_are_the_readmes() {
    let readme = include_str!("../../README.md");
    for example in examples(Utc::now()) {
        assert!(
            readme.contains(example.document),
            "README.md shows the example:\n{}",
            example.document
        );
    }
}

#[tokio::test]
async fn every_example_runs_on_the_demo_data() {
    let app = spawn_app_with(|settings| settings.seed_demo = true).await;
    let amara = User::find()
        .filter(users::Column::Email.eq("amara.okafor@northwind.example"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo's owner of Northwind");
    let token = TokenKeys::new(TEST_JWT_SECRET)
        .mint(amara.id, Duration::hours(1))
        .unwrap();
    let authorization = format!("Bearer {token}");
    for example in examples(Utc::now()) {
        let response: serde_json::Value = app
            .post_graphql(
                example.document,
                example.variables.clone().unwrap_or_default(),
                example.signed_in.then_some(authorization.as_str()),
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(
            response.get("errors").is_none()
                && response["data"]
                    .as_object()
                    .is_some_and(|data| data.values().all(|field| !field.is_null())),
            "{}\n{response:#}",
            example.document
        );
    }
}

#[tokio::test]
async fn the_first_tab_runs_as_it_opens_with_the_token_hint() {
    let app = spawn_app().await;
    let first = examples(Utc::now()).remove(0);
    assert!(!first.signed_in);
    let response = app
        .graphql_with_authorization(first.document, Some(&authorization_hint()))
        .await;
    assert!(
        response.get("errors").is_none()
            && response["data"]["maturityLevels"]
                .as_array()
                .is_some_and(|levels| levels.len() == 10),
        "a credential the server cannot use counts as none: {response:#}"
    );
}
