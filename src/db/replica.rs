//! A read replica (`ORGRAPH_DATABASE_READ_URL`): which pool a request's reads go to.
//!
//! Queries read from the replica; mutations, and every read inside one, go to the primary; so
//! do a person's queries for `ORGRAPH_READ_YOUR_WRITES_SECONDS` after a mutation of theirs on
//! this instance, so that they see what they wrote whatever the replica's lag. The viewer's
//! memberships are always read from the primary: a revoked membership stops at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::StatementCounter;

/// How many writers are remembered before those out of the window are forgotten.
const FORGET_BEYOND: usize = 10_000;

/// One request's database handles: the primary's and, when there is one, the replica's.
#[derive(Clone)]
pub struct Handles {
    pub primary: DatabaseConnection,
    pub replica: Option<DatabaseConnection>,
}

/// The statements one request sent to each pool.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub primary: StatementCounter,
    pub replica: Option<StatementCounter>,
}

impl Counters {
    /// Statements sent to the primary, and to the replica.
    pub fn get(&self) -> (u64, u64) {
        let replica = self.replica.as_ref().map_or(0, StatementCounter::get);
        (self.primary.get(), replica)
    }
}

impl Handles {
    /// Handles on `primary` and `replica` that count their statements.
    pub fn counting(
        primary: &DatabaseConnection,
        replica: Option<&DatabaseConnection>,
    ) -> (Self, Counters) {
        let (primary, on_primary) = super::counting(primary);
        let (replica, on_replica) = replica.map(super::counting).unzip();
        let counters = Counters {
            primary: on_primary,
            replica: on_replica,
        };
        (Self { primary, replica }, counters)
    }
}

/// The people who wrote lately, on this instance.
#[derive(Debug)]
pub struct RecentWriters {
    window: Duration,
    writes: Mutex<HashMap<Uuid, Instant>>,
}

impl RecentWriters {
    /// Writers are recent for `window` after their mutation.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            writes: Mutex::default(),
        }
    }

    /// `person`'s mutation committed now.
    pub fn wrote(&self, person: Uuid) {
        if self.window.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut writes = self.lock();
        if writes.len() >= FORGET_BEYOND {
            writes.retain(|_, at| now.duration_since(*at) < self.window);
        }
        writes.insert(person, now);
    }

    /// Whether `person`'s latest mutation is within the window.
    pub fn wrote_lately(&self, person: Uuid) -> bool {
        let writes = self.lock();
        writes
            .get(&person)
            .is_some_and(|at| at.elapsed() < self.window)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Instant>> {
        self.writes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_is_recent_within_the_window_and_never_with_none() {
        let writers = RecentWriters::new(Duration::from_secs(3600));
        let (writer, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(!writers.wrote_lately(writer));
        writers.wrote(writer);
        assert!(writers.wrote_lately(writer));
        assert!(!writers.wrote_lately(other));
        let none = RecentWriters::new(Duration::ZERO);
        none.wrote(writer);
        assert!(!none.wrote_lately(writer));
    }
}
