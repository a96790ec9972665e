//! The compared servers, each in a process of its own: started, waited for, stopped.
//!
//! orgraph and the baseline are this binary started again as `bench serve orgraph|baseline`,
//! configured by the environment exactly like `orgraph serve` (`DATABASE_URL`,
//! `ORGRAPH_LISTEN`, `ORGRAPH_JWT_SECRET`, …) on a port the bench chose; the bench waits for
//! `/healthz`. Each server's database connections carry an `application_name` of their own.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use orgraph::Application;
use orgraph::config::Settings;

use crate::BENCH_APPLICATION;

/// Which server a process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServerKind {
    Orgraph,
    /// orgraph with `ORGRAPH_METRICS=false`: no metrics, no request spans or log lines.
    OrgraphBare,
    Baseline,
    #[value(skip)]
    PostGraphile,
}

impl ServerKind {
    pub fn label(self) -> &'static str {
        match self {
            ServerKind::Orgraph => "orgraph",
            ServerKind::OrgraphBare => "orgraph-bare",
            ServerKind::Baseline => "baseline",
            ServerKind::PostGraphile => "postgraphile",
        }
    }

    /// The `application_name` of this server's database connections.
    pub fn application_name(self) -> String {
        format!("{BENCH_APPLICATION}-{}", self.label())
    }
}

/// How a server's SQL statements are counted.
pub enum Statements {
    /// Per response, in orgraph's `x-orgraph-sql-statements` header.
    Header,
    /// A running total the server answers at this URL.
    Counter(String),
}

/// A running server process; stopped when dropped, and by itself when the bench's end of its
/// standard input closes.
pub struct Server {
    pub kind: ServerKind,
    /// Where requests go: the GraphQL endpoint, or the baseline's root.
    pub url: String,
    pub pid: u32,
    pub statements: Statements,
    child: Child,
}

impl Server {
    /// Starts orgraph or the baseline with `settings` on a free port, and waits until it
    /// answers `/healthz`.
    pub async fn start(kind: ServerKind, settings: &Settings) -> anyhow::Result<Self> {
        let address = free_address()?;
        let url = with_application_name(&settings.database_url, &kind.application_name());
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", kind.label()])
            .env("DATABASE_URL", url)
            .env("ORGRAPH_LISTEN", address.to_string())
            .env(
                "ORGRAPH_JWT_SECRET",
                settings.jwt_secret.as_deref().unwrap_or_default(),
            )
            .env("ORGRAPH_SEED_DEMO", "false")
            // A server measured does no background work of its own.
            .env("ORGRAPH_JOBS", "false")
            .env(
                "ORGRAPH_DB_MAX_CONNECTIONS",
                settings.db_max_connections.to_string(),
            )
            .env("ORGRAPH_MAX_PAGE_SIZE", settings.max_page_size.to_string())
            // The `subscriptions` scenario's sockets are all one person's, from one address.
            .env("ORGRAPH_MAX_SOCKETS_PER_PERSON", "100000")
            .env("ORGRAPH_MAX_SOCKETS_PER_ADDRESS", "100000")
            .env(
                "ORGRAPH_METRICS",
                (kind != ServerKind::OrgraphBare).to_string(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            // orgraph logs a line per request, as deployed; written, and not read.
            .stderr(match kind {
                ServerKind::Orgraph | ServerKind::OrgraphBare => Stdio::null(),
                _ => Stdio::inherit(),
            })
            .spawn()
            .with_context(|| format!("starting {}", kind.label()))?;
        let mut server = Server {
            kind,
            url: match kind {
                ServerKind::Orgraph | ServerKind::OrgraphBare => {
                    format!("http://{address}/graphql")
                }
                _ => format!("http://{address}"),
            },
            pid: child.id(),
            statements: Statements::Header,
            child,
        };
        let health = format!("http://{address}/healthz");
        server
            .wait_until_ready(Duration::from_secs(120), |client| client.get(&health))
            .await?;
        Ok(server)
    }

    /// A server already started by the caller, as `child`.
    pub fn started(kind: ServerKind, url: String, statements: Statements, child: Child) -> Self {
        Self {
            kind,
            url,
            pid: child.id(),
            statements,
            child,
        }
    }

    /// Waits until `probe` answers with a success, or fails when the process exits or
    /// `timeout` passes.
    pub async fn wait_until_ready(
        &mut self,
        timeout: Duration,
        probe: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "{} exited before it was ready ({status})",
                    self.kind.label()
                );
            }
            if let Ok(response) = probe(&client).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > timeout {
                anyhow::bail!(
                    "{} did not answer within {} s",
                    self.kind.label(),
                    timeout.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The process's peak resident memory (VmHWM), in MB.
    pub fn peak_memory_mb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let kb: u64 = status
            .lines()
            .find(|line| line.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Killed, not asked: nothing of a server's state outlives the bench.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Exits when standard input closes. The bench holds each server's stdin open while it runs,
/// so a server does not outlive it, however the bench ends (even killed, with no chance to
/// stop its children).
fn stop_with_the_bench() {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
}

/// A free port on the loopback interface, for a server to bind next.
pub fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?)
}

/// `url` with `application_name=name` (PostgreSQL; a SQLite URL is returned as it is). sqlx
/// and node-postgres both read the parameter from the URL.
pub fn with_application_name(url: &str, name: &str) -> String {
    if url.starts_with("sqlite:") {
        return url.to_owned();
    }
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parameters: Vec<&str> = query
        .split('&')
        .filter(|parameter| !parameter.is_empty() && !parameter.starts_with("application_name="))
        .collect();
    let named = format!("application_name={name}");
    parameters.push(&named);
    format!("{base}?{}", parameters.join("&"))
}

/// `bench serve orgraph|baseline`: one server, configured by the environment.
pub async fn serve(kind: ServerKind) -> anyhow::Result<()> {
    stop_with_the_bench();
    let settings = Settings::from_env()?;
    match kind {
        // What `orgraph serve` does, its logs included.
        ServerKind::Orgraph | ServerKind::OrgraphBare => {
            let _telemetry = orgraph::telemetry::init(settings.log_format);
            Application::build(&settings)
                .await?
                .run_until_stopped()
                .await
        }
        ServerKind::Baseline => {
            // A pool made exactly like orgraph's, on a connection that was migrated the same
            // way; the application's own listener is not used.
            let mut pool_settings = settings.clone();
            pool_settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
            let db = Application::build(&pool_settings).await?.db().clone();
            crate::baseline::serve(db, settings.token_keys()?, settings.listen).await
        }
        ServerKind::PostGraphile => anyhow::bail!("PostGraphile is not this binary"),
    }
}
