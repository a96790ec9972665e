//! The response's shape follows the spec: an errored field is `null` at its path (and nulls
//! its nearest nullable parent when it is non-null), keys come in the order the query selected
//! them, and an object is an object even when none of its selected fields applied.

use serde_json::{Value, json};

use crate::world::{World, error_codes, global_id};

/// The raw response text, for what the parsed JSON hides (key order, present `null`s).
async fn response_text(
    world: &World,
    viewer: &crate::world::Person,
    query: &str,
    variables: Value,
) -> String {
    world
        .app
        .post_graphql(query, variables, Some(&crate::world::bearer(viewer)))
        .await
        .text()
        .await
        .expect("a body")
}

#[tokio::test]
async fn a_forbidden_personal_field_is_null_beside_its_error() {
    let world = World::new().await;
    let (member, owner) = (world.alpha.person("member"), world.alpha.person("owner"));
    let query = "query($id: ID!) { node(id: $id) { ... on User { name email } } }";
    let variables = json!({ "id": global_id("User", owner.id) });
    let text = response_text(&world, member, query, variables).await;
    let response: Value = serde_json::from_str(&text).expect("JSON");
    let node = response["data"]["node"]
        .as_object()
        .expect("the user is there");
    assert_eq!(node.get("email"), Some(&Value::Null), "{text}");
    assert!(node["name"].is_string(), "{text}");
    assert_eq!(error_codes(&response), ["FORBIDDEN"]);
    assert_eq!(response["errors"][0]["path"], json!(["node", "email"]));
}

#[tokio::test]
async fn a_non_null_field_that_errors_nulls_its_nearest_nullable_parent() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    // `members` is non-null: refused for its page size, it takes the organisation with it.
    let query = "query($id: ID!) {
        viewer { name }
        organization: node(id: $id) { ... on Organization { name members(first: 1000) { totalCount } } }
    }";
    let variables = json!({ "id": global_id("Organization", world.alpha.id) });
    let response = world.query(Some(owner), query, variables).await;
    assert_eq!(response["data"]["organization"], Value::Null, "{response}");
    assert!(response["data"]["viewer"]["name"].is_string(), "{response}");
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
    assert_eq!(
        response["errors"][0]["path"],
        json!(["organization", "members"])
    );

    // `organizations` is non-null on the root: refused, it nulls `data` itself.
    let query = "{ viewer { name } organizations(first: 1000) { totalCount } }";
    let response = world.query(Some(owner), query, json!({})).await;
    assert_eq!(response["data"], Value::Null, "{response}");
    assert!(response.as_object().unwrap().contains_key("data"));
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
}

#[tokio::test]
async fn keys_come_in_the_order_the_query_selected_them() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let query = "query($id: ID!) {
        viewer { name }
        maturityLevels { level name }
        node(id: $id) { ... on Organization { members(first: 2) { totalCount pageInfo { hasNextPage } edges { cursor } } } }
        again: viewer { id }
    }";
    let variables = json!({ "id": global_id("Organization", world.alpha.id) });
    let text = response_text(&world, owner, query, variables).await;
    let at = |key: &str| {
        text.find(&format!("\"{key}\""))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
    };
    let order = [
        "viewer",
        "maturityLevels",
        "node",
        "totalCount",
        "pageInfo",
        "edges",
        "again",
    ];
    for pair in order.windows(2) {
        assert!(
            at(pair[0]) < at(pair[1]),
            "{} before {}: {text}",
            pair[0],
            pair[1]
        );
    }
}

#[tokio::test]
async fn a_node_that_matches_no_fragment_is_an_empty_object_not_null() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let query = "query($id: ID!) { node(id: $id) { ... on User { name } } }";
    let variables = json!({ "id": global_id("Organization", world.alpha.id) });
    let response = world.query(Some(owner), query, variables).await;
    assert_eq!(response, json!({ "data": { "node": {} } }));
}

#[tokio::test]
async fn skipped_fields_are_left_out_and_fragments_merge() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let query = "query($id: ID!, $withSlug: Boolean!, $hideName: Boolean = true) {
        node(id: $id) {
            __typename
            ...Named
            ... on Organization { slug @include(if: $withSlug) name @skip(if: $hideName) }
            ... on User { email }
        }
    }
    fragment Named on Node { id ... on Organization { name } }";
    let variables = json!({ "id": global_id("Organization", world.alpha.id), "withSlug": false });
    let text = response_text(&world, owner, query, variables).await;
    let response: Value = serde_json::from_str(&text).expect("JSON");
    let node = response["data"]["node"].as_object().expect("an object");
    let keys: Vec<_> = node.keys().map(String::as_str).collect();
    // serde_json sorts the keys: the text below shows their order.
    assert_eq!(keys, ["__typename", "id", "name"], "{text}");
    assert_eq!(node["__typename"], "Organization");
    assert!(text.find("\"__typename\"") < text.find("\"id\""), "{text}");
    assert!(text.find("\"id\"") < text.find("\"name\""), "{text}");
    assert_eq!(node["name"], format!("Org {}", world.alpha.slug), "{text}");
}
