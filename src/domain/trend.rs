//! How a digital twin moves over time: its snapshots put into day, week or month buckets for a
//! history chart, the least-squares slope of its maturity score (the improvement rate), and
//! the trend that slope names.
//!
//! Times are UTC throughout: a day starts at midnight UTC, a week on Monday (ISO weeks), a
//! month on its first day.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};

/// One snapshot of a twin, as these rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub captured_at: DateTime<Utc>,
    /// Maturity score, 0–5.
    pub maturity_score: f64,
    /// AI readiness, 0–100.
    pub ai_readiness: f64,
    /// Maturity level, 0–9.
    pub level: i16,
}

/// The width of a history bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Day,
    Week,
    Month,
}

impl Granularity {
    /// The start of the bucket holding `at`: midnight UTC of its day, of the Monday of its ISO
    /// week, or of the first of its month.
    pub fn bucket_start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        let day = at.date_naive();
        let first = match self {
            Self::Day => day,
            Self::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).expect("every month has a first day"),
        };
        midnight(first)
    }

    /// The number of this granularity's buckets from the one holding `from` to the one holding
    /// `to`, both counted; `from` must not be after `to`.
    fn buckets_between(self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let (first, last) = (self.bucket_start(from), self.bucket_start(to));
        match self {
            Self::Day => (last - first).num_days() + 1,
            Self::Week => (last - first).num_weeks() + 1,
            Self::Month => {
                let months = |at: DateTime<Utc>| i64::from(at.year()) * 12 + i64::from(at.month0());
                months(last) - months(first) + 1
            }
        }
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// The most buckets one history may span: a bit more than a year of days.
pub const MAX_BUCKETS: i64 = 400;

/// Why a history range is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeError {
    /// `from` is after `to`.
    Reversed,
    /// The range spans more than [`MAX_BUCKETS`] buckets.
    TooManyBuckets(i64),
}

impl RangeError {
    /// The argument to change.
    pub fn argument(self) -> &'static str {
        match self {
            Self::Reversed => "from",
            Self::TooManyBuckets(_) => "granularity",
        }
    }

    /// The sentence shown to the client.
    pub fn message(self) -> String {
        match self {
            Self::Reversed => "`from` must not be after `to`".to_owned(),
            Self::TooManyBuckets(buckets) => format!(
                "the range spans {buckets} buckets; at most {MAX_BUCKETS} are allowed: \
                 narrow the range or choose a coarser granularity"
            ),
        }
    }
}

/// How many buckets `[from, to]` spans at `granularity`, if a history may cover it.
pub fn check_range(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    granularity: Granularity,
) -> Result<i64, RangeError> {
    if from > to {
        return Err(RangeError::Reversed);
    }
    match granularity.buckets_between(from, to) {
        buckets if buckets > MAX_BUCKETS => Err(RangeError::TooManyBuckets(buckets)),
        buckets => Ok(buckets),
    }
}

/// One bucket of a history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// When the bucket starts; the first bucket may start before the range does.
    pub start: DateTime<Utc>,
    /// The bucket's last snapshot: the state at the end of the bucket.
    pub last: Point,
    /// How many snapshots of the range fall in the bucket.
    pub snapshots: usize,
}

/// The history of `points` within `[from, to]` (both included), oldest bucket first: one
/// bucket per `granularity` bucket holding at least one snapshot, with the values of its last
/// snapshot, the state at the end of the bucket (a chart of states, not of averages).
/// Snapshots captured at the same moment count in the order given, the later one last.
pub fn history(
    points: &[Point],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    granularity: Granularity,
) -> Vec<Bucket> {
    let mut within: Vec<&Point> = points
        .iter()
        .filter(|point| (from..=to).contains(&point.captured_at))
        .collect();
    // Stable: equal times keep their order.
    within.sort_by_key(|point| point.captured_at);
    let mut buckets: Vec<Bucket> = Vec::new();
    for point in within {
        let start = granularity.bucket_start(point.captured_at);
        match buckets.last_mut() {
            Some(bucket) if bucket.start == start => {
                bucket.last = *point;
                bucket.snapshots += 1;
            }
            _ => buckets.push(Bucket {
                start,
                last: *point,
                snapshots: 1,
            }),
        }
    }
    buckets
}

/// The length of the month a rate is given per: the mean Gregorian month, 365.25 / 12 days,
/// rounded as dashboards quote it.
pub const DAYS_PER_MONTH: f64 = 30.44;

/// The months an improvement rate or trend looks back over unless asked otherwise.
pub const DEFAULT_MONTHS: i32 = 6;

/// The fewest and most months an improvement rate or trend may look back over.
pub const MIN_MONTHS: i32 = 1;
pub const MAX_MONTHS: i32 = 60;

/// `months` as a look-back window, if it lies in `MIN_MONTHS..=MAX_MONTHS`.
pub fn months(months: i32) -> Result<u32, String> {
    if (MIN_MONTHS..=MAX_MONTHS).contains(&months) {
        Ok(months.unsigned_abs())
    } else {
        Err(format!(
            "`months` must be between {MIN_MONTHS} and {MAX_MONTHS}, not {months}"
        ))
    }
}

/// Where a look-back of `months` calendar months from `now` starts (the same day and time,
/// `months` months earlier; the month's last day when it is shorter).
pub fn window_start(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The improvement rate of `points`: the least-squares slope of maturity score against time,
/// in maturity points per month of [`DAYS_PER_MONTH`] days. `None` with fewer than two points
/// or when they were all captured at the same moment (no slope exists).
pub fn improvement_rate(points: &[Point]) -> Option<f64> {
    let first = points.first()?.captured_at;
    let month_seconds = DAYS_PER_MONTH * 86_400.0;
    // Months since the first point: small numbers, so the sums lose no precision.
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|point| {
            let seconds = (point.captured_at - first).num_milliseconds() as f64 / 1000.0;
            (seconds / month_seconds, point.maturity_score)
        })
        .collect();
    if xy.len() < 2 {
        return None;
    }
    let n = xy.len() as f64;
    let mean_x = xy.iter().map(|(x, _)| x).sum::<f64>() / n;
    let mean_y = xy.iter().map(|(_, y)| y).sum::<f64>() / n;
    let spread: f64 = xy.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    if spread == 0.0 {
        return None;
    }
    let covariance: f64 = xy.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    Some(covariance / spread)
}

/// Where a twin is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Improving,
    Stable,
    Declining,
}

/// The improvement rate, in maturity points per month, from which a twin counts as improving
/// (and its negative, declining): a twentieth of a point a month, about half a maturity band's
/// width (0.5 points) over a year and a half.
pub const TREND_THRESHOLD: f64 = 0.05;

/// The trend of an improvement rate: improving at [`TREND_THRESHOLD`] or more, declining at
/// its negative or less, stable between them and when there is no rate.
pub fn trend(rate: Option<f64>) -> Trend {
    match rate {
        Some(rate) if rate >= TREND_THRESHOLD => Trend::Improving,
        Some(rate) if rate <= -TREND_THRESHOLD => Trend::Declining,
        _ => Trend::Stable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 time")
    }

    fn point(captured_at: &str, maturity_score: f64) -> Point {
        point_at(at(captured_at), maturity_score)
    }

    fn point_at(captured_at: DateTime<Utc>, maturity_score: f64) -> Point {
        Point {
            captured_at,
            maturity_score,
            ai_readiness: maturity_score * 20.0,
            level: 0,
        }
    }

    fn close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("a rate");
        assert!((actual - expected).abs() < 1e-9, "{actual} vs {expected}");
    }

    #[test]
    fn buckets_start_at_midnight_monday_and_the_first_utc() {
        // 2026-03-01 is a Sunday: its ISO week began on Monday 2026-02-23.
        let sunday = at("2026-03-01T23:59:59Z");
        assert_eq!(
            Granularity::Day.bucket_start(sunday),
            at("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            Granularity::Week.bucket_start(sunday),
            at("2026-02-23T00:00:00Z")
        );
        assert_eq!(
            Granularity::Month.bucket_start(sunday),
            at("2026-03-01T00:00:00Z")
        );
        let monday = at("2026-03-02T00:00:00Z");
        assert_eq!(Granularity::Week.bucket_start(monday), monday);
        // 23:30 at UTC−2 is already the next day in UTC.
        let late = "2026-01-31T23:30:00-02:00"
            .parse::<DateTime<Utc>>()
            .unwrap();
        assert_eq!(
            Granularity::Month.bucket_start(late),
            at("2026-02-01T00:00:00Z")
        );
    }

    #[test]
    fn a_bucket_shows_its_last_snapshot() {
        let points = [
            point("2026-01-05T10:00:00Z", 2.0),
            point("2026-01-31T23:59:59Z", 2.5),
            point("2026-01-20T00:00:00Z", 2.2),
            point("2026-02-01T00:00:00Z", 3.0),
        ];
        let from = at("2026-01-01T00:00:00Z");
        let to = at("2026-02-28T00:00:00Z");
        let buckets = history(&points, from, to, Granularity::Month);
        assert_eq!(buckets.len(), 2);
        assert_eq!(buckets[0].start, at("2026-01-01T00:00:00Z"));
        assert_eq!(
            buckets[0].last.maturity_score, 2.5,
            "January 31st, not the 20th"
        );
        assert_eq!(buckets[0].snapshots, 3);
        assert_eq!(buckets[1].start, at("2026-02-01T00:00:00Z"));
        assert_eq!(
            (buckets[1].last.maturity_score, buckets[1].snapshots),
            (3.0, 1)
        );
    }

    #[test]
    fn weeks_split_at_monday_midnight() {
        let points = [
            point("2026-03-01T23:59:59Z", 1.0), // Sunday: week of 02-23
            point("2026-03-02T00:00:00Z", 2.0), // Monday: week of 03-02
            point("2026-03-08T12:00:00Z", 3.0), // Sunday: week of 03-02
        ];
        let buckets = history(
            &points,
            at("2026-02-01T00:00:00Z"),
            at("2026-04-01T00:00:00Z"),
            Granularity::Week,
        );
        let seen: Vec<(DateTime<Utc>, f64, usize)> = buckets
            .iter()
            .map(|b| (b.start, b.last.maturity_score, b.snapshots))
            .collect();
        assert_eq!(
            seen,
            vec![
                (at("2026-02-23T00:00:00Z"), 1.0, 1),
                (at("2026-03-02T00:00:00Z"), 3.0, 2),
            ]
        );
    }

    #[test]
    fn the_range_includes_both_ends_and_nothing_outside() {
        let points = [
            point("2026-01-09T23:59:59Z", 1.0),
            point("2026-01-10T00:00:00Z", 2.0),
            point("2026-01-12T00:00:00Z", 3.0),
            point("2026-01-12T00:00:01Z", 4.0),
        ];
        let buckets = history(
            &points,
            at("2026-01-10T00:00:00Z"),
            at("2026-01-12T00:00:00Z"),
            Granularity::Day,
        );
        let scores: Vec<f64> = buckets.iter().map(|b| b.last.maturity_score).collect();
        assert_eq!(scores, vec![2.0, 3.0], "empty days are left out");
    }

    #[test]
    fn snapshots_at_the_same_moment_count_in_the_order_given() {
        let points = [
            point("2026-01-10T08:00:00Z", 1.0),
            point("2026-01-10T08:00:00Z", 2.0),
        ];
        let from = at("2026-01-01T00:00:00Z");
        let buckets = history(&points, from, at("2026-01-31T00:00:00Z"), Granularity::Day);
        assert_eq!(
            (buckets[0].last.maturity_score, buckets[0].snapshots),
            (2.0, 2)
        );
    }

    #[test]
    fn ranges_are_counted_in_buckets_and_bounded() {
        let from = at("2026-01-01T00:00:00Z");
        // 2026-01-01 to 2027-02-04: 365 + 35 = 400 days, both ends counted.
        assert_eq!(
            check_range(from, at("2027-02-04T23:59:59Z"), Granularity::Day),
            Ok(400)
        );
        assert_eq!(
            check_range(from, at("2027-02-05T00:00:00Z"), Granularity::Day),
            Err(RangeError::TooManyBuckets(401))
        );
        // Thursday 2026-01-01 is in the week of Monday 2025-12-29; Monday 2026-01-05 starts
        // the second week.
        assert_eq!(
            check_range(from, at("2026-01-05T00:00:00Z"), Granularity::Week),
            Ok(2)
        );
        // January 2026 to December 2027: 24 months.
        assert_eq!(
            check_range(from, at("2027-12-31T00:00:00Z"), Granularity::Month),
            Ok(24)
        );
        assert_eq!(check_range(from, from, Granularity::Month), Ok(1));
        assert_eq!(
            check_range(at("2026-01-02T00:00:00Z"), from, Granularity::Month),
            Err(RangeError::Reversed)
        );
    }

    #[test]
    fn the_rate_is_the_least_squares_slope_per_month() {
        // Months of 30.44 days (2 630 016 s): x = 0, 1, 2; y = 2.0, 2.3, 2.2.
        // mean x = 1, mean y = 6.5 / 3 = 2.1666…; dx = −1, 0, 1; dy = −0.1666…, 0.1333…, 0.0333…
        // Σ(dx·dy) = 0.1666… + 0 + 0.0333… = 0.2; Σdx² = 2; slope = 0.2 / 2 = 0.1.
        let start = at("2026-01-01T00:00:00Z");
        let month = Duration::seconds(2_630_016);
        let points = [
            point_at(start, 2.0),
            point_at(start + month, 2.3),
            point_at(start + month * 2, 2.2),
        ];
        close(improvement_rate(&points), 0.1);
        assert_eq!(trend(improvement_rate(&points)), Trend::Improving);
    }

    #[test]
    fn a_fall_over_days_is_scaled_to_months() {
        // −0.1 points over 15.22 days (half a month): −0.2 points a month.
        let points = [
            point("2026-01-01T00:00:00Z", 3.0),
            point("2026-01-16T05:16:48Z", 2.9),
        ];
        close(improvement_rate(&points), -0.2);
        assert_eq!(trend(improvement_rate(&points)), Trend::Declining);
    }

    #[test]
    fn one_point_or_one_moment_has_no_rate() {
        let one = [point("2026-01-01T00:00:00Z", 3.0)];
        assert_eq!(improvement_rate(&one), None);
        assert_eq!(improvement_rate(&[]), None);
        let same_moment = [
            point("2026-01-01T00:00:00Z", 3.0),
            point("2026-01-01T00:00:00Z", 4.0),
        ];
        assert_eq!(improvement_rate(&same_moment), None);
        assert_eq!(trend(None), Trend::Stable);
    }

    #[test]
    fn the_trend_threshold_is_inclusive() {
        assert_eq!(trend(Some(0.05)), Trend::Improving);
        assert_eq!(trend(Some(0.049)), Trend::Stable);
        assert_eq!(trend(Some(0.0)), Trend::Stable);
        assert_eq!(trend(Some(-0.049)), Trend::Stable);
        assert_eq!(trend(Some(-0.05)), Trend::Declining);
    }

    #[test]
    fn look_backs_are_bounded_calendar_months() {
        assert_eq!(months(1), Ok(1));
        assert_eq!(months(60), Ok(60));
        assert!(months(0).is_err());
        assert!(months(61).is_err());
        assert_eq!(
            window_start(at("2026-03-31T12:00:00Z"), 1),
            at("2026-02-28T12:00:00Z"),
            "February has no 31st"
        );
        assert_eq!(
            window_start(at("2026-03-15T00:00:00Z"), 6),
            at("2025-09-15T00:00:00Z")
        );
    }
}
