//! Every request is validated, with its own variable values, whether its document was parsed
//! before or not (`graphql::executor` keeps parsed documents). What validation refuses must stay
//! refused on every request, and a document another viewer sent before answers only what the
//! next viewer may see.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::world::{World, error_codes, global_id, id_variables};

const LOOKUP: &str = "query Lookup($id: ID!) { node(id: $id) { ... on Assessment { id status } } }";

/// Whether `response` is a request error: no data at all, and one error naming `variable` or
/// the argument it fills.
fn refuses_variable(response: &Value, variable: &str) -> bool {
    let message = response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    let named = message.contains(&format!("\"${variable}\""))
        || message.contains(&format!("argument \"{variable}\""));
    response["data"].is_null() && named && error_codes(response) == ["BAD_USER_INPUT"]
}

#[tokio::test]
async fn variable_values_are_checked_on_every_request() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    let assessment = global_id("Assessment", world.alpha.assessment);
    let bad_values = [json!({}), json!({ "id": null }), json!({ "id": true })];
    // Bad values first, while the document is new, then again once a good request used it.
    for round in ["new", "known"] {
        for variables in &bad_values {
            let response = world.query(Some(owner), LOOKUP, variables.clone()).await;
            assert!(
                refuses_variable(&response, "id"),
                "{round} {variables}: {response}"
            );
        }
        let answered = world
            .query(Some(owner), LOOKUP, id_variables(&assessment))
            .await;
        assert_eq!(answered["data"]["node"]["id"], json!(assessment), "{round}");
    }
}

#[tokio::test]
async fn a_known_document_still_reads_only_within_the_next_viewers_scope() {
    let world = World::new().await;
    let assessment = global_id("Assessment", world.alpha.assessment);
    let variables = id_variables(&assessment);
    let member = world.alpha.person("member");
    let seen = world.query(Some(member), LOOKUP, variables.clone()).await;
    assert_eq!(seen["data"]["node"]["id"], json!(assessment), "{seen}");
    for stranger in [world.beta.person("owner"), &world.outsider] {
        let response = world.query(Some(stranger), LOOKUP, variables.clone()).await;
        assert_eq!(response, json!({ "data": { "node": null } }));
    }
}

#[tokio::test]
async fn a_document_that_failed_validation_fails_it_every_time() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let unknown_field = app.graphql("{ consentTypes { code shoeSize } }").await;
        assert!(unknown_field["data"].is_null(), "{unknown_field}");
        let error = &unknown_field["errors"][0];
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("shoeSize")
        );
        // Validation errors point at the document; an executor's error would carry a path.
        assert!(error.get("path").is_none(), "{unknown_field}");
    }
}

#[tokio::test]
async fn limits_follow_each_requests_variables_once_the_document_is_known_valid() {
    let app = spawn_app_with(|settings| settings.max_query_complexity = 500).await;
    let nested = "query Nested($size: Int!) { organizations(first: $size) { edges { node { \
                  members(first: $size) { edges { node { id } } } } } } }";
    let small = app.post_graphql(nested, json!({ "size": 2 }), None).await;
    let small: Value = small.json().await.unwrap();
    assert_eq!(error_codes(&small), ["UNAUTHENTICATED"], "{small}");
    let large = app.post_graphql(nested, json!({ "size": 100 }), None).await;
    let large: Value = large.json().await.unwrap();
    assert_eq!(error_codes(&large), ["QUERY_TOO_COMPLEX"], "{large}");
    assert!(large["data"].is_null());
}

/// Found by `random_queries`: `nodes` resolved its IDs concurrently and answered with whichever
/// failed first, so one request could name `ids.1` on a cold start (the viewer's memberships
/// still loading) and `ids.0` the next time; a stranger's answer then depended on timing, not
/// on the IDs. The first bad ID in the list is the one named.
#[tokio::test]
async fn nodes_names_the_first_bad_id_in_the_list_on_every_request() {
    let world = World::new().await;
    let query = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    // A well-formed global ID with a bad key (found out after the viewer is read), then text
    // that is no global ID at all (found out at once).
    let ids = json!({ "ids": [global_id("Organization", "not-a-uuid"), "junk"] });
    for viewer in [world.alpha.person("owner"), world.beta.person("viewer")] {
        for attempt in ["first", "second"] {
            let response = world.query(Some(viewer), query, ids.clone()).await;
            let field = &response["errors"][0]["extensions"]["field"];
            assert_eq!(
                field, "ids.0",
                "{}, {attempt} request: {response}",
                viewer.email
            );
            assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
        }
    }
}
