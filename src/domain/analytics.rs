//! Rolling an organisation's assessment counts and score sums up into the figures a dashboard
//! shows: totals by status and type, the bracket distribution, and average scores.

use std::collections::BTreeMap;

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
    fn nothing_scored_has_no_average() {
        let summary = summarize(&[(Bpm, InProgress, 2)], &[]);
        assert_eq!(summary.average_score, None);
        assert_eq!(summary.by_type[0].average_score, None);
        assert_eq!(summary.scored, 0);
    }
}
