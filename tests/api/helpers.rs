//! Shared fixtures: fresh databases on the selected backend, and a running application.

use std::net::SocketAddr;

use governor::clock::FakeRelativeClock;
use orgraph::config::{LogFormat, Settings};
use orgraph::http::rate_limit::RateClock;
use orgraph::{Application, db};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, ExecResult, SqlErr};
use tempfile::TempDir;
use uuid::Uuid;

/// The environment variable naming a PostgreSQL database to create test databases beside.
pub const PG_URL_VARIABLE: &str = "ORGRAPH_TEST_PG_URL";

/// The secret test tokens are signed with.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret";

/// A database of its own for one test, gone when the test ends: a SQLite file in a temporary
/// folder, or a PostgreSQL database dropped when this is dropped.
pub struct TestDb {
    pub url: String,
    pub db: DatabaseConnection,
    /// Keeps the SQLite file alive for the test's duration.
    _folder: Option<TempDir>,
    /// Drops the PostgreSQL database when the test ends.
    _postgres: Option<PostgresDatabase>,
}

/// A PostgreSQL database made for one test, dropped with this guard (also when the test
/// panics), so that a run leaves no database per test behind.
struct PostgresDatabase {
    /// `ORGRAPH_TEST_PG_URL`: where the `DROP DATABASE` is sent from.
    admin_url: String,
    name: String,
}

/// How long dropping a test database may take before it is left for `.ci/run` to drop.
const DROP_DATABASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // The test's runtime may be the one dropping this (and may not block on a future of its
        // own), so the statement runs on a thread with a runtime of its own. `WITH (FORCE)`
        // (PostgreSQL 13+) ends the connections still open on the database, the test's pool's
        // and a server process's, instead of waiting for them.
        let admin_url = self.admin_url.clone();
        let statement = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(async {
                let drop = async {
                    let admin = sea_orm::Database::connect(admin_url.as_str()).await?;
                    let result = admin.execute_unprepared(&statement).await;
                    admin.close().await.ok();
                    result.map(|_| ())
                };
                match tokio::time::timeout(DROP_DATABASE_TIMEOUT, drop).await {
                    Ok(result) => result.map_err(|error| error.to_string()),
                    Err(_) => Err(format!("no answer within {DROP_DATABASE_TIMEOUT:?}")),
                }
            })
        })
        .join()
        .unwrap_or_else(|_| Err("the dropping thread panicked".to_owned()));
        if let Err(error) = dropped {
            eprintln!("the test database {} was not dropped: {error}", self.name);
        }
    }
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(PG_URL_VARIABLE).is_ok_and(|url| !url.is_empty())
}

/// Settings for a test: the given database, any free local port, no demo data, no background
/// jobs (a test runs the ones it needs).
pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_owned(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        jwt_secret: Some(TEST_JWT_SECRET.to_owned()),
        db_max_connections: 5,
        seed_demo: false,
        jobs: false,
        log_format: LogFormat::Text,
        // Subscribers hear of events by signal (in-process or NOTIFY), not by the broker's
        // periodic read, or a broken signal would go unnoticed.
        events_catch_up_seconds: 3600,
        ..Settings::default()
    }
}

/// An empty database (no tables) on the selected backend.
pub async fn empty_database() -> TestDb {
    let (url, folder, postgres) = match std::env::var(PG_URL_VARIABLE) {
        Ok(base) if !base.is_empty() => {
            let (url, database) = create_postgres_database(&base).await;
            (url, None, Some(database))
        }
        _ => {
            let folder = tempfile::tempdir().expect("a temporary folder");
            let url = format!("sqlite://{}/test.db?mode=rwc", folder.path().display());
            (url, Some(folder), None)
        }
    };
    let db = db::connect(&test_settings(&url))
        .await
        .expect("the test database accepts connections");
    TestDb {
        url,
        db,
        _folder: folder,
        _postgres: postgres,
    }
}

/// A database with every migration applied.
pub async fn migrated_database() -> TestDb {
    let test_db = empty_database().await;
    db::migrate(&test_db.db).await.expect("migrations apply");
    test_db
}

/// Creates `<run database>_t<random>` on the server of `base_url` and returns its URL and the
/// guard that drops it (`.ci/run` drops any left behind with the run database).
async fn create_postgres_database(base_url: &str) -> (String, PostgresDatabase) {
    let (server, run_database) = base_url
        .rsplit_once('/')
        .expect("ORGRAPH_TEST_PG_URL ends with a database name");
    let run_database = run_database.split('?').next().unwrap_or(run_database);
    let name = format!(
        "{run_database}_t{}",
        &Uuid::new_v4().simple().to_string()[..12]
    );
    let admin = sea_orm::Database::connect(base_url)
        .await
        .expect("ORGRAPH_TEST_PG_URL accepts connections");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("CREATE DATABASE for a test");
    admin.close().await.ok();
    let url = format!("{server}/{name}");
    let database = PostgresDatabase {
        admin_url: base_url.to_owned(),
        name,
    };
    (url, database)
}

/// A running application on a fresh, migrated database.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    /// The application's database, for arranging rows.
    pub db: DatabaseConnection,
    pub database_url: String,
    /// Keeps the database (and its folder) alive while the app runs; `None` for a second
    /// instance on another app's database.
    _database: Option<TestDb>,
}

impl TestApp {
    /// `http://<address><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.client.get(self.url("/metrics")).send().await;
        let response = response.expect("the server answers");
        response.text().await.expect("the exposition text")
    }

    /// POSTs a GraphQL query without credentials and returns the JSON response.
    pub async fn graphql(&self, query: &str) -> serde_json::Value {
        self.graphql_with_authorization(query, None).await
    }

    /// POSTs a GraphQL query with an optional `Authorization` header value.
    pub async fn graphql_with_authorization(
        &self,
        query: &str,
        authorization: Option<&str>,
    ) -> serde_json::Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&serde_json::json!({ "query": query }));
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        json_body(request).await
    }

    /// POSTs a GraphQL query with variables and an optional `Authorization` header value, and
    /// returns the raw response (for headers such as the statement count).
    pub async fn post_graphql(
        &self,
        query: &str,
        variables: serde_json::Value,
        authorization: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        request.send().await.expect("the server answers")
    }
}

/// Sends a request and parses its JSON body.
pub async fn json_body(request: reqwest::RequestBuilder) -> serde_json::Value {
    request
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

/// Starts the application on a random port, as `orgraph serve` would.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application with settings changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(RateClock::real(), configure).await
}

/// Starts the application with settings changed by `configure` and rate limit buckets that
/// fill only as far as the test advances `clock`.
pub async fn spawn_app_with_clock(
    clock: &FakeRelativeClock,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_app_on(RateClock::Fake(clock.clone()), configure).await
}

async fn spawn_app_on(clock: RateClock, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let database = empty_database().await;
    let mut app = start_instance(&database.url, clock, configure).await;
    app._database = Some(database);
    app
}

/// Starts an instance of the application on the database at `database_url`.
async fn start_instance(
    database_url: &str,
    clock: RateClock,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = test_settings(database_url);
    configure(&mut settings);
    let application = Application::build_with_rate_clock(&settings, clock)
        .await
        .expect("the application builds");
    let address = application.local_addr();
    let db = application.db().clone();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        database_url: database_url.to_owned(),
        _database: None,
    }
}

/// An orgraph process of its own on `database_url`, started as an operator starts one
/// (`orgraph serve`, configured by the environment); killed when dropped.
pub struct ServerProcess {
    pub app: TestApp,
    child: std::process::Child,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts [`ServerProcess`] on another app's database (`db` arranges rows in it) and waits
/// until it answers `/healthz`.
pub async fn spawn_process(database_url: &str, db: &DatabaseConnection) -> ServerProcess {
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_orgraph"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("ORGRAPH_LISTEN", address.to_string())
        .env("ORGRAPH_JWT_SECRET", TEST_JWT_SECRET)
        .env("ORGRAPH_SEED_DEMO", "false")
        .env("ORGRAPH_JOBS", "false")
        // As in test_settings: by signal only, not by the periodic read.
        .env("ORGRAPH_EVENTS_CATCH_UP_SECONDS", "3600")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("orgraph starts");
    let process = ServerProcess {
        app: TestApp {
            address,
            client: reqwest::Client::new(),
            db: db.clone(),
            database_url: database_url.to_owned(),
            _database: None,
        },
        child,
    };
    let health = process.app.url("/healthz");
    for _ in 0..600 {
        let answered = process.app.client.get(&health).send().await;
        if answered.is_ok_and(|response| response.status().is_success()) {
            return process;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("orgraph serve did not answer /healthz within 30 s");
}

/// Asserts that a CHECK constraint named `constraint` refused the statement.
pub fn assert_check_refused(result: Result<ExecResult, DbErr>, constraint: &str) {
    let error = result.expect_err(&format!("{constraint} should refuse the row"));
    let message = error.to_string();
    assert!(
        message.contains(constraint),
        "expected {constraint} to refuse the row, got: {message}"
    );
}

/// Asserts that a unique constraint refused the statement.
pub fn assert_unique_refused(result: Result<ExecResult, DbErr>) {
    let error = result.expect_err("a unique constraint should refuse the row");
    assert!(
        matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "expected a unique violation, got: {error}"
    );
}

/// Asserts that a foreign key refused the statement.
pub fn assert_foreign_key_refused(result: Result<ExecResult, DbErr>) {
    let error = result.expect_err("a foreign key should refuse the statement");
    // SQLite reports ON DELETE RESTRICT with its trigger code (1811), which SeaORM leaves
    // unclassified; the message is the same.
    assert!(
        matches!(
            error.sql_err(),
            Some(SqlErr::ForeignKeyConstraintViolation(_))
        ) || error.to_string().contains("FOREIGN KEY constraint failed"),
        "expected a foreign-key violation, got: {error}"
    );
}

/// Makes every `INSERT` into `table` fail, on either backend: a failure injected half-way
/// through whatever transaction writes there.
pub async fn refuse_inserts_into(db: &DatabaseConnection, table: &str) {
    let statements = if on_postgres() {
        vec![
            format!(
                "CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'injected failure'; END $$"
            ),
            format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION refuse_{table}()"
            ),
        ]
    } else {
        vec![format!(
            "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )]
    };
    for statement in statements {
        db.execute_unprepared(&statement)
            .await
            .expect("the trigger is created");
    }
}
