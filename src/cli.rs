//! The command line: one binary, `serve` by default.

use std::io::Write as _;
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, Utc};
use clap::{Parser, Subcommand};
use entity::prelude::User;
use indicatif::{ProgressBar, ProgressStyle};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ConnectionTrait as _, DatabaseConnection, EntityTrait, QueryFilter};

use crate::audit::{self, Verification};
use crate::config::{Configuration, DEV_SECRET_PATH, Settings};
use crate::db::reference::Reference;
use crate::domain::benchmark::MIN_COHORT_SIZE;
use crate::jobs::{self, JobRunner, RunResult, Schedule};
use crate::privacy::requests::Worker;
use crate::privacy::retention::Retention;
use crate::privacy::strategy::Keys;
use crate::seed::{self, SeedSummary, SyntheticSize};
use crate::service::{benchmarks, twins};
use crate::startup::shutdown_signal;
use crate::{Application, db, graphql, telemetry};

/// Prints a line to stdout, failing the command with the write's error: a reader that closed
/// the pipe early (`orgraph audit verify | head -1`) ends it quietly (see `main`), not a panic.
macro_rules! say {
    ($($line:tt)*) => {
        writeln!(std::io::stdout(), $($line)*)?
    };
}

/// Like `say!`, without the line's end.
macro_rules! say_part {
    ($($part:tt)*) => {
        write!(std::io::stdout(), $($part)*)?
    };
}

/// orgraph: a multi-tenant GraphQL gateway for organisational intelligence.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// A TOML file of settings (keys as the variables' names without `ORGRAPH_`, in lower
    /// case: `listen = "0.0.0.0:8000"`); environment variables win over it. Without it,
    /// `orgraph.toml` in the working directory is read when it exists.
    #[arg(long, global = true, value_name = "FILE", env = crate::config::CONFIG_VARIABLE)]
    pub config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, load demo data into an empty database, and serve the API (the default).
    Serve,
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load data: the demo data set, or sized synthetic data when a size is given.
    Seed {
        /// Synthetic organisations to create.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        orgs: Option<u32>,
        /// Members of each synthetic organisation.
        #[arg(long, default_value_t = 10, requires = "orgs", value_parser = clap::value_parser!(u32).range(1..))]
        users_per_org: u32,
        /// Completed, scored assessments of each synthetic member.
        #[arg(long, default_value_t = 3, requires = "orgs")]
        assessments_per_user: u32,
    },
    /// Print a JWT for a user, for local use.
    Token {
        /// The user's email address (any case).
        #[arg(long)]
        email: String,
        /// How long the token stays valid, in hours.
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(i64).range(1..=8760))]
        ttl_hours: i64,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` must equal it.
    Schema,
    /// Print the effective configuration, secrets masked, with where each value came from.
    Config,
    /// Work with the audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Work with the digital twins.
    Twins {
        #[command(subcommand)]
        action: TwinsAction,
    },
    /// Run and inspect the background jobs.
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Apply the retention policies now (what the daily `retention` job does), or with
    /// `--dry-run` list what they would change.
    Retention {
        /// Count what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TwinsAction {
    /// Recompute twins from their assessments, each organisation in a transaction of its own:
    /// every organisation's, or one's.
    Recompute {
        /// The slug of the one organisation to recompute.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// List each job with its cadence and its latest runs.
    List,
    /// Run the due period of every job, or of JOB: with --once, now and then exit; otherwise at
    /// every tick of ORGRAPH_JOBS_INTERVAL_SECONDS until SIGINT or SIGTERM.
    Run {
        /// Run the due periods once and exit.
        #[arg(long)]
        once: bool,
        /// The job to run (all of them when left out).
        job: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Walk the hash chain; exit with an error naming the first broken row.
    Verify {
        /// `<id>:<hash>` of a row an earlier verification reported as the head: fails if it
        /// is gone, i.e. if rows were removed from the end since.
        #[arg(long)]
        anchor: Option<audit::Anchor>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the latest migrations.
    Down {
        /// How many migrations to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List the migrations and whether each is applied.
    Status,
    /// Drop every table and apply every migration again. Destroys all data: asks first when
    /// standard input is a terminal, and otherwise needs --yes.
    Fresh {
        /// Go ahead without asking.
        #[arg(long)]
        yes: bool,
    },
}

/// The command line of this process; `--help` lists the environment variables too.
pub fn parse() -> Cli {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let environment = crate::config::environment_help();
    let matches = Cli::command()
        .after_help(environment.clone())
        .mut_subcommand("serve", |serve| serve.after_help(environment))
        .get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

/// Whether `error` is a write to a pipe whose reader has gone.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|error| error.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Schema) = cli.command {
        say_part!("{}", graphql::sdl());
        return Ok(());
    }
    let configuration = Configuration::load(cli.config.as_deref())?;
    let warnings = crate::config::unknown_variables(std::env::vars().map(|(name, _)| name));
    if let Some(Command::Config) = cli.command {
        return print_configuration(&configuration, &warnings);
    }
    let settings = configuration.settings;
    // Kept to the end of the command: dropping it exports the traces still buffered.
    let _telemetry = telemetry::init(settings.log_format);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate { action } => migrate(&settings, action).await,
        Command::Seed {
            orgs,
            users_per_org,
            assessments_per_user,
        } => {
            let size = orgs.map(|orgs| SyntheticSize {
                orgs,
                users_per_org,
                assessments_per_user,
            });
            seed_command(&settings, size).await
        }
        Command::Token { email, ttl_hours } => token(&settings, &email, ttl_hours).await,
        Command::Audit {
            action: AuditAction::Verify { anchor },
        } => verify_audit(&settings, anchor).await,
        Command::Twins {
            action: TwinsAction::Recompute { org },
        } => recompute_twins(&settings, org.as_deref()).await,
        Command::Jobs { action } => jobs_command(&settings, action).await,
        Command::Retention { dry_run } => retention(&settings, dry_run).await,
        Command::Schema => unreachable!("handled before reading the settings"),
        Command::Config => unreachable!("handled before starting the telemetry"),
    }
}

/// `orgraph retention`: one line per policy and change, with the rows it touched (or, dry,
/// would touch).
async fn retention(settings: &Settings, dry_run: bool) -> anyhow::Result<()> {
    let db = db::connect(settings).await?;
    db::migrate(&db).await?;
    let keys = Keys::new(settings.resolve_jwt_secret()?.as_bytes());
    let lines = Retention::new(keys, jobs::ARCHIVE_DIR)
        .run(&db, Utc::now(), dry_run)
        .await?;
    let verb = if dry_run { "would be" } else { "were" };
    for line in lines {
        say!("{}: {} rows {verb} {}", line.entity, line.rows, line.change);
    }
    Ok(())
}

/// `orgraph config`: each setting as a line of `orgraph.toml` would set it, and where its
/// value came from.
fn print_configuration(configuration: &Configuration, warnings: &[String]) -> anyhow::Result<()> {
    say!("# orgraph's effective configuration: environment variables win over the file,");
    say!("# the file over the defaults; secrets are masked");
    for warning in warnings {
        say!("# warning: {warning}");
    }
    let lines = configuration.describe();
    let width = lines.iter().map(|(line, _)| line.len()).max().unwrap_or(0);
    for (line, origin) in lines {
        say!("{line:<width$}  # {origin}");
    }
    Ok(())
}

async fn recompute_twins(settings: &Settings, slug: Option<&str>) -> anyhow::Result<()> {
    let db = db::connect(settings).await?;
    db::migrate(&db).await?;
    let reference = Reference::load(&db).await?;
    let organizations = twins::organizations_to_recompute(&db, slug).await?;
    if let (Some(slug), true) = (slug, organizations.is_empty()) {
        anyhow::bail!("there is no organisation with the slug `{slug}`");
    }
    let started = Instant::now();
    let progress = ProgressBar::new(organizations.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} recomputing [{bar:40}] {pos}/{len} twins ({eta})")
    {
        progress.set_style(style.progress_chars("=> "));
    }
    let mut changed = 0;
    for organization in &organizations {
        let recomputed =
            twins::recompute_alone(&db, reference.scale(), *organization, Utc::now()).await?;
        changed += usize::from(recomputed.is_some_and(|recomputed| recomputed.changed));
        progress.inc(1);
    }
    progress.finish_and_clear();
    say!(
        "{} organisations recomputed in {:.2} s; {changed} twins changed",
        organizations.len(),
        started.elapsed().as_secs_f64()
    );
    let refreshed = benchmarks::refresh(&db, Utc::now()).await?;
    say!(
        "benchmarks refreshed: {} cohorts of {} or more, {} organisations placed",
        refreshed.cohorts,
        MIN_COHORT_SIZE,
        refreshed.organizations
    );
    Ok(())
}

/// How many of each job's latest runs `orgraph jobs list` shows.
const LISTED_RUNS: u64 = 5;

async fn jobs_command(settings: &Settings, action: JobsAction) -> anyhow::Result<()> {
    let db = db::connect(settings).await?;
    let worker = Worker::new(settings.resolve_jwt_secret()?.as_bytes());
    let runner = JobRunner::standard(db.clone(), worker);
    match action {
        JobsAction::List => list_jobs(&db, &runner).await,
        JobsAction::Run { once, job } => {
            db::migrate(&db).await?;
            let runner = match job {
                Some(name) => runner.only(&name)?,
                None => runner,
            };
            if once {
                run_jobs_once(&runner).await
            } else {
                Schedule::new(runner, settings.jobs_interval())
                    .run_until(shutdown_signal()?)
                    .await;
                Ok(())
            }
        }
    }
}

async fn list_jobs(db: &DatabaseConnection, runner: &JobRunner) -> anyhow::Result<()> {
    let now = Utc::now();
    for job in runner.jobs() {
        let cadence = job.cadence();
        say!(
            "{} ({cadence}, due period {})",
            job.name(),
            cadence.period_at(now).label
        );
        let runs = jobs::latest_runs(db, job.name(), LISTED_RUNS).await?;
        if runs.is_empty() {
            say!("  no runs yet");
        }
        for run in runs {
            let finished = run
                .finished_at
                .map_or_else(|| "not finished".to_owned(), |at| format!("finished {at}"));
            say_part!(
                "  {}  {:<9}  started {}  {finished}  {} rows touched",
                run.period,
                run.outcome.as_str(),
                run.started_at,
                run.rows_touched
            );
            match run.error {
                Some(error) => say!("  error: {error}"),
                None => say!(),
            }
        }
    }
    Ok(())
}

async fn run_jobs_once(runner: &JobRunner) -> anyhow::Result<()> {
    let reports = runner.run_due(Utc::now()).await?;
    let requests = runner.run_data_requests(Utc::now()).await?;
    if requests > 0 {
        say!("{requests} data requests run");
    }
    for report in &reports {
        say!("{report}");
    }
    let failed = reports
        .iter()
        .filter(|report| matches!(report.result, RunResult::Failed { .. }))
        .count();
    anyhow::ensure!(failed == 0, "{failed} of {} jobs failed", reports.len());
    Ok(())
}

async fn verify_audit(settings: &Settings, anchor: Option<audit::Anchor>) -> anyhow::Result<()> {
    let db = db::connect(settings).await?;
    match audit::verify_anchored(&db, anchor.as_ref()).await? {
        Verification::Intact { rows, head } => {
            say!("audit log intact: {rows} rows, every hash matches");
            if let Some(head) = head {
                say!(
                    "head {head} (pass it as --anchor next time to detect rows removed from the end)"
                );
            }
            Ok(())
        }
        Verification::Broken { id, reason } => {
            anyhow::bail!("audit log broken at row {id}: {reason}")
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(&settings).await?;
    let address = application.local_addr();
    tracing::info!(database = %db::redact(&settings.database_url), "database ready");
    // The server keeps serving whoever reads its output, or nobody.
    let _ = writeln!(
        std::io::stdout(),
        "orgraph is serving GraphiQL at http://{address}/graphql"
    );
    application.run_until_stopped().await
}

async fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    // How many migrations to roll back; none to apply every pending one.
    let down_steps = match action {
        MigrateAction::Fresh { yes } => {
            if !yes {
                confirm_fresh(settings)?;
            }
            return fresh(settings).await;
        }
        MigrateAction::Status => return migration_status(settings).await,
        MigrateAction::Up => None,
        MigrateAction::Down { steps } => Some(steps),
    };
    let db = db::connect(settings).await?;
    match down_steps {
        None => Migrator::up(&db, None).await?,
        Some(steps) => Migrator::down(&db, Some(steps)).await?,
    }
    say_migrations(&db).await
}

async fn migration_status(settings: &Settings) -> anyhow::Result<()> {
    let db = db::connect(settings).await?;
    for migration in Migrator::get_migration_with_status(&db).await? {
        say!(
            "{:<10} {}",
            migration.status().to_string(),
            migration.name()
        );
    }
    Ok(())
}

async fn say_migrations(db: &DatabaseConnection) -> anyhow::Result<()> {
    let applied = Migrator::get_applied_migrations(db).await?.len();
    let pending = Migrator::get_pending_migrations(db).await?.len();
    say!("migrations: {applied} applied, {pending} pending");
    Ok(())
}

/// Rolls every migration back and applies them all again: SeaORM's own `fresh` drops the
/// tables but not the functions of the audit log's triggers, so on PostgreSQL its second half
/// failed on a function that already exists. SQLite refuses to drop a table whose rows others
/// still reference (`ON DELETE RESTRICT`) while foreign keys are on, so there it runs on one
/// connection with them off for the while.
async fn fresh(settings: &Settings) -> anyhow::Result<()> {
    let sqlite = settings.backend() == crate::config::Backend::Sqlite;
    let one_connection = Settings {
        db_max_connections: 1,
        ..settings.clone()
    };
    let db = db::connect(if sqlite { &one_connection } else { settings }).await?;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    }
    Migrator::reset(&db).await?;
    Migrator::up(&db, None).await?;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    }
    say_migrations(&db).await
}

/// Asks on the terminal before `migrate fresh` destroys the database; without a terminal to
/// ask on (a script, CI), refuses: `--yes` says it in advance.
fn confirm_fresh(settings: &Settings) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    let database = db::redact(&settings.database_url);
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "migrate fresh drops every table of {database} and destroys all its data: pass --yes \
         to go ahead (standard input is not a terminal to ask on)"
    );
    let mut stderr = std::io::stderr();
    write!(
        stderr,
        "migrate fresh drops every table of {database} and destroys all its data. Type yes to go \
         ahead: "
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    anyhow::ensure!(
        answer.trim().eq_ignore_ascii_case("yes"),
        "migrate fresh not confirmed: nothing was changed"
    );
    Ok(())
}

async fn seed_command(settings: &Settings, size: Option<SyntheticSize>) -> anyhow::Result<()> {
    let db = db::connect(settings).await?;
    db::migrate(&db).await?;
    let summary = match size {
        Some(size) => seed::synthetic(&db, size, true).await?,
        None => seed::demo(&db).await?,
    };
    print_summary(&summary)?;
    Ok(())
}

fn print_summary(summary: &SeedSummary) -> anyhow::Result<()> {
    if summary.rows == 0 {
        say!("demo data already present: nothing written");
        return Ok(());
    }
    for (table, rows) in &summary.tables {
        say!("{table:<28} {rows:>9}");
    }
    say!(
        "{:<28} {:>9} rows in {:.2} s ({:.0} rows/s)",
        "total",
        summary.rows,
        summary.elapsed.as_secs_f64(),
        summary.throughput()
    );
    Ok(())
}

async fn token(settings: &Settings, email: &str, ttl_hours: i64) -> anyhow::Result<()> {
    let keys = settings.token_keys()?;
    let ttl = Duration::hours(ttl_hours);
    anyhow::ensure!(
        ttl <= keys.max_ttl(),
        "--ttl-hours {ttl_hours} is longer than the server accepts: ORGRAPH_JWT_MAX_TTL is {} s",
        keys.max_ttl().num_seconds()
    );
    let db = db::connect(settings).await?;
    let user = User::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(entity::users::Column::Email)))
                .eq(email.trim().to_lowercase()),
        )
        .one(&db)
        .await?
        .with_context(|| format!("no user has the email {email}"))?;
    say!("{}", keys.mint(user.id, ttl)?);
    // Never the secret itself: which one, so that a token a server refuses is explained.
    let secret = match &settings.jwt_secret {
        Some(_) => "ORGRAPH_JWT_SECRET".to_owned(),
        None => format!(
            "the development secret in {} (ORGRAPH_JWT_SECRET is not set): only a server \
             started without ORGRAPH_JWT_SECRET in the same folder accepts it",
            std::path::absolute(DEV_SECRET_PATH)
                .unwrap_or_else(|_| DEV_SECRET_PATH.into())
                .display()
        ),
    };
    writeln!(std::io::stderr(), "signed with {secret}")?;
    Ok(())
}
