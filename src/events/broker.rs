//! The broker: one dispatcher per instance reads committed events from the `events` outbox in
//! sequence order and broadcasts them to this instance's subscribers. What wakes it is a
//! [`Signal`]: in-process (a mutation of this instance says it committed) for one instance or
//! SQLite, or PostgreSQL `LISTEN` for several instances on one database. A notification only
//! says that something was committed; the dispatcher always reads from the last sequence it
//! dispatched, so a lost notification or a dropped listener connection loses nothing, and a
//! periodic read catches up on events written without a signal (background jobs).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::events;
use sea_orm::DatabaseConnection;
use sea_orm::sqlx::postgres::PgListener;
use tokio::sync::{Notify, broadcast};

/// A committed event, shared by every subscriber that receives it.
pub type Event = Arc<events::Model>;

/// The most events one read of the outbox takes.
const READ_BATCH: u64 = 500;

/// How long a failed listener waits before it listens again.
const RELISTEN_DELAY: Duration = Duration::from_secs(1);

/// What wakes the dispatcher: events may have been committed.
pub trait Signal: Send + 'static {
    /// Waits for the next sign of committed events (a reconnection counts: events may have
    /// been missed while the connection was down).
    fn committed(&mut self) -> impl Future<Output = ()> + Send;
}

/// The in-process signal: this instance's mutations notify it after they commit.
pub struct InProcess(Arc<Notify>);

impl Signal for InProcess {
    async fn committed(&mut self) {
        self.0.notified().await;
    }
}

/// PostgreSQL `LISTEN` on a dedicated connection, which sqlx re-establishes by itself.
pub struct Listen(PgListener);

impl Listen {
    /// Listens on [`super::CHANNEL`] of the database at `url`.
    pub async fn connect(url: &str) -> Result<Self, sea_orm::sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(super::CHANNEL).await?;
        Ok(Self(listener))
    }
}

impl Signal for Listen {
    async fn committed(&mut self) {
        // `Ok(None)`: the connection was lost and is being re-established; read anyway.
        if let Err(error) = self.0.try_recv().await {
            tracing::warn!(%error, "the events listener failed; listening again");
            tokio::time::sleep(RELISTEN_DELAY).await;
        }
    }
}

/// How the dispatcher runs.
#[derive(Debug, Clone, Copy)]
pub struct BrokerSettings {
    /// How many events a subscriber may fall behind before it is told it lagged.
    pub buffer: usize,
    /// How often the dispatcher reads the outbox without a signal.
    pub catch_up: Duration,
}

/// Which signal the broker uses (`ORGRAPH_EVENTS_BROKER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerKind {
    /// PostgreSQL `LISTEN/NOTIFY` on PostgreSQL, in-process on SQLite.
    Auto,
    /// Only this instance's own mutations: one instance.
    InProcess,
    /// PostgreSQL `LISTEN/NOTIFY`: any number of instances on one database.
    Postgres,
}

/// This instance's subscribers' source of events.
pub struct Broker {
    /// Sends and the dispatched position change together, so a new subscriber learns exactly
    /// where its receiver starts.
    dispatched: Mutex<Dispatched>,
    /// Set for the in-process signal: what this instance's mutations notify.
    local: Option<Arc<Notify>>,
}

struct Dispatched {
    sender: broadcast::Sender<Event>,
    /// The sequence of the last event dispatched.
    sequence: i64,
}

/// A new subscriber's receiver and the sequence of the last event it will not receive.
pub struct Subscription {
    pub receiver: broadcast::Receiver<Event>,
    pub position: i64,
}

impl Broker {
    /// Starts the dispatcher over `db` with `signal`, from the latest event.
    pub async fn start(
        db: DatabaseConnection,
        signal: impl Signal,
        local: Option<Arc<Notify>>,
        settings: BrokerSettings,
    ) -> Result<Arc<Self>, sea_orm::DbErr> {
        let sequence = super::latest_sequence(&db, None).await?;
        let (sender, _) = broadcast::channel(settings.buffer.max(1));
        let broker = Arc::new(Self {
            dispatched: Mutex::new(Dispatched { sender, sequence }),
            local,
        });
        tokio::spawn(dispatch(
            Arc::downgrade(&broker),
            db,
            signal,
            settings.catch_up,
        ));
        Ok(broker)
    }

    /// An in-process broker.
    pub async fn in_process(
        db: DatabaseConnection,
        settings: BrokerSettings,
    ) -> Result<Arc<Self>, sea_orm::DbErr> {
        let notify = Arc::new(Notify::new());
        Self::start(db, InProcess(notify.clone()), Some(notify), settings).await
    }

    /// A receiver of every event dispatched from now on.
    pub fn subscribe(&self) -> Subscription {
        let dispatched = self.lock();
        Subscription {
            receiver: dispatched.sender.subscribe(),
            position: dispatched.sequence,
        }
    }

    /// Says that this instance committed events (a no-op when PostgreSQL tells instead).
    pub fn committed(&self) {
        if let Some(local) = &self.local {
            local.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Dispatched> {
        self.dispatched
            .lock()
            .expect("the broker lock is never poisoned")
    }

    /// Broadcasts `rows`, in order.
    fn dispatch(&self, rows: Vec<events::Model>) {
        let mut dispatched = self.lock();
        for row in rows {
            dispatched.sequence = row.sequence;
            // No receivers is not an error: nobody is subscribed.
            let _ = dispatched.sender.send(Arc::new(row));
        }
    }

    fn sequence(&self) -> i64 {
        self.lock().sequence
    }
}

/// Reads and broadcasts new events whenever `signal` fires (and every `catch_up`), until the
/// broker is dropped.
async fn dispatch(
    broker: std::sync::Weak<Broker>,
    db: DatabaseConnection,
    mut signal: impl Signal,
    catch_up: Duration,
) {
    loop {
        tokio::select! {
            () = signal.committed() => {}
            () = tokio::time::sleep(catch_up) => {}
        }
        loop {
            let Some(broker) = broker.upgrade() else {
                return;
            };
            match super::after(&db, broker.sequence(), None, READ_BATCH).await {
                Ok(rows) => {
                    let full = rows.len() as u64 == READ_BATCH;
                    broker.dispatch(rows);
                    if !full {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "reading the events outbox failed");
                    break;
                }
            }
        }
    }
}
