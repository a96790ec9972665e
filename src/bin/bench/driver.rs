//! The load driver: a fixed number of connections, each sending its next request as soon as
//! the last one is answered, for a warm-up and then a measured window.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orgraph::startup::STATEMENTS_HEADER;
use serde_json::Value as Json;

use crate::cpu::{Monitor, Usage};
use crate::servers::{Server, Statements};

/// Drives requests over HTTP.
pub struct Driver {
    pub client: reqwest::Client,
    connections: usize,
    measure: Duration,
    warmup: Duration,
}

/// What one server's run of one scenario measured.
#[derive(Debug, Clone)]
pub struct Measured {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    /// Sorted.
    pub latencies: Vec<Duration>,
    /// SQL statements per request, when the server tells.
    pub statements: Option<f64>,
    pub usage: Usage,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency below which `fraction` of the requests were answered, in ms.
    pub fn percentile(&self, fraction: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() - 1) as f64 * fraction).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    /// CPU milliseconds per request of the server's process.
    pub fn server_ms(&self) -> f64 {
        self.per_request(self.usage.server)
    }

    /// CPU milliseconds per request of its PostgreSQL backends.
    pub fn backends_ms(&self) -> Option<f64> {
        self.usage.backends.map(|time| self.per_request(time))
    }

    /// Both: what a request costs the machine, the load driver aside.
    pub fn total_ms(&self) -> f64 {
        self.server_ms() + self.backends_ms().unwrap_or(0.0)
    }

    fn per_request(&self, time: Duration) -> f64 {
        time.as_secs_f64() * 1000.0 / self.requests.max(1) as f64
    }
}

impl Driver {
    pub fn new(connections: usize, seconds: u64, warmup: u64) -> Self {
        Self {
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(connections)
                .build()
                .expect("an HTTP client"),
            connections,
            measure: Duration::from_secs(seconds),
            warmup: Duration::from_secs(warmup),
        }
    }

    /// Drives `server` with the requests `send` makes, while `monitor` samples its CPU time
    /// over the measured window. With a `limit` (each mutation uses up its input), at most
    /// that many requests and no warm-up.
    pub async fn measure(
        &self,
        server: &Server,
        monitor: &Monitor,
        limit: Option<usize>,
        send: impl Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Sync,
    ) -> Measured {
        let warmup = match limit {
            Some(_) => Duration::ZERO,
            None => self.warmup,
        };
        // A server that counts its statements itself is asked while it is idle, before the
        // warm-up and after the last answer: all its statements over all the requests sent.
        let counted_before = self.counter(server).await;
        let from = Instant::now() + warmup;
        let until = from + self.measure;
        let ((mut measured, sent), usage) = tokio::join!(
            self.load(&send, from, until, limit.unwrap_or(usize::MAX)),
            monitor.watch(server, from, until),
        );
        if let Statements::Counter(_) = server.statements {
            measured.statements = self
                .counter(server)
                .await
                .zip(counted_before)
                .map(|(after, before)| after.saturating_sub(before) as f64 / sent.max(1) as f64);
        }
        measured.usage = usage;
        measured
    }

    /// The running count of statements a server keeps, when it keeps one.
    async fn counter(&self, server: &Server) -> Option<u64> {
        let Statements::Counter(url) = &server.statements else {
            return None;
        };
        let response = self.client.get(url).send().await.ok()?;
        response.text().await.ok()?.trim().parse().ok()
    }

    /// What the requests sent from `measuring_from` to `deadline` measured, and how many
    /// requests were answered in all, warm-up included.
    async fn load(
        &self,
        send: &(impl Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Sync),
        measuring_from: Instant,
        deadline: Instant,
        limit: usize,
    ) -> (Measured, usize) {
        let counter = AtomicUsize::new(0);
        let workers = (0..self.connections).map(|_| async {
            let mut latencies = Vec::new();
            let (mut errors, mut statements, mut counted, mut sent) = (0, 0, true, 0);
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let i = counter.fetch_add(1, Ordering::Relaxed);
                if i >= limit {
                    break;
                }
                let outcome = send(&self.client, i).send().await;
                let took = now.elapsed();
                sent += 1;
                let measured = now >= measuring_from;
                match outcome {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let header = response
                            .headers()
                            .get(STATEMENTS_HEADER)
                            .and_then(|value| value.to_str().ok())
                            .and_then(|value| value.parse::<u64>().ok());
                        let body: Json = response.json().await.unwrap_or(Json::Null);
                        let failed = !ok || body.get("errors").is_some() || body.is_null();
                        if measured {
                            latencies.push(took);
                            counted &= header.is_some();
                            statements += header.unwrap_or_default();
                            errors += usize::from(failed);
                        }
                    }
                    Err(_) if measured => errors += 1,
                    Err(_) => {}
                }
            }
            (latencies, errors, counted.then_some(statements), sent)
        });
        let results = futures_util::future::join_all(workers).await;
        let elapsed = Instant::now()
            .min(deadline)
            .saturating_duration_since(measuring_from);
        let mut measured = Measured {
            requests: 0,
            errors: 0,
            elapsed,
            latencies: Vec::new(),
            statements: None,
            usage: Usage::default(),
        };
        let (mut statements, mut sent) = (Some(0), 0);
        for (latencies, errors, counted, answered) in results {
            measured.requests += latencies.len();
            measured.errors += errors;
            statements = statements.zip(counted).map(|(a, b)| a + b);
            sent += answered;
            measured.latencies.extend(latencies);
        }
        measured.statements =
            statements.map(|statements| statements as f64 / measured.requests.max(1) as f64);
        measured.latencies.sort();
        (measured, sent)
    }
}
