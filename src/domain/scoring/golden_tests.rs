//! Golden tests: one fixed answer set per assessment type, scored against its current model.
//! The expected numbers are worked out by hand in the comments, not by calling the engine.
//!
//! Likert 1–5 answers are worth (answer − 1) × 5 / 4 points: 1 → 0, 2 → 1.25, 3 → 2.5,
//! 4 → 3.75, 5 → 5. Booleans are worth 5 (true) or 0 (false); choices their option's points.

use entity::enums::{AssessmentType, ScoreBracket};
use sea_orm::Iterable;
use serde_json::{Value, json};

use super::testing::{dec, reference_rubric, reference_scale};
use super::{CURRENT_VERSION, RubricCategory, Scale, ScoreCard, question_model, score};

fn golden(assessment_type: AssessmentType, responses: Value) -> ScoreCard {
    let model = question_model(assessment_type, CURRENT_VERSION).expect("a current model");
    score(model, &responses, &reference_scale(), &reference_rubric()).expect("valid responses")
}

fn assert_result(card: &ScoreCard, overall: &str, bracket: ScoreBracket, level: i16) {
    assert_eq!(card.overall, dec(overall), "overall");
    assert_eq!(card.bracket, bracket, "bracket");
    assert_eq!(card.maturity_level, level, "maturity level");
}

#[test]
fn onboarding() {
    let card = golden(
        AssessmentType::Onboarding,
        json!({
            "goals_written": 4,                  // 3.75 × 2
            "strategy_review": "quarterly",      // 4 × 1   → strategy (7.5 + 4) / 3 = 23/6
            "processes_documented": 3,           // 2.5 × 2
            "delays_measured": false,            // 0 × 1   → operations 5 / 3
            "tools_fit": 4,                      //         → technology 3.75
            "customer_records": "spreadsheets",  //         → customer_data 2
            "development_plans": true            //         → people 5
        }),
    );
    // (2 × 23/6 + 2 × 5/3 + 3.75 + 2 + 5) / 7 = (11 + 10.75) / 7 = 3.1071… → 3.11.
    assert_result(&card, "3.11", ScoreBracket::Score3, 6);
    assert_eq!(card.category_scores["strategy"], dec("3.83"));
    assert_eq!(card.category_scores["operations"], dec("1.67"));
    assert_eq!(card.confidence, dec("1.00"));
}

#[test]
fn strategic_maturity() {
    let card = golden(
        AssessmentType::StrategicMaturity,
        json!({
            "vision_clear": 5,                // → vision 5
            "priorities_set": "annual_plan",  // 3.5 × 2
            "budget_follows_plan": false,     // 0 × 1 → planning 7/3
            "initiatives_delivered": 2,       // → execution 1.25
            "progress_measured": "ad_hoc",    // → measurement 1.5
            "teams_see_contribution": 3,      // 2.5
            "strategy_communicated": true     // 5 → alignment 3.75
        }),
    );
    // (5 + 2 × 7/3 + 2 × 1.25 + 1.5 + 3.75) / 7 = (51/4 + 14/3) / 7 = 209/84 = 2.4880… → 2.49:
    // the top of bracket score_2 and of level 4.
    assert_result(&card, "2.49", ScoreBracket::Score2, 4);
    assert_eq!(card.category_scores["planning"], dec("2.33"));
    assert_eq!(card.confidence, dec("1.00"));
}

#[test]
fn bpm() {
    let card = golden(
        AssessmentType::Bpm,
        json!({
            "processes_documented": 4,                  // 3.75 × 2
            "process_owners": true,                     // 5 × 1 → documentation 12.5/3
            "performance_measured": "regular_reports",  // 3.5 × 2
            "cycle_times_known": 2,                     // 1.25 × 1 → measurement 8.25/3 = 2.75
            "automation_share": "half",                 // 3; systems_integrated unanswered → 3
            "improvement_reviews": false,               // 0
            "suggestions_acted_on": 3                   // 2.5 → improvement 1.25
        }),
    );
    // (2 × 12.5/3 + 2 × 2.75 + 3 + 1.25) / 6 = (25/3 + 9.75) / 6 = 217/72 = 3.0138… → 3.01.
    assert_result(&card, "3.01", ScoreBracket::Score3, 6);
    assert_eq!(card.category_scores["documentation"], dec("4.17"));
    assert_eq!(card.category_scores["automation"], dec("3.00"));
    // systems_integrated (weight 1 of 11) is missing: 10/11 = 0.909… → 0.90.
    assert_eq!(card.confidence, dec("0.90"));
    // Weakest: improvement (1.25, people), then measurement (2.75, data), at level 6.
    let rubric = reference_rubric();
    let expected: Vec<String> = [RubricCategory::People, RubricCategory::Data]
        .iter()
        .map(|c| rubric.advice(6, *c).expect("a row").recommendation.clone())
        .collect();
    assert_eq!(card.recommendations, expected);
}

#[test]
fn competitive_benchmarking() {
    let card = golden(
        AssessmentType::CompetitiveBenchmarking,
        json!({
            "competitors_known": "named",  // 1.5 × 2
            "market_share_known": false,   // 0 → market_awareness 3/3 = 1
            "clear_reason_to_choose": 2,   // 1.25 × 2
            "deliberate_pricing": 1,       // 0 → differentiation 2.5/3
            "metrics_compared": "never",   // 0
            "win_loss_analysis": false,    // 0 → benchmarking 0
            "launch_pace": 2               // → innovation 1.25
        }),
    );
    // (2 × 1 + 2 × 2.5/3 + 0 + 1.25) / 6 = (13/4 + 5/3) / 6 = 59/72 = 0.8194… → 0.82.
    assert_result(&card, "0.82", ScoreBracket::Score1, 1);
    assert_eq!(card.category_scores["differentiation"], dec("0.83"));
    assert_eq!(card.category_scores["benchmarking"], dec("0.00"));
}

#[test]
fn customer_experience() {
    let card = golden(
        AssessmentType::CustomerExperience,
        json!({
            "feedback_collected": "continuous",  // 5
            "feedback_acted_on": 5,              // 5 → feedback 5
            "journey_mapped": true,              // → journey 5
            "first_contact_resolution": 5,       // 5 × 2
            "staff_empowered": 4,                // 3.75 × 1 → service 13.75/3
            "self_service": "omnichannel",       // → digital_channels 5
            "cx_leader": true                    // → ownership 5
        }),
    );
    // (2 × 5 + 5 + 2 × 13.75/3 + 5 + 5) / 7 = (25 + 27.5/3) / 7 = 102.5/21 = 4.8809… → 4.88.
    assert_result(&card, "4.88", ScoreBracket::Score4_5, 9);
    assert_eq!(card.category_scores["service"], dec("4.58"));
}

#[test]
fn digital_transformation() {
    let card = golden(
        AssessmentType::DigitalTransformation,
        json!({
            "digital_roadmap": "partial_plan",  // → vision 3.5
            "processes_digital": 4,             // → processes 3.75
            "cloud_share": "most",              // 4
            "systems_adaptable": 3,             // 2.5 → technology 3.25
            "data_decisions": 3,                // → data 2.5
            "digital_training": true,           // 5
            "change_welcomed": 4                // 3.75 → culture 4.375
        }),
    );
    // (2 × 3.5 + 3.75 + 3.25 + 2.5 + 2 × 4.375) / 7 = 25.25 / 7 = 3.6071… → 3.61.
    assert_result(&card, "3.61", ScoreBracket::Score3_5, 7);
    // 4.375 is a midpoint: half away from zero gives 4.38.
    assert_eq!(card.category_scores["culture"], dec("4.38"));
}

#[test]
fn leadership() {
    let card = golden(
        AssessmentType::Leadership,
        json!({
            "direction_clear": 5,                   // 5 × 2
            "goals_cascade": true,                  // 5 → direction 5
            "decisions_timely": 4,                  // 3.75 × 2
            "decisions_recorded": "meeting_notes",  // 3.5 → decisions 11/3
            "managers_coach": 4,                    // 3.75 × 2
            "succession_plan": true,                // 5 → development 12.5/3
            "feedback_frequency": "quarterly",      // 4 × 2
            "safe_to_challenge": 4                  // 3.75 → feedback 11.75/3
        }),
    );
    // (2 × 5 + 11/3 + 2 × 12.5/3 + 11.75/3) / 6 = (10 + 47.75/3) / 6 = 77.75/18 = 4.3194… → 4.32.
    assert_result(&card, "4.32", ScoreBracket::Score4, 8);
    assert_eq!(card.category_scores["feedback"], dec("3.92"));
}

#[test]
fn marketing_effectiveness() {
    let card = golden(
        AssessmentType::MarketingEffectiveness,
        json!({
            "segments_defined": 3,           // 2.5; value_proposition unanswered → targeting 2.5
            "channel_choice": "trial",       // 2
            "campaign_calendar": true,       // 5 → channels 3.5
            "revenue_attribution": "leads",  // 3; spend_reviewed unanswered → measurement 3
            "tools_in_use": "email"          // → martech 2
        }),
    );
    // (2 × 2.5 + 3.5 + 2 × 3 + 2) / 6 = 16.5 / 6 = 2.75 exactly.
    assert_result(&card, "2.75", ScoreBracket::Score2_5, 5);
    // Two weight-1 questions of 9 missing: 7/9 = 0.777… → 0.77 (rounded down, not 0.78).
    assert_eq!(card.confidence, dec("0.77"));
}

#[test]
fn sales_performance() {
    let card = golden(
        AssessmentType::SalesPerformance,
        json!({
            "defined_process": 2,                   // → process 1.25
            "pipeline_visibility": "spreadsheets",  // 2 × 2
            "forecast_accuracy": "within_25",       // 2.5 × 1 → pipeline 6.5/3
            "written_targets": true,                // → targets 5
            "ramp_up": 2,                           // 1.25
            "deal_reviews": false,                  // 0 → team 0.625
            "crm_adoption": 1                       // → tools 0
        }),
    );
    // (2 × 6.5/3 + 2 × 1.25 + 5 + 0.625 + 0) / 7 = (13/3 + 8.125) / 7 = 299/168 = 1.7797… → 1.78.
    assert_result(&card, "1.78", ScoreBracket::Score1_5, 3);
    assert_eq!(card.category_scores["team"], dec("0.63"));
    assert_eq!(card.category_scores["pipeline"], dec("2.17"));
}

#[test]
fn tech_stack() {
    let card = golden(
        AssessmentType::TechStack,
        json!({
            "hosting": "hybrid",           // 3.5
            "systems_supported": 4,        // 3.75 → infrastructure 3.625
            "system_integration": "apis",  // → integration 4
            "mfa_enforced": true,          // 5 × 2
            "restores_tested": false,      // 0 → security 10/3
            "single_source": 2,            // → data_platform 1.25
            "tech_roadmap": 3              // → governance 2.5
        }),
    );
    // (3.625 + 2 × 4 + 2 × 10/3 + 2 × 1.25 + 2.5) / 8 = (133/8 + 20/3) / 8 = 559/192
    //   = 2.9114… → 2.91.
    assert_result(&card, "2.91", ScoreBracket::Score2_5, 5);
    assert_eq!(card.category_scores["infrastructure"], dec("3.63"));
    assert_eq!(card.category_scores["security"], dec("3.33"));
}

#[test]
fn ai_readiness() {
    let card = golden(
        AssessmentType::AiReadiness,
        json!({
            "use_cases": "exploring",     // 1.5 × 2
            "ai_budget": false,           // 0
            "leadership_sponsors_ai": 4,  // 3.75 → strategy 6.75/4 = 1.6875
            "data_quality": 2,            // 1.25 × 2
            "data_catalogue": false,      // 0 → data 2.5/3
            "ai_tools": "personal",       // → tools 1.5
            "ai_skills": 3,               // → skills 2.5
            "ai_policy": "draft"          // → governance 2
        }),
    );
    // (2 × 1.6875 + 2 × 2.5/3 + 1.5 + 2.5 + 2) / 7 = (9.375 + 5/3) / 7 = 265/168 = 1.5773… → 1.58.
    assert_result(&card, "1.58", ScoreBracket::Score1_5, 3);
    assert_eq!(card.category_scores["strategy"], dec("1.69"));
    assert_eq!(card.category_scores["data"], dec("0.83"));
}

/// Best and worst answers everywhere score 5.00 and 0.00 in every model: every scale reaches
/// both ends, so no questionnaire caps or floors a respondent. A comment answered alongside
/// changes neither.
#[test]
fn extremes_score_five_and_zero_in_every_model() {
    for assessment_type in AssessmentType::iter() {
        let model = question_model(assessment_type, CURRENT_VERSION).expect("a current model");
        let answers = |best: bool| -> Value {
            model
                .questions
                .iter()
                .map(|question| {
                    let answer = match &question.scale {
                        Scale::Likert { min, max, .. } => json!(if best { max } else { min }),
                        Scale::Boolean => json!(best),
                        Scale::Choice { options } => {
                            let pick = if best {
                                options.iter().max_by_key(|o| o.points)
                            } else {
                                options.iter().min_by_key(|o| o.points)
                            };
                            json!(pick.expect("options").key)
                        }
                        // Unscored: it moves neither the score nor the confidence.
                        Scale::Text { .. } => json!("Nothing to add."),
                    };
                    (question.id.clone(), answer)
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        let best = golden(assessment_type, answers(true));
        assert_result(&best, "5.00", ScoreBracket::Score5, 9);
        assert_eq!(best.confidence, dec("1.00"));
        let worst = golden(assessment_type, answers(false));
        assert_result(&worst, "0.00", ScoreBracket::Score1, 0);
    }
}
