//! Rolling an organisation's assessment counts and score sums up into the figures a dashboard
//! shows: totals by status and type, the bracket distribution, average scores, months of
//! completed assessments, and who performs high or low.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, TimeZone, Utc};
use entity::enums::{AssessmentStatus, AssessmentType, ScoreBracket};
use sea_orm::Iterable;

/// One assessment type's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSummary {
    pub assessment_type: AssessmentType,
    pub count: i64,
    pub scored: i64,
    /// Mean overall score of the scored ones, two decimals; `None` when none is scored.
    pub average_score: Option<f64>,
}

/// An organisation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub assessment_count: i64,
    /// Every status, in life-cycle order, zeros included.
    pub by_status: Vec<(AssessmentStatus, i64)>,
    /// Types with at least one assessment, in the enumeration's order.
    pub by_type: Vec<TypeSummary>,
    /// Every bracket, lowest first, zeros included.
    pub brackets: Vec<(ScoreBracket, i64)>,
    pub scored: i64,
    /// Mean overall score of every scored assessment, two decimals.
    pub average_score: Option<f64>,
}

/// Summarises counts by (type, status) and scores by (type, bracket, count, sum of scores).
pub fn summarize(
    counts: &[(AssessmentType, AssessmentStatus, i64)],
    scores: &[(AssessmentType, ScoreBracket, i64, f64)],
) -> Summary {
    let mut per_type: BTreeMap<usize, (AssessmentType, i64, i64, f64)> = BTreeMap::new();
    let position = |kind: AssessmentType| AssessmentType::iter().position(|k| k == kind);
    for &(kind, _, count) in counts {
        let entry = per_type
            .entry(position(kind).unwrap_or_default())
            .or_insert((kind, 0, 0, 0.0));
        entry.1 += count;
    }
    for &(kind, _, count, sum) in scores {
        let entry = per_type
            .entry(position(kind).unwrap_or_default())
            .or_insert((kind, 0, 0, 0.0));
        entry.2 += count;
        entry.3 += sum;
    }
    let scored: i64 = scores.iter().map(|score| score.2).sum();
    let score_sum: f64 = scores.iter().map(|score| score.3).sum();
    Summary {
        assessment_count: counts.iter().map(|count| count.2).sum(),
        by_status: AssessmentStatus::iter()
            .map(|status| {
                let total = counts.iter().filter(|c| c.1 == status).map(|c| c.2).sum();
                (status, total)
            })
            .collect(),
        by_type: per_type
            .into_values()
            .map(|(assessment_type, count, scored, sum)| TypeSummary {
                assessment_type,
                count,
                scored,
                average_score: average(sum, scored),
            })
            .collect(),
        brackets: ScoreBracket::iter()
            .map(|bracket| {
                let total = scores.iter().filter(|s| s.1 == bracket).map(|s| s.2).sum();
                (bracket, total)
            })
            .collect(),
        scored,
        average_score: average(score_sum, scored),
    }
}

fn average(sum: f64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum / count as f64 * 100.0).round() / 100.0)
}

/// A band of performance: a person's completed assessments' mean overall score, rounded to two
/// decimals as shown, is at least [`HIGH_PERFORMER_MIN`] (high) or below
/// [`LOW_PERFORMER_BELOW`] (low).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Performance {
    High,
    Low,
}

/// The mean overall score from which a person performs high (seed 003's rule).
pub const HIGH_PERFORMER_MIN: f64 = 4.0;
/// The mean overall score below which a person performs low (seed 003's rule).
pub const LOW_PERFORMER_BELOW: f64 = 2.0;

/// How many performers a list shows unless asked otherwise.
pub const DEFAULT_PERFORMERS: i32 = 10;

/// The most performers one list shows.
pub const MAX_PERFORMERS: i32 = 100;

/// `first` as the length of a performers list, if it lies in `1..=MAX_PERFORMERS`.
pub fn performers(first: i32) -> Result<u64, String> {
    if (1..=MAX_PERFORMERS).contains(&first) {
        Ok(first.unsigned_abs().into())
    } else {
        Err(format!(
            "`first` must be between 1 and {MAX_PERFORMERS}, not {first}"
        ))
    }
}

/// The months a monthly summary covers unless asked otherwise: a year.
pub const DEFAULT_SUMMARY_MONTHS: i32 = 12;

/// The most months a monthly summary covers: five years.
pub const MAX_SUMMARY_MONTHS: i32 = 60;

/// Where a monthly summary of the last `months` calendar months (this one included) starts:
/// midnight UTC on the first of the earliest of them. `months` must lie in
/// `1..=MAX_SUMMARY_MONTHS`.
pub fn summary_start(now: DateTime<Utc>, months: i32) -> Result<DateTime<Utc>, String> {
    if !(1..=MAX_SUMMARY_MONTHS).contains(&months) {
        return Err(format!(
            "`months` must be between 1 and {MAX_SUMMARY_MONTHS}, not {months}"
        ));
    }
    let this_month = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .expect("the first of a month at midnight UTC exists");
    let earlier = Months::new(months.unsigned_abs() - 1);
    Ok(this_month
        .checked_sub_months(earlier)
        .expect("five years back is representable"))
}

/// One month's completed assessments.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthSummary {
    /// `YYYY-MM`, in UTC.
    pub month: String,
    pub completed: i64,
    /// Mean overall score, two decimals.
    pub average_score: f64,
    /// Mean confidence, two decimals.
    pub average_confidence: f64,
}

/// A month's figures from its count and sums of scores and confidences; `None` for a month
/// without completed assessments, which a summary leaves out.
pub fn month_summary(
    month: String,
    completed: i64,
    score_sum: f64,
    confidence_sum: f64,
) -> Option<MonthSummary> {
    Some(MonthSummary {
        month,
        completed,
        average_score: average(score_sum, completed)?,
        average_confidence: average(confidence_sum, completed)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssessmentStatus::*;
    use AssessmentType::*;
    use ScoreBracket::*;

    #[test]
    fn figures_add_up_by_status_type_and_bracket() {
        let counts = [
            (Bpm, Completed, 2),
            (Bpm, InProgress, 1),
            (Leadership, Completed, 1),
        ];
        let scores = [
            (Bpm, Score3, 1, 3.25),
            (Bpm, Score4, 1, 4.0),
            (Leadership, Score2, 1, 2.0),
        ];
        let summary = summarize(&counts, &scores);
        assert_eq!(summary.assessment_count, 4);
        assert_eq!(
            summary.by_status,
            vec![(InProgress, 1), (Completed, 3), (Archived, 0)]
        );
        assert_eq!(summary.by_type.len(), 2);
        assert_eq!(summary.by_type[0].assessment_type, Bpm, "enumeration order");
        assert_eq!(summary.by_type[0].count, 3);
        assert_eq!(
            summary.by_type[0].average_score,
            Some(3.63),
            "(3.25 + 4.00) / 2, rounded"
        );
        assert_eq!(summary.brackets.len(), 9);
        assert_eq!(summary.brackets.iter().map(|b| b.1).sum::<i64>(), 3);
        assert_eq!(summary.average_score, Some(3.08));
    }

    #[test]
    fn a_summary_starts_on_the_first_of_its_earliest_month() {
        let now: DateTime<Utc> = "2026-03-31T23:00:00Z".parse().unwrap();
        let start = |months| summary_start(now, months).map(|at| at.to_rfc3339());
        assert_eq!(start(1), Ok("2026-03-01T00:00:00+00:00".to_owned()));
        // March, February, January 2026, then December 2025 back to April 2025.
        assert_eq!(start(12), Ok("2025-04-01T00:00:00+00:00".to_owned()));
        assert!(start(0).is_err());
        assert!(start(61).is_err());
    }

    #[test]
    fn a_month_averages_its_sums() {
        // Scores 4.00 + 3.25 + 2.00 = 9.25 over 3: 3.0833… → 3.08; confidences
        // 0.80 + 0.50 + 0.60 = 1.90 over 3: 0.6333… → 0.63.
        let month = month_summary("2026-02".into(), 3, 9.25, 1.9).unwrap();
        assert_eq!(
            (month.average_score, month.average_confidence),
            (3.08, 0.63)
        );
        assert_eq!(month_summary("2026-01".into(), 0, 0.0, 0.0), None);
    }

    #[test]
    fn performer_lists_are_bounded() {
        assert_eq!(performers(1), Ok(1));
        assert_eq!(performers(100), Ok(100));
        assert!(performers(0).is_err());
        assert!(performers(101).is_err());
    }

    #[test]
    fn nothing_scored_has_no_average() {
        let summary = summarize(&[(Bpm, InProgress, 2)], &[]);
        assert_eq!(summary.average_score, None);
        assert_eq!(summary.by_type[0].average_score, None);
        assert_eq!(summary.scored, 0);
    }
}
