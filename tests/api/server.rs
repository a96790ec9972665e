//! The HTTP surface: health, readiness, GraphQL over POST and GET, GraphiQL.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn reference_data_is_public() {
    let app = spawn_app().await;
    let response = app
        .graphql(
            "{ maturityLevels { level name minScore maxScore } consentTypes { code version } }",
        )
        .await;
    let levels = response["data"]["maturityLevels"]
        .as_array()
        .expect("levels");
    assert_eq!(levels.len(), 10);
    assert_eq!(
        levels[0],
        json!({ "level": 0, "name": "Absent", "minScore": 0.0, "maxScore": 0.49 })
    );
    assert_eq!(levels[9]["maxScore"], json!(5.0));
    let codes: Vec<&str> = response["data"]["consentTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|consent| consent["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["analytics", "data_sharing", "marketing"]);
}

#[tokio::test]
async fn graphql_over_get_and_graphiql_share_the_endpoint() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));

    let response = json_body(
        app.client
            .get(app.url("/graphql"))
            .query(&[("query", "{ consentTypes { code } }")])
            .header("accept", "application/json"),
    )
    .await;
    assert_eq!(
        response["data"]["consentTypes"].as_array().unwrap().len(),
        3
    );
}

#[tokio::test]
async fn a_syntax_error_is_reported_not_crashed_on() {
    let app = spawn_app().await;
    let response = app.graphql("{ maturityLevels { level ").await;
    assert!(response["errors"][0]["message"].as_str().is_some());
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert!(response.get("data").is_none_or(serde_json::Value::is_null));

    let unknown_field = app.graphql("{ maturityLevels { shoeSize } }").await;
    assert_eq!(
        unknown_field["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn queries_beyond_the_limits_are_too_complex() {
    let app = spawn_app_with(|settings| {
        settings.max_query_depth = 1;
    })
    .await;
    let too_deep = app.graphql("{ maturityLevels { level } }").await;
    assert_eq!(
        too_deep["errors"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
    assert!(too_deep["data"].is_null());

    let app = spawn_app_with(|settings| {
        settings.max_query_complexity = 5;
    })
    .await;
    let within = app
        .graphql("{ maturityLevels { level name minScore maxScore } }")
        .await;
    assert_eq!(
        within["data"]["maturityLevels"].as_array().map(Vec::len),
        Some(10)
    );
    let too_complex = app
        .graphql("{ maturityLevels { level name minScore maxScore description } }")
        .await;
    assert_eq!(
        too_complex["errors"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
}

#[tokio::test]
async fn introspection_answers_unless_switched_off() {
    const INTROSPECTION: &str = "{ __schema { queryType { name } } }";
    let app = spawn_app().await;
    assert_eq!(
        app.graphql(INTROSPECTION).await["data"]["__schema"]["queryType"]["name"],
        "Query"
    );

    let closed = spawn_app_with(|settings| settings.introspection = false).await;
    // async-graphql answers a closed `__schema` with null: the schema is not revealed.
    let response = closed.graphql(INTROSPECTION).await;
    assert!(response["data"]["__schema"].is_null(), "{response}");
    let ordinary = closed.graphql("{ consentTypes { code } }").await;
    assert_eq!(
        ordinary["data"]["consentTypes"].as_array().map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn connection_complexity_grows_with_the_page_size_asked() {
    let app = spawn_app().await;
    // Complexity is checked before anything runs, so no token is needed to be refused.
    let nested = |size: u32| {
        format!(
            "{{ organizations(first: {size}) {{ edges {{ node {{ members(first: {size}) {{ edges {{ node {{ \
             user {{ assessments(first: {size}) {{ edges {{ node {{ id score {{ overallScore }} }} }} }} }} }} }} }} }} }} }} }}"
        )
    };
    let dashboard = app.graphql(&nested(10)).await;
    assert_eq!(
        dashboard["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{dashboard}"
    );
    let everything = app.graphql(&nested(100)).await;
    assert_eq!(
        everything["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "100 × 100 × 100 rows is refused by the default limit: {everything}"
    );
}

#[tokio::test]
async fn mutations_are_refused_over_get() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { createOrganization(input: {name: \"Via link\", slug: \"via-link\"}) { organization { id } } }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    assert_eq!(
        body["errors"][0]["message"],
        "mutations must be sent with POST"
    );
    // Nothing in the document is at fault, so no place in it is named.
    assert!(body["errors"][0].get("locations").is_none(), "{body}");
    let query = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ consentTypes { code } }")])
        .send()
        .await
        .unwrap();
    assert!(query.status().is_success(), "queries still run over GET");
}

/// A request whose client hangs up half-way still runs to its end: the organisation it creates
/// exists afterwards, and on PostgreSQL the pool keeps the connection it used.
#[tokio::test]
async fn a_request_whose_client_hangs_up_still_runs_to_its_end() {
    use sea_orm::{
        ConnectionTrait, DbBackend, EntityTrait, QueryFilter, SqliteTransactionMode,
        TransactionOptions, TransactionTrait,
    };

    let world = crate::world::World::new().await;
    let db = &world.app.db;
    let backends = || async {
        let pids = db
            .query_all_raw(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() ORDER BY pid",
            ))
            .await
            .expect("the pool's backends");
        pids.iter()
            .map(|row| row.try_get_by_index::<i32>(0).unwrap())
            .collect::<Vec<_>>()
    };
    // Hold the lock every mutation's writes wait for, so the request stalls mid-way.
    let blocker = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .expect("a blocking transaction");
    if on_postgres() {
        blocker
            .execute_unprepared("LOCK TABLE organizations IN EXCLUSIVE MODE")
            .await
            .expect("the lock");
    }
    let before = if on_postgres() {
        backends().await
    } else {
        Vec::new()
    };
    let hung_up = world
        .app
        .client
        .post(world.app.url("/graphql"))
        .header("authorization", crate::world::bearer(&world.outsider))
        .timeout(std::time::Duration::from_millis(500))
        .json(&json!({
            "query": "mutation { createOrganization(input: { name: \"Late\", slug: \"late\" }) \
                      { organization { id } } }"
        }))
        .send()
        .await;
    assert!(hung_up.is_err(), "the client gave up before the answer");
    blocker.commit().await.expect("the lock released");

    let created = || async {
        entity::organizations::Entity::find()
            .filter(sea_orm::ColumnTrait::eq(
                &entity::organizations::Column::Slug,
                "late",
            ))
            .one(db)
            .await
            .expect("a read")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while created().await.is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the mutation never ran to its end"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    if on_postgres() {
        let after = backends().await;
        assert!(
            before.iter().all(|pid| after.contains(pid)),
            "a pooled connection was dropped: {before:?} then {after:?}"
        );
    }
}

/// On PostgreSQL a statement past `ORGRAPH_DB_STATEMENT_TIMEOUT_SECONDS` is stopped by the
/// server, answered as `TIMEOUT`, and its connection serves the next statement. (SQLite has
/// no such setting: its statements run in the process.)
#[tokio::test]
async fn a_statement_past_its_timeout_is_stopped_and_answered_as_a_timeout() {
    use orgraph::error::AppError;
    use sea_orm::ConnectionTrait;

    if !on_postgres() {
        return;
    }
    let database = empty_database().await;
    let mut settings = test_settings(&database.url);
    settings.db_statement_timeout_seconds = 1;
    settings.db_max_connections = 1;
    let db = orgraph::db::connect(&settings).await.expect("connects");
    let error = db
        .execute_unprepared("SELECT pg_sleep(3)")
        .await
        .expect_err("stopped after a second");
    assert!(orgraph::error::is_statement_timeout(&error), "{error}");
    assert!(matches!(AppError::from(error), AppError::Timeout));
    db.execute_unprepared("SELECT 1")
        .await
        .expect("the connection serves the next statement");
}
