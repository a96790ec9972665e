//! Ticking a [`JobRunner`] in the background until the process stops.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use tokio::time::MissedTickBehavior;

use super::JobRunner;

/// How often waiting data-subject requests are looked for: a person waits seconds for an
/// export, not a job interval.
pub const DATA_REQUESTS_EVERY: Duration = Duration::from_secs(5);

/// A runner and how often it looks for due periods.
pub struct Schedule {
    runner: JobRunner,
    every: Duration,
}

impl Schedule {
    /// Ticks `runner` every `every`, the first time at once.
    pub fn new(runner: JobRunner, every: Duration) -> Self {
        Self { runner, every }
    }

    /// Runs the due periods at every tick, and the waiting data-subject requests every
    /// [`DATA_REQUESTS_EVERY`], until `stop` resolves. A run in progress when it does is
    /// finished first: an abandoned run would hold its period until it went stale.
    pub async fn run_until(self, stop: impl Future<Output = ()>) {
        let mut ticks = tokio::time::interval(self.every);
        // After a long run, tick once and carry on at the usual pace, not in a burst.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut requests = tokio::time::interval(DATA_REQUESTS_EVERY);
        requests.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut stop = std::pin::pin!(stop);
        let jobs: Vec<_> = self.runner.jobs().map(|job| job.name()).collect();
        tracing::info!(
            jobs = jobs.join(", "),
            every_seconds = self.every.as_secs(),
            "job scheduler started"
        );
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = ticks.tick() => {
                    if let Err(error) = self.runner.run_due(Utc::now()).await {
                        tracing::warn!(%error, "could not run the due jobs; trying again at the next tick");
                    }
                }
                _ = requests.tick() => {
                    if let Err(error) = self.runner.run_data_requests(Utc::now()).await {
                        tracing::warn!(%error, "could not run the waiting data requests; trying again shortly");
                    }
                }
            }
        }
        tracing::info!("job scheduler stopped");
    }
}
