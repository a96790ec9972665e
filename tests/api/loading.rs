//! Statement counts: a request costs a fixed number of SQL statements per level of its query,
//! whatever the number of rows it returns (no N+1). Every response reports its count in
//! `x-orgraph-sql-statements`. Authentication sends none of its own: each statement checks
//! the viewer's memberships itself.

use orgraph::seed::{SyntheticSize, synthetic};
use serde_json::{Value, json};

use crate::history::{TWINS_OVER_TIME, organization_with_history};
use crate::world::{VIEWER_READ, World, global_id};

/// Organisations, their members, those people, their assessments, the assessments' scores.
const ACCEPTANCE: &str = "{ organizations(first:20){ edges{ node{ members(first:20){ edges{ node{ user{ assessments(first:10){ edges{ node{ score{ overallScore } } } } } } } } } } } }";

/// The same with `totalCount` on each of its three connections.
const ACCEPTANCE_COUNTED: &str = "{ organizations(first:20){ totalCount edges{ node{ members(first:20){ totalCount edges{ node{ user{ assessments(first:10){ totalCount edges{ node{ score{ overallScore } } } } } } } } } } } }";

/// The large data set: twenty organisations of twenty people with ten scored assessments each.
const SYNTHETIC: SyntheticSize = SyntheticSize {
    orgs: 20,
    users_per_org: 20,
    assessments_per_user: 10,
};

/// What one run of the acceptance query returned, level by level.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    organizations: usize,
    /// Member edges per organisation, in order.
    members: Vec<usize>,
    assessments: usize,
    scores: usize,
}

/// The edges of a connection.
fn edges(connection: &Value) -> &[Value] {
    connection["edges"].as_array().expect("edges")
}

/// Counts what an acceptance query's response holds at each level.
fn shape(response: &Value) -> Shape {
    assert!(response.get("errors").is_none(), "{response}");
    let organizations = edges(&response["data"]["organizations"]);
    let members_per_organization: Vec<&[Value]> = organizations
        .iter()
        .map(|org| edges(&org["node"]["members"]))
        .collect();
    let assessments: Vec<&Value> = members_per_organization
        .iter()
        .flat_map(|members| members.iter())
        .flat_map(|member| edges(&member["node"]["user"]["assessments"]))
        .collect();
    Shape {
        organizations: organizations.len(),
        members: members_per_organization
            .iter()
            .map(|members| members.len())
            .collect(),
        assessments: assessments.len(),
        scores: assessments
            .iter()
            .filter(|assessment| assessment["node"]["score"]["overallScore"].is_number())
            .count(),
    }
}

/// Runs `query` as the platform admin on the two-tenant world, then again after adding the
/// synthetic organisations; returns each response with its statement count.
async fn small_then_large(query: &str) -> ((Value, u64), (Value, u64)) {
    let world = World::new().await;
    let admin = Some(&world.platform_admin);
    let small = world.query_counted(admin, query, json!({})).await;
    synthetic(&world.app.db, SYNTHETIC, false)
        .await
        .expect("synthetic data");
    let large = world.query_counted(admin, query, json!({})).await;
    (small, large)
}

/// Asserts the two runs returned what the data sets hold: alpha and beta (five members, one
/// scored assessment each) alone, then the first twenty of 22 organisations by name: alpha,
/// beta and eighteen synthetic ones of twenty members with ten scored assessments each.
fn assert_small_and_large(small: &Value, large: &Value) {
    assert_eq!(
        shape(small),
        Shape {
            organizations: 2,
            members: vec![5, 5],
            assessments: 2,
            scores: 2,
        }
    );
    let synthetic_members = SYNTHETIC.users_per_org as usize;
    let synthetic_assessments = SYNTHETIC.assessments_per_user as usize;
    let mut members = vec![5, 5];
    members.extend([synthetic_members; 18]);
    let assessments = 2 + 18 * synthetic_members * synthetic_assessments;
    assert_eq!(
        shape(large),
        Shape {
            organizations: 20,
            members,
            assessments,
            scores: assessments,
        }
    );
}

#[tokio::test]
async fn the_acceptance_query_costs_the_same_statements_on_two_organisations_as_on_twenty() {
    let ((small, small_statements), (large, large_statements)) = small_then_large(ACCEPTANCE).await;
    assert_small_and_large(&small, &large);
    assert_eq!(
        small_statements, large_statements,
        "statements must not grow with the rows returned"
    );
    // Organisations, memberships, users, assessments, scores: one statement each.
    assert!(large_statements <= 5, "{large_statements} statements");
}

#[tokio::test]
async fn total_counts_cost_one_statement_per_connection_level() {
    let ((small, small_statements), (large, large_statements)) =
        small_then_large(ACCEPTANCE_COUNTED).await;
    assert_small_and_large(&small, &large);
    assert_eq!(small["data"]["organizations"]["totalCount"], 2);
    assert_eq!(large["data"]["organizations"]["totalCount"], 22);
    assert_eq!(
        small_statements, large_statements,
        "statements must not grow with the rows returned"
    );
    // The acceptance query's seven, and one count per connection.
    assert!(large_statements <= 5 + 3, "{large_statements} statements");
}

#[tokio::test]
async fn nodes_of_five_kinds_cost_one_statement_per_kind() {
    let world = World::new().await;
    let ids: Vec<String> = [&world.alpha, &world.beta]
        .into_iter()
        .flat_map(|org| {
            [
                global_id("Organization", org.id),
                global_id("User", org.person("member").id),
                global_id("Membership", org.membership),
                global_id("Assessment", org.assessment),
                global_id("AssessmentScore", org.score),
            ]
        })
        .collect();
    let (response, statements) = world
        .query_counted(
            Some(&world.platform_admin),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let expected: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
    assert_eq!(
        response["data"]["nodes"],
        json!(expected),
        "every object, in the order asked"
    );
    assert!(
        statements <= VIEWER_READ + 5,
        "ten objects of five kinds took {statements} statements"
    );
}

#[tokio::test]
async fn reference_data_is_served_from_memory() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let (response, statements) = world
        .query_counted(
            Some(member),
            "{ maturityLevels { id level criteria { id maturityLevel { level } } } }",
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let levels = response["data"]["maturityLevels"]
        .as_array()
        .expect("levels");
    assert_eq!(levels.len(), 10);
    assert_eq!(levels[3]["criteria"][0]["maturityLevel"]["level"], 3);
    assert_eq!(statements, 0, "reference data took statements");

    let ids = json!([levels[7]["id"], levels[7]["criteria"][1]["id"]]);
    let (response, statements) = world
        .query_counted(
            Some(member),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    let found: Vec<Value> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|id| json!({ "id": id }))
        .collect();
    assert_eq!(response["data"]["nodes"], json!(found), "{response}");
    assert_eq!(statements, 0, "reference nodes took statements");
}

#[tokio::test]
async fn twin_history_and_trend_cost_the_same_statements_for_two_twins_as_for_five() {
    let world = World::new().await;
    let admin = Some(&world.platform_admin);
    let (two, statements) = world.query_counted(admin, TWINS_OVER_TIME, json!({})).await;
    assert!(two.get("errors").is_none(), "{two}");
    for slug in ["gamma", "delta", "epsilon"] {
        organization_with_history(&world, slug).await;
    }
    let (five, more) = world.query_counted(admin, TWINS_OVER_TIME, json!({})).await;
    let twins: Vec<&Value> = edges(&five["data"]["organizations"])
        .iter()
        .map(|edge| &edge["node"]["digitalTwin"])
        .collect();
    assert_eq!(twins.len(), 5, "{five}");
    let histories = twins
        .iter()
        .map(|twin| twin["history"].as_array().map(Vec::len));
    let histories: Vec<Option<usize>> = histories.collect();
    assert_eq!(
        histories
            .iter()
            .filter(|points| **points == Some(1))
            .count(),
        3,
        "each new twin's June 2025 snapshot: {five}"
    );
    assert_eq!(statements, more, "independent of the number of twins");
    // The viewer, organisations with their twins joined, the snapshots of the range, and
    // those of the last six months (shared by improvementRate and trend).
    assert_eq!(statements, VIEWER_READ + 1 + 1 + 1);
}
