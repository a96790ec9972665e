//! Organisation analytics: counted in SQL, per organisation, never across tenants.

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rows;
use crate::world::{Org, VIEWER_READ, World, global_id};

const ANALYTICS: &str = "query($id: ID!) { organization(id: $id) { analytics {
  assessmentCount scoredCount averageScore
  byStatus { status count } byType { assessmentType count scoredCount averageScore }
  brackets { bracket count } } } }";

/// Adds a completed BPM assessment scored `score` (bracket `bracket`), and an in-progress
/// leadership one, to `org`.
async fn add_assessments(world: &World, org: &Org, score: Decimal, bracket: &str) {
    let db = &world.app.db;
    let respondent = org.person("member").id;
    let completed = Uuid::now_v7();
    rows::assessment(completed, org.id, respondent)
        .set("status", "completed")
        .set("completed_at", Utc::now())
        .insert(db)
        .await
        .unwrap();
    rows::score(completed, org.id)
        .set("overall_score", score)
        .set("bracket", bracket.to_owned())
        .insert(db)
        .await
        .unwrap();
    rows::assessment(Uuid::now_v7(), org.id, respondent)
        .set("assessment_type", "leadership")
        .insert(db)
        .await
        .unwrap();
}

async fn analytics_of(world: &World, org: &Org) -> Value {
    let response = world
        .query(
            Some(org.person("viewer")),
            ANALYTICS,
            json!({ "id": global_id("Organization", org.id) }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]["organization"]["analytics"].clone()
}

fn count_of(list: &Value, key: &str, value: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|entry| entry[key] == value)
        .map_or(0, |entry| entry["count"].as_i64().unwrap())
}

#[tokio::test]
async fn analytics_count_and_average_the_organisations_own_assessments() {
    let world = World::new().await;
    // alpha: the fixture's completed BPM scored 3.25 (score_3), plus 4.00 (score_4) and an
    // in-progress leadership assessment.
    add_assessments(&world, &world.alpha, Decimal::new(400, 2), "score_4").await;
    let analytics = analytics_of(&world, &world.alpha).await;
    assert_eq!(analytics["assessmentCount"], 3);
    assert_eq!(analytics["scoredCount"], 2);
    assert_eq!(analytics["averageScore"], 3.63, "(3.25 + 4.00) / 2");
    assert_eq!(count_of(&analytics["byStatus"], "status", "COMPLETED"), 2);
    assert_eq!(count_of(&analytics["byStatus"], "status", "IN_PROGRESS"), 1);
    assert_eq!(count_of(&analytics["byStatus"], "status", "ARCHIVED"), 0);
    assert_eq!(count_of(&analytics["brackets"], "bracket", "SCORE_3"), 1);
    assert_eq!(count_of(&analytics["brackets"], "bracket", "SCORE_4"), 1);
    assert_eq!(
        analytics["byType"],
        json!([
            { "assessmentType": "BPM", "count": 2, "scoredCount": 2, "averageScore": 3.63 },
            { "assessmentType": "LEADERSHIP", "count": 1, "scoredCount": 0, "averageScore": null }
        ])
    );
}

#[tokio::test]
async fn analytics_never_count_another_organisations_rows() {
    let world = World::new().await;
    let before = analytics_of(&world, &world.beta).await;
    for _ in 0..3 {
        add_assessments(&world, &world.alpha, Decimal::new(100, 2), "score_1").await;
    }
    assert_eq!(analytics_of(&world, &world.beta).await, before);
    assert_eq!(before["assessmentCount"], 1);
    assert_eq!(before["averageScore"], 3.25);
    let foreign = world
        .query(
            Some(world.beta.person("owner")),
            ANALYTICS,
            json!({ "id": global_id("Organization", world.alpha.id) }),
        )
        .await;
    assert_eq!(foreign, json!({ "data": { "organization": null } }));
}

#[tokio::test]
async fn analytics_of_many_organisations_cost_two_statements() {
    let world = World::new().await;
    let query =
        "{ organizations { edges { node { analytics { assessmentCount averageScore } } } } }";
    let (two, statements) = world
        .query_counted(Some(&world.platform_admin), query, json!({}))
        .await;
    assert_eq!(
        two["data"]["organizations"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for slug in ["gamma", "delta", "epsilon"] {
        rows::organization(Uuid::now_v7(), slug)
            .insert(&world.app.db)
            .await
            .unwrap();
    }
    let (five, more_statements) = world
        .query_counted(Some(&world.platform_admin), query, json!({}))
        .await;
    assert_eq!(
        five["data"]["organizations"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        statements, more_statements,
        "independent of the number of organisations"
    );
    assert_eq!(
        statements,
        VIEWER_READ + 1 + 2,
        "the viewer, organisations, two grouped statements"
    );
}
