//! Input an attacker sends: NUL and control characters, lists past the backends' bind limits,
//! invisible characters in names, documents that multiply their cost. Each is refused with a
//! code naming the field, the same on both backends, and writes nothing.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::world::{World, error_codes, global_id};

const CREATE: &str = "mutation($input: CreateOrganizationInput!) { \
     createOrganization(input: $input) { organization { id } } }";

async fn organizations(world: &World) -> u64 {
    entity::prelude::Organization::find()
        .count(&world.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn nul_and_control_characters_are_refused_in_every_text_input() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let before = organizations(&world).await;
    for (input, field) in [
        (
            json!({ "name": "Nul", "slug": "nul\u{0}slug" }),
            "$input.slug",
        ),
        (
            json!({ "name": "Bell\u{7}", "slug": "bell-org" }),
            "$input.name",
        ),
        (
            json!({ "name": "Esc", "slug": "esc-org", "industry": "x\u{1b}[31m" }),
            "$input.industry",
        ),
    ] {
        let response = world
            .query(Some(owner), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
        assert!(response.get("data").is_none(), "nothing ran: {response}");
    }
    assert_eq!(organizations(&world).await, before, "nothing was written");
    // In a literal, and in a cursor.
    let query = "{ organizations(first: 1, after: \"abc\\u0000\") { totalCount } }";
    let response = world.query(Some(owner), query, json!({})).await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("U+0000")
    );
}

#[tokio::test]
async fn a_list_past_the_bound_is_refused_naming_the_field() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let statuses = vec!["ACTIVE"; 70_000];
    let query = "query($statuses: [OrganizationStatus!]) { \
         organizations(first: 5, filter: { statuses: $statuses }) { totalCount } }";
    let response = world
        .query(Some(owner), query, json!({ "statuses": statuses }))
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
    assert_eq!(response["errors"][0]["extensions"]["field"], "$statuses");
    let within = world
        .query(
            Some(owner),
            query,
            json!({ "statuses": vec!["ACTIVE"; 1000] }),
        )
        .await;
    assert!(within.get("errors").is_none(), "{within}");
    assert_eq!(within["data"]["organizations"]["totalCount"], 1);
}

#[tokio::test]
async fn a_name_with_invisible_characters_is_refused() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let input = json!({ "name": "Acme\u{202E}emca", "slug": "acme-spoof" });
    let response = world
        .query(Some(owner), CREATE, json!({ "input": input }))
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
    assert_eq!(response["errors"][0]["extensions"]["field"], "input.name");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("U+202E")
    );
}

#[tokio::test]
async fn nodes_ids_and_aliases_count_in_the_cost() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let ids: Vec<Value> = (0..100)
        .map(|_| json!(global_id("Organization", world.alpha.id)))
        .collect();
    let aliases: Vec<String> = (0..1000)
        .map(|n| format!("n{n}: nodes(ids: $ids) {{ id }}"))
        .collect();
    let query = format!("query($ids: [ID!]!) {{ {} }}", aliases.join(" "));
    let response = world
        .query(Some(owner), &query, json!({ "ids": ids }))
        .await;
    assert_eq!(
        error_codes(&response),
        ["QUERY_TOO_COMPLEX"],
        "1000 × 100 IDs"
    );
    let typenames: Vec<String> = (0..3000).map(|n| format!("t{n}: __typename")).collect();
    let query = format!("{{ viewer {{ {} }} }}", typenames.join(" "));
    let response = world.query(Some(owner), &query, json!({})).await;
    assert_eq!(error_codes(&response), ["QUERY_TOO_COMPLEX"], "{response}");
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("more than 2000 fields"), "{message}");

    // Root fields are bounded by number too, however cheap each is.
    let roots = |count: usize| {
        let fields: Vec<String> = (0..count).map(|n| format!("r{n}: __typename")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let response = world.query(Some(owner), &roots(200), json!({})).await;
    assert!(response.get("errors").is_none(), "200 root fields run");
    let response = world.query(Some(owner), &roots(201), json!({})).await;
    assert_eq!(error_codes(&response), ["QUERY_TOO_COMPLEX"], "{response}");
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("201 root fields"), "{message}");
}

/// A request that outlasts `ORGRAPH_REQUEST_TIMEOUT_MS` is stopped and answered `TIMEOUT`
/// (504 to a client asking for `application/graphql-response+json`), and its mutation is
/// rolled back. The database is held by a test transaction so that the request must wait.
#[tokio::test]
async fn a_request_past_its_timeout_is_stopped_answered_timeout_and_writes_nothing() {
    use sea_orm::{
        ConnectionTrait, DbBackend, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    };

    let app = crate::helpers::spawn_app_with(|settings| settings.request_timeout_ms = 300).await;
    let founder = crate::world::Person {
        id: uuid::Uuid::now_v7(),
        email: "founder@example.com".to_owned(),
    };
    crate::rows::user(founder.id, &founder.email)
        .insert(&app.db)
        .await
        .expect("a user");
    let count = || entity::prelude::Organization::find().count(&app.db);
    let before = count().await.unwrap();
    let body = json!({ "query": CREATE,
                       "variables": { "input": { "name": "Late", "slug": "late" } } });
    let send = || {
        app.client
            .post(app.url("/graphql"))
            .header("authorization", crate::world::bearer(&founder))
            .header("accept", "application/graphql-response+json")
            .json(&body)
            .send()
    };

    let holder = app
        .db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .expect("a transaction");
    if app.db.get_database_backend() == DbBackend::Postgres {
        holder
            .execute_unprepared("LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE")
            .await
            .expect("the organisations locked");
    }
    let response = send().await.expect("an answer");
    assert_eq!(response.status(), 504);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(error_codes(&answer), ["TIMEOUT"], "{answer}");
    assert!(
        answer.get("data").is_none(),
        "a request error has no data: {answer}"
    );
    holder.rollback().await.expect("the lock released");

    assert_eq!(
        count().await.unwrap(),
        before,
        "the stopped mutation wrote nothing"
    );
    let retried: Value = send().await.expect("an answer").json().await.expect("JSON");
    assert!(retried.get("errors").is_none(), "then it runs: {retried}");
    assert_eq!(count().await.unwrap(), before + 1);
}
