//! Prometheus metrics, served on `GET /metrics` in the text exposition format. Each application
//! has a registry of its own: several applications in one process (the tests) keep their
//! figures apart.
//!
//! Label values are bounded: routes are the router's templates, operation names the first
//! [`MAX_OPERATION_NAMES`] seen (later ones count as `other`), error codes orgraph's own.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};
use tracing::Instrument as _;

use crate::http::Answered;
use crate::telemetry;

/// How many distinct operation names get a label value of their own.
pub const MAX_OPERATION_NAMES: usize = 100;
/// The longest operation name kept as a label value.
const MAX_OPERATION_NAME_LEN: usize = 64;

/// Seconds, from a millisecond to a minute.
const DURATION_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
];
/// Statements per request, from none to a runaway.
const STATEMENT_BUCKETS: [f64; 9] = [0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 50.0];

/// The application's metric families.
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    operations: HistogramVec,
    errors: IntCounterVec,
    statements: Histogram,
    pool_statements: IntCounterVec,
    pool: IntGaugeVec,
    websockets: IntGauge,
    subscriptions: IntGauge,
    deliveries: IntCounter,
    delivery_lag: Histogram,
    subscriptions_ended: IntCounterVec,
    rate_limited: IntCounterVec,
    operation_names: Mutex<HashSet<String>>,
    /// Off (`ORGRAPH_METRICS=false`): operations and statements are not counted.
    enabled: bool,
}

/// Counts one open websocket (or subscription) while it lives.
pub struct Open(IntGauge);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// One GraphQL operation, as it is counted.
pub struct Operation<'a> {
    /// `query` or `mutation`.
    pub kind: &'static str,
    pub name: Option<&'a str>,
    pub duration: Duration,
    /// The `extensions.code` of each of its errors.
    pub error_codes: Vec<String>,
}

impl Metrics {
    /// A registry with every family, each described.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("orgraph_http_requests_total", "HTTP requests answered"),
            &["route", "method", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "orgraph_http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
            &["route"],
        )?;
        let operations = HistogramVec::new(
            HistogramOpts::new(
                "orgraph_graphql_operation_duration_seconds",
                "Time to run a GraphQL operation, by type and name",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
            &["operation_type", "operation_name"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new(
                "orgraph_graphql_errors_total",
                "GraphQL errors answered, by extensions.code",
            ),
            &["code"],
        )?;
        let statements = Histogram::with_opts(
            HistogramOpts::new(
                "orgraph_sql_statements_per_request",
                "SQL statements one HTTP request sent (x-orgraph-sql-statements)",
            )
            .buckets(STATEMENT_BUCKETS.to_vec()),
        )?;
        let pool_statements = IntCounterVec::new(
            Opts::new(
                "orgraph_sql_statements_total",
                "SQL statements GraphQL requests sent, by pool: primary, or replica \
                 (ORGRAPH_DATABASE_READ_URL)",
            ),
            &["pool"],
        )?;
        registry.register(Box::new(pool_statements.clone()))?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "orgraph_db_pool_connections",
                "Database pool connections when scraped: open, and idle among them",
            ),
            &["state"],
        )?;
        let websockets = IntGauge::new("orgraph_websockets_open", "GraphQL websockets open")?;
        let subscriptions = IntGauge::new(
            "orgraph_subscriptions_active",
            "Subscriptions running over the websockets",
        )?;
        let deliveries = IntCounter::new(
            "orgraph_subscription_deliveries_total",
            "Events delivered to subscribers",
        )?;
        let delivery_lag = Histogram::with_opts(
            HistogramOpts::new(
                "orgraph_subscription_delivery_lag_seconds",
                "From an event's writing to its delivery to a subscriber",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
        )?;
        let subscriptions_ended = IntCounterVec::new(
            Opts::new(
                "orgraph_subscriptions_ended_total",
                "Subscriptions the server ended, by why: lagged (events dropped for a slow \
                 subscriber), revoked (no longer a member), replay_too_long, invalid_token, \
                 database",
            ),
            &["reason"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "orgraph_rate_limited_total",
                "Operations refused RATE_LIMITED for an empty bucket (ORGRAPH_RATE_LIMIT_*), by \
                 operation type and whose bucket: person (signed in) or address",
            ),
            &["operation_type", "limited_by"],
        )?;
        registry.register(Box::new(rate_limited.clone()))?;
        registry.register(Box::new(websockets.clone()))?;
        registry.register(Box::new(subscriptions.clone()))?;
        registry.register(Box::new(deliveries.clone()))?;
        registry.register(Box::new(delivery_lag.clone()))?;
        registry.register(Box::new(subscriptions_ended.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(operations.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(statements.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_duration,
            operations,
            errors,
            statements,
            pool_statements,
            pool,
            websockets,
            subscriptions,
            deliveries,
            delivery_lag,
            subscriptions_ended,
            rate_limited,
            operation_names: Mutex::new(HashSet::new()),
            enabled: true,
        })
    }

    /// These metrics, counting nothing of requests when `enabled` is false.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Whether requests are counted and traced.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// A websocket opened; it counts until the guard is dropped.
    pub fn websocket_opened(&self) -> Open {
        self.websockets.inc();
        Open(self.websockets.clone())
    }

    /// A subscription started; it counts until the guard is dropped.
    pub fn subscription_started(&self) -> Open {
        self.subscriptions.inc();
        Open(self.subscriptions.clone())
    }

    /// An event reached a subscriber `lag` after it was written.
    pub fn delivered(&self, lag: Duration) {
        self.deliveries.inc();
        self.delivery_lag.observe(lag.as_secs_f64());
    }

    /// The server ended a subscription, for `reason`.
    pub fn subscription_ended(&self, reason: &'static str) {
        self.subscriptions_ended.with_label_values(&[reason]).inc();
    }

    /// An operation of `kind` was refused for the empty bucket of a person or an address.
    pub fn rate_limited(&self, kind: &'static str, limited_by: &'static str) {
        self.rate_limited
            .with_label_values(&[kind, limited_by])
            .inc();
    }

    /// Counts one GraphQL operation and its errors.
    pub fn operation(&self, operation: Operation<'_>) {
        if !self.enabled {
            return;
        }
        let name = self.operation_name(operation.name);
        self.operations
            .with_label_values(&[operation.kind, &name])
            .observe(operation.duration.as_secs_f64());
        for code in &operation.error_codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    /// Counts the statements one HTTP request sent to the primary and to the replica.
    pub fn pool_statements(&self, primary: u64, replica: u64) {
        self.pool_statements
            .with_label_values(&["primary"])
            .inc_by(primary);
        if replica > 0 {
            self.pool_statements
                .with_label_values(&["replica"])
                .inc_by(replica);
        }
    }

    /// Counts the statements of one HTTP request.
    pub fn statements(&self, count: u64) {
        if !self.enabled {
            return;
        }
        self.statements.observe(count as f64);
    }

    /// The label value of an operation name: its own among the first names seen, else
    /// `other`; `anonymous` without one.
    fn operation_name(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|name| !name.is_empty()) else {
            return "anonymous".to_owned();
        };
        if name.len() > MAX_OPERATION_NAME_LEN {
            return "other".to_owned();
        }
        let mut names = self
            .operation_names
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }

    /// The exposition text, with the pool's gauges read now.
    pub fn render(&self, db: &DatabaseConnection) -> String {
        if let Some((open, idle)) = pool_connections(db) {
            self.pool.with_label_values(&["open"]).set(open);
            self.pool.with_label_values(&["idle"]).set(idle);
        }
        let mut text = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut text)
            .expect("the text format encodes every family");
        String::from_utf8(text).expect("the text format is UTF-8")
    }
}

/// The pool's open and idle connections.
fn pool_connections(db: &DatabaseConnection) -> Option<(i64, i64)> {
    match &db.inner {
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            Some((i64::from(pool.size()), pool.num_idle() as i64))
        }
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            Some((i64::from(pool.size()), pool.num_idle() as i64))
        }
        _ => None,
    }
}

/// Counts every HTTP request by route template, method and status, times it, and logs one
/// line for it. Each request gets an id (the client's `x-request-id` when it can be kept,
/// else a new one): the audit log records it, and the answer carries it back.
pub async fn track(
    State(metrics): State<std::sync::Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().as_str().to_owned();
    let (request_id, id_header) = assign_request_id(&mut request);
    let span = telemetry::request_span(&request_id, &method, &route, request.headers());
    let started = std::time::Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    metrics
        .http_duration
        .with_label_values(&[route.as_str()])
        .observe(elapsed.as_secs_f64());
    metrics
        .http_requests
        .with_label_values(&[route.as_str(), method.as_str(), response.status().as_str()])
        .inc();
    let statements = response
        .headers()
        .get(crate::http::graphql::STATEMENTS_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let answered = response
        .extensions()
        .get::<Answered>()
        .cloned()
        .unwrap_or_default();
    telemetry::record_answer(&span, response.status().as_u16(), elapsed, statements);
    // In the span, so that a JSON line carries its operation type and viewer too.
    let _in_span = span.enter();
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        duration_ms = telemetry::milliseconds(elapsed),
        statements,
        operation = answered.operation.as_deref(),
        errors = ?answered.error_codes,
        "request"
    );
    response
        .headers_mut()
        .insert(crate::http::REQUEST_ID, id_header);
    response
}

/// What [`track`] does when requests are neither counted nor traced (`ORGRAPH_METRICS=false`):
/// the request's id, on the request and on its answer.
pub async fn identify(mut request: Request, next: Next) -> Response {
    let (_, id_header) = assign_request_id(&mut request);
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(crate::http::REQUEST_ID, id_header);
    response
}

/// The request's id: the client's `x-request-id` when it can be kept, else a new one; set on
/// the request (the audit log reads it there), and returned with its header for the answer.
fn assign_request_id(request: &mut Request) -> (String, HeaderValue) {
    let request_id = crate::http::client_request_id(request.headers())
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let id_header = HeaderValue::from_str(&request_id).expect("a kept id is header text");
    request
        .headers_mut()
        .insert(crate::http::REQUEST_ID, id_header.clone());
    (request_id, id_header)
}

/// `GET /metrics`.
pub async fn scrape(State(state): State<crate::startup::AppState>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
        state.metrics.render(&state.db),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded() {
        let metrics = Metrics::new().unwrap();
        assert_eq!(metrics.operation_name(None), "anonymous");
        assert_eq!(metrics.operation_name(Some("")), "anonymous");
        for n in 0..MAX_OPERATION_NAMES {
            assert_eq!(
                metrics.operation_name(Some(&format!("Op{n}"))),
                format!("Op{n}")
            );
        }
        assert_eq!(metrics.operation_name(Some("OneTooMany")), "other");
        assert_eq!(
            metrics.operation_name(Some("Op7")),
            "Op7",
            "a known name stays"
        );
        assert_eq!(metrics.operation_name(Some(&"x".repeat(65))), "other");
    }
}
