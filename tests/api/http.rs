//! GraphQL over HTTP: media types, statuses, malformed requests, batches, persisted queries.
//! The graphql-http package's own audit runs against the server in `.ci/run` as well.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// POSTs `body` (raw) with `content_type` and `accept`; the status, content type and body.
async fn post(
    app: &TestApp,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, String, Value) {
    let mut request = app.client.post(app.url("/graphql")).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let media = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, media, body)
}

async fn post_json(
    app: &TestApp,
    accept: Option<&str>,
    body: Value,
) -> (StatusCode, String, Value) {
    post(app, Some("application/json"), accept, body.to_string()).await
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn the_answer_takes_the_media_type_the_client_accepts() {
    let app = spawn_app().await;
    let query = json!({ "query": "{ __typename }" });
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
    ] {
        let (status, media, body) = post_json(&app, accept, query.clone()).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}");
        assert!(media.starts_with(expected), "{accept:?}: {media}");
        assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
    }
    let (status, _, body) = post_json(&app, Some("text/csv"), query).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(code(&body), "BAD_REQUEST");
}

#[tokio::test]
async fn a_request_error_has_no_data_and_its_status_depends_on_the_media_type() {
    let app = spawn_app().await;
    for (query, needle) in [
        ("{ __typename", ""),
        ("{ noSuchField }", "noSuchField"),
        ("query($n: Int!) { __typename }", "$n"),
    ] {
        let body = json!({ "query": query });
        let (status, _, strict) = post_json(&app, Some(GRAPHQL_RESPONSE), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {strict}");
        assert!(strict.get("data").is_none(), "{query}: {strict}");
        assert!(
            strict["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{strict}"
        );
        let (status, _, legacy) = post_json(&app, Some("application/json"), body).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert!(legacy.get("data").is_none(), "{query}: {legacy}");
    }
    // A field error is no request error: `data` is there, and the status 200.
    let (status, _, body) = post_json(
        &app,
        Some(GRAPHQL_RESPONSE),
        json!({ "query": "{ viewer { id } }" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_body_that_is_not_a_json_graphql_request_is_refused_in_words() {
    let app = spawn_app().await;
    let mutation = r#"{"query": "mutation { createOrganization(input: {name: \"X\", slug: \"x-org\"}) { organization { id } } }"}"#;
    for content_type in [
        None,
        Some("text/plain;charset=UTF-8"),
        Some("application/json; charset=latin1"),
    ] {
        let (status, _, body) = post(&app, content_type, None, mutation).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(code(&body), "BAD_REQUEST");
    }
    for (raw, needle) in [
        ("", "the body is empty"),
        ("{\"query\": ", "the body is not JSON"),
        ("{\"query\": 1}", "`query` must be a string, not a number"),
        (
            "{\"query\": \"{ __typename }\", \"variables\": []}",
            "`variables` must be an object",
        ),
        (
            "{\"qury\": \"{ __typename }\"}",
            "the request has no `query` (it holds qury): expected query, operationName, variables, extensions",
        ),
        ("--boundary\r\n", "the body is not JSON"),
    ] {
        let (status, media, body) = post(&app, Some("application/json"), None, raw).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw}");
        assert!(media.starts_with("application/json"), "{media}");
        assert_eq!(code(&body), "BAD_REQUEST", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{raw}: {message}");
        assert!(!message.contains("Error("), "no Rust debug text: {message}");
    }
}

#[tokio::test]
async fn a_body_beyond_the_limit_is_refused() {
    let app = spawn_app_with(|settings| settings.max_body_bytes = 4096).await;
    let padding = " ".repeat(8192);
    let body = format!("{{\"query\": \"{{ __typename }}\"{padding}}}");
    let (status, _, answer) = post(&app, Some("application/json"), None, body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&answer), "PAYLOAD_TOO_LARGE");
    let (status, _, _) = post_json(&app, None, json!({ "query": "{ __typename }" })).await;
    assert_eq!(status, StatusCode::OK, "a small body still runs");
}

#[tokio::test]
async fn get_takes_the_spec_parameter_names_and_head_answers() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query A { a: __typename } query B { b: __typename }",
            ),
            ("operationName", "B"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "data": { "b": "Query" } }));
    let head = app.client.head(app.url("/graphql")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
}

#[tokio::test]
async fn batches_are_off_by_default_and_run_in_order_up_to_their_limit() {
    let batch = json!([
        { "query": "{ one: __typename }" },
        { "query": "{ two: nope }" },
        { "query": "{ three: __typename }" }
    ]);
    let app = spawn_app().await;
    let (status, _, body) = post_json(&app, None, batch.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("batches are off")
    );

    let app = spawn_app_with(|settings| settings.batch_max = 3).await;
    let (status, _, body) = post_json(&app, None, batch.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let answers = body.as_array().expect("an array");
    assert_eq!(answers[0], json!({ "data": { "one": "Query" } }));
    assert!(answers[1].get("data").is_none(), "{body}");
    assert_eq!(answers[2], json!({ "data": { "three": "Query" } }));

    let app = spawn_app_with(|settings| settings.batch_max = 2).await;
    let (status, _, body) = post_json(&app, None, batch).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 2"),
        "{body}"
    );
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn an_automatic_persisted_query_is_missed_registered_and_hit() {
    let app = spawn_app().await;
    let query = "{ maturityLevels { level } }";
    let hash = sha256_hex(query);
    let by_hash = json!({ "extensions": persisted(&hash) });
    let (status, _, miss) = post_json(&app, Some(GRAPHQL_RESPONSE), by_hash.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "Apollo's link reads the miss from the body"
    );
    assert_eq!(code(&miss), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(miss["errors"][0]["message"], "PersistedQueryNotFound");

    let wrong = json!({ "query": "{ __typename }", "extensions": persisted(&hash) });
    let (status, _, refused) = post_json(&app, None, wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("SHA-256")
    );

    let register = json!({ "query": query, "extensions": persisted(&hash) });
    let (_, _, registered) = post_json(&app, None, register).await;
    assert_eq!(
        registered["data"]["maturityLevels"][0]["level"], 0,
        "{registered}"
    );
    let (_, _, hit) = post_json(&app, None, by_hash).await;
    assert_eq!(hit, registered);
}

#[tokio::test]
async fn the_allow_list_mode_runs_listed_operations_only() {
    let folder = std::env::temp_dir().join(format!("orgraph-allow-list-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&folder).unwrap();
    let listed = "query Levels { maturityLevels { level } }";
    std::fs::write(folder.join("levels.graphql"), listed).unwrap();
    let app = spawn_app_with(|settings| {
        settings.persisted_only = true;
        settings.persisted_dir = Some(folder.clone());
    })
    .await;
    let (_, _, by_text) = post_json(&app, None, json!({ "query": listed })).await;
    assert_eq!(
        by_text["data"]["maturityLevels"][0]["level"], 0,
        "{by_text}"
    );
    let by_hash = json!({ "extensions": persisted(&sha256_hex(listed)) });
    let (_, _, hit) = post_json(&app, None, by_hash).await;
    assert_eq!(hit, by_text);
    for unlisted in [
        json!({ "query": "{ maturityLevels { level name } }" }),
        json!({ "extensions": persisted(&sha256_hex("{ __typename }")) }),
    ] {
        let (status, _, refused) = post_json(&app, None, unlisted).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(code(&refused), "OPERATION_NOT_ALLOWED", "{refused}");
    }
    std::fs::remove_dir_all(&folder).unwrap();
}
