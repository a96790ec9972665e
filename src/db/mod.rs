//! The database: connecting to SQLite or PostgreSQL, migrating, and the reads the API makes:
//! one module per table (its tenancy condition, lookups, lists and sort keys), over a scope
//! (`scope`), the reading of rows (`read`) and keyset pages (`paging`).

pub mod analytics;
pub mod assessments;
pub mod audit;
pub mod benchmarks;
pub mod consent_types;
pub mod consents;
pub mod data_requests;
pub mod invitations;
pub mod keys;
pub mod memberships;
pub mod organizations;
pub mod paging;
pub mod read;
pub mod reference;
pub mod replica;
pub mod scope;
pub mod scores;
pub mod snapshots;
pub mod twins;
pub mod users;
pub mod viewer;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::config::{Backend, Settings};

/// Opens a connection pool for `DATABASE_URL`.
///
/// SQLite runs in WAL mode with foreign keys enforced; its file and folder are created when
/// missing.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    connect_to(settings, &settings.database_url, "DATABASE_URL").await
}

/// Opens the replica's pool for `ORGRAPH_DATABASE_READ_URL`, when it is set.
pub async fn connect_replica(settings: &Settings) -> anyhow::Result<Option<DatabaseConnection>> {
    match &settings.database_read_url {
        Some(url) => Ok(Some(
            connect_to(settings, url, "ORGRAPH_DATABASE_READ_URL").await?,
        )),
        None => Ok(None),
    }
}

/// Opens a pool for `url`, which `variable` names, with the settings' options.
async fn connect_to(
    settings: &Settings,
    url: &str,
    variable: &str,
) -> anyhow::Result<DatabaseConnection> {
    if settings.backend() == Backend::Sqlite {
        create_sqlite_folder(url)?;
    }
    let statement_timeout = format!("{}s", settings.db_statement_timeout_seconds);
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(settings.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|options| {
            options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("soft_heap_limit", SQLITE_HEAP_LIMIT.to_string())
        })
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_connect(|connection, _| Box::pin(plan_without_bound_values(connection)))
        })
        // Every statement is prepared once per connection; PostgreSQL would plan each execution
        // again whenever its estimate of the generic plan is above the custom plans' (the
        // viewer's organisations bound as an array, a parent checked once): 2.8 ms of planning
        // for a page that runs in 0.4 ms. The data layer's statements are written so that the
        // generic plan reads each page in index order (db::read::Tenancy).
        .map_sqlx_postgres_opts(move |options| {
            options.options([
                ("plan_cache_mode", "force_generic_plan"),
                // A runaway statement gives its connection back (`AppError::Timeout`).
                ("statement_timeout", statement_timeout.as_str()),
            ])
        });
    if settings.backend() == Backend::Postgres {
        // sqlx pings a connection on every checkout by default: one more round trip per
        // statement. Only a connection idle long enough to have been dropped by the server or a
        // proxy is pinged. SQLite keeps the default (its ping costs no round trip): without it,
        // a fresh-clone CI run once failed `migrations_go_up_down_and_up_again` on a table a
        // migration had just dropped, as if a pooled connection still saw the old schema (not
        // reproduced in 13 runs since; the cause is a guess).
        options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    Database::connect(options).await.with_context(|| {
        format!(
            "cannot connect to the database named by {variable} ({})",
            redact(url)
        )
    })
}

/// The memory SQLite keeps for itself in the whole process, in bytes; it gives back page cache
/// above it. Each pooled connection has a page cache of its own (2 MiB by default, and as much
/// again for temporary tables), so the bench's 20 connections took 62 MiB under `members` with
/// its 200-member pages; with this limit, 27 MiB and the same throughput (BENCHMARKS.md).
pub const SQLITE_HEAP_LIMIT: u64 = 24 << 20;

/// Turns on SQLite's query planner stability guarantee for `connection`: plans no longer
/// depend on the values bound to them. Without it SQLite 3.51 plans a page with the value
/// bound to its `LIMIT`, so every execution of a kept statement re-prepared it (`dashboard`:
/// three in ten of the bench process's samples were in `sqlite3Reprepare`).
async fn plan_without_bound_values(
    connection: &mut sea_orm::sqlx::SqliteConnection,
) -> Result<(), sea_orm::sqlx::Error> {
    use libsqlite3_sys::{SQLITE_DBCONFIG_ENABLE_QPSG, SQLITE_OK, sqlite3_db_config};
    let mut handle = connection.lock_handle().await?;
    // SAFETY: the handle is this open connection's, locked against its worker thread for the
    // call; this option takes an int and an optional `int *` for the previous setting.
    let status = unsafe {
        sqlite3_db_config(
            handle.as_raw_handle().as_ptr(),
            SQLITE_DBCONFIG_ENABLE_QPSG,
            1,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if status == SQLITE_OK {
        Ok(())
    } else {
        Err(sea_orm::sqlx::Error::Configuration(
            format!("SQLite refused its query planner setting (status {status})").into(),
        ))
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("database migration failed")
}

/// Counts the SQL statements sent through one handle.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements sent so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A handle on the same pool whose statements are counted. SeaORM keeps its metric callback
/// per handle, so each request gets an exact count of its own statements, loaders included.
pub fn counting(db: &DatabaseConnection) -> (DatabaseConnection, StatementCounter) {
    let counter = StatementCounter::default();
    let mut handle = db.clone();
    let count = counter.0.clone();
    handle.set_metric_callback(move |_| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    (handle, counter)
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the database folder {}", folder.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::{Settings, connect, redact};

    /// The data layer's modules and their code, tests left out.
    fn sources() -> BTreeMap<String, String> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db");
        std::fs::read_dir(&folder)
            .expect("src/db")
            .map(|entry| entry.expect("an entry").path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
            .map(|path| {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let source = std::fs::read_to_string(&path).expect("a source file");
                let code = source.split("#[cfg(test)]").next().unwrap_or_default();
                (name, code.to_owned())
            })
            .collect()
    }

    #[test]
    fn the_data_layer_reads_one_way() {
        let sources = sources();
        let modules: BTreeSet<&str> = sources.keys().map(String::as_str).collect();
        let mut left: BTreeMap<&str, BTreeSet<&str>> = sources
            .iter()
            .map(|(name, code)| {
                let imported = modules
                    .iter()
                    .copied()
                    .filter(|other| *other != name && *other != "mod")
                    .filter(|other| {
                        code.contains(&format!("super::{other}"))
                            || code.contains(&format!("crate::db::{other}"))
                    })
                    .collect();
                (name.as_str(), imported)
            })
            .collect();
        // Taking away, one after another, the modules that import none of those left must
        // take them all; what remains imports itself round a cycle.
        while let Some(leaf) = left
            .iter()
            .find(|(_, imported)| imported.iter().all(|module| !left.contains_key(module)))
            .map(|(name, _)| *name)
        {
            left.remove(leaf);
        }
        assert!(left.is_empty(), "modules importing each other: {left:?}");
    }

    #[test]
    fn the_data_layer_knows_nothing_of_graphql_but_its_loader_trait() {
        for (module, code) in sources() {
            for line in code.lines().filter(|line| line.contains("async_graphql")) {
                assert_eq!(
                    line.trim(),
                    "use async_graphql::dataloader::Loader;",
                    "{module}"
                );
            }
        }
    }

    #[tokio::test]
    async fn sqlite_connections_plan_without_bound_values() {
        use libsqlite3_sys::{SQLITE_DBCONFIG_ENABLE_QPSG, SQLITE_OK, sqlite3_db_config};
        let folder = tempfile::tempdir().expect("a temporary folder");
        let settings = Settings {
            database_url: format!("sqlite://{}/planner.db", folder.path().display()),
            ..Settings::default()
        };
        let db = connect(&settings).await.expect("connects");
        let mut connection = db
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .expect("a pooled connection");
        let mut handle = connection.lock_handle().await.expect("the handle");
        let mut enabled: std::ffi::c_int = -1;
        // SAFETY: an open, locked connection; -1 reads the setting without changing it.
        let status = unsafe {
            sqlite3_db_config(
                handle.as_raw_handle().as_ptr(),
                SQLITE_DBCONFIG_ENABLE_QPSG,
                -1,
                &mut enabled,
            )
        };
        assert_eq!((status, enabled), (SQLITE_OK, 1));
    }

    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/orgraph"),
            "postgres://app:***@db:5432/orgraph"
        );
        assert_eq!(
            redact("sqlite://data/orgraph.db"),
            "sqlite://data/orgraph.db"
        );
    }
}
