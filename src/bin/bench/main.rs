//! `cargo run --release --bin bench`: orgraph under load, against hand-written SQL.
//!
//! Seeds its database when the data set is not there yet (`DATABASE_URL`, or a SQLite file
//! under `./data/`), starts orgraph in-process on a random port, and drives each scenario of
//! `benches/queries/` over real HTTP with a fixed number of connections for a fixed time. For
//! `lookup`, `dashboard` and `members` it drives a baseline the same way: the same data, read
//! by the fewest hand-written SQL statements through the same connection pool, JSON built in
//! Rust, behind the same token check. It prints one table; `orgraph / baseline` is the
//! gateway's overhead per request.

/// A faster allocator than the system's for this allocation-heavy workload.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use orgraph::Application;
use orgraph::auth::token::TokenKeys;
use orgraph::config::{Backend, Settings};
use orgraph::domain::scoring::{CURRENT_VERSION, Scale, question_model};
use orgraph::seed::{SyntheticSize, synthetic};
use orgraph::startup::STATEMENTS_HEADER;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use serde_json::{Value as Json_, json};
use uuid::Uuid;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(about = "Benchmark orgraph against hand-written SQL")]
struct Args {
    /// Organisations in the data set.
    #[arg(long, default_value_t = 1000)]
    orgs: u32,
    /// Members per organisation.
    #[arg(long, default_value_t = 20)]
    users_per_org: u32,
    /// Completed assessments per member.
    #[arg(long, default_value_t = 3)]
    assessments_per_user: u32,
    /// Concurrent connections driving each scenario.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds each scenario is measured for.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of unmeasured warm-up before each scenario.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Only these scenarios (comma-separated; `members` includes its scaling check), e.g. to
    /// profile one of them.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Drive orgraph alone, without the baseline, so that the peak memory printed is orgraph's
    /// (with its pool and the load driver, which share the process).
    #[arg(long)]
    without_baseline: bool,
}

impl Args {
    fn runs(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|name| name == scenario)
    }
}

/// The organisation with 200 members the `members` scenario pages through.
const LARGE_ORG_MEMBERS: u32 = 200;
const LARGE_ORG_ASSESSMENTS: u32 = 5;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut settings = Settings::from_env()?;
    if std::env::var("DATABASE_URL").is_err() {
        settings.database_url = "sqlite://data/bench.db?mode=rwc".into();
    }
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.seed_demo = false;
    // The scaling check pages 200 members at a time.
    settings.max_page_size = settings.max_page_size.max(200);
    settings.db_max_connections = settings.db_max_connections.max(args.connections as u32 + 4);
    if settings.jwt_secret.is_none() && settings.backend() == Backend::Postgres {
        settings.jwt_secret = Some(format!("bench-{}", Uuid::new_v4().simple()));
    }
    let application = Application::build(&settings).await?;
    let db = application.db().clone();
    let keys = settings.token_keys()?;
    prepare(&db, &args).await?;
    let fixture = Fixture::load(&db, &keys).await?;
    let address = application.local_addr();
    tokio::spawn(application.run_until_stopped());
    let baseline = match args.without_baseline {
        true => None,
        false => Some(spawn_baseline(db.clone(), keys).await?),
    };

    println!(
        "data set: {} orgs × {} members × {} assessments (+1 org of {LARGE_ORG_MEMBERS} members); \
         {} connections, {} s per scenario after {} s warm-up; {}",
        args.orgs,
        args.users_per_org,
        args.assessments_per_user,
        args.connections,
        args.seconds,
        args.warmup,
        if settings.backend() == Backend::Postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        },
    );
    let driver = Driver::new(&args, fixture.token.clone());
    let graphql = format!("http://{address}/graphql");
    let mut table = Vec::new();
    for (name, members) in [("lookup", None), ("dashboard", None), ("members", Some(50))] {
        if !args.runs(name) {
            continue;
        }
        let (orgraph, base) = driver
            .compare(&graphql, baseline, &fixture, name, members)
            .await;
        table.push(Row::new(name, orgraph, base));
    }
    for members in [10, 50, 200] {
        let name = "members";
        if !args.runs(name) {
            continue;
        }
        let (orgraph, base) = driver
            .compare(&graphql, baseline, &fixture, name, Some(members))
            .await;
        table.push(Row::new(&format!("members ×{members}"), orgraph, base));
    }
    if args.runs("analytics") {
        let analytics = driver
            .run(&graphql, |i| fixture.graphql_body("analytics", None, i))
            .await;
        table.push(Row::new("analytics", analytics, None));
    }
    if args.runs("mutation") {
        let submissions = prepare_submissions(&db, &fixture).await?;
        let next = AtomicUsize::new(0);
        let mutation = driver
            .run_once_each(&graphql, submissions.len(), |_| {
                let id = submissions[next.fetch_add(1, Ordering::Relaxed) % submissions.len()];
                fixture.body("mutation", json!({ "id": global_id("Assessment", id) }))
            })
            .await;
        table.push(Row::new("mutation", mutation, None));
        remove_submissions(&db, &submissions).await?;
    }
    print_table(&table);
    println!(
        "peak memory (whole bench process: server, pool and load driver{}): {} MB",
        if args.without_baseline {
            "; no baseline"
        } else {
            ", and the baseline"
        },
        peak_memory_mb()
    );
    Ok(())
}

/// Seeds the data set unless it is there.
async fn prepare(db: &DatabaseConnection, args: &Args) -> anyhow::Result<()> {
    let organizations = scalar(db, "SELECT COUNT(*) FROM organizations", []).await?;
    if organizations < i64::from(args.orgs) + 1 {
        let size = SyntheticSize {
            orgs: args.orgs,
            users_per_org: args.users_per_org,
            assessments_per_user: args.assessments_per_user,
        };
        println!("seeding {size:?}…");
        synthetic(db, size, false).await?;
        let large = SyntheticSize {
            orgs: 1,
            users_per_org: LARGE_ORG_MEMBERS,
            assessments_per_user: LARGE_ORG_ASSESSMENTS,
        };
        synthetic(db, large, false).await?;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // Earlier runs' submissions were deleted, but their dead rows stay in the tables and
        // indexes until a vacuum, and every read scenario would wade through them.
        db.execute_unprepared("VACUUM (ANALYZE)").await?;
    }
    Ok(())
}

/// What the scenarios ask for: the largest organisation, one of its members, its assessments.
struct Fixture {
    organization: Uuid,
    viewer: Uuid,
    token: String,
    assessments: Vec<Uuid>,
    queries: std::collections::HashMap<&'static str, String>,
}

impl Fixture {
    async fn load(db: &DatabaseConnection, keys: &TokenKeys) -> anyhow::Result<Self> {
        let rows = query(
            db,
            "SELECT organization_id FROM organization_members GROUP BY organization_id \
             ORDER BY COUNT(*) DESC LIMIT 1",
            [],
        )
        .await?;
        let organization: Uuid = rows
            .first()
            .context("no organisation")?
            .try_get("", "organization_id")?;
        let viewer: Uuid = query(
            db,
            "SELECT user_id FROM organization_members WHERE organization_id = ? AND status = 'active' \
             ORDER BY joined_at LIMIT 1",
            [organization.into()],
        )
        .await?
        .first()
        .context("no member")?
        .try_get("", "user_id")?;
        let assessments = query(
            db,
            "SELECT id FROM assessments WHERE organization_id = ? ORDER BY id LIMIT 1000",
            [organization.into()],
        )
        .await?
        .iter()
        .map(|row| row.try_get("", "id"))
        .collect::<Result<_, _>>()?;
        let mut queries = std::collections::HashMap::new();
        for name in ["lookup", "dashboard", "members", "analytics", "mutation"] {
            let path = format!(
                "{}/benches/queries/{name}.graphql",
                env!("CARGO_MANIFEST_DIR")
            );
            queries.insert(
                name,
                std::fs::read_to_string(&path).with_context(|| path.clone())?,
            );
        }
        Ok(Self {
            organization,
            viewer,
            token: keys.mint(viewer, chrono::Duration::hours(2))?,
            assessments,
            queries,
        })
    }

    fn body(&self, name: &str, variables: Json_) -> Json_ {
        json!({ "query": self.queries[name], "variables": variables })
    }

    fn graphql_body(&self, name: &str, members: Option<u32>, i: usize) -> Json_ {
        let organization = global_id("Organization", self.organization);
        let variables = match name {
            "lookup" => {
                json!({ "id": global_id("Assessment", self.assessments[i % self.assessments.len()]) })
            }
            "members" => json!({ "id": organization, "members": members.unwrap_or(50) }),
            _ => json!({ "id": organization }),
        };
        self.body(name, variables)
    }

    fn baseline_query(
        &self,
        name: &str,
        members: Option<u32>,
        i: usize,
    ) -> Vec<(&'static str, String)> {
        match name {
            "lookup" => vec![(
                "id",
                self.assessments[i % self.assessments.len()].to_string(),
            )],
            "members" => vec![
                ("organization", self.organization.to_string()),
                ("members", members.unwrap_or(50).to_string()),
            ],
            _ => vec![("organization", self.organization.to_string())],
        }
    }
}

/// Batches of 1 000 fresh assessments prepared for `mutation`: more than a run submits.
const SUBMISSION_BATCHES: usize = 5;

/// Removes what `mutation` submitted (scores go with them), so runs do not pile up rows that
/// would slow the read scenarios of the next run.
async fn remove_submissions(db: &DatabaseConnection, ids: &[Uuid]) -> anyhow::Result<()> {
    for chunk in ids.chunks(1000) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let values: Vec<Value> = chunk.iter().map(|id| (*id).into()).collect();
        let sql = format!("DELETE FROM assessments WHERE id IN ({placeholders})");
        let backend = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            numbered(backend, &sql),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// Fresh in-progress assessments of the viewer with every question answered, for `mutation`.
async fn prepare_submissions(
    db: &DatabaseConnection,
    fixture: &Fixture,
) -> anyhow::Result<Vec<Uuid>> {
    let model = question_model(entity::enums::AssessmentType::Bpm, CURRENT_VERSION)
        .context("the BPM question model")?;
    let responses: serde_json::Map<String, Json_> = model
        .questions
        .iter()
        .map(|question| {
            let answer = match &question.scale {
                Scale::Likert { max, .. } => json!(max),
                Scale::Choice { options } => json!(options[0].key),
                Scale::Boolean => json!(true),
            };
            (question.id.clone(), answer)
        })
        .collect();
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for _ in 0..SUBMISSION_BATCHES {
        let batch: Vec<entity::assessments::ActiveModel> = (0..1000)
            .map(|_| {
                let id = Uuid::now_v7();
                ids.push(id);
                entity::assessments::ActiveModel {
                    id: sea_orm::Set(id),
                    organization_id: sea_orm::Set(fixture.organization),
                    user_id: sea_orm::Set(fixture.viewer),
                    assessment_type: sea_orm::Set(entity::enums::AssessmentType::Bpm),
                    version: sea_orm::Set(CURRENT_VERSION.to_owned()),
                    responses: sea_orm::Set(Json_::Object(responses.clone())),
                    metadata: sea_orm::Set(json!({})),
                    status: sea_orm::Set(entity::enums::AssessmentStatus::InProgress),
                    completed_at: sea_orm::Set(None),
                    created_at: sea_orm::Set(now),
                    updated_at: sea_orm::Set(now),
                }
            })
            .collect();
        sea_orm::EntityTrait::insert_many::<entity::assessments::ActiveModel, _>(batch)
            .exec(db)
            .await?;
    }
    Ok(ids)
}

/// Drives requests over HTTP.
struct Driver {
    client: reqwest::Client,
    token: String,
    connections: usize,
    measure: Duration,
    warmup: Duration,
}

/// What one scenario measured.
struct Measured {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    statements: u64,
}

impl Driver {
    fn new(args: &Args, token: String) -> Self {
        Self {
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(args.connections)
                .build()
                .expect("an HTTP client"),
            token,
            connections: args.connections,
            measure: Duration::from_secs(args.seconds),
            warmup: Duration::from_secs(args.warmup),
        }
    }

    /// orgraph's run of scenario `name`, then the baseline's when it is served.
    async fn compare(
        &self,
        graphql: &str,
        baseline: Option<SocketAddr>,
        fixture: &Fixture,
        name: &str,
        members: Option<u32>,
    ) -> (Measured, Option<Measured>) {
        let orgraph = self
            .run(graphql, |i| fixture.graphql_body(name, members, i))
            .await;
        let base = match baseline {
            Some(baseline) => Some(
                self.run_get(&format!("http://{baseline}/{name}"), |i| {
                    fixture.baseline_query(name, members, i)
                })
                .await,
            ),
            None => None,
        };
        (orgraph, base)
    }

    async fn run(&self, url: &str, body: impl Fn(usize) -> Json_ + Sync) -> Measured {
        let send = |i| {
            self.client
                .post(url)
                .bearer_auth(&self.token)
                .json(&body(i))
        };
        self.load(send, self.warmup, self.measure, usize::MAX).await
    }

    async fn run_get(
        &self,
        url: &str,
        query: impl Fn(usize) -> Vec<(&'static str, String)> + Sync,
    ) -> Measured {
        let send = |i| {
            self.client
                .get(url)
                .bearer_auth(&self.token)
                .query(&query(i))
        };
        self.load(send, self.warmup, self.measure, usize::MAX).await
    }

    /// Runs at most `limit` requests, without warm-up: each mutation consumes its input.
    async fn run_once_each(
        &self,
        url: &str,
        limit: usize,
        body: impl Fn(usize) -> Json_ + Sync,
    ) -> Measured {
        let send = |i| {
            self.client
                .post(url)
                .bearer_auth(&self.token)
                .json(&body(i))
        };
        self.load(send, Duration::ZERO, self.measure, limit).await
    }

    async fn load(
        &self,
        send: impl Fn(usize) -> reqwest::RequestBuilder + Sync,
        warmup: Duration,
        measure: Duration,
        limit: usize,
    ) -> Measured {
        let counter = AtomicUsize::new(0);
        let started = Instant::now();
        let measuring_from = started + warmup;
        let deadline = measuring_from + measure;
        let workers = (0..self.connections).map(|_| async {
            let mut latencies = Vec::new();
            let (mut errors, mut statements) = (0, 0);
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let i = counter.fetch_add(1, Ordering::Relaxed);
                if i >= limit {
                    break;
                }
                let outcome = send(i).send().await;
                let took = now.elapsed();
                let measured = now >= measuring_from;
                match outcome {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let counted = response
                            .headers()
                            .get(STATEMENTS_HEADER)
                            .and_then(|value| value.to_str().ok())
                            .and_then(|value| value.parse::<u64>().ok())
                            .unwrap_or_default();
                        let body: Json_ = response.json().await.unwrap_or(Json_::Null);
                        let failed = !ok || body.get("errors").is_some() || body.is_null();
                        if measured {
                            latencies.push(took);
                            statements += counted;
                            errors += usize::from(failed);
                        }
                    }
                    Err(_) if measured => errors += 1,
                    Err(_) => {}
                }
            }
            (latencies, errors, statements)
        });
        let results = futures_util::future::join_all(workers).await;
        let elapsed = Instant::now()
            .min(deadline)
            .saturating_duration_since(measuring_from);
        let mut measured = Measured {
            requests: 0,
            errors: 0,
            elapsed,
            latencies: Vec::new(),
            statements: 0,
        };
        for (latencies, errors, statements) in results {
            measured.requests += latencies.len();
            measured.errors += errors;
            measured.statements += statements;
            measured.latencies.extend(latencies);
        }
        measured.latencies.sort();
        measured
    }
}

/// One line of the table.
struct Row {
    name: String,
    orgraph: Measured,
    baseline: Option<Measured>,
}

impl Row {
    fn new(name: &str, orgraph: Measured, baseline: Option<Measured>) -> Self {
        Self {
            name: name.to_owned(),
            orgraph,
            baseline,
        }
    }
}

fn percentile(latencies: &[Duration], fraction: f64) -> f64 {
    if latencies.is_empty() {
        return f64::NAN;
    }
    let index = ((latencies.len() - 1) as f64 * fraction).round() as usize;
    latencies[index].as_secs_f64() * 1000.0
}

fn per_second(measured: &Measured) -> f64 {
    measured.requests as f64 / measured.elapsed.as_secs_f64().max(f64::EPSILON)
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<14} {:>9} {:>8} {:>8} {:>8} {:>6} {:>6} | {:>9} {:>8} {:>6} | {:>8}",
        "scenario",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "stmts",
        "errors",
        "base r/s",
        "base p50",
        "b.err",
        "ratio"
    );
    for row in rows {
        let o = &row.orgraph;
        let statements = o.statements as f64 / o.requests.max(1) as f64;
        let (base_rate, base_p50, base_errors, ratio) = match &row.baseline {
            Some(b) => (
                format!("{:.0}", per_second(b)),
                format!("{:.2}", percentile(&b.latencies, 0.5)),
                b.errors.to_string(),
                // Time per request at the same concurrency: the inverse ratio of throughputs.
                format!("{:.2}×", per_second(b) / per_second(o)),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:<14} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>6.1} {:>6} | {:>9} {:>8} {:>6} | {:>8}",
            row.name,
            per_second(o),
            percentile(&o.latencies, 0.5),
            percentile(&o.latencies, 0.9),
            percentile(&o.latencies, 0.99),
            statements,
            o.errors,
            base_rate,
            base_p50,
            base_errors,
            ratio
        );
    }
}

fn peak_memory_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or_else(|| "unknown".into(), |kb| format!("{}", kb / 1024))
}

fn global_id(kind: &str, id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

// ---- the baseline: hand-written SQL through the same pool ----

#[derive(Clone)]
struct Baseline {
    db: DatabaseConnection,
    keys: TokenKeys,
}

async fn spawn_baseline(db: DatabaseConnection, keys: TokenKeys) -> anyhow::Result<SocketAddr> {
    let router = Router::new()
        .route("/lookup", get(baseline_lookup))
        .route("/dashboard", get(baseline_dashboard))
        .route("/members", get(baseline_members))
        .with_state(Baseline { db, keys });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(address)
}

type Params = Query<std::collections::HashMap<String, String>>;

/// The token's user, as a careful engineer would check it: verify the JWT, nothing more; the
/// membership check is folded into each data query.
fn user_of(state: &Baseline, headers: &HeaderMap) -> Option<Uuid> {
    let token = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    state.keys.verify(token).ok().map(|claims| claims.sub)
}

fn uuid_param(params: &Params, name: &str) -> Option<Uuid> {
    params.get(name).and_then(|value| value.parse().ok())
}

fn respond(result: anyhow::Result<Json_>) -> Response {
    match result {
        Ok(body) => ([(STATEMENTS_HEADER, "0")], Json(json!({ "data": body }))).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

const MEMBER_OF: &str = "organization_id IN (SELECT organization_id FROM organization_members \
                         WHERE user_id = ? AND status = 'active')";

async fn baseline_lookup(
    State(state): State<Baseline>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let (Some(user), Some(id)) = (user_of(&state, &headers), uuid_param(&params, "id")) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    respond(async {
        let sql = format!(
            "SELECT a.id, a.assessment_type, a.status, a.completed_at, s.overall_score, s.bracket, \
             s.confidence, s.maturity_level, l.name AS level_name \
             FROM assessments a LEFT JOIN assessment_scores s ON s.assessment_id = a.id \
             LEFT JOIN maturity_levels l ON l.level = s.maturity_level \
             WHERE a.id = ? AND a.{MEMBER_OF}"
        );
        let rows = query(&state.db, &sql, [id.into(), user.into()]).await?;
        Ok(rows.first().map_or(Json_::Null, row_json))
    }
    .await)
}

async fn baseline_dashboard(
    State(state): State<Baseline>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let (Some(user), Some(organization)) = (
        user_of(&state, &headers),
        uuid_param(&params, "organization"),
    ) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    respond(async {
        let head = query(
            &state.db,
            "SELECT o.id, o.name, t.id AS twin_id, t.maturity_score, t.ai_readiness_score \
             FROM organizations o LEFT JOIN organization_digital_twins t ON t.organization_id = o.id \
             WHERE o.id = ? AND o.deleted_at IS NULL AND o.id IN (SELECT organization_id \
             FROM organization_members WHERE user_id = ? AND status = 'active')",
            [organization.into(), user.into()],
        )
        .await?;
        let Some(head) = head.first() else {
            return Ok(Json_::Null);
        };
        let assessments = query(
            &state.db,
            "SELECT a.id, a.assessment_type, a.status, a.created_at, u.id AS respondent_id, \
             u.first_name, u.last_name, s.overall_score, s.bracket \
             FROM assessments a JOIN users u ON u.id = a.user_id \
             LEFT JOIN assessment_scores s ON s.assessment_id = a.id \
             WHERE a.organization_id = ? ORDER BY a.created_at DESC, a.id DESC LIMIT 20",
            [organization.into()],
        )
        .await?;
        let twin: Option<Uuid> = head.try_get("", "twin_id")?;
        let snapshots = match twin {
            Some(twin) => query(
                &state.db,
                "SELECT captured_at, maturity_score, ai_readiness_score FROM digital_twin_snapshots \
                 WHERE twin_id = ? ORDER BY captured_at DESC, id DESC LIMIT 12",
                [twin.into()],
            )
            .await?,
            None => Vec::new(),
        };
        Ok(json!({
            "organization": row_json(head),
            "assessments": assessments.iter().map(row_json).collect::<Vec<_>>(),
            "snapshots": snapshots.iter().map(row_json).collect::<Vec<_>>(),
        }))
    }
    .await)
}

async fn baseline_members(
    State(state): State<Baseline>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let (Some(user), Some(organization)) = (
        user_of(&state, &headers),
        uuid_param(&params, "organization"),
    ) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let members: i64 = params
        .get("members")
        .and_then(|value| value.parse().ok())
        .unwrap_or(50);
    respond(async {
        let people = query(
            &state.db,
            &format!(
                "SELECT m.role, u.id, u.first_name, u.last_name FROM organization_members m \
                 JOIN users u ON u.id = m.user_id WHERE m.organization_id = ? AND m.{MEMBER_OF} \
                 ORDER BY m.joined_at, m.id LIMIT ?"
            ),
            [organization.into(), user.into(), members.into()],
        )
        .await?;
        let ids: Vec<Uuid> = people.iter().map(|row| row.try_get("", "id")).collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(json!([]));
        }
        let placeholders = vec!["?"; ids.len()].join(", ");
        let mut values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
        values.push(organization.into());
        let assessments = query(
            &state.db,
            &format!(
                "SELECT * FROM (SELECT a.id, a.user_id, a.assessment_type, a.created_at, s.overall_score, \
                 s.bracket, row_number() OVER (PARTITION BY a.user_id ORDER BY a.created_at DESC, a.id DESC) AS n \
                 FROM assessments a LEFT JOIN assessment_scores s ON s.assessment_id = a.id \
                 WHERE a.user_id IN ({placeholders}) AND a.organization_id = ?) latest WHERE n <= 5"
            ),
            values,
        )
        .await?;
        let mut by_user: std::collections::HashMap<Uuid, Vec<Json_>> = std::collections::HashMap::new();
        for row in &assessments {
            by_user.entry(row.try_get("", "user_id")?).or_default().push(row_json(row));
        }
        Ok(Json_::Array(
            people
                .iter()
                .map(|person| {
                    let id: Uuid = person.try_get("", "id").unwrap_or_default();
                    let mut entry = row_json(person);
                    entry["assessments"] = Json_::Array(by_user.remove(&id).unwrap_or_default());
                    entry
                })
                .collect(),
        ))
    }
    .await)
}

/// A row as JSON, column by column, reading each value as the type it is stored as.
fn row_json(row: &QueryResult) -> Json_ {
    let mut object = serde_json::Map::new();
    for column in row.column_names() {
        let value = if let Ok(Some(text)) = row.try_get::<Option<String>>("", &column) {
            json!(text)
        } else if let Ok(Some(uuid)) = row.try_get::<Option<Uuid>>("", &column) {
            json!(uuid)
        } else if let Ok(Some(number)) = row.try_get::<Option<rust_decimal::Decimal>>("", &column) {
            json!(number)
        } else if let Ok(Some(time)) =
            row.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", &column)
        {
            json!(time)
        } else if let Ok(Some(int)) = row.try_get::<Option<i64>>("", &column) {
            json!(int)
        } else {
            Json_::Null
        };
        object.insert(column, value);
    }
    Json_::Object(object)
}

/// Runs `sql` written with `?` placeholders on either backend.
async fn query(
    db: &DatabaseConnection,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Vec<QueryResult>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_sql_and_values(
        backend,
        numbered(backend, sql),
        values,
    ))
    .await
}

/// `?` placeholders as PostgreSQL's `$1, $2, …`; SQLite takes them as they are.
fn numbered(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut numbered = String::with_capacity(sql.len() + 16);
    for (index, part) in sql.split('?').enumerate() {
        if index > 0 {
            numbered.push_str(&format!("${index}"));
        }
        numbered.push_str(part);
    }
    numbered
}

async fn scalar(
    db: &DatabaseConnection,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> anyhow::Result<i64> {
    let rows = query(db, sql, values).await?;
    Ok(rows.first().context("a row")?.try_get_by_index(0)?)
}
