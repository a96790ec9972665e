//! Builds believable rows for the demo and synthetic data sets.

use anyhow::Context;
use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::enums::{
    AssessmentStatus, AssessmentType, CompanySize, MemberRole, MemberStatus, OrganizationStatus,
    PlatformRole, UserStatus,
};
use entity::{
    assessment_scores, assessments, organization_members, organizations, user_consents, users,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::db::reference::Reference;
use crate::domain::scoring::{
    CURRENT_VERSION, ChoiceOption, MaturityScale, Question, QuestionModel, Rubric, Scale,
    ScoreCard, question_model, score,
};
use crate::service::assessments::score_row;

/// How far one answer may stray from the respondent's overall level, in points (0–5).
const ANSWER_SPREAD: f64 = 0.75;

/// The most points an answer is worth.
const MAX_POINTS: f64 = 5.0;

/// What seeded respondents write in a text question, when they write anything: short, neutral,
/// and naming no one.
const COMMENTS: [&str; 4] = [
    "Nothing to add for now.",
    "We plan to revisit this next quarter.",
    "Most of this is still being worked out.",
    "Happy to go through this in more detail.",
];

/// Draws of a completed assessment's answers before settling for one outside the wanted range.
const SCORE_ATTEMPTS: usize = 20;

/// The overall scores (0–5) a respondent's answers are drawn to land between.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScoreRange {
    /// The lowest overall score wanted.
    pub low: f64,
    /// The highest overall score wanted.
    pub high: f64,
}

impl ScoreRange {
    fn contains(self, overall: Decimal) -> bool {
        overall
            .to_f64()
            .is_some_and(|overall| (self.low..=self.high).contains(&overall))
    }
}

/// Row builder holding the reference data the scoring engine scores seeded answers with.
pub(super) struct Factory {
    now: DateTime<Utc>,
    scale: MaturityScale,
    rubric: Rubric,
    rng: fastrand::Rng,
}

impl Factory {
    /// Loads the maturity scale and rubric; `seed` makes the generated values repeatable.
    pub async fn load(db: &DatabaseConnection, seed: u64) -> Result<Self, DbErr> {
        let reference = Reference::load(db).await?;
        Ok(Self {
            // Microseconds: what both backends store, so values read back compare equal.
            now: Utc::now()
                .duration_trunc(Duration::microseconds(1))
                .unwrap_or_else(|_| Utc::now()),
            scale: reference.scale().clone(),
            rubric: reference.rubric().clone(),
            rng: fastrand::Rng::with_seed(seed),
        })
    }

    /// A random index below `len`.
    pub fn pick(&mut self, len: usize) -> usize {
        self.rng.usize(..len)
    }

    /// The maturity scale the seeded answers are scored on.
    pub fn scale(&self) -> &MaturityScale {
        &self.scale
    }

    /// The moment the data set describes as now.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn organization(
        &self,
        name: &str,
        slug: &str,
        industry: &str,
        company_size: CompanySize,
    ) -> organizations::Model {
        organizations::Model {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            slug: slug.to_owned(),
            industry: Some(industry.to_owned()),
            company_size: Some(company_size),
            settings: json!({ "locale": "en-GB", "fiscal_year_start": "04-01" }),
            status: OrganizationStatus::Active,
            created_at: self.now - Duration::days(400),
            updated_at: self.now - Duration::days(400),
            deleted_at: None,
        }
    }

    /// An active user, created 380 days ago.
    pub fn user(
        &self,
        email: &str,
        first_name: &str,
        last_name: &str,
        title: &str,
    ) -> users::Model {
        users::Model {
            id: Uuid::now_v7(),
            email: email.to_owned(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            phone: None,
            title: Some(title.to_owned()),
            timezone: Some("Europe/London".to_owned()),
            linkedin_url: None,
            profile_pic_url: None,
            platform_role: PlatformRole::User,
            status: UserStatus::Active,
            anonymized_at: None,
            created_at: self.now - Duration::days(380),
            updated_at: self.now - Duration::days(380),
            deleted_at: None,
        }
    }

    /// An active membership, joined 370 days ago.
    pub fn membership(
        &self,
        organization: &organizations::Model,
        user: &users::Model,
        role: MemberRole,
        department: &str,
    ) -> organization_members::Model {
        organization_members::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            user_id: user.id,
            role,
            department: Some(department.to_owned()),
            status: MemberStatus::Active,
            joined_at: self.now - Duration::days(370),
            created_at: self.now - Duration::days(370),
            updated_at: self.now - Duration::days(370),
        }
    }

    /// An assessment still being filled in: the first questions of its model answered, at
    /// least one and never all, so the responses validate and a submission can score them.
    pub fn in_progress_assessment(
        &mut self,
        organization: &organizations::Model,
        respondent: &users::Model,
        assessment_type: AssessmentType,
        started_days_ago: i64,
        range: ScoreRange,
    ) -> anyhow::Result<assessments::Model> {
        let model = current_model(assessment_type)?;
        let started = self.now - Duration::days(started_days_ago);
        let level = self.level_in(range);
        let answered = 1 + self.pick(model.questions.len().saturating_sub(1).max(1));
        let responses = self.answers(model.questions.iter().take(answered), level);
        Ok(assessments::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            user_id: respondent.id,
            assessment_type,
            version: CURRENT_VERSION.to_owned(),
            responses,
            metadata: json!({ "source": "seed" }),
            status: AssessmentStatus::InProgress,
            completed_at: None,
            created_at: started,
            updated_at: started,
        })
    }

    /// A completed assessment and the score the engine gives its answers. The answers are drawn
    /// until the overall score falls in `range` (or attempts run out); one in four completed
    /// assessments leaves one question unanswered, which shows in its confidence.
    pub fn completed_assessment(
        &mut self,
        organization: &organizations::Model,
        respondent: &users::Model,
        assessment_type: AssessmentType,
        completed_days_ago: i64,
        range: ScoreRange,
    ) -> anyhow::Result<(assessments::Model, assessment_scores::Model)> {
        let model = current_model(assessment_type)?;
        let (responses, card) = self.scored_answers(model, range)?;
        let completed = self.now - Duration::days(completed_days_ago);
        let started = completed - Duration::hours(2);
        let assessment = assessments::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            user_id: respondent.id,
            assessment_type,
            version: CURRENT_VERSION.to_owned(),
            responses,
            metadata: json!({ "source": "seed" }),
            status: AssessmentStatus::Completed,
            completed_at: Some(completed),
            created_at: started,
            updated_at: completed,
        };
        let score = score_row(&assessment, &card, completed);
        Ok((assessment, score))
    }

    /// Answers to every scored question of `model` (but one, sometimes) and their score card,
    /// the first draw whose overall score falls in `range`, or the last draw.
    fn scored_answers(
        &mut self,
        model: &QuestionModel,
        range: ScoreRange,
    ) -> anyhow::Result<(Value, ScoreCard)> {
        let mut attempt = 1;
        loop {
            let level = self.level_in(range);
            // A submission answers every category, and only a scored answer counts: only a
            // scored question whose category has another may be skipped.
            let skippable: Vec<usize> = (0..model.questions.len())
                .filter(|&index| {
                    let question = &model.questions[index];
                    let scored_in_category = model
                        .questions
                        .iter()
                        .filter(|q| q.is_scored() && q.category == question.category)
                        .count();
                    question.is_scored() && scored_in_category > 1
                })
                .collect();
            let skipped = (!skippable.is_empty() && self.rng.u8(..4) == 0)
                .then(|| skippable[self.pick(skippable.len())]);
            let questions = model
                .questions
                .iter()
                .enumerate()
                .filter(|(index, _)| Some(*index) != skipped)
                .map(|(_, question)| question);
            let responses = self.answers(questions, level);
            let card = score(model, &responses, &self.scale, &self.rubric)?;
            if range.contains(card.overall) || attempt == SCORE_ATTEMPTS {
                return Ok((responses, card));
            }
            attempt += 1;
        }
    }

    /// A respondent's level (0–5): where in `range` their answers centre.
    fn level_in(&mut self, range: ScoreRange) -> f64 {
        range.low + self.rng.f64() * (range.high - range.low)
    }

    /// Answers to `questions` from a respondent at `level`: each scored answer is worth, on
    /// average, `level` give or take [`ANSWER_SPREAD`] points; a text question gets one of
    /// [`COMMENTS`], or is left unanswered.
    fn answers<'m>(&mut self, questions: impl Iterator<Item = &'m Question>, level: f64) -> Value {
        let mut responses = Map::new();
        for question in questions {
            if let Scale::Text { max_length } = question.scale {
                if let Some(comment) = self.comment(max_length) {
                    responses.insert(question.id.clone(), json!(comment));
                }
                continue;
            }
            let target =
                (level + ANSWER_SPREAD * (2.0 * self.rng.f64() - 1.0)).clamp(0.0, MAX_POINTS);
            responses.insert(question.id.clone(), self.answer(&question.scale, target));
        }
        Value::Object(responses)
    }

    /// One of [`COMMENTS`] that fits in `max_length` characters, or none (one time in three).
    fn comment(&mut self, max_length: u32) -> Option<&'static str> {
        let comment = COMMENTS.get(self.pick(COMMENTS.len() * 3 / 2))?;
        let fits = comment.chars().count() <= usize::try_from(max_length).unwrap_or(usize::MAX);
        fits.then_some(*comment)
    }

    /// An answer on scored `scale` worth `target` points (0–5) on average: the two nearest
    /// answers, picked with the odds that make their mean `target`; `null` for text, which
    /// [`Self::answers`] answers itself.
    fn answer(&mut self, scale: &Scale, target: f64) -> Value {
        match scale {
            Scale::Likert { min, max, .. } => {
                let position = target / MAX_POINTS * (max - min) as f64;
                let below = position.floor();
                let steps = below as i64 + i64::from(self.rng.f64() < position - below);
                json!((min + steps).clamp(*min, *max))
            }
            Scale::Choice { options } => {
                let points = |option: &ChoiceOption| option.points.to_f64().unwrap_or_default();
                let below = options
                    .iter()
                    .filter(|option| points(option) <= target)
                    .max_by(|a, b| points(a).total_cmp(&points(b)));
                let above = options
                    .iter()
                    .filter(|option| points(option) >= target)
                    .min_by(|a, b| points(a).total_cmp(&points(b)));
                let chosen = match (below, above) {
                    (Some(below), Some(above)) => {
                        let span = points(above) - points(below);
                        let up = span > 0.0 && self.rng.f64() * span < target - points(below);
                        Some(if up { above } else { below })
                    }
                    (below, above) => below.or(above),
                };
                chosen.map_or(Value::Null, |option| json!(option.key))
            }
            Scale::Boolean => json!(self.rng.f64() * MAX_POINTS < target),
            Scale::Text { .. } => Value::Null,
        }
    }

    /// A consent answer given `days_ago`.
    pub fn consent(
        &self,
        user: &users::Model,
        consent_type_id: Uuid,
        granted: bool,
        days_ago: i64,
    ) -> user_consents::Model {
        let recorded = self.now - Duration::days(days_ago);
        user_consents::Model {
            id: Uuid::now_v7(),
            user_id: user.id,
            consent_type_id,
            granted,
            recorded_at: recorded,
            source: Some("seed".to_owned()),
            ip_address: None,
            user_agent: None,
            created_at: recorded,
            updated_at: recorded,
        }
    }
}

/// The current question model of an assessment type.
fn current_model(assessment_type: AssessmentType) -> anyhow::Result<&'static QuestionModel> {
    question_model(assessment_type, CURRENT_VERSION).with_context(|| {
        format!(
            "no question model {CURRENT_VERSION} for {}",
            assessment_type.as_str()
        )
    })
}
