//! Organisation analytics: counted in SQL, per organisation, never across tenants: counts and
//! scores, performers, months and the last activity.

use chrono::{DateTime, Datelike, Duration, Months, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rows;
use crate::world::{Org, ROLES, VIEWER_READ, World, error_codes, global_id};

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

/// Adds an assessment of `organization` answered by `respondent` in `status`, completed (and scored
/// `score` hundredths, confidence `confidence` hundredths) at `completed_at`.
async fn add_scored(
    world: &World,
    organization: Uuid,
    respondent: Uuid,
    status: &str,
    completed_at: DateTime<Utc>,
    (score, confidence): (i64, i64),
) {
    let db = &world.app.db;
    let assessment = Uuid::now_v7();
    rows::assessment(assessment, organization, respondent)
        .set("status", status.to_owned())
        .set("completed_at", completed_at)
        .insert(db)
        .await
        .unwrap();
    rows::score(assessment, organization)
        .set("overall_score", Decimal::new(score, 2))
        .set("confidence", Decimal::new(confidence, 2))
        .insert(db)
        .await
        .unwrap();
}

/// Midnight UTC on the first of the current month.
fn this_month() -> DateTime<Utc> {
    let now = Utc::now();
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .unwrap()
}

/// Alpha's completed assessments (beside the fixture's: the owner's 3.25 at confidence 0.60,
/// completed now), with the scores and months the tests below compute by hand:
///
/// | who | this month | last month | 12 months before this one |
/// | --- | --- | --- | --- |
/// | owner | 3.25 | | 3.25 |
/// | member | 4.50 | 4.00 | |
/// | admin | 4.00 | | |
/// | analyst | 2.00 | 1.50 (confidence 0.50) | |
/// | viewer | 2.00 | | |
///
/// and an archived 5.00 by the analyst, which counts nowhere.
async fn performances(world: &World) -> [Uuid; 5] {
    let alpha = &world.alpha;
    let [owner, admin, analyst, member, viewer] = ROLES.map(|role| alpha.person(role).id);
    let now = Utc::now();
    let last_month = this_month() - Duration::hours(12);
    let a_year_ago = this_month() - Months::new(12) + Duration::hours(12);
    for (who, status, at, score) in [
        (owner, "completed", a_year_ago, (325, 80)),
        (member, "completed", now, (450, 80)),
        (member, "completed", last_month, (400, 80)),
        (admin, "completed", now, (400, 80)),
        (analyst, "completed", now, (200, 80)),
        (analyst, "completed", last_month, (150, 50)),
        (analyst, "archived", now, (500, 80)),
        (viewer, "completed", now, (200, 80)),
    ] {
        add_scored(world, alpha.id, who, status, at, score).await;
    }
    [owner, admin, analyst, member, viewer]
}

const PERFORMERS: &str = "query($id: ID!, $first: Int) { organization(id: $id) { analytics {
  highPerformers(first: $first) { respondent { id email } averageScore assessmentCount }
  lowPerformers { respondent { id } averageScore assessmentCount } } } }";

fn performer(person: Uuid, average: f64, count: i64) -> Value {
    json!({ "respondent": { "id": global_id("User", person) }, "averageScore": average,
        "assessmentCount": count })
}

#[tokio::test]
async fn high_and_low_performers_average_their_completed_assessments() {
    let world = World::new().await;
    let [owner, admin, analyst, member, _] = performances(&world).await;
    let variables = json!({ "id": global_id("Organization", world.alpha.id) });
    let response = world
        .query(
            Some(world.alpha.person("owner")),
            PERFORMERS,
            variables.clone(),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let analytics = &response["data"]["organization"]["analytics"];
    // member (4.50 + 4.00) / 2 = 4.25 first, then admin's 4.00 (the bound is included); the
    // owner's 3.25 and the viewer's 2.00 (not below 2.00) are neither; the analyst's
    // (2.00 + 1.50) / 2 = 1.75, the archived 5.00 left out.
    let mut high = vec![performer(member, 4.25, 2), performer(admin, 4.0, 1)];
    high[0]["respondent"]["email"] = json!("member@alpha.example");
    high[1]["respondent"]["email"] = json!("admin@alpha.example");
    assert_eq!(analytics["highPerformers"], json!(high));
    assert_eq!(
        analytics["lowPerformers"],
        json!([performer(analyst, 1.75, 2)])
    );
    assert!(!response.to_string().contains(&global_id("User", owner)));

    let first = json!({ "id": global_id("Organization", world.alpha.id), "first": 1 });
    let response = world
        .query(Some(world.alpha.person("owner")), PERFORMERS, first)
        .await;
    let top = &response["data"]["organization"]["analytics"]["highPerformers"];
    assert_eq!(top, &json!([high[0]]), "the best one: {response}");

    // A plain member sees who performs, not their personal data.
    let response = world
        .query(Some(world.alpha.person("viewer")), PERFORMERS, variables)
        .await;
    let seen = &response["data"]["organization"]["analytics"]["highPerformers"];
    assert_eq!(seen[0]["respondent"]["email"], Value::Null, "{response}");
    assert_eq!(seen[0]["averageScore"], 4.25);
    assert_eq!(error_codes(&response), ["FORBIDDEN", "FORBIDDEN"]);
}

const MONTHLY: &str = "query($id: ID!, $months: Int) { organization(id: $id) { analytics {
  monthlySummary(months: $months) { month completedCount averageScore averageConfidence }
  lastActivityAt } } }";

/// Alpha's monthly summary over `months`, as alpha's viewer sees it.
async fn monthly(world: &World, months: Value) -> Value {
    let variables = json!({ "id": global_id("Organization", world.alpha.id), "months": months });
    let response = world
        .query(Some(world.alpha.person("viewer")), MONTHLY, variables)
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]["organization"]["analytics"]["monthlySummary"].clone()
}

fn month_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

#[tokio::test]
async fn the_monthly_summary_counts_completed_assessments_per_utc_month() {
    let world = World::new().await;
    performances(&world).await;
    // This month: 3.25 (the fixture's), 4.50, 4.00, 2.00, 2.00: 15.75 / 5 = 3.15; confidences
    // 0.60 (the fixture's) and four at 0.80: 3.80 / 5 = 0.76. Last month: 4.00 and 1.50: 2.75, confidences (0.80 + 0.50) / 2 = 0.65.
    // Twelve months before this one lies outside the default twelve (this one and eleven
    // before it); the archived assessment counts nowhere.
    let this = json!({ "month": month_of(this_month()), "completedCount": 5,
        "averageScore": 3.15, "averageConfidence": 0.76 });
    let last = json!({ "month": month_of(this_month() - Duration::hours(12)),
        "completedCount": 2, "averageScore": 2.75, "averageConfidence": 0.65 });
    assert_eq!(monthly(&world, Value::Null).await, json!([last, this]));
    assert_eq!(monthly(&world, json!(1)).await, json!([this]));
    let year_ago = json!({ "month": month_of(this_month() - Months::new(12)),
        "completedCount": 1, "averageScore": 3.25, "averageConfidence": 0.8 });
    assert_eq!(
        monthly(&world, json!(13)).await,
        json!([year_ago, last, this])
    );

    let refused = world
        .query(
            Some(world.alpha.person("viewer")),
            MONTHLY,
            json!({ "id": global_id("Organization", world.alpha.id), "months": 0 }),
        )
        .await;
    assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"], "{refused}");
}

#[tokio::test]
async fn the_last_activity_is_the_latest_change_or_completion() {
    let world = World::new().await;
    let db = &world.app.db;
    let changed = "2031-05-06T07:08:09Z".parse::<DateTime<Utc>>().unwrap();
    let completed = "2032-01-02T03:04:05Z".parse::<DateTime<Utc>>().unwrap();
    // Alpha: an assessment in progress changed in 2031; beta: one completed in 2032 but last
    // changed before.
    rows::assessment(
        Uuid::now_v7(),
        world.alpha.id,
        world.alpha.person("member").id,
    )
    .set("updated_at", changed)
    .insert(db)
    .await
    .unwrap();
    rows::assessment(
        Uuid::now_v7(),
        world.beta.id,
        world.beta.person("member").id,
    )
    .set("status", "completed")
    .set("completed_at", completed)
    .insert(db)
    .await
    .unwrap();
    let empty = Uuid::now_v7();
    rows::organization(empty, "gamma").insert(db).await.unwrap();
    let query = "query($id: ID!) { organization(id: $id) { analytics { lastActivityAt } } }";
    for (organization, expected) in [
        (world.alpha.id, Some(changed)),
        (world.beta.id, Some(completed)),
        (empty, None),
    ] {
        let variables = json!({ "id": global_id("Organization", organization) });
        let response = world
            .query(Some(&world.platform_admin), query, variables)
            .await;
        let seen = &response["data"]["organization"]["analytics"]["lastActivityAt"];
        let seen = seen.as_str().map(|at| at.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(seen, expected, "{response}");
    }
}

#[tokio::test]
async fn another_organisations_people_never_join_the_performers_or_months() {
    let world = World::new().await;
    let variables = json!({ "id": global_id("Organization", world.beta.id) });
    let beta_owner = Some(world.beta.person("owner"));
    let before = world.query(beta_owner, PERFORMERS, variables.clone()).await;
    let months_before = world.query(beta_owner, MONTHLY, variables.clone()).await;
    performances(&world).await;
    assert_eq!(
        world.query(beta_owner, PERFORMERS, variables.clone()).await,
        before
    );
    assert_eq!(
        world.query(beta_owner, MONTHLY, variables).await,
        months_before
    );
    let analytics = &before["data"]["organization"]["analytics"];
    assert_eq!(
        (&analytics["highPerformers"], &analytics["lowPerformers"]),
        (&json!([]), &json!([])),
        "beta's owner's 3.25 is neither: {before}"
    );
}

/// Every new analytics field, under every organisation.
const ANALYTICS_OVER_TIME: &str = "{ organizations { edges { node { analytics {
  lastActivityAt monthlySummary { month completedCount }
  highPerformers { averageScore respondent { name } } lowPerformers { averageScore } } } } } }";

#[tokio::test]
async fn performers_and_months_of_many_organisations_cost_one_statement_each() {
    let world = World::new().await;
    performances(&world).await;
    let admin = Some(&world.platform_admin);
    let (two, statements) = world
        .query_counted(admin, ANALYTICS_OVER_TIME, json!({}))
        .await;
    assert!(two.get("errors").is_none(), "{two}");
    for slug in ["gamma", "delta", "epsilon"] {
        let tenant = rows::tenant(&world.app.db, slug).await;
        let (organization, user) = (tenant.organization, tenant.user);
        add_scored(
            &world,
            organization,
            user,
            "completed",
            Utc::now(),
            (450, 90),
        )
        .await;
    }
    let (five, more) = world
        .query_counted(admin, ANALYTICS_OVER_TIME, json!({}))
        .await;
    let edges = five["data"]["organizations"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 5, "{five}");
    let best = |edge: &Value| edge["node"]["analytics"]["highPerformers"][0].clone();
    let new_ones = edges
        .iter()
        .map(best)
        .filter(|best| best["averageScore"] == 4.5);
    let names: Vec<Value> = new_ones
        .map(|best| best["respondent"]["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Ada Lovelace"); 3], "{five}");
    assert_eq!(
        statements, more,
        "independent of the number of organisations"
    );
    assert_eq!(
        statements,
        VIEWER_READ + 1 + 2 + 1 + 2 + 1,
        "the viewer, organisations, counts and scores, months, high and low performers, people"
    );
}
