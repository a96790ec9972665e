//! CORS: a frontend on another origin may call the API only when `ORGRAPH_CORS_ORIGINS` names
//! it (or is `*`); preflights are answered and may be cached.

use reqwest::Method;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const FRONTEND: &str = "http://localhost:5173";

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("the server answers")
}

async fn post_from(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .header("origin", origin)
        .json(&serde_json::json!({ "query": "{ consentTypes { code } }" }))
        .send()
        .await
        .expect("the server answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn a_named_origin_is_allowed_with_its_token_and_json_and_others_are_not() {
    let app = spawn_app_with(|settings| {
        settings.cors_origins = Some(format!("https://app.example.com, {FRONTEND}"));
    })
    .await;
    let allowed = preflight(&app, FRONTEND).await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(FRONTEND)
    );
    assert_eq!(header(&allowed, "access-control-max-age"), Some("600"));
    let headers = header(&allowed, "access-control-allow-headers").unwrap_or_default();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    let methods = header(&allowed, "access-control-allow-methods").unwrap_or_default();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );

    let answered = post_from(&app, FRONTEND).await;
    assert_eq!(
        header(&answered, "access-control-allow-origin"),
        Some(FRONTEND)
    );
    assert!(answered.status().is_success());

    let stranger = preflight(&app, "https://evil.example").await;
    assert_eq!(header(&stranger, "access-control-allow-origin"), None);
    let stranger = post_from(&app, "https://evil.example").await;
    assert_eq!(header(&stranger, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn by_default_no_other_origin_is_allowed_and_a_star_allows_any() {
    let app = spawn_app().await;
    let response = post_from(&app, FRONTEND).await;
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    let preflight_response = preflight(&app, FRONTEND).await;
    assert_eq!(
        header(&preflight_response, "access-control-allow-origin"),
        None
    );

    let open = spawn_app_with(|settings| settings.cors_origins = Some("*".into())).await;
    let response = preflight(&open, "https://anywhere.example").await;
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
}
