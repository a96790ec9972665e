//! `GET /metrics`: the Prometheus text format, with each family counting what this
//! application answered (every application has a registry of its own).

use serde_json::json;

use crate::helpers::*;

/// The value of the sample `name` whose labels include every one of `labels`.
pub fn sample(exposition: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
            let wanted = labels
                .iter()
                .all(|(label, value)| rest.contains(&format!("{label}=\"{value}\"")));
            (metric == name && wanted).then(|| value.parse().ok())?
        })
}

#[tokio::test]
async fn metrics_count_requests_operations_errors_statements_and_the_pool() {
    let app = spawn_app().await;
    let named = json!({ "query": "query Levels { maturityLevels { level } }",
                        "operationName": "Levels" });
    for _ in 0..3 {
        let response = app.client.post(app.url("/graphql")).json(&named).send();
        assert_eq!(response.await.unwrap().status(), 200);
    }
    let invalid = json!({ "query": "{ noSuchField }" });
    app.client
        .post(app.url("/graphql"))
        .json(&invalid)
        .send()
        .await
        .unwrap();
    app.client.get(app.url("/healthz")).send().await.unwrap();

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();

    let graphql = [("route", "/graphql"), ("method", "POST"), ("status", "200")];
    assert_eq!(
        sample(&text, "orgraph_http_requests_total", &graphql),
        Some(4.0),
        "{text}"
    );
    let health = [("route", "/healthz"), ("method", "GET"), ("status", "200")];
    assert_eq!(
        sample(&text, "orgraph_http_requests_total", &health),
        Some(1.0)
    );
    let levels = [("operation_type", "query"), ("operation_name", "Levels")];
    let operations = "orgraph_graphql_operation_duration_seconds_count";
    assert_eq!(sample(&text, operations, &levels), Some(3.0), "{text}");
    let anonymous = [("operation_name", "anonymous")];
    assert_eq!(sample(&text, operations, &anonymous), Some(1.0));
    let bad_input = [("code", "BAD_USER_INPUT")];
    assert_eq!(
        sample(&text, "orgraph_graphql_errors_total", &bad_input),
        Some(1.0)
    );
    // Reference data costs no statement: four requests, none sent.
    let statements = "orgraph_sql_statements_per_request";
    assert_eq!(
        sample(&text, &format!("{statements}_count"), &[]),
        Some(4.0)
    );
    assert_eq!(sample(&text, &format!("{statements}_sum"), &[]), Some(0.0));
    let open = sample(&text, "orgraph_db_pool_connections", &[("state", "open")]);
    assert!(open.is_some_and(|open| open >= 1.0), "{text}");
    assert!(sample(&text, "orgraph_db_pool_connections", &[("state", "idle")]).is_some());
    assert!(
        text.contains("# HELP orgraph_graphql_errors_total"),
        "families are described"
    );
}

#[tokio::test]
async fn metrics_switched_off_leave_no_metrics_route_but_keep_the_request_id() {
    let app = spawn_app_with(|settings| settings.metrics = false).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "bare-1")
        .json(&json!({ "query": "{ maturityLevels { level } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "bare-1");
    assert_eq!(response.headers()["x-orgraph-sql-statements"], "0");
    let scrape = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), 404);
}
