//! Demo and synthetic seeding.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entity::enums::{AssessmentStatus, SnapshotReason};
use entity::prelude::*;

use chrono::Utc;
use orgraph::db::reference::Reference;
use orgraph::domain::scoring::{
    CURRENT_VERSION, question_model, require_every_category, score, validate_responses,
};
use orgraph::domain::twin::{aggregate, twin_model};
use orgraph::seed::{self, DEMO_ORGANIZATION_SLUGS, SyntheticSize};
use orgraph::service::twins;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn seeding_demo_data_twice_duplicates_nothing() {
    let test = migrated_database().await;
    let db = &test.db;
    assert!(seed::database_is_empty(db).await.unwrap());

    let first = seed::demo(db).await.expect("demo data");
    assert!(
        first.rows > 100,
        "the demo data set has substance: {first:?}"
    );
    let second = seed::demo(db).await.expect("demo data again");
    assert_eq!(second.rows, 0);

    assert_eq!(
        Organization::find().count(db).await.unwrap(),
        DEMO_ORGANIZATION_SLUGS.len() as u64
    );
    assert_eq!(MaturityLevel::find().count(db).await.unwrap(), 10);
    assert_eq!(MaturityCriterion::find().count(db).await.unwrap(), 50);
    assert_eq!(ConsentType::find().count(db).await.unwrap(), 3);
    let table_rows: u64 = first.tables.iter().map(|(_, rows)| rows).sum();
    assert_eq!(table_rows, first.rows);
}

#[tokio::test]
async fn demo_data_has_every_role_and_scored_assessments() {
    use entity::enums::MemberRole;

    let test = migrated_database().await;
    let db = &test.db;
    seed::demo(db).await.unwrap();
    for role in [
        MemberRole::Owner,
        MemberRole::Admin,
        MemberRole::Analyst,
        MemberRole::Member,
        MemberRole::Viewer,
    ] {
        let members = OrganizationMember::find()
            .filter(entity::organization_members::Column::Role.eq(role))
            .count(db)
            .await
            .unwrap();
        assert!(members >= 3, "{role:?} in every demo organisation");
    }
    let scored = AssessmentScore::find().count(db).await.unwrap();
    let completed = Assessment::find()
        .filter(entity::assessments::Column::Status.eq(entity::enums::AssessmentStatus::Completed))
        .count(db)
        .await
        .unwrap();
    assert_eq!(scored, completed);
    assert_eq!(OrganizationDigitalTwin::find().count(db).await.unwrap(), 3);
    // At most one change per replayed month (12) and today, per twin.
    let snapshots = DigitalTwinSnapshot::find().count(db).await.unwrap();
    assert!((6..=39).contains(&snapshots), "{snapshots}");
}

/// A stored JSON array of strings.
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|item| item.as_str().expect("a string").to_owned())
        .collect()
}

/// What the seeded assessments are, as [`assert_seeded_assessments_are_real`] found them.
#[derive(Debug, Default)]
struct Seeded {
    completed: usize,
    in_progress: usize,
    types: BTreeSet<&'static str>,
    partly_answered_completed: usize,
    /// Assessments with an answer to a text question.
    commented: usize,
    snapshots: usize,
}

/// Every assessment answers its type's current question model; every completed one has exactly
/// the score the engine computes from its stored responses; in-progress ones are unscored and
/// partly answered; every completed one answers every category; every twin is what the engine
/// computes from its organisation's assessments, with a history of `change` snapshots that ends
/// in its current state.
async fn assert_seeded_assessments_are_real(db: &DatabaseConnection) -> Seeded {
    let reference = Reference::load(db).await.unwrap();
    let (scale, rubric) = (reference.scale(), reference.rubric());
    let mut scores: HashMap<_, _> = AssessmentScore::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.assessment_id, row))
        .collect();
    let mut organizations = BTreeSet::new();
    let mut seeded = Seeded::default();
    for assessment in Assessment::find().all(db).await.unwrap() {
        assert_eq!(assessment.version, CURRENT_VERSION);
        let model = question_model(assessment.assessment_type, &assessment.version)
            .expect("a question model for every seeded assessment");
        assert_eq!(
            validate_responses(model, &assessment.responses),
            Ok(()),
            "{:?}: {}",
            assessment.assessment_type,
            assessment.responses
        );
        seeded.types.insert(assessment.assessment_type.as_str());
        let answers = assessment.responses.as_object().expect("an object");
        let answered = answers.len();
        assert!(answered > 0, "{}", assessment.responses);
        let texts = model.questions.iter().filter(|q| !q.is_scored());
        let comments: Vec<&Value> = texts.filter_map(|q| answers.get(&q.id)).collect();
        for comment in &comments {
            let comment = comment.as_str().expect("a text answer is a string");
            assert!(
                !comment.contains('@'),
                "a seeded comment names no one: {comment}"
            );
        }
        seeded.commented += usize::from(!comments.is_empty());
        let scored = model.questions.iter().filter(|q| q.is_scored());
        let (scored_questions, scored_answers) = scored.fold((0, 0), |(all, given), q| {
            (all + 1, given + usize::from(answers.contains_key(&q.id)))
        });
        let stored = scores.remove(&assessment.id);
        if assessment.status != AssessmentStatus::Completed {
            assert_eq!(assessment.status, AssessmentStatus::InProgress);
            assert!(stored.is_none(), "an in-progress assessment is not scored");
            assert!(answered < model.questions.len(), "partly answered");
            seeded.in_progress += 1;
            continue;
        }
        seeded.completed += 1;
        if scored_answers < scored_questions {
            seeded.partly_answered_completed += 1;
        }
        let stored = stored.expect("every completed assessment is scored");
        assert_eq!(require_every_category(model, &assessment.responses), Ok(()));
        let card = score(model, &assessment.responses, scale, rubric).expect("valid responses");
        assert_eq!(stored.swot, Some(serde_json::json!(card.swot)));
        assert_eq!(stored.organization_id, assessment.organization_id);
        assert_eq!(stored.overall_score, card.overall);
        assert_eq!(stored.bracket, card.bracket);
        assert_eq!(stored.maturity_level, card.maturity_level);
        assert_eq!(stored.confidence, card.confidence);
        assert_eq!(strings(&stored.recommendations), card.recommendations);
        assert_eq!(strings(&stored.next_steps), card.next_steps);
        assert!(!card.recommendations.is_empty());
        assert_eq!(stored.insights.as_deref(), Some(card.insights.as_str()));
        // Category scores are stored as the card's two-decimal strings.
        let category_scores: BTreeMap<String, String> = stored
            .category_scores
            .as_object()
            .expect("category scores are an object")
            .iter()
            .map(|(key, value)| {
                let value = value.as_str().expect("category scores are strings");
                (key.clone(), value.to_owned())
            })
            .collect();
        let expected: BTreeMap<String, String> = card
            .category_scores
            .iter()
            .map(|(key, value)| (key.clone(), value.to_string()))
            .collect();
        assert_eq!(category_scores, expected);
        organizations.insert(assessment.organization_id);
    }
    assert!(scores.is_empty(), "no score without its assessment");

    let twins = OrganizationDigitalTwin::find().all(db).await.unwrap();
    assert_eq!(
        twins.len(),
        organizations.len(),
        "a twin per scored organisation"
    );
    for twin in twins {
        let inputs = twins::counted_inputs(db, twin.organization_id, Utc::now())
            .await
            .unwrap();
        assert!(!inputs.is_empty());
        let state = aggregate(twin_model(), scale, &inputs);
        assert_eq!(
            (
                twin.maturity_score,
                twin.maturity_level,
                twin.ai_readiness_score
            ),
            (
                state.maturity_score,
                state.maturity_level,
                state.ai_readiness_score
            )
        );
        assert_eq!(twin.assessment_count, state.assessment_count);
        assert_eq!(twin.dimension_scores, serde_json::json!(state.dimensions));
        let history = DigitalTwinSnapshot::find()
            .filter(entity::digital_twin_snapshots::Column::TwinId.eq(twin.id))
            .order_by_asc(entity::digital_twin_snapshots::Column::CapturedAt)
            .all(db)
            .await
            .unwrap();
        assert!(
            history.len() >= 2,
            "a history, not one point: {}",
            history.len()
        );
        assert!(history.iter().all(|s| s.reason == SnapshotReason::Change));
        let latest = history.last().expect("a snapshot");
        assert_eq!(
            (latest.maturity_score, latest.assessment_count),
            (twin.maturity_score, twin.assessment_count)
        );
        seeded.snapshots += history.len();
    }
    seeded
}

#[tokio::test]
async fn demo_assessments_follow_their_models_and_carry_the_engines_scores() {
    let test = migrated_database().await;
    seed::demo(&test.db).await.unwrap();
    let seeded = assert_seeded_assessments_are_real(&test.db).await;
    assert_eq!(seeded.completed, 38, "{seeded:?}");
    assert_eq!(seeded.in_progress, 12, "{seeded:?}");
    assert_eq!(seeded.types.len(), 7, "{seeded:?}");
    assert!(
        seeded.partly_answered_completed > 0,
        "some completed assessments skip a question: {seeded:?}"
    );
    assert!(
        seeded.commented > 0 && seeded.commented < seeded.completed + seeded.in_progress,
        "some respondents comment, not all: {seeded:?}"
    );
}

#[tokio::test]
async fn synthetic_assessments_follow_their_models_and_carry_the_engines_scores() {
    let test = migrated_database().await;
    let size = SyntheticSize {
        orgs: 3,
        users_per_org: 4,
        assessments_per_user: 5,
    };
    let summary = seed::synthetic(&test.db, size, false).await.unwrap();
    let seeded = assert_seeded_assessments_are_real(&test.db).await;
    // 3 organisations and twins, 12 users and members, 60 assessments and scores, and the
    // snapshots of each change in the twins' replayed history.
    assert_eq!(
        summary.rows as usize,
        2 * 3 + 2 * 12 + 2 * 60 + seeded.snapshots
    );
    assert_eq!(seeded.completed, 60, "{seeded:?}");
    assert_eq!(seeded.in_progress, 0, "{seeded:?}");
}
