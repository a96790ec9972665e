//! A digital twin over time: its history in day, week and month buckets, its improvement
//! rate and its trend, from snapshot rows the tests write themselves.

use chrono::{DateTime, Duration, Utc};
use entity::digital_twin_snapshots;
use rust_decimal::Decimal;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rows;
use crate::world::{Org, World, error_codes, global_id};

/// A month of 30.44 days, as the improvement rate counts them.
const MONTH: Duration = Duration::seconds(2_630_016);

/// Adds a snapshot of `org`'s twin captured at `captured_at` with maturity score `score`
/// (hundredths), AI readiness `score × 20` and maturity level `level`.
pub async fn add_snapshot(
    world: &World,
    org: &Org,
    captured_at: DateTime<Utc>,
    score: i64,
    level: i16,
) {
    rows::snapshot(org.twin, org.id)
        .set("captured_at", captured_at)
        .set("maturity_score", Decimal::new(score, 2))
        .set("ai_readiness_score", Decimal::new(score * 20, 2))
        .set("maturity_level", level)
        .insert(&world.app.db)
        .await
        .expect("snapshot");
}

/// Removes the fixture's snapshot of `org` (captured when the world was made), so that a test
/// sees only its own.
pub async fn without_fixture_snapshot(world: &World, org: &Org) {
    digital_twin_snapshots::Entity::delete_by_id(org.snapshot)
        .exec(&world.app.db)
        .await
        .expect("the fixture's snapshot goes");
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 time")
}

const HISTORY: &str =
    "query($id: ID!, $from: DateTime!, $to: DateTime!, $granularity: HistoryGranularity) {
  node(id: $id) { ... on DigitalTwin {
    history(from: $from, to: $to, granularity: $granularity) {
      bucketStart capturedAt maturityScore aiReadinessScore maturityLevel { level } snapshotCount
    } } } }";

async fn history(world: &World, org: &Org, from: &str, to: &str, granularity: Value) -> Value {
    let variables = json!({
        "id": global_id("DigitalTwin", org.twin),
        "from": from, "to": to, "granularity": granularity,
    });
    world
        .query(Some(org.person("viewer")), HISTORY, variables)
        .await
}

/// (bucket start, captured at, maturity score, snapshots) of each point.
fn points(response: &Value) -> Vec<(DateTime<Utc>, DateTime<Utc>, f64, i64)> {
    assert!(response.get("errors").is_none(), "{response}");
    let points = response["data"]["node"]["history"]
        .as_array()
        .expect("points");
    points
        .iter()
        .map(|point| {
            let time = |field: &str| at(point[field].as_str().expect("a time"));
            let score = point["maturityScore"].as_f64().expect("a score");
            let count = point["snapshotCount"].as_i64().expect("a count");
            (time("bucketStart"), time("capturedAt"), score, count)
        })
        .collect()
}

/// Alpha's twin: five snapshots from Monday 6 January to Saturday 1 March 2025.
async fn early_2025(world: &World) {
    for (captured_at, score) in [
        ("2025-01-06T09:00:00Z", 200), // Monday
        ("2025-01-08T12:00:00Z", 220), // Wednesday, same ISO week
        ("2025-01-13T00:00:00Z", 240), // the next Monday, midnight
        ("2025-02-28T23:59:59Z", 260), // Friday, the last second of February
        ("2025-03-01T00:00:00Z", 280), // Saturday, same ISO week as the 28th
    ] {
        add_snapshot(world, &world.alpha, at(captured_at), score, 4).await;
    }
}

#[tokio::test]
async fn history_shows_the_last_snapshot_of_each_month_by_default() {
    let world = World::new().await;
    early_2025(&world).await;
    let response = history(
        &world,
        &world.alpha,
        "2025-01-01T00:00:00Z",
        "2025-03-31T23:59:59Z",
        Value::Null,
    )
    .await;
    assert_eq!(
        points(&response),
        vec![
            (
                at("2025-01-01T00:00:00Z"),
                at("2025-01-13T00:00:00Z"),
                2.4,
                3
            ),
            (
                at("2025-02-01T00:00:00Z"),
                at("2025-02-28T23:59:59Z"),
                2.6,
                1
            ),
            (
                at("2025-03-01T00:00:00Z"),
                at("2025-03-01T00:00:00Z"),
                2.8,
                1
            ),
        ],
        "the fixture's snapshot of today lies outside the range"
    );
    let last = &response["data"]["node"]["history"][2];
    assert_eq!(last["aiReadinessScore"], 56.0, "2.80 × 20");
    assert_eq!(last["maturityLevel"]["level"], 4);
}

#[tokio::test]
async fn history_by_week_starts_on_monday_and_by_day_includes_both_ends() {
    let world = World::new().await;
    early_2025(&world).await;
    let weeks = history(
        &world,
        &world.alpha,
        "2025-01-01T00:00:00Z",
        "2025-03-31T23:59:59Z",
        json!("WEEK"),
    )
    .await;
    assert_eq!(
        points(&weeks),
        vec![
            (
                at("2025-01-06T00:00:00Z"),
                at("2025-01-08T12:00:00Z"),
                2.2,
                2
            ),
            (
                at("2025-01-13T00:00:00Z"),
                at("2025-01-13T00:00:00Z"),
                2.4,
                1
            ),
            (
                at("2025-02-24T00:00:00Z"),
                at("2025-03-01T00:00:00Z"),
                2.8,
                2
            ),
        ]
    );
    let days = history(
        &world,
        &world.alpha,
        "2025-01-08T00:00:00Z",
        "2025-01-13T00:00:00Z",
        json!("DAY"),
    )
    .await;
    assert_eq!(
        points(&days),
        vec![
            (
                at("2025-01-08T00:00:00Z"),
                at("2025-01-08T12:00:00Z"),
                2.2,
                1
            ),
            (
                at("2025-01-13T00:00:00Z"),
                at("2025-01-13T00:00:00Z"),
                2.4,
                1
            ),
        ]
    );
}

#[tokio::test]
async fn history_refuses_a_reversed_or_oversized_range() {
    let world = World::new().await;
    let reversed = history(
        &world,
        &world.alpha,
        "2025-02-01T00:00:00Z",
        "2025-01-01T00:00:00Z",
        json!("MONTH"),
    )
    .await;
    assert_eq!(error_codes(&reversed), ["BAD_USER_INPUT"], "{reversed}");
    assert_eq!(reversed["errors"][0]["extensions"]["field"], "from");
    // 2024-01-01 to 2025-02-04: 366 + 35 = 401 days.
    let oversized = history(
        &world,
        &world.alpha,
        "2024-01-01T00:00:00Z",
        "2025-02-04T00:00:00Z",
        json!("DAY"),
    )
    .await;
    assert_eq!(error_codes(&oversized), ["BAD_USER_INPUT"], "{oversized}");
    let message = oversized["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("401 buckets; at most 400"), "{message}");
    let by_week = history(
        &world,
        &world.alpha,
        "2024-01-01T00:00:00Z",
        "2025-02-04T00:00:00Z",
        json!("WEEK"),
    )
    .await;
    assert_eq!(points(&by_week), vec![], "the same range by week is fine");
}

const TREND: &str = "query($id: ID!, $months: Int) { node(id: $id) { ... on DigitalTwin {
  improvementRate(months: $months) trend(months: $months) } } }";

async fn trend(world: &World, org: &Org, months: Value) -> Value {
    let variables = json!({ "id": global_id("DigitalTwin", org.twin), "months": months });
    world
        .query(Some(org.person("viewer")), TREND, variables)
        .await
}

fn close(value: &Value, expected: f64) -> bool {
    value
        .as_f64()
        .is_some_and(|value| (value - expected).abs() < 1e-6)
}

#[tokio::test]
async fn improvement_rate_is_the_least_squares_slope_per_month_and_names_the_trend() {
    let world = World::new().await;
    let (alpha, beta) = (&world.alpha, &world.beta);
    without_fixture_snapshot(&world, alpha).await;
    without_fixture_snapshot(&world, beta).await;
    // Alpha: 2.00, 2.60, 2.40 two months of 30.44 days apart, the last an hour ago.
    // x = 0, 2, 4, mean 2; mean y = 7 / 3 = 2.333…; dx = −2, 0, 2; dy = −0.333…, 0.266…,
    // 0.066…; Σ(dx·dy) = 0.666… + 0.133… = 0.8; Σdx² = 8; slope = 0.1 points a month: improving.
    let last = Utc::now() - Duration::hours(1);
    for (months_before, score) in [(4, 200), (2, 260), (0, 240)] {
        add_snapshot(&world, alpha, last - MONTH * months_before, score, 4).await;
    }
    // Beta: 3.00 then 2.90 half a month later: −0.1 / 0.5 = −0.2 points a month: declining.
    add_snapshot(&world, beta, last - MONTH / 2, 300, 5).await;
    add_snapshot(&world, beta, last, 290, 5).await;

    let improving = trend(&world, alpha, Value::Null).await;
    let twin = &improving["data"]["node"];
    assert!(close(&twin["improvementRate"], 0.1), "{improving}");
    assert_eq!(twin["trend"], "IMPROVING");
    let declining = trend(&world, beta, json!(6)).await;
    let twin = &declining["data"]["node"];
    assert!(close(&twin["improvementRate"], -0.2), "{declining}");
    assert_eq!(twin["trend"], "DECLINING");
    // One calendar month (28 to 31 days) back holds alpha's last snapshot only: no slope,
    // stable.
    let one_month = trend(&world, alpha, json!(1)).await;
    assert_eq!(
        one_month["data"]["node"],
        json!({ "improvementRate": null, "trend": "STABLE" }),
        "{one_month}"
    );
}

#[tokio::test]
async fn improvement_rate_refuses_months_out_of_range() {
    let world = World::new().await;
    for months in [0, 61] {
        let response = trend(&world, &world.alpha, json!(months)).await;
        let codes = error_codes(&response);
        assert_eq!(codes, ["BAD_USER_INPUT", "BAD_USER_INPUT"], "{response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "months");
    }
}

/// History and trend of every organisation's twin.
pub const TWINS_OVER_TIME: &str = "{ organizations { edges { node { digitalTwin {
  history(from: \"2025-01-01T00:00:00Z\", to: \"2025-12-31T23:59:59Z\") { maturityScore }
  improvementRate trend } } } } }";

/// Adds an organisation with a twin and two snapshots.
pub async fn organization_with_history(world: &World, slug: &str) {
    let db = &world.app.db;
    let (organization, twin) = (Uuid::now_v7(), Uuid::now_v7());
    rows::organization(organization, slug)
        .insert(db)
        .await
        .unwrap();
    rows::twin(twin, organization).insert(db).await.unwrap();
    for captured_at in [at("2025-06-01T00:00:00Z"), Utc::now() - Duration::days(3)] {
        rows::snapshot(twin, organization)
            .set("captured_at", captured_at)
            .insert(db)
            .await
            .unwrap();
    }
}
