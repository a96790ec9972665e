//! CPU time of a server's process and of its PostgreSQL backends over a measured window.
//!
//! Both come from `/proc/<pid>/stat` (utime + stime, every thread of the process included),
//! read at the window's start and end. A server's backends are the rows of `pg_stat_activity`
//! in the bench's database with the server's `application_name`; they are listed again every
//! 250 ms during the window, so that a backend that appears mid-run is counted from its start,
//! and one that exits keeps the time of its last sample. The bench's own monitoring connection
//! has a name of its own and is never counted. The postmaster's totals for its children are not
//! used: they are booked only when a backend exits.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

use crate::servers::Server;
use crate::sql::query;

/// How often the server's backends are listed and sampled during a window.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// What a window cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// CPU time of the server's process.
    pub server: Duration,
    /// CPU time of its PostgreSQL backends; `None` on SQLite.
    pub backends: Option<Duration>,
    /// How many backends served it.
    pub backend_count: usize,
}

/// Samples CPU time through the bench's own database connection.
pub struct Monitor {
    /// PostgreSQL only: where `pg_stat_activity` is read.
    db: Option<DatabaseConnection>,
    /// Clock ticks per second, the unit of `/proc/<pid>/stat`.
    ticks: u64,
}

impl Monitor {
    pub fn new(db: Option<DatabaseConnection>) -> Self {
        Self {
            db,
            ticks: clock_ticks(),
        }
    }

    /// Waits until `from`, then samples `server` until `until`.
    pub async fn watch(&self, server: &Server, from: Instant, until: Instant) -> Usage {
        tokio::time::sleep_until(from.into()).await;
        let application = server.kind.application_name();
        let process_start = process_ticks(server.pid);
        // Per backend: its ticks at the window's start (0 for one born during it), and at its
        // last sample.
        let mut backends: HashMap<u32, (u64, u64)> = HashMap::new();
        if self.db.is_some() {
            for pid in self.backends(&application).await {
                if let Some(ticks) = process_ticks(pid) {
                    backends.insert(pid, (ticks, ticks));
                }
            }
        }
        loop {
            let next = Instant::now() + SAMPLE_EVERY;
            let last = next >= until;
            tokio::time::sleep_until(next.min(until).into()).await;
            if self.db.is_some() {
                for pid in self.backends(&application).await {
                    if let Some(ticks) = process_ticks(pid) {
                        backends.entry(pid).or_insert((0, ticks)).1 = ticks;
                    }
                }
            }
            if last {
                break;
            }
        }
        let process_end = process_ticks(server.pid);
        let to_time = |ticks: u64| Duration::from_secs_f64(ticks as f64 / self.ticks as f64);
        Usage {
            server: to_time(
                process_end
                    .zip(process_start)
                    .map_or(0, |(end, start)| end.saturating_sub(start)),
            ),
            backends: self.db.is_some().then(|| {
                to_time(
                    backends
                        .values()
                        .map(|(start, last)| last.saturating_sub(*start))
                        .sum(),
                )
            }),
            backend_count: backends.len(),
        }
    }

    /// The pids of the backends connected to this database under `application`.
    async fn backends(&self, application: &str) -> Vec<u32> {
        let Some(db) = &self.db else {
            return Vec::new();
        };
        let rows = query(
            db,
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = ?",
            [application.into()],
        )
        .await
        .unwrap_or_default();
        rows.iter()
            .filter_map(|row| row.try_get_by_index::<i32>(0).ok())
            .filter_map(|pid| u32::try_from(pid).ok())
            .collect()
    }
}

/// utime + stime of process `pid`, in clock ticks; `None` once it is gone.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    // utime and stime are fields 14 and 15, the 12th and 13th after the name.
    let mut fields = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `sysconf(_SC_CLK_TCK)`, asked of `getconf`; 100 (Linux's USER_HZ) when it cannot say.
fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
}
