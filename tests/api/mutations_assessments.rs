//! Assessment, profile and consent mutations through HTTP. A successful mutation writes its
//! change, exactly one audit row and exactly one event; a refused one writes nothing at all, and
//! an object of another organisation is refused exactly like one that never existed.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::AssessmentType;
use entity::prelude::{AssessmentScore, AuditLog, Event};
use entity::{assessment_scores, audit_log, events};
use orgraph::db::reference::Reference;
use orgraph::domain::scoring::{self, ScoreCard};
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::world::{Person, ROLES, World, error_codes, global_id};

const START: &str = r#"mutation($input: StartAssessmentInput!) { startAssessment(input: $input) {
  clientMutationId assessment { id status version assessmentType responses respondent { id } } } }"#;
const SAVE: &str = r#"mutation($input: SaveAssessmentResponsesInput!) {
  saveAssessmentResponses(input: $input) { assessment { id status responses } } }"#;
const SUBMIT: &str = r#"mutation($input: AssessmentInput!) { submitAssessment(input: $input) {
  assessment { id status completedAt }
  score { overallScore bracket confidence maturityLevel { level } } } }"#;
const ARCHIVE: &str = r#"mutation($input: AssessmentInput!) {
  archiveAssessment(input: $input) { assessment { id status } } }"#;
const UPDATE_PROFILE: &str = r#"mutation($input: UpdateMyProfileInput!) { updateMyProfile(input: $input) {
  user { id firstName lastName title phone timezone linkedinUrl } } }"#;
const GRANT: &str = r#"mutation($input: ConsentInput!) {
  grantConsent(input: $input) { consent { id granted source consentType { code } } } }"#;
const WITHDRAW: &str = r#"mutation($input: ConsentInput!) {
  withdrawConsent(input: $input) { consent { id granted source consentType { code } } } }"#;
const MY_CONSENTS: &str =
    "{ viewer { consents(first: 10) { totalCount edges { node { id granted } } } } }";

/// Every table a mutation of this file may write.
const TABLES: [&str; 10] = [
    "assessments",
    "assessment_scores",
    "audit_log",
    "digital_twin_snapshots",
    "events",
    "organization_digital_twins",
    "mutation_receipts",
    "organization_members",
    "user_consents",
    "users",
];

type Counts = BTreeMap<&'static str, i64>;

async fn counts(db: &DatabaseConnection) -> Counts {
    let mut counts = Counts::new();
    for table in TABLES {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("a count")
            .expect("a row");
        counts.insert(table, row.try_get::<i64>("", "n").expect("n"));
    }
    counts
}

/// The key of a global ID.
fn key(id: &Value) -> Uuid {
    let decoded = URL_SAFE_NO_PAD
        .decode(id.as_str().expect("an ID"))
        .expect("base64");
    let text = String::from_utf8(decoded).expect("UTF-8");
    text.rsplit_once(':')
        .expect("kind:key")
        .1
        .parse()
        .expect("a UUID")
}

fn organization(world: &World) -> String {
    global_id("Organization", world.alpha.id)
}

fn assessment(id: Uuid) -> Value {
    json!({ "assessmentId": global_id("Assessment", id) })
}

fn start_bpm(world: &World) -> Value {
    json!({ "organizationId": organization(world), "assessmentType": "BPM" })
}

fn consent_type(id: Uuid) -> Value {
    json!({ "consentTypeId": global_id("ConsentType", id), "source": "settings_page" })
}

/// Runs `mutation` with `input` as `person` and returns its payload; any error fails the test.
async fn succeed(world: &World, person: &Person, mutation: &str, input: Value) -> Value {
    let response = world
        .query(Some(person), mutation, json!({ "input": input }))
        .await;
    assert!(response.get("errors").is_none(), "{input}: {response}");
    let data = response["data"].as_object().expect("data");
    data.values().next().expect("one root field").clone()
}

/// Runs `mutation`, which must be refused with `code` (naming `field` when given) and write
/// nothing; returns the response.
async fn assert_refused(
    world: &World,
    person: &Person,
    mutation: &str,
    input: Value,
    code: &str,
    field: Option<&str>,
) -> Value {
    let before = counts(&world.app.db).await;
    let response = world
        .query(Some(person), mutation, json!({ "input": input }))
        .await;
    assert_eq!(error_codes(&response), [code], "{input}: {response}");
    if let Some(field) = field {
        assert_eq!(
            response["errors"][0]["extensions"]["field"], field,
            "{response}"
        );
    }
    assert_eq!(
        counts(&world.app.db).await,
        before,
        "a refusal writes nothing: {input}"
    );
    response
}

/// Asserts that since `before` exactly one mutation was recorded: one audit row and one event
/// of `event_type`, both about `record`, and besides them one new row in each of `created`.
async fn assert_journaled(
    world: &World,
    before: &Counts,
    created: &[&'static str],
    event_type: &str,
    record: Uuid,
) {
    assert_recorded(world, before, created, &[event_type], record).await;
}

/// As [`assert_journaled`], for a mutation whose events are `event_types` in order, the first
/// about `record`.
async fn assert_recorded(
    world: &World,
    before: &Counts,
    created: &[&'static str],
    event_types: &[&str],
    record: Uuid,
) {
    let db = &world.app.db;
    let mut expected = before.clone();
    for table in ["audit_log"].iter().chain(created) {
        *expected.get_mut(table).expect("a counted table") += 1;
    }
    *expected.get_mut("events").expect("events are counted") += event_types.len() as i64;
    assert_eq!(counts(db).await, expected, "{event_types:?}");
    let mut latest = Event::find()
        .order_by_desc(events::Column::Sequence)
        .limit(event_types.len() as u64)
        .all(db)
        .await
        .unwrap();
    latest.reverse();
    let types: Vec<&str> = latest
        .iter()
        .map(|event| event.event_type.as_str())
        .collect();
    assert_eq!(types, event_types);
    assert_eq!(latest[0].aggregate_id, record, "{event_types:?}");
    let audit = AuditLog::find()
        .order_by_desc(audit_log::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("an audit row");
    assert_eq!(audit.record_id, Some(record.to_string()), "{event_types:?}");
}

/// A valid set of answers to the BPM questionnaire, every category answered.
fn answers() -> Value {
    json!({ "processes_documented": 4, "process_owners": true,
            "performance_measured": "real_time", "automation_share": "half",
            "improvement_reviews": true })
}

/// An assessment `person` started in alpha and answered with `responses` (none when empty).
async fn answered(world: &World, person: &Person, responses: Value) -> Uuid {
    let started = succeed(world, person, START, start_bpm(world)).await;
    let id = key(&started["assessment"]["id"]);
    if responses
        .as_object()
        .is_some_and(|answers| !answers.is_empty())
    {
        let input = json!({ "assessmentId": global_id("Assessment", id), "responses": responses });
        succeed(world, person, SAVE, input).await;
    }
    id
}

/// What the scoring engine makes of BPM `responses`, with the stored scale and rubric.
async fn expected_score(db: &DatabaseConnection, responses: &Value) -> ScoreCard {
    let reference = Reference::load(db).await.expect("reference data");
    let model = scoring::question_model(AssessmentType::Bpm, "1.0").expect("BPM 1.0");
    scoring::score(model, responses, reference.scale(), reference.rubric())
        .expect("valid responses")
}

/// The score stored for the assessment `id`.
async fn stored_score(db: &DatabaseConnection, id: Uuid) -> assessment_scores::Model {
    AssessmentScore::find()
        .filter(assessment_scores::Column::AssessmentId.eq(id))
        .one(db)
        .await
        .unwrap()
        .expect("a stored score")
}

#[tokio::test]
async fn an_assessment_is_started_answered_submitted_scored_and_archived() {
    let world = World::new().await;
    let db = &world.app.db;
    let member = world.alpha.person("member");

    let before = counts(db).await;
    let started = succeed(&world, member, START, start_bpm(&world)).await;
    let node = &started["assessment"];
    assert_eq!(node["status"], "IN_PROGRESS");
    assert_eq!(node["version"], "1.0");
    assert_eq!(node["assessmentType"], "BPM");
    assert_eq!(node["responses"], json!({}));
    assert_eq!(node["respondent"]["id"], global_id("User", member.id));
    let id = key(&node["id"]);
    assert_journaled(&world, &before, &["assessments"], "assessment.started", id).await;

    let saves = [
        (
            json!({ "processes_documented": 4, "process_owners": true }),
            json!({ "processes_documented": 4, "process_owners": true }),
        ),
        (
            json!({ "performance_measured": "regular_reports", "cycle_times_known": 2,
                    "process_owners": null }),
            json!({ "processes_documented": 4, "performance_measured": "regular_reports",
                    "cycle_times_known": 2 }),
        ),
        (
            json!({ "automation_share": "little", "suggestions_acted_on": 3 }),
            json!({ "processes_documented": 4, "performance_measured": "regular_reports",
                    "cycle_times_known": 2, "automation_share": "little",
                    "suggestions_acted_on": 3 }),
        ),
    ];
    for (sent, merged) in saves {
        let before = counts(db).await;
        let input = json!({ "assessmentId": global_id("Assessment", id), "responses": sent });
        let saved = succeed(&world, member, SAVE, input).await;
        assert_eq!(saved["assessment"]["responses"], merged, "{sent}");
        assert_eq!(saved["assessment"]["status"], "IN_PROGRESS");
        assert_journaled(&world, &before, &[], "assessment.responses_saved", id).await;
    }

    let responses = json!({ "processes_documented": 4, "performance_measured": "regular_reports",
                            "cycle_times_known": 2, "automation_share": "little",
                            "suggestions_acted_on": 3 });
    let card = expected_score(db, &responses).await;
    let before = counts(db).await;
    let submitted = succeed(&world, member, SUBMIT, assessment(id)).await;
    assert_eq!(submitted["assessment"]["status"], "COMPLETED");
    assert!(submitted["assessment"]["completedAt"].is_string());
    let score = &submitted["score"];
    let two_decimals = |value: &Value| format!("{:.2}", value.as_f64().expect("a number"));
    assert_eq!(
        two_decimals(&score["overallScore"]),
        format!("{:.2}", card.overall.to_f64().unwrap())
    );
    assert_eq!(score["bracket"], card.bracket.as_str().to_uppercase());
    assert_eq!(score["maturityLevel"]["level"], card.maturity_level);
    let stored = stored_score(db, id).await;
    assert_eq!(
        (stored.overall_score, stored.bracket, stored.maturity_level),
        (card.overall, card.bracket, card.maturity_level)
    );
    assert_eq!(stored.confidence, card.confidence);
    assert_eq!(stored.swot, Some(json!(card.swot)));
    // The submission changes the organisation's twin: a `change` snapshot.
    assert_recorded(
        &world,
        &before,
        &["assessment_scores", "digital_twin_snapshots"],
        &["assessment.submitted", "digital_twin.recomputed"],
        id,
    )
    .await;

    let before = counts(db).await;
    let archived = succeed(
        &world,
        world.alpha.person("analyst"),
        ARCHIVE,
        assessment(id),
    )
    .await;
    assert_eq!(archived["assessment"]["status"], "ARCHIVED");
    // Without it the twin counts one assessment fewer: a change, and a snapshot.
    assert_recorded(
        &world,
        &before,
        &["digital_twin_snapshots"],
        &["assessment.archived", "digital_twin.recomputed"],
        id,
    )
    .await;
}

#[tokio::test]
async fn refused_assessment_mutations_name_the_reason_and_write_nothing() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let submitted = answered(&world, member, answers()).await;
    succeed(&world, member, SUBMIT, assessment(submitted)).await;
    let in_progress = answered(&world, member, answers()).await;
    let unanswered = answered(&world, member, json!({})).await;
    let archived = world.alpha.assessment;
    succeed(
        &world,
        world.alpha.person("analyst"),
        ARCHIVE,
        assessment(archived),
    )
    .await;
    let save = |responses: Value| {
        let id = global_id("Assessment", in_progress);
        json!({ "assessmentId": id, "responses": responses })
    };

    // Who may not, and what is not in a state to.
    let refusals = [
        ("viewer", START, start_bpm(&world), "FORBIDDEN"),
        ("owner", SAVE, save(answers()), "FORBIDDEN"),
        ("admin", SUBMIT, assessment(in_progress), "FORBIDDEN"),
        ("analyst", SAVE, save(answers()), "FORBIDDEN"),
        ("member", ARCHIVE, assessment(submitted), "FORBIDDEN"),
        ("member", SUBMIT, assessment(submitted), "CONFLICT"),
        (
            "member",
            SAVE,
            json!({ "assessmentId": global_id("Assessment", submitted), "responses": answers() }),
            "CONFLICT",
        ),
        ("owner", SUBMIT, assessment(archived), "CONFLICT"),
        ("analyst", ARCHIVE, assessment(archived), "CONFLICT"),
        ("member", SUBMIT, assessment(unanswered), "BAD_USER_INPUT"),
    ];
    for (role, mutation, input, code) in refusals {
        assert_refused(
            &world,
            world.alpha.person(role),
            mutation,
            input,
            code,
            None,
        )
        .await;
    }

    // Answers that do not fit the question model, each named by its question.
    let misfits = [
        (json!({ "no_such_question": 3 }), "no_such_question"),
        (
            json!({ "processes_documented": 2, "process_owners": 1 }),
            "process_owners",
        ),
        (
            json!({ "processes_documented": "four" }),
            "processes_documented",
        ),
        (
            json!({ "processes_documented": 3.5 }),
            "processes_documented",
        ),
        (json!({ "processes_documented": 6 }), "processes_documented"),
        (json!({ "cycle_times_known": 0 }), "cycle_times_known"),
        (
            json!({ "performance_measured": "sometimes" }),
            "performance_measured",
        ),
        (json!({ "performance_measured": 5 }), "performance_measured"),
        (json!({ "comments": 5 }), "comments"),
        (json!({ "comments": " \n " }), "comments"),
        (json!({ "comments": "x".repeat(2001) }), "comments"),
        // A carriage return passes the request's own control-character check (which refuses
        // NUL and the like for every field), not the text scale's.
        (json!({ "comments": "a\rb" }), "comments"),
    ];
    let mut unknown_version = start_bpm(&world);
    unknown_version["version"] = json!("9.9");
    let invalid = misfits
        .into_iter()
        .map(|(responses, question)| (SAVE, save(responses), format!("input.responses.{question}")))
        .chain([
            (SAVE, save(json!([4, true])), "input.responses".to_owned()),
            (START, unknown_version, "input.version".to_owned()),
        ]);
    for (mutation, input, field) in invalid {
        let code = "BAD_USER_INPUT";
        assert_refused(&world, member, mutation, input, code, Some(&field)).await;
    }

    let stored = entity::prelude::Assessment::find_by_id(in_progress)
        .one(&world.app.db)
        .await
        .unwrap()
        .expect("the assessment");
    assert_eq!(
        stored.responses,
        answers(),
        "no refused save changed an answer"
    );
}

const RESPONSES: &str =
    r#"query($id: ID!) { node(id: $id) { ... on Assessment { status responses } } }"#;

#[tokio::test]
async fn a_comment_is_stored_and_read_back_but_never_scored() {
    let world = World::new().await;
    let db = &world.app.db;
    let member = world.alpha.person("member");
    let plain = answered(&world, member, answers()).await;
    let commented = answered(&world, member, json!({})).await;
    let comment = "Handovers are informal.\n\tWe are working on it: ça avance.";
    let mut with_comment = answers();
    with_comment["comments"] = json!(comment);
    let input = json!({ "assessmentId": global_id("Assessment", commented),
                        "responses": with_comment });
    let saved = succeed(&world, member, SAVE, input).await;
    assert_eq!(saved["assessment"]["responses"], with_comment);
    let read = |id: Uuid| {
        let variables = json!({ "id": global_id("Assessment", id) });
        world.query(Some(member), RESPONSES, variables)
    };
    let response = read(commented).await;
    assert_eq!(
        response["data"]["node"]["responses"]["comments"], comment,
        "{response}"
    );

    // Too long by one character (2001 two-byte characters): refused, naming the answer, and
    // nothing changes, not even the valid answer sent with it.
    let input = json!({ "assessmentId": global_id("Assessment", commented),
                        "responses": { "processes_documented": 1,
                                       "comments": "é".repeat(2001) } });
    let refused = assert_refused(
        &world,
        member,
        SAVE,
        input,
        "BAD_USER_INPUT",
        Some("input.responses.comments"),
    )
    .await;
    assert_eq!(
        refused["errors"][0]["message"],
        "the answer to `comments` must be a text of at most 2000 characters, not blank, with no \
         control characters but newline and tab",
        "{refused}"
    );
    let response = read(commented).await;
    assert_eq!(response["data"]["node"]["responses"], with_comment);

    // Scored as if the comment were not there.
    let unscored = succeed(&world, member, SUBMIT, assessment(plain)).await;
    let scored = succeed(&world, member, SUBMIT, assessment(commented)).await;
    assert_eq!(scored["score"], unscored["score"]);
    let (unscored, scored) = (
        stored_score(db, plain).await,
        stored_score(db, commented).await,
    );
    let card = expected_score(db, &answers()).await;
    let seen = |row: &assessment_scores::Model| {
        (
            row.overall_score,
            row.confidence,
            row.category_scores.clone(),
            row.insights.clone(),
            row.swot.clone(),
        )
    };
    assert_eq!(seen(&scored), seen(&unscored));
    assert_eq!(scored.insights.as_deref(), Some(card.insights.as_str()));
    assert!(
        card.insights.contains("5 of 8 questions answered"),
        "{}",
        card.insights
    );
    let response = read(commented).await;
    assert_eq!(response["data"]["node"]["status"], "COMPLETED");
    assert_eq!(
        response["data"]["node"]["responses"]["comments"], comment,
        "a submission keeps the comment"
    );
}

#[tokio::test]
async fn a_repeated_client_mutation_id_returns_the_first_assessment_and_writes_nothing() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let mut input = start_bpm(&world);
    input["clientMutationId"] = json!("start-once");

    let before = counts(&world.app.db).await;
    let first = succeed(&world, member, START, input.clone()).await;
    let id = key(&first["assessment"]["id"]);
    assert_journaled(
        &world,
        &before,
        &["assessments", "mutation_receipts"],
        "assessment.started",
        id,
    )
    .await;

    let before = counts(&world.app.db).await;
    let again = succeed(&world, member, START, input).await;
    assert_eq!(again, first, "the same assessment, and the same client id");
    assert_eq!(again["clientMutationId"], "start-once");
    assert_eq!(
        counts(&world.app.db).await,
        before,
        "a repeat writes nothing"
    );
}

#[tokio::test]
async fn a_client_mutation_id_reused_for_another_request_is_refused() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    crate::rows::member(world.beta.id, member.id)
        .insert(&world.app.db)
        .await
        .expect("a membership of beta too");
    let start = "mutation($input: StartAssessmentInput!) { startAssessment(input: $input) {
      assessment { assessmentType organization { slug } } } }";
    let input = |organization: Uuid, kind: &str| {
        json!({ "input": { "organizationId": global_id("Organization", organization),
                           "assessmentType": kind, "clientMutationId": "reused" } })
    };
    let first = world
        .query(Some(member), start, input(world.alpha.id, "BPM"))
        .await;
    assert_eq!(
        first["data"]["startAssessment"]["assessment"]["organization"]["slug"],
        "alpha"
    );
    let second = world
        .query(Some(member), start, input(world.beta.id, "LEADERSHIP"))
        .await;
    assert_ne!(
        second["data"]["startAssessment"]["assessment"]["organization"]["slug"], "alpha",
        "asked to start a LEADERSHIP assessment in beta: {second}"
    );
    assert_eq!(error_codes(&second), ["BAD_USER_INPUT"], "{second}");
    assert_eq!(
        second["errors"][0]["extensions"]["field"],
        "input.clientMutationId"
    );
}

#[tokio::test]
async fn alphas_assessments_do_not_exist_for_other_tenants_and_outsiders() {
    let world = World::new().await;
    let in_progress = answered(&world, world.alpha.person("member"), answers()).await;
    let unknown = Uuid::now_v7();
    let start = |organization: Uuid| {
        let id = global_id("Organization", organization);
        json!({ "organizationId": id, "assessmentType": "BPM" })
    };
    let answer =
        |id: Uuid| json!({ "assessmentId": global_id("Assessment", id), "responses": answers() });
    // (mutation, alpha's object, an object never issued)
    let cases = [
        (START, start(world.alpha.id), start(unknown)),
        (SAVE, answer(in_progress), answer(unknown)),
        (SUBMIT, assessment(in_progress), assessment(unknown)),
        (ARCHIVE, assessment(in_progress), assessment(unknown)),
        (
            ARCHIVE,
            assessment(world.alpha.assessment),
            assessment(unknown),
        ),
    ];
    let strangers = ROLES
        .iter()
        .map(|role| world.beta.person(role))
        .chain([&world.outsider]);
    for stranger in strangers {
        for (mutation, alphas, never_issued) in &cases {
            let response = assert_refused(
                &world,
                stranger,
                mutation,
                alphas.clone(),
                "NOT_FOUND",
                None,
            )
            .await;
            let unknown = world
                .query(Some(stranger), mutation, json!({ "input": never_issued }))
                .await;
            assert_eq!(response, unknown, "{}: {alphas}", stranger.email);
        }
    }
}

#[tokio::test]
async fn people_change_their_profile_with_valid_values_only() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let before = counts(&world.app.db).await;
    let change = json!({
        "firstName": "  Grace ", "lastName": "Hopper", "title": "Rear Admiral",
        "phone": "+1 (555) 010-0199", "timezone": "America/New_York",
        "linkedinUrl": "https://www.linkedin.com/in/grace"
    });
    let updated = succeed(&world, member, UPDATE_PROFILE, change).await;
    assert_eq!(
        updated["user"],
        json!({
            "id": global_id("User", member.id), "firstName": "Grace", "lastName": "Hopper",
            "title": "Rear Admiral", "phone": "+1 (555) 010-0199",
            "timezone": "America/New_York", "linkedinUrl": "https://www.linkedin.com/in/grace"
        })
    );
    assert_journaled(&world, &before, &[], "user.profile_updated", member.id).await;

    let invalid = [
        ("phone", "call me maybe", "input.phone"),
        ("phone", "+1 23", "input.phone"),
        (
            "linkedinUrl",
            "ftp://example.com/grace",
            "input.linkedinUrl",
        ),
        ("profilePicUrl", "grace.png", "input.profilePicUrl"),
        ("timezone", "europe/paris", "input.timezone"),
        ("timezone", "Europe/Paris; DROP", "input.timezone"),
        ("firstName", "   ", "input.firstName"),
    ];
    for (name, value, field) in invalid {
        let input = json!({ "title": "Admiral", name: value });
        assert_refused(
            &world,
            member,
            UPDATE_PROFILE,
            input,
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    let viewer = world
        .query(Some(member), "{ viewer { title firstName } }", json!({}))
        .await;
    assert_eq!(
        viewer["data"]["viewer"],
        json!({ "title": "Rear Admiral", "firstName": "Grace" }),
        "no refused change was applied"
    );
}

#[tokio::test]
async fn consent_decisions_append_records_newest_first() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let mut decisions = Vec::new();
    for (mutation, granted, event_type) in [
        (GRANT, true, "consent.granted"),
        (WITHDRAW, false, "consent.withdrawn"),
    ] {
        let before = counts(&world.app.db).await;
        let decided = succeed(&world, member, mutation, consent_type(world.consent_type)).await;
        let consent = &decided["consent"];
        assert_eq!(consent["granted"], granted);
        assert_eq!(consent["source"], "settings_page");
        assert_eq!(consent["consentType"]["code"], "world_newsletter");
        let id = key(&consent["id"]);
        assert_journaled(&world, &before, &["user_consents"], event_type, id).await;
        decisions.push((consent["id"].clone(), granted));
    }

    let mine = world.query(Some(member), MY_CONSENTS, json!({})).await;
    let consents = &mine["data"]["viewer"]["consents"];
    assert_eq!(consents["totalCount"], 2, "{mine}");
    let listed: Vec<(Value, bool)> = consents["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| (edge["node"]["id"].clone(), edge["node"]["granted"] == true))
        .collect();
    decisions.reverse();
    assert_eq!(listed, decisions, "the withdrawal first, then the grant");

    for mutation in [GRANT, WITHDRAW] {
        assert_refused(
            &world,
            member,
            mutation,
            consent_type(Uuid::now_v7()),
            "NOT_FOUND",
            None,
        )
        .await;
    }
}

#[tokio::test]
async fn rows_read_with_their_parents_are_read_again_after_a_later_mutation() {
    let world = World::new().await;
    let person = world.alpha.person("member");
    let id = answered(&world, person, answers()).await;
    let assessment = global_id("Assessment", id);
    // The first mutation's payload lists the organisation's assessments with their scores,
    // which joins this assessment's (absent) score; the second scores it. Its payload must
    // show the new score, not the absence read before.
    let response = world
        .query(
            Some(person),
            r#"mutation($save: SaveAssessmentResponsesInput!, $submit: AssessmentInput!) {
              saved: saveAssessmentResponses(input: $save) {
                assessment { organization { assessments(first: 50) { nodes { id score { id } } } } } }
              submitted: submitAssessment(input: $submit) { assessment { id score { id } } } }"#,
            json!({
                "save": { "assessmentId": assessment, "responses": answers() },
                "submit": { "assessmentId": assessment },
            }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let listed = response["data"]["saved"]["assessment"]["organization"]["assessments"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|node| node["id"] == json!(assessment))
        .cloned()
        .expect("the assessment is listed");
    assert_eq!(listed["score"], Value::Null);
    let stored = stored_score(&world.app.db, id).await;
    assert_eq!(
        response["data"]["submitted"]["assessment"]["score"]["id"],
        json!(global_id("AssessmentScore", stored.id))
    );
}

#[tokio::test]
async fn concurrent_answers_are_all_kept_and_an_archive_is_never_undone() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let id = answered(&world, member, json!({})).await;
    let model = scoring::question_model(AssessmentType::Bpm, "1.0").expect("BPM 1.0");
    // Each save answers a different question: none may overwrite another's answer.
    let world = &world;
    let saves = model.questions.iter().map(|question| {
        let answer = match &question.scale {
            scoring::Scale::Likert { min, .. } => json!(min),
            scoring::Scale::Choice { options } => json!(options[0].key),
            scoring::Scale::Boolean => json!(true),
            scoring::Scale::Text { .. } => json!("A comment."),
        };
        let input = json!({ "assessmentId": global_id("Assessment", id),
                            "responses": { question.id.clone(): answer } });
        async move { succeed(world, member, SAVE, input).await }
    });
    // On PostgreSQL, hold alpha's row lock while the saves arrive, so that each has read the
    // assessment before it waits for the lock (SQLite's single writer makes them take turns).
    let held = if crate::helpers::on_postgres() {
        let tx = world.app.db.begin().await.unwrap();
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM organizations WHERE id = $1 FOR UPDATE",
            [world.alpha.id.into()],
        ))
        .await
        .unwrap();
        Some(tx)
    } else {
        None
    };
    let release = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if let Some(tx) = held {
            tx.commit().await.unwrap();
        }
    };
    tokio::join!(futures_util::future::join_all(saves), release);
    let stored = entity::prelude::Assessment::find_by_id(id)
        .one(&world.app.db)
        .await
        .unwrap()
        .expect("the assessment");
    let answered = stored.responses.as_object().map(|answers| answers.len());
    assert_eq!(
        answered,
        Some(model.questions.len()),
        "{}",
        stored.responses
    );

    // A submission racing an archive: whichever order they take, an archive that reported
    // success is the last word.
    let analyst = world.alpha.person("analyst");
    let input = json!({ "input": assessment(id) });
    let (submitted, archived) = tokio::join!(
        world.query(Some(member), SUBMIT, input.clone()),
        world.query(Some(analyst), ARCHIVE, input.clone()),
    );
    assert!(archived.get("errors").is_none(), "{archived}");
    let stored = entity::prelude::Assessment::find_by_id(id)
        .one(&world.app.db)
        .await
        .unwrap()
        .expect("the assessment");
    assert_eq!(stored.status.as_str(), "archived", "{submitted} {archived}");
}

/// An assessment type's current question model, as `assessmentModels` gives it, and the same
/// model as `Assessment.model` gives it.
const MODELS: &str = r#"query($type: AssessmentType!, $assessment: ID!) {
  assessmentModels(assessmentType: $type) { ...Model }
  node(id: $assessment) { ... on Assessment { model { ...Model } } }
}
fragment Model on AssessmentModel {
  assessmentType version current title
  categories { key name weight questions { key } }
  questions { key categoryKey text weight scale { __typename
    ... on LikertScale { min max minLabel maxLabel }
    ... on ChoiceScale { options { key label points } }
    ... on BooleanScale { yesPoints noPoints }
    ... on TextScale { maxLength } } }
}"#;

/// The best answer to every question of `model`, from nothing but the API's description of
/// it: a likert scale's `max`, the choice worth the most points, `true` when yes is worth more,
/// and a comment as long as a text question allows.
fn best_answers(model: &Value) -> Value {
    let questions = model["questions"].as_array().expect("questions");
    let answer = |scale: &Value| match scale["__typename"].as_str() {
        Some("LikertScale") => scale["max"].clone(),
        Some("ChoiceScale") => {
            let options = scale["options"].as_array().expect("options").iter();
            let points = |option: &&Value| option["points"].as_f64().expect("points");
            let best = options.max_by(|a, b| points(a).total_cmp(&points(b)));
            best.expect("an option")["key"].clone()
        }
        Some("BooleanScale") => json!(scale["yesPoints"].as_f64() > scale["noPoints"].as_f64()),
        Some("TextScale") => {
            let length = scale["maxLength"].as_u64().expect("a maxLength");
            json!("é".repeat(usize::try_from(length).expect("a length")))
        }
        other => panic!("an unknown scale {other:?}"),
    };
    let answers = questions.iter().map(|question| {
        let key = question["key"].as_str().expect("a key").to_owned();
        (key, answer(&question["scale"]))
    });
    Value::Object(answers.collect())
}

/// Starts an assessment of `kind` in alpha as `person`; returns its global ID and its model
/// as `assessmentModels` and `Assessment.model` give it, asserting they are the same.
async fn started_with_model(world: &World, person: &Person, kind: &str) -> (Value, Value) {
    let input = json!({ "organizationId": organization(world), "assessmentType": kind });
    let started = succeed(world, person, START, input).await;
    let id = started["assessment"]["id"].clone();
    let variables = json!({ "type": kind, "assessment": id });
    let response = world.query(Some(person), MODELS, variables).await;
    assert!(response.get("errors").is_none(), "{response}");
    let listed = response["data"]["assessmentModels"]
        .as_array()
        .expect("models");
    let current: Vec<&Value> = listed
        .iter()
        .filter(|model| model["current"] == true)
        .collect();
    let model = &response["data"]["node"]["model"];
    assert_eq!(
        current,
        [model],
        "{kind}: the current model is the one started"
    );
    (id, model.clone())
}

#[tokio::test]
async fn every_assessment_type_can_be_answered_from_its_model_in_the_api_alone() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let types = world
        .query(
            None,
            r#"{ __type(name: "AssessmentType") { enumValues { name } } }"#,
            json!({}),
        )
        .await;
    let types = types["data"]["__type"]["enumValues"]
        .as_array()
        .expect("types");
    assert_eq!(types.len(), 11);
    for kind in types
        .iter()
        .map(|value| value["name"].as_str().expect("a name"))
    {
        let (id, model) = started_with_model(&world, member, kind).await;
        assert_eq!(model["assessmentType"], kind);
        for category in model["categories"].as_array().expect("categories") {
            let asked = category["questions"].as_array().expect("questions");
            assert!(!asked.is_empty(), "{kind}: {category}");
        }
        let responses = best_answers(&model);
        let input = json!({ "assessmentId": id, "responses": responses });
        let saved = succeed(&world, member, SAVE, input).await;
        assert_eq!(saved["assessment"]["responses"], responses, "{kind}");
        let submitted = succeed(&world, member, SUBMIT, json!({ "assessmentId": id })).await;
        let score = &submitted["score"];
        let seen = (
            &score["overallScore"],
            &score["confidence"],
            &score["bracket"],
        );
        assert_eq!(
            seen,
            (&json!(5.0), &json!(1.0), &json!("SCORE_5")),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn an_unknown_question_is_refused_with_the_models_question_keys() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let (id, model) = started_with_model(&world, member, "BPM").await;
    let questions = model["questions"].as_array().expect("questions").iter();
    let keys: Vec<String> = questions
        .map(|q| format!("`{}`", q["key"].as_str().expect("key")))
        .collect();
    assert!(keys.len() >= 5, "{model}");
    let input = json!({ "assessmentId": id, "responses": { "no_such_question": 3 } });
    let field = Some("input.responses.no_such_question");
    let refused = assert_refused(&world, member, SAVE, input, "BAD_USER_INPUT", field).await;
    let expected = format!(
        "`no_such_question` is not a question of this assessment; its questions are {}",
        keys.join(", ")
    );
    assert_eq!(refused["errors"][0]["message"], expected, "{refused}");
}

#[tokio::test]
async fn of_many_concurrent_submissions_one_wins_and_every_other_is_a_conflict() {
    let world = World::new().await;
    let member = world.alpha.person("member");
    let id = answered(&world, member, answers()).await;
    let input = json!({ "input": assessment(id) });
    let world = &world;
    let submissions = (0..50).map(|_| world.query(Some(member), SUBMIT, input.clone()));
    let responses = futures_util::future::join_all(submissions).await;
    let (won, lost): (Vec<_>, Vec<_>) = responses
        .iter()
        .partition(|response| response.get("errors").is_none());
    assert_eq!(won.len(), 1, "{responses:?}");
    for response in lost {
        assert_eq!(error_codes(response), ["CONFLICT"], "{response}");
    }
    let scores = AssessmentScore::find()
        .filter(assessment_scores::Column::AssessmentId.eq(id))
        .count(&world.app.db)
        .await
        .unwrap();
    assert_eq!(scores, 1);
}
