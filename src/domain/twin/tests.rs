//! Hand-computed twins: the arithmetic is in each test's comments.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::enums::AssessmentType;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::domain::scoring::testing::{dec, reference_rubric, reference_scale};

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(n)
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn scores(pairs: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
    pairs
        .iter()
        .map(|(key, score)| ((*key).to_owned(), dec(score)))
        .collect()
}

fn assessment(
    n: u128,
    respondent: u128,
    assessment_type: AssessmentType,
    completed: i64,
    (overall, confidence): (&str, &str),
    category_scores: &[(&str, &str)],
    responses: Value,
) -> ScoredAssessment {
    ScoredAssessment {
        id: id(n),
        respondent: id(respondent),
        assessment_type,
        version: "1.0".into(),
        completed_at: day(completed),
        overall: dec(overall),
        confidence: dec(confidence),
        category_scores: scores(category_scores),
        responses,
    }
}

/// R1's two BPM assessments (the later one counts) and R2's low-confidence strategic one.
fn three_assessments() -> Vec<ScoredAssessment> {
    vec![
        assessment(
            1,
            101,
            AssessmentType::Bpm,
            1,
            ("2.00", "1.00"),
            &[
                ("documentation", "2.00"),
                ("measurement", "2.00"),
                ("automation", "2.00"),
                ("improvement", "2.00"),
            ],
            json!({}),
        ),
        assessment(
            2,
            101,
            AssessmentType::Bpm,
            5,
            ("3.00", "1.00"),
            &[
                ("documentation", "3.00"),
                ("measurement", "2.00"),
                ("automation", "4.00"),
                ("improvement", "1.00"),
            ],
            json!({}),
        ),
        assessment(
            3,
            102,
            AssessmentType::StrategicMaturity,
            3,
            ("4.00", "0.50"),
            &[
                ("vision", "4.00"),
                ("planning", "5.00"),
                ("execution", "3.00"),
                ("measurement", "4.00"),
                ("alignment", "4.00"),
            ],
            json!({}),
        ),
    ]
}

fn twin_of(assessments: &[ScoredAssessment]) -> TwinState {
    aggregate(twin_model(), &reference_scale(), assessments)
}

#[test]
fn the_latest_per_respondent_and_type_counts_and_low_confidence_weighs_half() {
    let twin = twin_of(&three_assessments());
    // Counted: #2 (BPM, weight 2) and #3 (strategic, weight 3 × 0.5 = 1.5, confidence 0.50).
    // Maturity: (2 × 3.00 + 1.5 × 4.00) / 3.5 = 12 / 3.5 = 3.428… → 3.43, level 6 (3.00–3.49).
    assert_eq!(twin.maturity_score, dec("3.43"));
    assert_eq!(twin.maturity_level, 6);
    assert_eq!(twin.assessment_count, 2);
    assert_eq!(twin.superseded, 1);
    let weights: Vec<(AssessmentType, u32, u32, Decimal, Decimal)> = twin
        .assessments
        .iter()
        .map(|t| {
            (
                t.assessment_type,
                t.counted,
                t.low_confidence,
                t.weight,
                t.mean_overall,
            )
        })
        .collect();
    assert_eq!(
        weights,
        [
            (AssessmentType::Bpm, 1, 0, dec("2"), dec("3.00")),
            (
                AssessmentType::StrategicMaturity,
                1,
                1,
                dec("1.5"),
                dec("4.00")
            )
        ]
    );
}

#[test]
fn dimensions_are_category_scores_weighted_by_assessment_and_category() {
    let twin = twin_of(&three_assessments());
    // Weights: BPM (2) × documentation 2 = 4, measurement 4, automation 2, improvement 2;
    // strategic (1.5) × vision 1 = 1.5, planning 3, execution 3, measurement 1.5,
    // alignment 1.5. Total 22.5.
    // strategy: (1.5 × 4 + 3 × 5) / 4.5 = 4.666… → 4.67, share 4.5 / 22.5 = 0.2
    // operations: (4 × 3 + 3 × 3) / 7 = 3.00, share 7 / 22.5 = 0.3111
    // technology: 4.00, share 2 / 22.5 = 0.0889
    // data & AI: (4 × 2 + 1.5 × 4) / 5.5 = 2.5454… → 2.55, share 0.2444
    // people: (2 × 1 + 1.5 × 4) / 3.5 = 2.2857… → 2.29, share 0.1556
    let dimensions: Vec<(&str, Option<Decimal>, Decimal)> = twin
        .dimensions
        .iter()
        .map(|d| (d.key.as_str(), d.score, d.weight))
        .collect();
    assert_eq!(
        dimensions,
        [
            ("strategy", Some(dec("4.67")), dec("0.2")),
            ("operations", Some(dec("3.00")), dec("0.3111")),
            ("technology", Some(dec("4.00")), dec("0.0889")),
            ("data_ai", Some(dec("2.55")), dec("0.2444")),
            ("people", Some(dec("2.29")), dec("0.1556")),
            ("customer", None, dec("0")),
        ]
    );
    let data = &twin.dimensions[3];
    let sources: Vec<(AssessmentType, &str, u32, Decimal, Decimal)> = data
        .contributions
        .iter()
        .map(|c| {
            (
                c.assessment_type,
                c.category.as_str(),
                c.assessments,
                c.score,
                c.weight,
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            (AssessmentType::Bpm, "measurement", 1, dec("2.00"), dec("4")),
            (
                AssessmentType::StrategicMaturity,
                "measurement",
                1,
                dec("4.00"),
                dec("1.5")
            )
        ]
    );
}

#[test]
fn ai_readiness_is_twenty_times_the_weighted_mean_of_answered_groups() {
    let twin = twin_of(&[assessment(
        7,
        101,
        AssessmentType::AiReadiness,
        1,
        ("3.00", "0.50"),
        &[("strategy", "4.00"), ("data", "3.75")],
        // use_cases "prioritised" = 3.5 points, ai_budget yes = 5, data_quality 4 on 1–5 = 3.75.
        json!({ "use_cases": "prioritised", "ai_budget": true, "data_quality": 4 }),
    )]);
    // Technology (weight 2): data_quality alone, 3.75 → 75.00.
    // Organisational (weight 2): (2 × 3.5 + 1 × 5) / 3 = 4.00 → 80.00. Cultural: unanswered.
    // Readiness: 20 × (2 × 3.75 + 2 × 4) / 4 = 77.50.
    assert_eq!(twin.ai_readiness_score, dec("77.50"));
    let groups: Vec<(&str, Option<Decimal>)> = twin
        .ai_readiness
        .iter()
        .map(|group| (group.key.as_str(), group.score))
        .collect();
    assert_eq!(
        groups,
        [
            ("technology", Some(dec("75.00"))),
            ("organisational", Some(dec("80.00"))),
            ("cultural", None)
        ]
    );
    // Contributions: data_quality 3.75 × 20 × 2 × 2 / (4 × 2) = 37.50; use_cases
    // 3.5 × 20 × 2 × 2 / (4 × 3) = 23.33; ai_budget 5 × 20 × 2 × 1 / (4 × 3) = 16.67: 77.50.
    let contributions: Vec<(&str, Decimal)> = twin
        .ai_readiness
        .iter()
        .flat_map(|group| &group.signals)
        .filter(|signal| signal.points.is_some())
        .map(|signal| (signal.key.as_str(), signal.contribution))
        .collect();
    assert_eq!(
        contributions,
        [
            ("data_quality", dec("37.50")),
            ("use_cases", dec("23.33")),
            ("budget", dec("16.67"))
        ]
    );
    let assessment = &three_assessments()[1];
    assert_eq!(assessment_ai_readiness(twin_model(), assessment), None);
}

#[test]
fn inventories_tally_the_answers_given() {
    let twin = twin_of(&[
        assessment(
            8,
            101,
            AssessmentType::AiReadiness,
            1,
            ("3.00", "1.00"),
            &[],
            json!({ "ai_tools": "sanctioned" }),
        ),
        assessment(
            9,
            102,
            AssessmentType::AiReadiness,
            1,
            ("3.00", "1.00"),
            &[],
            json!({ "ai_tools": "integrated" }),
        ),
    ]);
    let ai_tools = twin
        .technology_inventory
        .iter()
        .find(|entry| entry.key == "ai_tools")
        .expect("an AI tools entry");
    // (3 + 5) / 2 = 4.00.
    assert_eq!(ai_tools.points, Some(dec("4.00")));
    assert_eq!(ai_tools.answers.len(), 2);
    assert_eq!(ai_tools.answers.values().sum::<u32>(), 2);
}

#[test]
fn a_comment_changes_nothing_in_the_twin() {
    let plain = three_assessments();
    let mut commented = plain.clone();
    for assessment in &mut commented {
        assessment.responses["comments"] = json!("Ask Jo about hosting.");
    }
    assert_ne!(commented, plain);
    assert_eq!(twin_of(&commented), twin_of(&plain));

    // Even an item pointed at a text question (which the model's check refuses) tallies nothing.
    let mut model = twin_model().clone();
    model.technology_inventory[0].question = "comments".into();
    let hosting = model.technology_inventory[0].key.clone();
    let assessments = [assessment(
        7,
        101,
        AssessmentType::TechStack,
        1,
        ("3.00", "1.00"),
        &[],
        json!({ "comments": "We host on premises." }),
    )];
    let twin = aggregate(&model, &reference_scale(), &assessments);
    let entry = (twin.technology_inventory.iter())
        .find(|entry| entry.key == hosting)
        .expect("the item");
    assert_eq!(entry.points, None);
    assert!(entry.answers.is_empty(), "{:?}", entry.answers);
}

#[test]
fn no_assessments_make_an_empty_twin() {
    let twin = twin_of(&[]);
    assert_eq!(twin.maturity_score, dec("0.00"));
    assert_eq!(twin.maturity_level, 0);
    assert_eq!(twin.ai_readiness_score, dec("0.00"));
    assert_eq!(twin.assessment_count, 0);
    assert!(twin.dimensions.iter().all(|d| d.score.is_none()));
}

#[test]
fn gaps_come_largest_expected_impact_first_with_the_rubric_steps() {
    let twin = twin_of(&three_assessments());
    let rubric = reference_rubric();
    let analysis = gap_analysis(
        &twin.dimensions,
        twin_model(),
        &reference_scale(),
        &rubric,
        7,
    )
    .expect("level 7 is on the scale");
    // Target 3.50. data & AI 0.95 × 0.2444 = 0.23; people 1.21 × 0.1556 = 0.19;
    // operations 0.50 × 0.3111 = 0.16; strategy and technology are above.
    let gaps: Vec<(&str, Decimal, Decimal, i16, usize)> = analysis
        .gaps
        .iter()
        .map(|g| {
            (
                g.dimension.as_str(),
                g.gap,
                g.expected_impact,
                g.level,
                g.steps.len(),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        [
            ("data_ai", dec("0.95"), dec("0.23"), 5, 2),
            ("people", dec("1.21"), dec("0.19"), 4, 3),
            ("operations", dec("0.50"), dec("0.16"), 6, 1),
        ]
    );
    assert_eq!(analysis.target_score, dec("3.50"));
    assert_eq!(analysis.unmeasured, ["customer"]);
    let step_levels: Vec<i16> = analysis.gaps[1].steps.iter().map(|s| s.level).collect();
    assert_eq!(step_levels, [4, 5, 6]);
    assert_eq!(
        gap_analysis(
            &twin.dimensions,
            twin_model(),
            &reference_scale(),
            &rubric,
            10
        ),
        Err(UnknownLevel {
            lowest: 0,
            highest: 9
        })
    );
}

fn arbitrary_assessment() -> impl Strategy<Value = ScoredAssessment> {
    let types = prop::sample::select(vec![
        AssessmentType::Bpm,
        AssessmentType::AiReadiness,
        AssessmentType::Leadership,
    ]);
    (
        0_u128..40,
        0_u128..3,
        types,
        0_i64..5,
        0_i64..=500,
        0_i64..=100,
        prop::collection::vec(0_i64..=500, 5),
        prop::sample::select(vec!["none", "exploring", "prioritised"]),
    )
        .prop_map(
            |(n, respondent, kind, completed, overall, confidence, categories, use_cases)| {
                let model =
                    crate::domain::scoring::question_model(kind, "1.0").expect("a current model");
                ScoredAssessment {
                    id: id(n),
                    respondent: id(respondent),
                    assessment_type: kind,
                    version: "1.0".into(),
                    completed_at: day(completed),
                    overall: Decimal::new(overall, 2),
                    confidence: Decimal::new(confidence, 2),
                    category_scores: model
                        .categories
                        .iter()
                        .zip(categories)
                        .map(|(category, score)| (category.key.clone(), Decimal::new(score, 2)))
                        .collect(),
                    responses: json!({ "use_cases": use_cases, "safe_to_challenge": 3 }),
                }
            },
        )
}

proptest! {
    #[test]
    fn the_twin_does_not_depend_on_the_order_assessments_arrive_in(
        (assessments, shuffled) in prop::collection::vec(arbitrary_assessment(), 0..12)
            .prop_map(|mut assessments| {
                // One row per id, as in the table.
                assessments.sort_by_key(|a| a.id);
                assessments.dedup_by_key(|a| a.id);
                assessments
            })
            .prop_flat_map(|assessments| {
                let shuffled = Just(assessments.clone()).prop_shuffle();
                (Just(assessments), shuffled)
            })
    ) {
        prop_assert_eq!(twin_of(&assessments), twin_of(&shuffled));
    }
}
