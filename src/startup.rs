//! Building and running the HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::audit::Pseudonymizer;
use crate::auth::token::TokenKeys;
use crate::config::{CorsOrigins, Settings};
use crate::db::reference::Reference;
use crate::db::replica::RecentWriters;
use crate::events::broker::{Broker, BrokerSettings, Listen};
use crate::events::feed::Feeds;
use crate::events::resume::ResumeTokens;
use crate::graphql::connection::PageLimits;
use crate::graphql::executor::Executor;
use crate::graphql::limits::QueryLimits;
use crate::graphql::persisted::PersistedQueries;
use crate::graphql::schema_builder;
use crate::http::open_sockets::OpenSockets;
use crate::http::rate_limit::{RateClock, RateLimits};
use crate::jobs::{JobRunner, Schedule};
use crate::metrics::{self, Metrics};
use crate::privacy::requests::Worker;
use crate::privacy::{registry, tables};
use crate::{db, graphiql, http, seed};

pub use crate::http::graphql::STATEMENTS_HEADER;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The schema, and the documents it has parsed and validated.
    pub executor: Arc<Executor>,
    /// The primary's pool.
    pub db: DatabaseConnection,
    /// The replica's pool (`ORGRAPH_DATABASE_READ_URL`), which queries read from.
    pub read_db: Option<DatabaseConnection>,
    /// Who wrote lately, whose queries read from the primary for a while.
    pub recent_writers: Arc<RecentWriters>,
    /// Token keys, derived once from the secret.
    pub keys: Arc<TokenKeys>,
    /// The documents clients may name by hash.
    pub persisted: Arc<PersistedQueries>,
    /// The most requests a POST may batch (`ORGRAPH_BATCH_MAX`; 0: no batches).
    pub batch_max: usize,
    /// The largest body a POST may carry (`ORGRAPH_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Where the GraphiQL page loads its assets from.
    pub graphiql: graphiql::Assets,
    /// How long a request may run (`ORGRAPH_REQUEST_TIMEOUT_MS`).
    pub request_timeout: Option<Duration>,
    /// What `/metrics` shows.
    pub metrics: Arc<Metrics>,
    /// Where subscriptions hear of committed events.
    pub broker: Arc<Broker>,
    /// How websockets are kept.
    pub ws: WebSocketLimits,
    /// Every client's token buckets (`ORGRAPH_RATE_LIMIT_*`).
    pub rate_limits: Arc<RateLimits>,
    /// Whether a request's span carries its document (`ORGRAPH_TRACE_GRAPHQL_DOCUMENT`).
    pub trace_document: bool,
}

/// How websockets are kept (`ORGRAPH_WS_KEEPALIVE_SECONDS`,
/// `ORGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET`, `ORGRAPH_MAX_SOCKETS_PER_PERSON`,
/// `ORGRAPH_MAX_SOCKETS_PER_ADDRESS`), and those open.
#[derive(Debug, Clone)]
pub struct WebSocketLimits {
    /// How often the server pings.
    pub keepalive: Duration,
    /// The most operations one socket runs at once.
    pub max_operations: usize,
    /// The most sockets one person holds open.
    pub per_person: usize,
    /// The most sockets one client address holds open.
    pub per_address: usize,
    pub open: Arc<OpenSockets>,
}

/// The memory automatic persisted queries may take: the text of thousands of client queries.
const PERSISTED_QUERIES_MEMORY: u64 = 4 << 20;

/// The memory parsed documents may take: hundreds of distinct client queries.
const PARSED_DOCUMENTS_MEMORY: u64 = 16 << 20;

/// A migrated database and a bound listener, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: DatabaseConnection,
    shutdown: ShutdownSignal,
    /// The background jobs, unless `ORGRAPH_JOBS=false`.
    jobs: Option<Schedule>,
}

/// A future that resolves when the process is asked to stop.
pub type ShutdownSignal = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

impl Application {
    /// Connects, migrates, loads demo data into an empty database when asked to, and binds
    /// `ORGRAPH_LISTEN` (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::build_with_rate_clock(settings, RateClock::real()).await
    }

    /// Like [`build`](Self::build), with rate limit buckets that fill by `clock` (a test's
    /// fake one, which time passes on only when the test says).
    pub async fn build_with_rate_clock(
        settings: &Settings,
        clock: RateClock,
    ) -> anyhow::Result<Self> {
        // Before anything is stored: a strategy its column cannot take is a mistake to fix.
        registry::check(registry::PII_FIELDS, &tables::all())?;
        let db = db::connect(settings).await?;
        db::migrate(&db).await?;
        if settings.seed_demo && seed::database_is_empty(&db).await? {
            let summary = seed::demo(&db).await?;
            tracing::info!(
                rows = summary.rows,
                "loaded demo data into the empty database"
            );
        }
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on ORGRAPH_LISTEN={}", settings.listen))?;
        let reference = Reference::load(&db)
            .await
            .context("reading the reference tables")?;
        let broker = broker(settings, &db).await?;
        let metrics = Arc::new(
            Metrics::new()
                .context("the metrics registry")?
                .enabled(settings.metrics),
        );
        let feeds = Feeds {
            broker: broker.clone(),
            tokens: ResumeTokens::new(settings.resolve_jwt_secret()?.as_bytes()),
            replay_most: settings.subscription_replay_max,
            metrics: metrics.clone(),
        };
        let state = AppState {
            executor: Arc::new(executor(settings, reference, feeds)?),
            db: db.clone(),
            read_db: db::connect_replica(settings).await?,
            recent_writers: Arc::new(RecentWriters::new(settings.read_your_writes())),
            keys: Arc::new(settings.token_keys()?),
            persisted: Arc::new(persisted_queries(settings)?),
            batch_max: settings.batch_max,
            max_body_bytes: settings.max_body_bytes,
            graphiql: graphiql::Assets::from_cdn_setting(settings.graphiql_cdn),
            request_timeout: settings.request_timeout(),
            metrics,
            broker,
            ws: WebSocketLimits {
                keepalive: settings.ws_keepalive(),
                max_operations: settings.max_subscriptions_per_socket,
                per_person: settings.max_sockets_per_person,
                per_address: settings.max_sockets_per_address,
                open: Arc::default(),
            },
            rate_limits: Arc::new(RateLimits::new(&settings.rate_policy(), clock)),
            trace_document: settings.trace_graphql_document,
        };
        let worker = Worker::new(settings.resolve_jwt_secret()?.as_bytes());
        let jobs = settings.jobs.then(|| {
            Schedule::new(
                JobRunner::standard(db.clone(), worker),
                settings.jobs_interval(),
            )
        });
        Ok(Self {
            listener,
            router: router(state, &settings.cors()),
            db,
            shutdown: shutdown_signal()?,
            jobs,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The database pool the application uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves, and ticks the job scheduler beside, until SIGINT or SIGTERM; then finishes the
    /// requests and the job run in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // Dropped unsent when the server fails, which stops the scheduler all the same.
        let (stop_jobs, jobs_stopped) = tokio::sync::oneshot::channel::<()>();
        let scheduler = self.jobs.map(|schedule| {
            tokio::spawn(schedule.run_until(async move {
                jobs_stopped.await.ok();
            }))
        });
        let shutdown = self.shutdown;
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stop_jobs.send(()).ok();
            })
            .await;
        if let Some(scheduler) = scheduler
            && let Err(error) = scheduler.await
        {
            tracing::error!(%error, "the job scheduler ended abnormally");
        }
        served.context("the HTTP server failed")?;
        self.db.close().await.context("closing the database pool")?;
        Ok(())
    }
}

/// The broker `ORGRAPH_EVENTS_BROKER` asks for.
async fn broker(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<Arc<Broker>> {
    let broker = BrokerSettings {
        buffer: settings.subscription_buffer,
        catch_up: settings.events_catch_up(),
    };
    if settings.listens_to_postgres() {
        let listen = Listen::connect(&settings.database_url)
            .await
            .context("listening for events on PostgreSQL (ORGRAPH_EVENTS_BROKER)")?;
        Ok(Broker::start(db.clone(), listen, None, broker).await?)
    } else {
        Ok(Broker::in_process(db.clone(), broker).await?)
    }
}

/// The schema with the configured limits, the reference data and the subscription feeds. The
/// database is not schema data: each request brings its own counted handle inside its loaders.
fn executor(settings: &Settings, reference: Reference, feeds: Feeds) -> anyhow::Result<Executor> {
    let pseudonymizer = Pseudonymizer::new(settings.resolve_jwt_secret()?.as_bytes());
    let configured = || {
        let builder = schema_builder()
            .data(PageLimits {
                max_page_size: settings.max_page_size,
            })
            .data(pseudonymizer.clone())
            .data(reference.clone())
            .data(feeds.clone());
        if settings.introspection {
            builder
        } else {
            builder.disable_introspection()
        }
    };
    let limits = QueryLimits {
        depth: settings.max_query_depth,
        complexity: settings.max_query_complexity,
    };
    Ok(Executor::new(
        configured,
        limits,
        settings.max_list_input,
        PARSED_DOCUMENTS_MEMORY,
    ))
}

/// Automatic persisted queries, or only the allow-list's operations when
/// `ORGRAPH_PERSISTED_ONLY` is on.
fn persisted_queries(settings: &Settings) -> anyhow::Result<PersistedQueries> {
    if !settings.persisted_only {
        return Ok(PersistedQueries::automatic(PERSISTED_QUERIES_MEMORY));
    }
    let directory = settings
        .persisted_dir
        .as_deref()
        .context("ORGRAPH_PERSISTED_ONLY needs ORGRAPH_PERSISTED_DIR, the allow-list's folder")?;
    PersistedQueries::allow_list(directory).context("ORGRAPH_PERSISTED_DIR")
}

/// The routes of the API contract, with CORS for the origins `ORGRAPH_CORS_ORIGINS` names.
pub fn router(state: AppState, cors: &CorsOrigins) -> Router {
    let body_limit = DefaultBodyLimit::max(state.max_body_bytes);
    let routes = Router::new()
        .route(
            "/graphql",
            get(http::graphql::get)
                .post(http::graphql::post)
                .layer(body_limit),
        )
        .route("/exports/{id}", get(http::exports::download))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    let routes = if state.metrics.is_enabled() {
        routes
            .route("/metrics", get(metrics::scrape))
            .merge(graphiql::routes())
            .layer(middleware::from_fn_with_state(
                state.metrics.clone(),
                metrics::track,
            ))
    } else {
        routes
            .merge(graphiql::routes())
            .layer(middleware::from_fn(metrics::identify))
    };
    let routes = routes.with_state(state);
    match cors_layer(cors) {
        Some(layer) => routes.layer(layer),
        None => routes,
    }
}

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// Cross-origin requests from `origins`: GET and POST, with a token and a JSON body.
fn cors_layer(origins: &CorsOrigins) -> Option<CorsLayer> {
    let allowed = match origins {
        CorsOrigins::SameOrigin => return None,
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::Listed(origins) => AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        ),
    };
    Some(
        CorsLayer::new()
            .allow_origin(allowed)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(PREFLIGHT_MAX_AGE),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    let replica = async {
        match &state.read_db {
            Some(replica) => replica.ping().await,
            None => Ok(()),
        }
    };
    match state.db.ping().await.and(replica.await) {
        Ok(()) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(%error, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Resolves on the first SIGINT or SIGTERM. The handlers are registered when this is called,
/// not when the future is first polled, so a signal that arrives right after start-up (before
/// the server loop runs) still shuts down cleanly.
pub fn shutdown_signal() -> anyhow::Result<ShutdownSignal> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        Ok(Box::pin(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        }))
    }
    #[cfg(not(unix))]
    Ok(Box::pin(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("shutting down: finishing requests in flight");
        }
    }))
}
