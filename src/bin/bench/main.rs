//! `cargo run --release --bin bench`: orgraph under load, against hand-written SQL and, with
//! `--peer postgraphile`, against PostGraphile 5 on the same PostgreSQL database.
//!
//! Seeds its database when the data set is not there yet (`DATABASE_URL`, or a SQLite file
//! under `./data/`). Each server runs in a process of its own, so that its CPU time can be read
//! from `/proc/<pid>/stat`: orgraph and the baseline are this binary started again with the
//! hidden `serve` subcommand, PostGraphile is Node. The bench process is the load driver: it
//! drives each scenario of `benches/queries/` over real HTTP with a fixed number of connections
//! for a fixed time after a warm-up, in rounds that alternate the servers (orgraph, then the
//! peer, then the baseline), and samples the CPU time of the driven server's process and of its
//! PostgreSQL backends over each measured window. The baseline answers `lookup`, `dashboard`
//! and `members` with the fewest hand-written SQL statements, JSON built in Rust, behind the
//! same token check. BENCHMARKS.md says what each figure means.

/// A faster allocator than the system's for this allocation-heavy workload (orgraph's own
/// binary uses the same one, and so does the baseline's process, which is this binary).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod baseline;
mod check;
mod cpu;
mod driver;
mod fixture;
mod peer;
mod report;
mod servers;
mod sql;
mod subscriptions;

use std::net::SocketAddr;

use clap::{Parser, Subcommand, ValueEnum};
use orgraph::Application;
use orgraph::config::{Backend, Settings};
use uuid::Uuid;

use crate::cpu::Monitor;
use crate::driver::{Driver, Measured};
use crate::fixture::Fixture;
use crate::report::{Line, Runs};
use crate::servers::{Server, ServerKind};

/// The command line: the bench's options, or (started by the bench itself) one server to run.
#[derive(Debug, Parser)]
#[command(
    about = "Benchmark orgraph against hand-written SQL and, optionally, PostGraphile",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    args: Args,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves one of the compared servers, configured by the environment (`DATABASE_URL`,
    /// `ORGRAPH_LISTEN`, …); the bench starts it, waits for `/healthz`, and stops it.
    #[command(hide = true)]
    Serve { server: ServerKind },
}

/// Command-line options.
#[derive(Debug, clap::Args)]
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
    /// Seconds each server is measured for, per scenario and round.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of unmeasured warm-up before each measured window.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Rounds per scenario; each round runs orgraph, then the peer, then the baseline.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Only these scenarios (comma-separated: lookup, dashboard, members, nested, analytics,
    /// mutation, subscriptions; `members` includes its scaling check), e.g. to profile one.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Compare with this peer as well (PostgreSQL only; installed with npm into data/peer/).
    #[arg(long, value_enum)]
    peer: Option<PeerKind>,
    /// Each server's database pool (orgraph, the baseline, the peer). Default: 10 on
    /// PostgreSQL, the connections + 4 on SQLite.
    #[arg(long)]
    pool: Option<u32>,
    /// Leave the baseline out (each server's peak memory is its own process's either way).
    #[arg(long)]
    without_baseline: bool,
    /// Also run orgraph with `ORGRAPH_METRICS=false` (no metrics, no request spans or log
    /// lines) after orgraph in each round, and report what metrics and tracing cost.
    #[arg(long)]
    telemetry_cost: bool,
    /// `subscriptions`: websockets held open, each subscribed to one organisation's events.
    #[arg(long, default_value_t = 2000)]
    subscribers: usize,
    /// `subscriptions`: the organisations they are spread over.
    #[arg(long, default_value_t = 20)]
    subscribed_orgs: usize,
    /// `subscriptions`: renames sent over HTTP while they listen, spread over the organisations.
    #[arg(long, default_value_t = 200)]
    subscription_mutations: usize,
}

/// The peers the bench knows how to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PeerKind {
    /// PostGraphile 5 (Amber preset), from the npm registry.
    Postgraphile,
}

impl Args {
    fn runs(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|name| name == scenario)
    }
}

/// One scenario as the servers are driven through it.
pub struct Case {
    /// How the tables name it.
    pub label: String,
    /// Its query file in `benches/queries/` (and `benches/queries/postgraphile/`).
    pub query: &'static str,
    /// The page of members, for `members`.
    pub members: Option<u32>,
    /// Whether the peer has it.
    pub peer: bool,
    /// Whether the baseline has it.
    pub baseline: bool,
}

fn cases(args: &Args) -> Vec<Case> {
    let case = |label: &str, query, members, baseline| Case {
        label: label.to_owned(),
        query,
        members,
        peer: true,
        baseline,
    };
    [
        case("lookup", "lookup", None, true),
        case("dashboard", "dashboard", None, true),
        case("members", "members", Some(50), true),
        case("nested", "nested", None, false),
        // The scaling check: `members` at 10 and 200 per page (50 is `members` itself).
        case("members ×10", "members", Some(10), true),
        case("members ×200", "members", Some(200), true),
    ]
    .into_iter()
    .filter(|case| args.runs(case.query))
    .collect()
}

/// The application names the servers' database connections carry, so that the bench can find
/// each one's PostgreSQL backends in `pg_stat_activity`.
const BENCH_APPLICATION: &str = "orgraph-bench";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve { server }) => servers::serve(server).await,
        None => bench(cli.args).await,
    }
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let mut settings = Settings::from_env()?;
    if std::env::var("DATABASE_URL").is_err() {
        settings.database_url = "sqlite://data/bench.db?mode=rwc".into();
    }
    let backend = settings.backend();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.seed_demo = false;
    // The scaling check pages 200 members at a time.
    settings.max_page_size = settings.max_page_size.max(200);
    // PEERS.md: the same pool for every server compared on PostgreSQL. SQLite keeps what its
    // earlier figures (and its memory bound) were measured with.
    settings.db_max_connections = args.pool.unwrap_or(match backend {
        Backend::Postgres => 10,
        Backend::Sqlite => args.connections as u32 + 4,
    });
    if settings.jwt_secret.is_none() && backend == Backend::Postgres {
        settings.jwt_secret = Some(format!("bench-{}", Uuid::new_v4().simple()));
    }
    // The servers get the secret the tokens are minted with, whichever it is.
    settings.jwt_secret = Some(settings.resolve_jwt_secret()?);
    let keys = settings.token_keys()?;

    // The bench's own connections (seeding, the fixture, the CPU monitor) go by a name of
    // their own, so that their backends are never counted as a server's.
    let mut own = settings.clone();
    own.database_url = servers::with_application_name(&settings.database_url, BENCH_APPLICATION);
    own.db_max_connections = 4;
    let db = Application::build(&own).await?.db().clone();
    fixture::prepare(&db, &args).await?;
    let fixture = Fixture::load(&db, &keys).await?;

    let peer = match (args.peer, backend) {
        (None, _) => None,
        (Some(PeerKind::Postgraphile), Backend::Sqlite) => {
            println!("no peer: PostGraphile serves PostgreSQL only, and DATABASE_URL names SQLite");
            None
        }
        (Some(PeerKind::Postgraphile), Backend::Postgres) => peer::PostGraphile::install()?,
    };
    let orgraph = Server::start(ServerKind::Orgraph, &settings).await?;
    let bare = match args.telemetry_cost {
        true => Some(Server::start(ServerKind::OrgraphBare, &settings).await?),
        false => None,
    };
    let baseline = match args.without_baseline {
        true => None,
        false => Some(Server::start(ServerKind::Baseline, &settings).await?),
    };
    let peer = match peer {
        Some(peer) => Some(peer.start(&settings).await?),
        None => None,
    };

    println!(
        "data set: {} orgs × {} members × {} assessments (+1 org of {} members); {} connections, \
         {} s measured after {} s warm-up per server, {} round(s); pool of {} per server; {}",
        args.orgs,
        args.users_per_org,
        args.assessments_per_user,
        fixture::LARGE_ORG_MEMBERS,
        args.connections,
        args.seconds,
        args.warmup,
        args.rounds,
        settings.db_max_connections,
        match backend {
            Backend::Postgres => "PostgreSQL",
            Backend::Sqlite => "SQLite",
        },
    );
    let monitor = Monitor::new((backend == Backend::Postgres).then(|| db.clone()));
    let driver = Driver::new(args.connections, args.seconds, args.warmup);
    let servers: Vec<&Server> = [
        Some(&orgraph),
        bare.as_ref(),
        peer.as_ref(),
        baseline.as_ref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for case in &cases(&args) {
        check::same_rows(&driver, &fixture, case, &orgraph, peer.as_ref()).await;
    }
    report::print_header();
    let mut runs = Runs::default();
    for case in cases(&args) {
        for round in 1..=args.rounds {
            let mut first: Option<Measured> = None;
            for server in &servers {
                let served = match server.kind {
                    ServerKind::Orgraph | ServerKind::OrgraphBare => true,
                    ServerKind::Baseline => case.baseline,
                    ServerKind::PostGraphile => case.peer,
                };
                if !served {
                    continue;
                }
                let measured = driver
                    .measure(server, &monitor, None, |client, i| {
                        fixture.request(client, server, &case, i)
                    })
                    .await;
                let line = Line::new(&case.label, round, server.kind, measured);
                line.print(first.as_ref());
                if first.is_none() {
                    first = Some(line.measured.clone());
                }
                runs.push(line);
            }
        }
    }
    if args.runs("analytics") {
        let case = Case {
            label: "analytics".into(),
            query: "analytics",
            members: None,
            peer: false,
            baseline: false,
        };
        let measured = driver
            .measure(&orgraph, &monitor, None, |client, i| {
                fixture.request(client, &orgraph, &case, i)
            })
            .await;
        let line = Line::new(&case.label, 1, ServerKind::Orgraph, measured);
        line.print(None);
        runs.push(line);
    }
    if args.runs("mutation") {
        let submissions = fixture::prepare_submissions(&db, &fixture).await?;
        let started = chrono::Utc::now();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let measured = driver
            .measure(&orgraph, &monitor, Some(submissions.len()), |client, _| {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let id = submissions[i % submissions.len()];
                fixture.mutation(client, &orgraph, id)
            })
            .await;
        let line = Line::new("mutation", 1, ServerKind::Orgraph, measured);
        line.print(None);
        runs.push(line);
        fixture::remove_submissions(&db, &fixture, &submissions, started).await?;
    }
    if args.runs("subscriptions") {
        let load = subscriptions::Load {
            subscribers: args.subscribers,
            organizations: args.subscribed_orgs,
            mutations: args.subscription_mutations,
        };
        let organizations = fixture::organizations(&db, args.subscribed_orgs).await?;
        subscriptions::run(&orgraph, fixture.admin_token(), &organizations, &load).await?;
    }
    runs.print_summary(peer.is_some());
    if bare.is_some() {
        runs.print_telemetry_cost();
    }
    let memory: Vec<String> = servers
        .iter()
        .map(|server| {
            let peak = server
                .peak_memory_mb()
                .map_or_else(|| "unknown".into(), |mb| format!("{mb} MB"));
            format!("{} {peak}", server.kind.label())
        })
        .collect();
    println!(
        "peak memory of each server process (VmHWM): {}",
        memory.join(", ")
    );
    Ok(())
}
