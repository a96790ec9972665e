//! The living digital twin through HTTP: made by an organisation's first scored submission,
//! changed with a `change` snapshot by each later one, by archives and departures, in the same
//! transaction; explained, with gap analysis; unreachable from another organisation.

use entity::prelude::{Assessment, AssessmentScore, DigitalTwinSnapshot, Event};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::refuse_inserts_into;
use crate::world::{Person, World, error_codes, global_id};

const CREATE: &str = r#"mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } } }"#;
const START: &str = r#"mutation($input: StartAssessmentInput!) {
  startAssessment(input: $input) { assessment { id } } }"#;
const SAVE: &str = r#"mutation($input: SaveAssessmentResponsesInput!) {
  saveAssessmentResponses(input: $input) { assessment { id } } }"#;
const SUBMIT: &str = r#"mutation($input: AssessmentInput!) { submitAssessment(input: $input) {
  score { overallScore confidence lowConfidence aiReadinessScore swot } } }"#;
const ARCHIVE: &str = r#"mutation($input: AssessmentInput!) {
  archiveAssessment(input: $input) { assessment { id } } }"#;
const RECOMPUTE: &str = r#"mutation($input: RecomputeDigitalTwinInput!) {
  recomputeDigitalTwin(input: $input) { changed digitalTwin { assessmentCount } } }"#;
const TWIN: &str = r#"query($id: ID!) { node(id: $id) { ... on Organization { digitalTwin {
  id maturityScore maturityLevel { level } aiReadinessScore assessmentCount
  dimensions { key score weight contributions } explanation readinessIndicators
  technologyInventory
  snapshots(first: 20) { totalCount edges { node { reason maturityScore assessmentCount } } }
} } } }"#;

/// Every BPM question answered: no skipped category, confidence 1.
fn bpm_answers(documented: i64) -> Value {
    json!({ "processes_documented": documented, "process_owners": true,
            "performance_measured": "regular_reports", "cycle_times_known": 3,
            "automation_share": "half", "systems_integrated": 4,
            "improvement_reviews": false, "suggestions_acted_on": 2 })
}

/// Every AI readiness question answered.
fn ai_answers() -> Value {
    json!({ "use_cases": "prioritised", "ai_budget": true, "leadership_sponsors_ai": 4,
            "data_quality": 3, "data_catalogue": false, "ai_tools": "sanctioned",
            "ai_skills": 2, "ai_policy": "draft" })
}

async fn run(world: &World, person: &Person, query: &str, input: Value) -> Value {
    world
        .query(Some(person), query, json!({ "input": input }))
        .await
}

/// The payload of a mutation that must succeed.
async fn succeed(world: &World, person: &Person, query: &str, input: Value) -> Value {
    let response = run(world, person, query, input).await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]
        .as_object()
        .and_then(|data| data.values().next())
        .expect("a payload")
        .clone()
}

/// Starts and answers an assessment of `kind` in `organization`; returns its global id.
async fn answered(
    world: &World,
    person: &Person,
    organization: &str,
    kind: &str,
    answers: Value,
) -> String {
    let input = json!({ "organizationId": organization, "assessmentType": kind });
    let started = succeed(world, person, START, input).await;
    let id = started["assessment"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let input = json!({ "assessmentId": id, "responses": answers });
    succeed(world, person, SAVE, input).await;
    id
}

/// Answers and submits an assessment; returns its id and its score.
async fn submitted(
    world: &World,
    person: &Person,
    organization: &str,
    kind: &str,
    answers: Value,
) -> (String, Value) {
    let id = answered(world, person, organization, kind, answers).await;
    let payload = succeed(world, person, SUBMIT, json!({ "assessmentId": id })).await;
    (id, payload["score"].clone())
}

async fn twin(world: &World, person: &Person, organization: &str) -> Value {
    let response = world
        .query(Some(person), TWIN, json!({ "id": organization }))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]["node"]["digitalTwin"].clone()
}

/// An organisation the outsider creates through the API, becoming its owner.
async fn new_organization(world: &World) -> String {
    let input = json!({ "name": "Gamma", "slug": "gamma" });
    let created = succeed(world, &world.outsider, CREATE, input).await;
    created["organization"]["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

fn decimal(value: &Value) -> Decimal {
    Decimal::try_from(value.as_f64().expect("a number")).expect("a decimal")
}

fn two_places(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn snapshot_reasons(twin: &Value) -> Vec<String> {
    twin["snapshots"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            edge["node"]["reason"]
                .as_str()
                .expect("a reason")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_twin_is_born_with_the_first_submission_and_changes_with_each_later_one() {
    let world = World::new().await;
    let owner = &world.outsider;
    let gamma = new_organization(&world).await;
    assert_eq!(
        twin(&world, owner, &gamma).await,
        Value::Null,
        "no twin yet"
    );

    // One BPM assessment: the twin is that score.
    let (_, first) = submitted(&world, owner, &gamma, "BPM", bpm_answers(2)).await;
    assert_eq!(first["confidence"], 1.0);
    assert_eq!(first["lowConfidence"], false);
    assert!(first["swot"]["strengths"].is_array(), "{first}");
    let state = twin(&world, owner, &gamma).await;
    assert_eq!(state["assessmentCount"], 1);
    assert_eq!(state["maturityScore"], first["overallScore"]);
    assert_eq!(snapshot_reasons(&state), ["CHANGE"]);
    let explanation = &state["explanation"];
    assert_eq!(explanation["model_version"], "1.0");
    assert_eq!(
        explanation["assessments"],
        json!([{ "assessment_type": "bpm", "counted": 1, "low_confidence": 0, "weight": 2.0,
                 "mean_overall": first["overallScore"] }])
    );

    // A later BPM of the same respondent replaces the first: still one counted, a new score.
    let (_, second) = submitted(&world, owner, &gamma, "BPM", bpm_answers(5)).await;
    assert_ne!(second["overallScore"], first["overallScore"]);
    let state = twin(&world, owner, &gamma).await;
    assert_eq!(state["assessmentCount"], 1);
    assert_eq!(state["maturityScore"], second["overallScore"]);
    assert_eq!(state["explanation"]["superseded"], 1);
    assert_eq!(snapshot_reasons(&state).len(), 2);

    // An AI readiness assessment (weight 2, as BPM's): the mean of the two, and its readiness.
    let (ai, third) = submitted(&world, owner, &gamma, "AI_READINESS", ai_answers()).await;
    assert!(third["aiReadinessScore"].as_f64().is_some(), "{third}");
    let state = twin(&world, owner, &gamma).await;
    assert_eq!(state["assessmentCount"], 2);
    let mean = two_places(
        (decimal(&second["overallScore"]) + decimal(&third["overallScore"])) / Decimal::TWO,
    );
    assert_eq!(decimal(&state["maturityScore"]), mean);
    // The AI readiness assessment answers technology and organisational signals; BPM's
    // `suggestions_acted_on` is a cultural one: the twin reads both, the score only its own.
    let groups = state["readinessIndicators"].as_array().expect("groups");
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["technology", "organisational", "cultural"]);
    assert!(
        groups.iter().all(|group| group["score"].is_number()),
        "{groups:?}"
    );
    assert_ne!(state["aiReadinessScore"], third["aiReadinessScore"]);
    assert_eq!(snapshot_reasons(&state).len(), 3);
    let dimensions = state["dimensions"].as_array().expect("dimensions");
    assert_eq!(dimensions.len(), 6);
    let weights: f64 = dimensions
        .iter()
        .map(|d| d["weight"].as_f64().unwrap())
        .sum();
    assert!(
        (weights - 1.0).abs() < 0.001,
        "shares sum to one: {weights}"
    );

    // Archiving the AI readiness assessment takes it out again.
    succeed(&world, owner, ARCHIVE, json!({ "assessmentId": ai })).await;
    let state = twin(&world, owner, &gamma).await;
    assert_eq!(state["assessmentCount"], 1);
    assert_eq!(state["maturityScore"], second["overallScore"]);
    assert_eq!(snapshot_reasons(&state).len(), 4);

    // Nothing changed since: recomputing writes nothing.
    let snapshots = DigitalTwinSnapshot::find()
        .count(&world.app.db)
        .await
        .unwrap();
    let recomputed = succeed(&world, owner, RECOMPUTE, json!({ "organizationId": gamma })).await;
    assert_eq!(recomputed["changed"], false);
    assert_eq!(recomputed["digitalTwin"]["assessmentCount"], 1);
    let after = DigitalTwinSnapshot::find()
        .count(&world.app.db)
        .await
        .unwrap();
    assert_eq!(after, snapshots);
}

#[tokio::test]
async fn a_failure_after_the_twin_is_written_leaves_nothing_behind() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let alpha = global_id("Organization", world.alpha.id);
    let id = answered(&world, member, &alpha, "BPM", bpm_answers(3)).await;
    // The snapshot is written after the twin: refusing it fails the submission there.
    refuse_inserts_into(&world.app.db, "digital_twin_snapshots").await;
    let db = &world.app.db;
    let scores = AssessmentScore::find().count(db).await.unwrap();
    let events = Event::find().count(db).await.unwrap();
    let before = twin(&world, member, &alpha).await;

    let response = run(&world, member, SUBMIT, json!({ "assessmentId": id })).await;
    assert_eq!(
        error_codes(&response),
        ["INTERNAL_SERVER_ERROR"],
        "{response}"
    );

    assert_eq!(AssessmentScore::find().count(db).await.unwrap(), scores);
    assert_eq!(Event::find().count(db).await.unwrap(), events);
    assert_eq!(
        twin(&world, member, &alpha).await,
        before,
        "the twin as it was"
    );
    let assessments = Assessment::find().all(db).await.unwrap();
    let stored = assessments
        .iter()
        .find(|assessment| global_id("Assessment", assessment.id) == id)
        .expect("the assessment");
    assert_eq!(stored.status.as_str(), "in_progress");
}

#[tokio::test]
async fn a_departing_member_takes_their_assessments_out_of_the_twin() {
    let world = World::new().await;
    let alpha = global_id("Organization", world.alpha.id);
    let member = world.alpha.person("member");
    submitted(&world, member, &alpha, "BPM", bpm_answers(4)).await;
    let owner = world.alpha.person("owner");
    let with_member = twin(&world, owner, &alpha).await;
    // The owner's fixture assessment and the member's.
    assert_eq!(with_member["assessmentCount"], 2);

    let leave = r#"mutation($input: LeaveOrganizationInput!) {
      leaveOrganization(input: $input) { removedMembershipId } }"#;
    succeed(&world, member, leave, json!({ "organizationId": alpha })).await;
    let without = twin(&world, owner, &alpha).await;
    assert_eq!(without["assessmentCount"], 1);
    assert_eq!(
        snapshot_reasons(&without).len(),
        snapshot_reasons(&with_member).len() + 1
    );
}

/// The global ID of the `analytics` consent type.
async fn analytics_consent(world: &World) -> Value {
    let types = world
        .query(None, "{ consentTypes { id code } }", json!({}))
        .await;
    types["data"]["consentTypes"]
        .as_array()
        .expect("consent types")
        .iter()
        .find(|kind| kind["code"] == "analytics")
        .expect("the analytics consent")["id"]
        .clone()
}

/// `grantConsent` or `withdrawConsent`.
fn decide(granted: bool) -> String {
    let field = if granted {
        "grantConsent"
    } else {
        "withdrawConsent"
    };
    format!("mutation($input: ConsentInput!) {{ {field}(input: $input) {{ consent {{ id }} }} }}")
}

/// A withdrawn `analytics` consent takes the person's assessments out of their organisations'
/// twins and analytics, at once and with a `change` snapshot; a grant brings them back; a
/// decision that turns nothing recomputes nothing.
#[tokio::test]
async fn withdrawing_analytics_consent_takes_the_persons_assessments_out_of_twin_and_analytics() {
    let world = World::new().await;
    let alpha = global_id("Organization", world.alpha.id);
    let (owner, member) = (world.alpha.person("owner"), world.alpha.person("member"));
    submitted(&world, member, &alpha, "BPM", bpm_answers(4)).await;
    let analytics = analytics_consent(&world).await;
    let counted = || async {
        let query = r#"query($id: ID!) { node(id: $id) { ... on Organization {
          analytics { assessmentCount scoredCount } } } }"#;
        let read = world
            .query(Some(owner), query, json!({ "id": alpha }))
            .await;
        let twin = twin(&world, owner, &alpha).await;
        let analytics = &read["data"]["node"]["analytics"];
        (
            twin["assessmentCount"].clone(),
            analytics["assessmentCount"].clone(),
            analytics["scoredCount"].clone(),
            snapshot_reasons(&twin).len(),
        )
    };
    let (twin_before, all_before, scored_before, snapshots) = counted().await;
    assert_eq!(
        (twin_before.clone(), scored_before.clone()),
        (json!(2), json!(2))
    );

    let input = json!({ "consentTypeId": analytics });
    succeed(&world, member, &decide(false), input.clone()).await;
    let withdrawn = counted().await;
    let all_after = all_before.as_i64().unwrap() - 1;
    assert_eq!(
        withdrawn,
        (json!(1), json!(all_after), json!(1), snapshots + 1)
    );

    // A second withdrawal turns nothing.
    succeed(&world, member, &decide(false), input.clone()).await;
    assert_eq!(counted().await, withdrawn);

    succeed(&world, member, &decide(true), input).await;
    let (twin_again, all_again, scored_again, snapshots_again) = counted().await;
    assert_eq!(
        (twin_again, all_again, scored_again, snapshots_again),
        (twin_before, all_before, scored_before, snapshots + 2)
    );
}

/// A person in two organisations withdraws once: both twins recompute without them, each with
/// its organisation locked (in id order) in the one transaction.
#[tokio::test]
async fn a_withdrawal_recomputes_every_twin_the_persons_assessments_count_in() {
    let world = World::new().await;
    let (shared, _) = crate::world::shared_member(&world).await;
    let organizations = [&world.alpha, &world.beta].map(|org| global_id("Organization", org.id));
    for organization in &organizations {
        submitted(&world, &shared, organization, "BPM", bpm_answers(3)).await;
    }
    let counts = || async {
        let mut counts = Vec::new();
        for (org, id) in [&world.alpha, &world.beta].into_iter().zip(&organizations) {
            let twin = twin(&world, org.person("owner"), id).await;
            counts.push(twin["assessmentCount"].as_i64().expect("a count"));
        }
        counts
    };
    let before = counts().await;
    let input = json!({ "consentTypeId": analytics_consent(&world).await });
    succeed(&world, &shared, &decide(false), input).await;
    let after = counts().await;
    assert_eq!(
        after,
        before.iter().map(|count| count - 1).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn gap_analysis_ranks_the_dimensions_below_a_target() {
    let world = World::new().await;
    let owner = &world.outsider;
    let gamma = new_organization(&world).await;
    submitted(&world, owner, &gamma, "BPM", bpm_answers(2)).await;
    let query = r#"query($id: ID!, $level: Int!) { node(id: $id) { ... on Organization {
      digitalTwin { dimensions { key score weight } gapAnalysis(targetLevel: $level) {
        targetLevel targetScore unmeasuredDimensions
        gaps { dimension score gap expectedImpact level steps { level recommendation nextStep } }
    } } } } }"#;
    let response = world
        .query(Some(owner), query, json!({ "id": gamma, "level": 9 }))
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let twin = &response["data"]["node"]["digitalTwin"];
    let analysis = &twin["gapAnalysis"];
    assert_eq!(analysis["targetScore"], 4.5);
    let gaps = analysis["gaps"].as_array().expect("gaps");
    assert!(!gaps.is_empty(), "{analysis}");
    let impacts: Vec<f64> = gaps
        .iter()
        .map(|gap| gap["expectedImpact"].as_f64().unwrap())
        .collect();
    assert!(
        impacts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{impacts:?}"
    );
    for gap in gaps {
        let expected = 4.5 - gap["score"].as_f64().unwrap();
        assert!(
            (gap["gap"].as_f64().unwrap() - expected).abs() < 0.001,
            "{gap}"
        );
        let levels: Vec<i64> = gap["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| step["level"].as_i64().unwrap())
            .collect();
        let own = gap["level"].as_i64().unwrap();
        assert_eq!(levels, (own..9).collect::<Vec<_>>(), "{gap}");
    }
    // BPM covers no customer or strategy category.
    let unmeasured = analysis["unmeasuredDimensions"].as_array().unwrap();
    assert!(unmeasured.contains(&json!("customer")), "{analysis}");

    let response = world
        .query(Some(owner), query, json!({ "id": gamma, "level": 10 }))
        .await;
    assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
    assert_eq!(response["errors"][0]["extensions"]["field"], "targetLevel");
}

#[tokio::test]
async fn another_organisations_member_reaches_no_part_of_the_twin() {
    let world = World::new().await;
    let query = r#"query($twin: ID!, $score: ID!) {
      twin: node(id: $twin) { ... on DigitalTwin { dimensions { key } explanation
        gapAnalysis(targetLevel: 5) { targetLevel } } }
      score: node(id: $score) { ... on AssessmentScore { lowConfidence aiReadinessScore } } }"#;
    let variables = json!({
        "twin": global_id("DigitalTwin", world.alpha.twin),
        "score": global_id("AssessmentScore", world.alpha.score),
    });
    let own = world
        .query(Some(world.alpha.person("viewer")), query, variables.clone())
        .await;
    assert!(own.get("errors").is_none(), "{own}");
    assert_eq!(own["data"]["twin"]["gapAnalysis"]["targetLevel"], 5);
    assert_eq!(own["data"]["score"]["lowConfidence"], true);
    assert_eq!(own["data"]["score"]["aiReadinessScore"], 42.5);
    for stranger in [world.beta.person("owner"), &world.outsider] {
        let response = world.query(Some(stranger), query, variables.clone()).await;
        assert_eq!(response["data"]["twin"], Value::Null, "{response}");
        assert_eq!(response["data"]["score"], Value::Null, "{response}");
    }

    // Recomputing another organisation's twin: as if it did not exist.
    let alpha = global_id("Organization", world.alpha.id);
    let input = json!({ "organizationId": alpha });
    let response = run(&world, world.beta.person("owner"), RECOMPUTE, input.clone()).await;
    assert_eq!(error_codes(&response), ["NOT_FOUND"], "{response}");
    // And a plain member of alpha may not.
    let response = run(&world, world.alpha.person("member"), RECOMPUTE, input).await;
    assert_eq!(error_codes(&response), ["FORBIDDEN"], "{response}");
}
