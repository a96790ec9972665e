//! The `orgraph` binary as an operator runs it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use entity::enums::JobOutcome;
use entity::prelude::*;
use sea_orm::{EntityTrait, PaginatorTrait};

use migration::MigratorTrait;

use crate::helpers::*;

/// The `orgraph` binary on `database_url` with the test secret, and nothing else of the
/// environment.
pub fn orgraph(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgraph"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("ORGRAPH_JWT_SECRET", TEST_JWT_SECRET)
        .env("RUST_LOG", "warn");
    command
}

#[tokio::test]
async fn sized_seed_writes_exact_row_counts() {
    let test = migrated_database().await;
    let output = orgraph(&test.url)
        .args([
            "seed",
            "--orgs",
            "100",
            "--users-per-org",
            "50",
            "--assessments-per-user",
            "4",
        ])
        .output()
        .expect("orgraph seed runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("rows/s"),
        "seed reports its throughput: {stdout}"
    );

    let db = &test.db;
    assert_eq!(Organization::find().count(db).await.unwrap(), 100);
    assert_eq!(User::find().count(db).await.unwrap(), 5_000);
    assert_eq!(OrganizationMember::find().count(db).await.unwrap(), 5_000);
    assert_eq!(Assessment::find().count(db).await.unwrap(), 20_000);
    assert_eq!(AssessmentScore::find().count(db).await.unwrap(), 20_000);
    assert_eq!(
        OrganizationDigitalTwin::find().count(db).await.unwrap(),
        100
    );
    // The engine's replay: a snapshot per change, at most one per month of the year and today;
    // each twin changes at least once per round of assessments.
    let snapshots = DigitalTwinSnapshot::find().count(db).await.unwrap();
    assert!((400..=1_300).contains(&snapshots), "{snapshots}");
    assert_eq!(MaturityLevel::find().count(db).await.unwrap(), 10);
}

#[tokio::test]
async fn twins_recompute_goes_through_every_organisation_or_the_one_named() {
    let test = migrated_database().await;
    orgraph::seed::demo(&test.db).await.expect("demo data");
    // Seeded twins are the engine's own: recomputing finds nothing to change.
    let output = orgraph(&test.url)
        .args(["twins", "recompute"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("3 organisations recomputed") && stdout.contains("0 twins changed"),
        "{stdout}"
    );

    let output = orgraph(&test.url)
        .args(["twins", "recompute", "--org", "no-such-org"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no organisation with the slug `no-such-org`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn migrate_status_lists_every_migration() {
    let test = migrated_database().await;
    let output = orgraph(&test.url)
        .args(["migrate", "status"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.starts_with("Applied"))
            .count(),
        migration::Migrator::migrations().len(),
        "{stdout}"
    );
}

#[tokio::test]
async fn token_is_minted_for_a_known_email_only() {
    let test = migrated_database().await;
    orgraph::seed::demo(&test.db).await.unwrap();

    let output = orgraph(&test.url)
        .args(["token", "--email", "AMARA.OKAFOR@northwind.example"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let claims = orgraph::auth::token::TokenKeys::new(TEST_JWT_SECRET)
        .verify(&token)
        .expect("a valid token");
    let amara = User::find_by_id(claims.sub)
        .one(&test.db)
        .await
        .unwrap()
        .expect("the user exists");
    assert_eq!(amara.email, "amara.okafor@northwind.example");

    let unknown = orgraph(&test.url)
        .args(["token", "--email", "nobody@example.com"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nobody@example.com"));
}

#[test]
fn malformed_settings_fail_naming_the_variable() {
    let output = orgraph("sqlite::memory:")
        .env("ORGRAPH_LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("ORGRAPH_LISTEN"));

    let output = orgraph("mysql://localhost/x")
        .args(["migrate", "status"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL"));
}

#[test]
fn schema_command_prints_the_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        orgraph::graphql::sdl()
    );
}

/// Runs `orgraph serve` on a free port until it says it is serving, then stops it with SIGTERM.
/// Returns its standard error (the logs) and whether it exited cleanly.
fn serve_then_terminate(command: &mut Command) -> (String, bool) {
    serve_until_logged(command, None)
}

/// Runs `orgraph serve` on a free port until it says it is serving and, when `awaited` is
/// given, until a log line contains it; then stops it with SIGTERM. Returns its standard error
/// (the logs) and whether it exited cleanly.
fn serve_until_logged(command: &mut Command, awaited: Option<&str>) -> (String, bool) {
    let (server, _) = start_serving(command);
    terminate_once_logged(server, awaited)
}

/// Starts `orgraph serve` on a free port, its logs piped, and returns it once it says it is
/// serving, with the origin it serves (`http://127.0.0.1:<port>`).
fn start_serving(command: &mut Command) -> (Child, String) {
    let mut server = command
        .env("ORGRAPH_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("orgraph serve starts");
    let mut stdout = BufReader::new(server.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a line on stdout");
    let origin = line
        .split_once("serving GraphiQL at ")
        .and_then(|(_, url)| url.trim().strip_suffix("/graphql"))
        .filter(|origin| origin.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    (server, origin)
}

/// Waits until a log line of `process` contains `awaited` (when given), then stops it with
/// SIGTERM. Returns its standard error (the logs) and whether it exited cleanly.
fn terminate_once_logged(mut process: Child, awaited: Option<&str>) -> (String, bool) {
    let mut stderr = BufReader::new(process.stderr.take().expect("piped stderr"));
    let mut logs = String::new();
    if let Some(awaited) = awaited {
        while !logs.lines().any(|line| line.contains(awaited)) {
            let read = stderr.read_line(&mut logs).expect("a log line");
            assert!(
                read > 0,
                "the process ended before logging {awaited}: {logs}"
            );
        }
    }
    let terminated = Command::new("kill")
        .args(["-TERM", &process.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(terminated.success());
    stderr
        .read_to_string(&mut logs)
        .expect("the rest of the logs");
    let status = process.wait().expect("the process exits");
    (logs, status.success())
}

#[tokio::test]
async fn serve_loads_demo_data_into_an_empty_database_and_stops_on_sigterm() {
    let test = empty_database().await;
    let (logs, clean_exit) = serve_then_terminate(
        orgraph(&test.url)
            .env("RUST_LOG", "info")
            .env("ORGRAPH_LOG_FORMAT", "json"),
    );
    assert!(clean_exit, "SIGTERM ends serve gracefully: {logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(
        logs.lines()
            .all(|line| serde_json::from_str::<serde_json::Value>(line).is_ok()),
        "ORGRAPH_LOG_FORMAT=json writes one JSON object per line: {logs}"
    );
    assert_eq!(Organization::find().count(&test.db).await.unwrap(), 3);
}

#[tokio::test]
async fn serve_leaves_the_database_empty_when_demo_data_is_switched_off() {
    let test = empty_database().await;
    let (logs, clean_exit) =
        serve_then_terminate(orgraph(&test.url).env("ORGRAPH_SEED_DEMO", "false"));
    assert!(clean_exit, "{logs}");
    assert_eq!(Organization::find().count(&test.db).await.unwrap(), 0);
    assert_eq!(
        MaturityLevel::find().count(&test.db).await.unwrap(),
        10,
        "migrated all the same"
    );
}

#[tokio::test]
async fn serve_runs_the_due_jobs_in_the_background_and_stops_them_on_sigterm() {
    let test = empty_database().await;
    let (logs, clean_exit) = serve_until_logged(
        orgraph(&test.url)
            .env("ORGRAPH_SEED_DEMO", "false")
            .env("RUST_LOG", "info")
            .env("ORGRAPH_LOG_FORMAT", "json"),
        Some("job period succeeded"),
    );
    assert!(clean_exit, "{logs}");
    assert!(logs.contains("job scheduler stopped"), "{logs}");
    // The tick in progress at the signal runs to its end: every standard job, once.
    let mut runs = JobRun::find().all(&test.db).await.unwrap();
    runs.sort_by(|a, b| a.job.cmp(&b.job));
    let jobs: Vec<(&str, JobOutcome)> = runs
        .iter()
        .map(|run| (run.job.as_str(), run.outcome))
        .collect();
    assert_eq!(
        jobs,
        [
            ("benchmarks", JobOutcome::Succeeded),
            ("monthly-snapshots", JobOutcome::Succeeded),
            ("retention", JobOutcome::Succeeded)
        ]
    );
}

#[tokio::test]
async fn serve_runs_no_jobs_when_they_are_switched_off() {
    let test = empty_database().await;
    let (logs, clean_exit) = serve_then_terminate(
        orgraph(&test.url)
            .env("ORGRAPH_SEED_DEMO", "false")
            .env("ORGRAPH_JOBS", "false")
            .env("RUST_LOG", "info"),
    );
    assert!(clean_exit, "{logs}");
    assert!(!logs.contains("job scheduler"), "{logs}");
    assert!(logs.contains(" INFO "), "text lines: {logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "no colours in logs that go to a pipe: {logs:?}"
    );
    assert_eq!(JobRun::find().count(&test.db).await.unwrap(), 0);
}

#[tokio::test]
async fn jobs_run_once_runs_the_due_period_then_skips_it_and_jobs_list_shows_it() {
    let test = migrated_database().await;
    let period = chrono::Utc::now().format("%Y-%m").to_string();
    let run_once = || {
        orgraph(&test.url)
            .args(["jobs", "run", "--once", "monthly-snapshots"])
            .output()
            .unwrap()
    };

    let first = run_once();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        stdout.trim(),
        format!("monthly-snapshots {period}: succeeded, 0 rows touched")
    );

    let second = run_once();
    assert!(second.status.success());
    assert_eq!(
        String::from_utf8_lossy(&second.stdout).trim(),
        format!("monthly-snapshots {period}: skipped, already succeeded")
    );

    let list = orgraph(&test.url).args(["jobs", "list"]).output().unwrap();
    assert!(list.status.success());
    let stdout = String::from_utf8_lossy(&list.stdout);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("monthly-snapshots (monthly, due period {period})").as_str()),
        "{stdout}"
    );
    let run = lines.next().expect("the run's line");
    assert!(
        run.starts_with(&format!("  {period}  succeeded")) && run.ends_with("0 rows touched"),
        "{stdout}"
    );
}

#[tokio::test]
async fn jobs_run_without_once_ticks_until_sigterm() {
    let test = migrated_database().await;
    let worker = orgraph(&test.url)
        .args(["jobs", "run"])
        .env("RUST_LOG", "info")
        .env("ORGRAPH_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .expect("orgraph jobs run starts");
    let (logs, clean_exit) = terminate_once_logged(worker, Some("job period succeeded"));
    assert!(clean_exit, "{logs}");
    assert!(logs.contains("job scheduler stopped"), "{logs}");
    assert_eq!(
        JobRun::find().count(&test.db).await.unwrap(),
        3,
        "every standard job"
    );
}

#[tokio::test]
async fn jobs_run_refuses_an_unknown_job_naming_the_known_ones() {
    let test = migrated_database().await;
    let output = orgraph(&test.url)
        .args(["jobs", "run", "--once", "no-such-job"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "no job is called `no-such-job` (known: monthly-snapshots, benchmarks, retention)"
        ),
        "{stderr}"
    );
    assert_eq!(JobRun::find().count(&test.db).await.unwrap(), 0);
}

/// `orgraph audit verify | head -1`: a reader that has all it wanted and closes the pipe ends
/// the command quietly, not with a panic.
#[tokio::test]
async fn output_into_a_closed_pipe_ends_the_command_quietly() {
    let database = migrated_database().await;
    for args in [&["audit", "verify"][..], &["schema"][..]] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let output = orgraph(&database.url)
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("orgraph runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn token_says_on_stderr_which_secret_signed_it_never_the_secret() {
    let test = migrated_database().await;
    orgraph::seed::demo(&test.db).await.unwrap();
    let mint = |command: &mut Command| {
        let output = command
            .args(["token", "--email", "amara.okafor@northwind.example"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        (
            String::from_utf8_lossy(&output.stdout).trim().to_owned(),
            stderr,
        )
    };

    let (token, stderr) = mint(&mut orgraph(&test.url));
    assert_eq!(stderr.trim(), "signed with ORGRAPH_JWT_SECRET");
    assert!(!stderr.contains(TEST_JWT_SECRET));
    orgraph::auth::token::TokenKeys::new(TEST_JWT_SECRET)
        .verify(&token)
        .expect("signed with the variable's secret");

    if on_postgres() {
        return; // PostgreSQL needs ORGRAPH_JWT_SECRET: there is no development secret.
    }
    // Without the variable, on SQLite: the development secret of the working folder.
    let folder = tempfile::tempdir().unwrap();
    let (token, stderr) = mint(
        orgraph(&test.url)
            .env_remove("ORGRAPH_JWT_SECRET")
            .current_dir(folder.path()),
    );
    let path = folder.path().join("data/dev-jwt-secret");
    let secret = std::fs::read_to_string(&path).expect("the development secret was kept");
    assert!(
        stderr.contains(&format!(
            "signed with the development secret in {}",
            path.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("ORGRAPH_JWT_SECRET is not set"), "{stderr}");
    assert!(!stderr.contains(secret.trim()), "{stderr}");
    orgraph::auth::token::TokenKeys::new(secret.trim())
        .verify(&token)
        .expect("signed with the development secret");
}

#[test]
fn help_lists_the_environment_variables_with_their_defaults() {
    for args in [&["--help"][..], &["serve", "--help"][..]] {
        let output = Command::new(env!("CARGO_BIN_EXE_orgraph"))
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&output.stdout);
        for entry in [
            "  DATABASE_URL  [default: sqlite://data/orgraph.db?mode=rwc]",
            "  ORGRAPH_LISTEN  [default: 127.0.0.1:8000]",
            "  ORGRAPH_JWT_SECRET  [default: unset]",
            "  ORGRAPH_LOG_FORMAT  [default: text]",
            "  RUST_LOG  [default: info,",
        ] {
            assert!(help.contains(entry), "{args:?} lists {entry:?}: {help}");
        }
        assert!(
            help.contains("the address the HTTP server binds"),
            "and says what each does: {help}"
        );
    }
}

#[tokio::test]
async fn migrate_fresh_destroys_nothing_without_yes_when_it_cannot_ask() {
    let test = migrated_database().await;
    orgraph::seed::demo(&test.db).await.unwrap();

    let refused = orgraph(&test.url)
        .args(["migrate", "fresh"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("destroys all its data: pass --yes"),
        "{stderr}"
    );
    assert_eq!(Organization::find().count(&test.db).await.unwrap(), 3);

    let fresh = orgraph(&test.url)
        .args(["migrate", "fresh", "--yes"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    // A connection of its own: the pool's statements were prepared on the dropped tables.
    let db = orgraph::db::connect(&test_settings(&test.url))
        .await
        .unwrap();
    assert_eq!(Organization::find().count(&db).await.unwrap(), 0);
    assert_eq!(MaturityLevel::find().count(&db).await.unwrap(), 10);
}

/// The JSON lines `orgraph serve` logged, one object each.
fn json_lines(logs: &str) -> Vec<serde_json::Value> {
    logs.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

/// The log line of the request whose id is `request_id`.
fn request_line<'a>(lines: &'a [serde_json::Value], request_id: &str) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|line| {
            line["fields"]["message"] == "request" && line["fields"]["request_id"] == request_id
        })
        .unwrap_or_else(|| panic!("no request line for {request_id}: {lines:#?}"))
}

#[tokio::test]
async fn a_request_id_round_trips_and_names_the_request_in_the_json_log() {
    let test = migrated_database().await;
    orgraph::seed::demo(&test.db).await.unwrap();
    let amara = User::find()
        .all(&test.db)
        .await
        .unwrap()
        .into_iter()
        .find(|user| user.email == "amara.okafor@northwind.example")
        .expect("the demo's owner");
    let token = orgraph::auth::token::TokenKeys::new(TEST_JWT_SECRET)
        .mint(amara.id, chrono::Duration::hours(1))
        .unwrap();
    let query = r#"query Me { viewer { name email } }"#;
    let client = reqwest::Client::new();

    let serve_logging_json = |trace_document: &str| {
        start_serving(
            orgraph(&test.url)
                .env("ORGRAPH_SEED_DEMO", "false")
                .env("ORGRAPH_JOBS", "false")
                .env("RUST_LOG", "info")
                .env("ORGRAPH_LOG_FORMAT", "json")
                .env("ORGRAPH_TRACE_GRAPHQL_DOCUMENT", trace_document),
        )
    };

    let (server, origin) = serve_logging_json("false");
    let named = client
        .post(format!("{origin}/graphql"))
        .header("x-request-id", "trace-me-1")
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), 200);
    assert_eq!(named.headers()["x-request-id"], "trace-me-1");
    let statements: u64 = named.headers()["x-orgraph-sql-statements"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let answer: serde_json::Value = named.json().await.unwrap();
    assert_eq!(answer["data"]["viewer"]["email"], amara.email.as_str());
    let unnamed = client
        .get(format!("{origin}/healthz"))
        .send()
        .await
        .unwrap();
    let made_up = unnamed.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    uuid::Uuid::parse_str(&made_up).expect("a request without an id gets a UUID");
    let (logs, clean_exit) = terminate_once_logged(server, None);
    assert!(clean_exit, "{logs}");
    let lines = json_lines(&logs);

    let line = request_line(&lines, "trace-me-1");
    let span = &line["span"];
    assert_eq!(span["name"], "HTTP request", "{line}");
    assert_eq!(span["request_id"], "trace-me-1", "{line}");
    assert_eq!(span["http.route"], "/graphql", "{line}");
    assert_eq!(span["graphql.operation.name"], "Me", "{line}");
    assert_eq!(span["graphql.operation.type"], "query", "{line}");
    assert_eq!(span["enduser.id"], amara.id.to_string().as_str(), "{line}");
    assert_eq!(span["sql.statements"], statements, "{line}");
    assert_eq!(span["http.response.status_code"], 200, "{line}");
    assert!(span["duration_ms"].as_f64().is_some(), "{line}");
    assert!(
        span.get("graphql.document").is_none(),
        "no document unless asked: {line}"
    );
    assert!(
        !logs.contains(&amara.email),
        "the viewer is named by id, never by email: {logs}"
    );
    let health = request_line(&lines, &made_up);
    assert_eq!(health["span"]["request_id"], made_up.as_str());
    assert_eq!(health["fields"]["route"], "/healthz");

    // ORGRAPH_TRACE_GRAPHQL_DOCUMENT puts the document on the span.
    let (server, origin) = serve_logging_json("true");
    let response = client
        .post(format!("{origin}/graphql"))
        .header("x-request-id", "trace-me-2")
        .json(&serde_json::json!({ "query": "{ maturityLevels { level } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (logs, clean_exit) = terminate_once_logged(server, None);
    assert!(clean_exit, "{logs}");
    let lines = json_lines(&logs);
    let span = &request_line(&lines, "trace-me-2")["span"];
    assert_eq!(span["graphql.document"], "{ maturityLevels { level } }");
    assert_eq!(span["graphql.operation.type"], "query");
    assert!(span.get("graphql.operation.name").is_none(), "anonymous");
    assert!(span.get("enduser.id").is_none(), "no token, no viewer");
}

#[tokio::test]
async fn retention_dry_run_lists_what_each_policy_would_change_and_changes_nothing() {
    let test = migrated_database().await;
    crate::rows::audit_entry().insert(&test.db).await.unwrap();
    let output = orgraph(&test.url)
        .args(["retention", "--dry-run"])
        .output()
        .expect("orgraph runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("audit_log: 1 rows would be generalized"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().count(),
        8,
        "a line per policy and change: {stdout}"
    );
    let row = AuditLog::find().one(&test.db).await.unwrap().unwrap();
    assert_eq!(
        row.ip_address.as_deref(),
        Some("203.0.113.7"),
        "a dry run wrote"
    );
    let applied = orgraph(&test.url)
        .args(["retention"])
        .output()
        .expect("orgraph runs");
    assert!(
        String::from_utf8_lossy(&applied.stdout).contains("audit_log: 1 rows were generalized")
    );
    let row = AuditLog::find().one(&test.db).await.unwrap().unwrap();
    assert_eq!(row.ip_address.as_deref(), Some("203.0.113.0/24"));
}
