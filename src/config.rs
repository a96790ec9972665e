//! Configuration from environment variables (`ORGRAPH_*`, `DATABASE_URL`) and an optional
//! TOML file (`--config FILE`, else `orgraph.toml` in the working directory when there is
//! one), the environment winning over the file and the file over the defaults.
//!
//! Every setting has a documented default (README, "Configuration"); a malformed value stops
//! the program at start with a message that names the variable, or the key and the file.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::{Metadata, Provider, Source};
use serde::{Deserialize, Serialize};

use crate::auth::token::TokenKeys;
pub use crate::events::broker::BrokerKind;
use crate::http::rate_limit::{Policy, Rate};

/// The default database: a SQLite file under `./data/`, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/orgraph.db?mode=rwc";

/// The configuration file read when `--config` names none, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "orgraph.toml";

/// The variable that names the configuration file, like `--config`.
pub const CONFIG_VARIABLE: &str = "ORGRAPH_CONFIG";

/// Where a development JWT secret is kept when `ORGRAPH_JWT_SECRET` is not set (SQLite only).
pub const DEV_SECRET_PATH: &str = "data/dev-jwt-secret";

/// The shortest accepted `ORGRAPH_JWT_SECRET`, in bytes: HS256 wants at least 256 bits.
pub const MIN_SECRET_LEN: usize = 32;

/// The smallest `ORGRAPH_MAX_BODY_BYTES`: room for a real query.
pub const MIN_BODY_BYTES: usize = 1024;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// All settings of one orgraph process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `ORGRAPH_LISTEN`: the address the HTTP server binds, `ip:port` or `host:port`.
    #[serde(deserialize_with = "listen_address")]
    pub listen: SocketAddr,
    /// `ORGRAPH_JWT_SECRET`: the HS256 key tokens are signed with.
    pub jwt_secret: Option<String>,
    /// `ORGRAPH_JWT_ISSUER`: when set, tokens must carry this `iss`.
    pub jwt_issuer: Option<String>,
    /// `ORGRAPH_JWT_AUDIENCE`: when set, tokens must carry this `aud`.
    pub jwt_audience: Option<String>,
    /// `ORGRAPH_JWT_MAX_TTL`: the longest lifetime (`exp - iat`, in seconds) a token may have.
    pub jwt_max_ttl: u64,
    /// `ORGRAPH_DB_STATEMENT_TIMEOUT_SECONDS`: on PostgreSQL, how long one statement may run
    /// before the server stops it; 0 lets statements run as long as they take.
    pub db_statement_timeout_seconds: u64,
    /// `ORGRAPH_REQUEST_TIMEOUT_MS`: how long one GraphQL request may run before it is stopped
    /// and answered `TIMEOUT`; 0 lets requests run as long as they take.
    pub request_timeout_ms: u64,
    /// `ORGRAPH_DB_MAX_CONNECTIONS`: the size of the database pool.
    pub db_max_connections: u32,
    /// `ORGRAPH_SEED_DEMO`: whether `serve` loads demo data into an empty database.
    pub seed_demo: bool,
    /// `ORGRAPH_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `ORGRAPH_METRICS`: whether requests are counted (`GET /metrics`) and traced (a span and
    /// a log line each); `false` only to measure what that costs (the bench's
    /// `--telemetry-cost`): the answers keep their `x-request-id`.
    pub metrics: bool,
    /// `ORGRAPH_TRACE_GRAPHQL_DOCUMENT`: whether a request's span (in the logs, and in the
    /// traces exported over OTLP) carries its GraphQL document as `graphql.document`; off, as
    /// the literal arguments of a document may be personal data.
    pub trace_graphql_document: bool,
    /// `ORGRAPH_MAX_QUERY_DEPTH`: the deepest selection a query may nest.
    pub max_query_depth: usize,
    /// `ORGRAPH_MAX_QUERY_COMPLEXITY`: the most fields a query may select, multipliers included.
    pub max_query_complexity: usize,
    /// `ORGRAPH_INTROSPECTION`: whether `__schema` and `__type` answer.
    pub introspection: bool,
    /// `ORGRAPH_MAX_LIST_INPUT`: the most items any list in a request's arguments may hold.
    pub max_list_input: usize,
    /// `ORGRAPH_MAX_PAGE_SIZE`: the largest `first`/`last` (and `nodes(ids:)` length) accepted.
    pub max_page_size: u64,
    /// `ORGRAPH_JOBS`: whether `serve` runs the background jobs.
    pub jobs: bool,
    /// `ORGRAPH_JOBS_INTERVAL_SECONDS`: how often `serve` looks for due job periods.
    pub jobs_interval_seconds: u64,
    /// `ORGRAPH_CORS_ORIGINS`: the browser origins that may call the API, comma-separated
    /// (`https://app.example.com,http://localhost:5173`), or `*` for any (development only);
    /// unset, only pages of the API's own origin may.
    pub cors_origins: Option<String>,
    /// `ORGRAPH_MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `ORGRAPH_BATCH_MAX`: the most operations a POST may send as a JSON array; 0 turns
    /// batches off.
    pub batch_max: usize,
    /// `ORGRAPH_PERSISTED_ONLY`: run only the operations of the allow-list in
    /// `ORGRAPH_PERSISTED_DIR`, by hash or by their exact text.
    pub persisted_only: bool,
    /// `ORGRAPH_PERSISTED_DIR`: a folder of `.graphql` files, one operation document each.
    pub persisted_dir: Option<PathBuf>,
    /// `ORGRAPH_GRAPHIQL_CDN`: whether the GraphiQL page loads its scripts from a public CDN
    /// instead of from orgraph itself.
    pub graphiql_cdn: bool,
    /// `ORGRAPH_EVENTS_BROKER`: how subscriptions learn of committed events: `auto`
    /// (PostgreSQL `LISTEN/NOTIFY` on PostgreSQL, in-process on SQLite), `in_process` (one
    /// instance) or `postgres` (any number of instances on one database).
    pub events_broker: BrokerKind,
    /// `ORGRAPH_EVENTS_CATCH_UP_SECONDS`: how often the broker reads the outbox without being
    /// told of a commit (events written by background jobs; a notification lost).
    pub events_catch_up_seconds: u64,
    /// `ORGRAPH_SUBSCRIPTION_BUFFER`: how many events a subscriber may fall behind before its
    /// subscription ends with `SUBSCRIBER_LAGGED` (and a resume token).
    pub subscription_buffer: usize,
    /// `ORGRAPH_SUBSCRIPTION_REPLAY_MAX`: the most missed events a resume token replays;
    /// beyond, `REFETCH_REQUIRED`.
    pub subscription_replay_max: usize,
    /// `ORGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET`: the most operations one websocket runs at once.
    pub max_subscriptions_per_socket: usize,
    /// `ORGRAPH_WS_KEEPALIVE_SECONDS`: how often the server pings an open websocket.
    pub ws_keepalive_seconds: u64,
    /// `ORGRAPH_MAX_SOCKETS_PER_PERSON`: the most websockets one signed-in person holds open.
    pub max_sockets_per_person: usize,
    /// `ORGRAPH_MAX_SOCKETS_PER_ADDRESS`: the most websockets one client address holds open.
    pub max_sockets_per_address: usize,
    /// `ORGRAPH_RATE_LIMIT_QUERIES_PER_MINUTE`: the queries one client may send a minute; 0
    /// leaves queries unlimited.
    pub rate_limit_queries_per_minute: u32,
    /// `ORGRAPH_RATE_LIMIT_QUERIES_BURST`: how many queries a client may send at once (its
    /// bucket's size); 0 is the per-minute figure.
    pub rate_limit_queries_burst: u32,
    /// `ORGRAPH_RATE_LIMIT_MUTATIONS_PER_MINUTE`: as for queries, for mutations.
    pub rate_limit_mutations_per_minute: u32,
    /// `ORGRAPH_RATE_LIMIT_MUTATIONS_BURST`: as for queries, for mutations.
    pub rate_limit_mutations_burst: u32,
    /// `ORGRAPH_RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE`: as for queries, for subscriptions started.
    pub rate_limit_subscriptions_per_minute: u32,
    /// `ORGRAPH_RATE_LIMIT_SUBSCRIPTIONS_BURST`: as for queries, for subscriptions started.
    pub rate_limit_subscriptions_burst: u32,
    /// `ORGRAPH_DATABASE_READ_URL`: a read replica of `DATABASE_URL`'s database, which
    /// queries read from (not mutations, nor a person's queries just after their mutation).
    pub database_read_url: Option<String>,
    /// `ORGRAPH_READ_YOUR_WRITES_SECONDS`: how long after a person's mutation their queries
    /// still read from the primary.
    pub read_your_writes_seconds: u64,
    /// `ORGRAPH_TRUSTED_PROXIES`: the proxies (addresses and CIDR networks, comma-separated)
    /// whose `X-Forwarded-For` names the client's address.
    pub trusted_proxies: Option<String>,
}

/// Which browser origins may call the API from a page of another origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// None: the same-origin policy applies unchanged.
    SameOrigin,
    /// Any origin (`*`).
    Any,
    /// These origins, each `scheme://host[:port]`.
    Listed(Vec<String>),
}

/// Reads `ORGRAPH_CORS_ORIGINS`.
fn cors_origins(value: Option<&str>) -> Result<CorsOrigins, String> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(CorsOrigins::SameOrigin);
    };
    if value == "*" {
        return Ok(CorsOrigins::Any);
    }
    let origins: Vec<String> = value
        .split(',')
        .map(|origin| origin.trim().to_owned())
        .collect();
    for origin in &origins {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let valid = rest.is_some_and(|host| {
            !host.is_empty()
                && !host.contains('/')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        });
        if !valid {
            return Err(format!(
                "`{origin}` is not an origin: write scheme://host[:port], e.g. \
                 http://localhost:5173, without a path; or `*` alone"
            ));
        }
    }
    Ok(CorsOrigins::Listed(origins))
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
            jwt_secret: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_max_ttl: crate::auth::token::DEFAULT_MAX_TTL.num_seconds() as u64,
            db_max_connections: 10,
            db_statement_timeout_seconds: 30,
            request_timeout_ms: 30_000,
            seed_demo: true,
            log_format: LogFormat::Text,
            metrics: true,
            trace_graphql_document: false,
            max_query_depth: 15,
            max_query_complexity: 50_000,
            introspection: true,
            max_page_size: 100,
            max_list_input: 1000,
            jobs: true,
            jobs_interval_seconds: 3600,
            cors_origins: None,
            max_body_bytes: 1 << 20,
            batch_max: 0,
            persisted_only: false,
            persisted_dir: None,
            graphiql_cdn: false,
            events_broker: BrokerKind::Auto,
            events_catch_up_seconds: 5,
            subscription_buffer: 256,
            subscription_replay_max: 1000,
            max_subscriptions_per_socket: 20,
            ws_keepalive_seconds: 15,
            max_sockets_per_person: 20,
            max_sockets_per_address: 200,
            rate_limit_queries_per_minute: 0,
            rate_limit_queries_burst: 0,
            rate_limit_mutations_per_minute: 0,
            rate_limit_mutations_burst: 0,
            rate_limit_subscriptions_per_minute: 0,
            rate_limit_subscriptions_burst: 0,
            trusted_proxies: None,
            database_read_url: None,
            read_your_writes_seconds: 5,
        }
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is malformed or its value is not acceptable.
    #[error("invalid configuration: {variable}: {reason}")]
    Invalid { variable: String, reason: String },
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The settings of a process and where each came from.
pub struct Configuration {
    pub settings: Settings,
    figment: Figment,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    /// A key of this configuration file.
    File(PathBuf),
    /// This environment variable.
    Environment(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Environment(variable) => f.write_str(variable),
        }
    }
}

impl Configuration {
    /// Reads the settings: the defaults, then the configuration file `file` (or
    /// `orgraph.toml` when it is left out and that file exists), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let implicit = Path::new(DEFAULT_CONFIG_FILE);
        let file = file.or_else(|| implicit.is_file().then_some(implicit));
        let environment = Figment::new()
            .merge(Env::prefixed("ORGRAPH_").ignore(&["test_pg_url", "config"]))
            .merge(Env::raw().only(&["DATABASE_URL"]));
        Self::layered(file, environment)
    }

    /// The defaults, then `file`, then `environment`.
    fn layered(file: Option<&Path>, environment: impl Provider) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            let toml = Toml::file_exact(file);
            unknown_keys(file, &toml)?;
            figment = figment.merge(toml);
        }
        Self::from_figment(figment.merge(environment))
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(|error| {
            let key = error.path.join("_").to_lowercase();
            let origin = error
                .metadata
                .as_ref()
                .map(|metadata| origin_of(&key, metadata));
            let reason = error.kind.to_string();
            match origin {
                // The file itself did not parse.
                Some(Origin::File(path)) if key.is_empty() => ConfigError::Invalid {
                    variable: path.display().to_string(),
                    reason,
                },
                Some(origin) => ConfigError::Invalid {
                    variable: setting_name(&key, &origin),
                    reason,
                },
                None => ConfigError::Invalid {
                    variable: variable_for(&key),
                    reason,
                },
            }
        })?;
        // Validation names the variable; a value from the file is named by key and file.
        settings
            .validate()
            .map_err(|ConfigError::Invalid { variable, reason }| {
                let key = key_for(&variable);
                let variable = match figment.find_metadata(&key) {
                    Some(metadata) => setting_name(&key, &origin_of(&key, metadata)),
                    None => variable,
                };
                ConfigError::Invalid { variable, reason }
            })?;
        Ok(Self { settings, figment })
    }

    /// Where the value of the setting `key` came from.
    pub fn origin(&self, key: &str) -> Origin {
        self.figment
            .find_metadata(key)
            .map_or(Origin::Default, |metadata| origin_of(key, metadata))
    }

    /// Every setting as `key = value` with where it came from, secrets masked: what
    /// `orgraph config` prints.
    pub fn describe(&self) -> Vec<(String, Origin)> {
        let values = serde_json::to_value(&self.settings).expect("the settings serialise");
        let values = values.as_object().cloned().unwrap_or_default();
        values
            .into_iter()
            .map(|(key, value)| {
                let origin = self.origin(&key);
                let line = match masked(&key, value) {
                    serde_json::Value::Null => format!("# {key} is unset"),
                    value => format!("{key} = {value}"),
                };
                (line, origin)
            })
            .collect()
    }
}

/// A setting's value as it may be shown: no secret, no password.
fn masked(key: &str, value: serde_json::Value) -> serde_json::Value {
    match (key, value) {
        ("jwt_secret", serde_json::Value::String(_)) => "***".into(),
        ("database_url" | "database_read_url", serde_json::Value::String(url)) => {
            crate::db::redact(&url).into()
        }
        (_, value) => value,
    }
}

/// Where a value `metadata` describes came from.
fn origin_of(key: &str, metadata: &Metadata) -> Origin {
    match &metadata.source {
        Some(Source::File(path)) => Origin::File(path.clone()),
        _ if metadata.name.contains("environment variable") => {
            Origin::Environment(variable_for(key))
        }
        _ => Origin::Default,
    }
}

/// How an error names the setting `key` whose value came from `origin`.
fn setting_name(key: &str, origin: &Origin) -> String {
    match origin {
        Origin::File(path) => format!("`{key}` in {}", path.display()),
        Origin::Default | Origin::Environment(_) => variable_for(key),
    }
}

/// The settings key of a variable (`ORGRAPH_LISTEN`: `listen`).
fn key_for(variable: &str) -> String {
    variable
        .strip_prefix("ORGRAPH_")
        .unwrap_or(variable)
        .to_lowercase()
}

/// Refuses a key of the configuration file that names no setting, naming the closest one: a
/// file is orgraph's alone, so an unknown key is a mistake (a misspelled limit) that must not
/// pass unnoticed.
fn unknown_keys(file: &Path, toml: &figment::providers::Data<Toml>) -> Result<(), ConfigError> {
    let Ok(data) = toml.data() else {
        // A file that does not parse is reported, with the parser's words, by the extraction.
        return Ok(());
    };
    let known = known_keys();
    for key in data.values().flat_map(|dict| dict.keys()) {
        if !known.contains(key) {
            let reason = match closest(key, &known) {
                Some(closest) => format!("is not an orgraph setting: did you mean `{closest}`?"),
                None => "is not an orgraph setting".to_owned(),
            };
            return Err(ConfigError::Invalid {
                variable: format!("`{key}` in {}", file.display()),
                reason,
            });
        }
    }
    Ok(())
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Configuration::load(None)?.settings)
    }

    #[cfg(test)]
    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        Ok(Configuration::from_figment(figment)?.settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let backend = backend_of(&self.database_url)?;
        if let Some(url) = &self.database_read_url {
            let replica = backend_of(url).map_err(|ConfigError::Invalid { reason, .. }| {
                ConfigError::Invalid {
                    variable: "ORGRAPH_DATABASE_READ_URL".to_owned(),
                    reason,
                }
            })?;
            if replica != backend {
                return Err(ConfigError::Invalid {
                    variable: "ORGRAPH_DATABASE_READ_URL".to_owned(),
                    reason: "must name the same engine as DATABASE_URL: it is a replica of it"
                        .to_owned(),
                });
            }
        }
        if let Some(secret) = &self.jwt_secret
            && secret.len() < MIN_SECRET_LEN
        {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_JWT_SECRET".to_owned(),
                reason: format!("must be at least {MIN_SECRET_LEN} bytes long"),
            });
        }
        if self.max_page_size == 0 {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_MAX_PAGE_SIZE".to_owned(),
                reason: "must be at least 1".to_owned(),
            });
        }
        if self.jobs_interval_seconds == 0 {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_JOBS_INTERVAL_SECONDS".to_owned(),
                reason: "must be at least 1".to_owned(),
            });
        }
        cors_origins(self.cors_origins.as_deref()).map_err(|reason| ConfigError::Invalid {
            variable: "ORGRAPH_CORS_ORIGINS".to_owned(),
            reason,
        })?;
        if self.max_body_bytes < MIN_BODY_BYTES {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_MAX_BODY_BYTES".to_owned(),
                reason: format!("must be at least {MIN_BODY_BYTES}"),
            });
        }
        for (variable, value) in [
            (
                "ORGRAPH_SUBSCRIPTION_BUFFER",
                self.subscription_buffer as u64,
            ),
            (
                "ORGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET",
                self.max_subscriptions_per_socket as u64,
            ),
            ("ORGRAPH_WS_KEEPALIVE_SECONDS", self.ws_keepalive_seconds),
            (
                "ORGRAPH_EVENTS_CATCH_UP_SECONDS",
                self.events_catch_up_seconds,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    variable: variable.to_owned(),
                    reason: "must be at least 1".to_owned(),
                });
            }
        }
        if self.events_broker == BrokerKind::Postgres && self.backend() != Backend::Postgres {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_EVENTS_BROKER".to_owned(),
                reason: "`postgres` needs DATABASE_URL to name PostgreSQL".to_owned(),
            });
        }
        crate::http::rate_limit::trusted_proxies(self.trusted_proxies.as_deref()).map_err(
            |reason| ConfigError::Invalid {
                variable: "ORGRAPH_TRUSTED_PROXIES".to_owned(),
                reason,
            },
        )?;
        for (kind, per_minute, burst) in self.rates() {
            if per_minute == 0 && burst > 0 {
                return Err(ConfigError::Invalid {
                    variable: format!("ORGRAPH_RATE_LIMIT_{kind}_BURST"),
                    reason: format!(
                        "a burst needs a rate: set ORGRAPH_RATE_LIMIT_{kind}_PER_MINUTE too"
                    ),
                });
            }
        }
        if self.db_max_connections == 0 {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_DB_MAX_CONNECTIONS".to_owned(),
                reason: "must be at least 1".to_owned(),
            });
        }
        Ok(())
    }

    /// Each kind's `ORGRAPH_RATE_LIMIT_<KIND>_PER_MINUTE` and `_BURST`.
    fn rates(&self) -> [(&'static str, u32, u32); 3] {
        [
            (
                "QUERIES",
                self.rate_limit_queries_per_minute,
                self.rate_limit_queries_burst,
            ),
            (
                "MUTATIONS",
                self.rate_limit_mutations_per_minute,
                self.rate_limit_mutations_burst,
            ),
            (
                "SUBSCRIPTIONS",
                self.rate_limit_subscriptions_per_minute,
                self.rate_limit_subscriptions_burst,
            ),
        ]
    }

    /// The rate limits `ORGRAPH_RATE_LIMIT_*` and `ORGRAPH_TRUSTED_PROXIES` set.
    pub fn rate_policy(&self) -> Policy {
        let [queries, mutations, subscriptions] = self.rates().map(|(_, per_minute, burst)| {
            let per_minute = NonZeroU32::new(per_minute)?;
            let burst = NonZeroU32::new(burst).unwrap_or(per_minute);
            Some(Rate { per_minute, burst })
        });
        Policy {
            queries,
            mutations,
            subscriptions,
            trusted_proxies: crate::http::rate_limit::trusted_proxies(
                self.trusted_proxies.as_deref(),
            )
            .expect("validated when the settings were read"),
        }
    }

    /// The browser origins `ORGRAPH_CORS_ORIGINS` lets call the API.
    pub fn cors(&self) -> CorsOrigins {
        cors_origins(self.cors_origins.as_deref()).expect("validated when the settings were read")
    }

    /// The database engine `DATABASE_URL` names.
    pub fn backend(&self) -> Backend {
        backend_of(&self.database_url).expect("validated when the settings were read")
    }

    /// Whether subscriptions learn of events through PostgreSQL `LISTEN/NOTIFY`.
    pub fn listens_to_postgres(&self) -> bool {
        match self.events_broker {
            BrokerKind::Auto => self.backend() == Backend::Postgres,
            BrokerKind::InProcess => false,
            BrokerKind::Postgres => true,
        }
    }

    /// How often the broker reads the outbox unprompted.
    pub fn events_catch_up(&self) -> Duration {
        Duration::from_secs(self.events_catch_up_seconds)
    }

    /// How often the server pings an open websocket.
    pub fn ws_keepalive(&self) -> Duration {
        Duration::from_secs(self.ws_keepalive_seconds)
    }

    /// How long after a person's mutation their queries read from the primary.
    pub fn read_your_writes(&self) -> Duration {
        Duration::from_secs(self.read_your_writes_seconds)
    }

    /// How often the job scheduler ticks.
    pub fn jobs_interval(&self) -> Duration {
        Duration::from_secs(self.jobs_interval_seconds)
    }

    /// How long a request may run; `None` when unbounded.
    pub fn request_timeout(&self) -> Option<Duration> {
        (self.request_timeout_ms > 0).then(|| Duration::from_millis(self.request_timeout_ms))
    }

    /// The token keys: the secret, and the issuer and audience when configured.
    pub fn token_keys(&self) -> Result<TokenKeys, ConfigError> {
        let max_ttl = i64::try_from(self.jwt_max_ttl)
            .ok()
            .and_then(chrono::Duration::try_seconds)
            .filter(|ttl| *ttl > chrono::Duration::zero())
            .ok_or_else(|| ConfigError::Invalid {
                variable: "ORGRAPH_JWT_MAX_TTL".to_owned(),
                reason: "must be a number of seconds, at least 1".to_owned(),
            })?;
        let mut keys = TokenKeys::new(&self.resolve_jwt_secret()?).with_max_ttl(max_ttl);
        if let Some(issuer) = &self.jwt_issuer {
            keys = keys.with_issuer(issuer);
        }
        if let Some(audience) = &self.jwt_audience {
            keys = keys.with_audience(audience);
        }
        Ok(keys)
    }

    /// The JWT signing secret: `ORGRAPH_JWT_SECRET`, or on SQLite a development secret generated
    /// once and kept in `data/dev-jwt-secret`. PostgreSQL is production: there the secret must
    /// be given explicitly.
    pub fn resolve_jwt_secret(&self) -> Result<String, ConfigError> {
        if let Some(secret) = &self.jwt_secret {
            return Ok(secret.clone());
        }
        if self.backend() == Backend::Postgres {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_JWT_SECRET".to_owned(),
                reason: "must be set when DATABASE_URL names PostgreSQL".to_owned(),
            });
        }
        dev_secret(PathBuf::from(DEV_SECRET_PATH)).map_err(|error| ConfigError::Invalid {
            variable: "ORGRAPH_JWT_SECRET".to_owned(),
            reason: format!(
                "not set, and the development secret in {DEV_SECRET_PATH} is unusable: {error}"
            ),
        })
    }
}

/// The environment variable a settings key is read from.
/// An address to listen on: `ip:port`, or `host:port` with the host resolved once, at start
/// (`localhost:8000`; an IPv4 address first, when the host has one).
fn listen_address<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<SocketAddr, D::Error> {
    use serde::de::Error;
    use std::net::ToSocketAddrs;

    let text = String::deserialize(deserializer)?;
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let addresses = text
        .to_socket_addrs()
        .map_err(|error| D::Error::custom(format!("`{text}` is not host:port ({error})")))?;
    addresses
        .min_by_key(SocketAddr::is_ipv6)
        .ok_or_else(|| D::Error::custom(format!("`{text}` names no address")))
}

/// The keys of the settings, as a configuration file writes them.
fn known_keys() -> Vec<String> {
    let defaults = serde_json::to_value(Settings::default()).expect("the settings serialise");
    let keys = defaults
        .as_object()
        .into_iter()
        .flat_map(|fields| fields.keys());
    keys.cloned().collect()
}

/// The variables of settings orgraph reads: `DATABASE_URL` and `ORGRAPH_*`.
fn known_variables() -> Vec<String> {
    known_keys().iter().map(|key| variable_for(key)).collect()
}

/// The one of `known` closest to `name`, when it is close enough to be a misspelling.
fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|known| (strsim::levenshtein(known, name), known))
        .min()
        .filter(|(distance, _)| *distance <= 3)
        .map(|(_, known)| known.as_str())
}

/// Variables orgraph reads beside its settings, with their defaults and what they do.
const OTHER_VARIABLES: &[(&str, &str, &str)] = &[
    (
        "RUST_LOG",
        crate::telemetry::DEFAULT_FILTER,
        "the log filter, in `tracing` syntax (`info,orgraph=debug`).",
    ),
    (
        crate::telemetry::OTLP_ENDPOINT,
        "unset",
        "the OpenTelemetry collector traces are exported to over OTLP/HTTP \
         (`http://localhost:4318`), in a build with the `otlp` feature; the other `OTEL_*` \
         variables of the OTLP exporter apply too.",
    ),
];

/// The widest line of the environment's help.
const HELP_WIDTH: usize = 100;

/// Every variable orgraph reads, with its default and what it does, for `orgraph --help`:
/// the settings' from the doc comments of [`Settings`]' fields, so that the struct stays the
/// one list of settings.
pub fn environment_help() -> String {
    let defaults = serde_json::to_value(Settings::default()).expect("the settings serialise");
    let defaults = defaults.as_object().expect("the settings are a struct");
    let documented = field_docs(include_str!("config.rs"));
    let undocumented = defaults
        .keys()
        .filter(|key| !documented.iter().any(|(field, _)| field == *key))
        .map(|key| (key.clone(), String::new()))
        .collect::<Vec<_>>();
    let mut help = String::from("Environment variables (more in the README, \"Configuration\"):\n");
    for (field, doc) in documented.into_iter().chain(undocumented) {
        let Some(default) = defaults.get(&field) else {
            continue;
        };
        let default = match default {
            serde_json::Value::Null => "unset".to_owned(),
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        help_entry(&mut help, &variable_for(&field), &default, &doc);
    }
    for (variable, default, doc) in OTHER_VARIABLES {
        help_entry(&mut help, variable, default, doc);
    }
    help
}

/// One variable of the environment's help: its name and default, then what it does, wrapped.
fn help_entry(help: &mut String, variable: &str, default: &str, doc: &str) {
    help.push_str(&format!("  {variable}  [default: {default}]\n"));
    let mut line = String::new();
    for word in doc.split_whitespace() {
        if !line.is_empty() && 6 + line.len() + 1 + word.len() > HELP_WIDTH {
            help.push_str(&format!("      {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        help.push_str(&format!("      {line}\n"));
    }
}

/// The doc comment of each field of `pub struct Settings` in `source`, in order, without the
/// `` `VARIABLE`: `` it starts with.
fn field_docs(source: &str) -> Vec<(String, String)> {
    let body = source
        .split_once("pub struct Settings {")
        .and_then(|(_, rest)| rest.split_once("\n}"))
        .map_or("", |(body, _)| body);
    let mut fields = Vec::new();
    let mut doc: Vec<&str> = Vec::new();
    for line in body.lines().map(str::trim) {
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim());
        } else if let Some((field, _)) = line
            .strip_prefix("pub ")
            .and_then(|field| field.split_once(':'))
        {
            let text = doc.join(" ");
            let text = match text.split_once("`: ") {
                Some((variable, rest)) if variable.starts_with('`') => rest.to_owned(),
                _ => text,
            };
            fields.push((field.trim().to_owned(), text));
            doc.clear();
        }
    }
    fields
}

/// A warning for each `ORGRAPH_*` variable among `names` that is no setting, naming the
/// closest one: a misspelled setting would otherwise be ignored without a word.
pub fn unknown_variables(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let known = known_variables();
    names
        .into_iter()
        .filter(|name| {
            name.starts_with("ORGRAPH_") && name != "ORGRAPH_TEST_PG_URL" && name != CONFIG_VARIABLE
        })
        .filter(|name| !known.contains(name))
        .map(|name| match closest(&name, &known) {
            Some(known) => {
                format!("{name} is not an orgraph setting and is ignored: did you mean {known}?")
            }
            None => format!("{name} is not an orgraph setting and is ignored"),
        })
        .collect()
}

fn variable_for(key: &str) -> String {
    if key == "database_url" {
        "DATABASE_URL".to_owned()
    } else {
        format!("ORGRAPH_{}", key.to_uppercase())
    }
}

fn backend_of(url: &str) -> Result<Backend, ConfigError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(ConfigError::Invalid {
            variable: "DATABASE_URL".to_owned(),
            reason: "must start with sqlite: or postgres://".to_owned(),
        })
    }
}

/// Reads the development secret, creating it with 256 random bits when missing.
fn dev_secret(path: PathBuf) -> std::io::Result<String> {
    match std::fs::read_to_string(&path) {
        Ok(secret) if secret.trim().len() >= MIN_SECRET_LEN => Ok(secret.trim().to_owned()),
        Ok(_) => Err(std::io::Error::other("the file holds too short a secret")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
            let secret: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &secret)?;
            Ok(secret)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_from(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        for (key, value) in pairs {
            figment = figment.merge((*key, *value));
        }
        Settings::from_figment(figment)
    }

    /// A configuration file holding `text`, in a folder of its own.
    fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("orgraph.toml");
        std::fs::write(&path, text).unwrap();
        (folder, path)
    }

    #[test]
    fn a_file_sets_what_it_names_and_says_so() {
        let (_folder, path) = config_file(
            "listen = \"127.0.0.1:9100\"\nrate_limit_queries_per_minute = 600\n\
             jwt_secret = \"a-secret-from-the-file-a-secret-from\"\n\
             database_url = \"postgres://app:s3cret@db/orgraph\"\n",
        );
        let configuration = Configuration::layered(Some(&path), Figment::new()).unwrap();
        let settings = &configuration.settings;
        assert_eq!(settings.listen.port(), 9100);
        assert_eq!(settings.rate_limit_queries_per_minute, 600);
        assert_eq!(configuration.origin("listen"), Origin::File(path.clone()));
        assert_eq!(configuration.origin("max_page_size"), Origin::Default);
        let lines = configuration.describe();
        let line = |key: &str| {
            lines
                .iter()
                .find(|(line, _)| line.starts_with(&format!("{key} = ")))
                .cloned()
                .unwrap_or_else(|| panic!("{key} in {lines:?}"))
        };
        assert_eq!(
            line("jwt_secret"),
            (
                "jwt_secret = \"***\"".to_owned(),
                Origin::File(path.clone())
            )
        );
        assert_eq!(
            line("database_url").0,
            "database_url = \"postgres://app:***@db/orgraph\""
        );
        assert_eq!(
            line("max_page_size"),
            ("max_page_size = 100".to_owned(), Origin::Default)
        );
        assert!(
            lines
                .iter()
                .any(|(line, _)| line == "# jwt_issuer is unset"),
            "{lines:?}"
        );
        let text = format!("{lines:?}");
        assert!(
            !text.contains("s3cret") && !text.contains("a-secret-from"),
            "{text}"
        );
    }

    #[test]
    fn a_bad_value_in_a_file_names_the_key_and_the_file() {
        for (text, expected) in [
            ("listen = \"nowhere\"", "`listen` in"),
            ("max_page_size = 0", "`max_page_size` in"),
            ("jobs = \"maybe\"", "`jobs` in"),
            ("listn = \"127.0.0.1:1\"", "`listn` in"),
        ] {
            let (_folder, path) = config_file(text);
            let error = Configuration::layered(Some(&path), Figment::new())
                .err()
                .unwrap_or_else(|| panic!("{text} is refused"))
                .to_string();
            let named = format!("{expected} {}", path.display());
            assert!(error.contains(&named), "{text}: {error}");
        }
        let (_folder, path) = config_file("listn = \"127.0.0.1:1\"");
        let error = Configuration::layered(Some(&path), Figment::new())
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("did you mean `listen`?"),
            "{error}"
        );
        let (_folder, path) = config_file("listen = ");
        let error = Configuration::layered(Some(&path), Figment::new())
            .err()
            .unwrap();
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
        let missing = Path::new("/nonexistent/orgraph.toml");
        let error = Configuration::layered(Some(missing), Figment::new())
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("/nonexistent/orgraph.toml"),
            "{error}"
        );
    }

    #[test]
    fn defaults_are_sqlite_on_localhost() {
        let settings = settings_from(&[]).unwrap();
        assert_eq!(settings.backend(), Backend::Sqlite);
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8000");
    }

    #[test]
    fn a_host_name_is_a_listen_address() {
        let settings = settings_from(&[("listen", "localhost:8123")]).unwrap();
        assert!(settings.listen.ip().is_loopback(), "{}", settings.listen);
        assert_eq!(settings.listen.port(), 8123);
        let error = settings_from(&[("listen", "localhost")]).unwrap_err();
        assert!(error.to_string().contains("ORGRAPH_LISTEN"), "{error}");
    }

    #[test]
    fn a_misspelled_setting_is_named_with_the_closest_one() {
        let names = [
            "ORGRAPH_LISTN",
            "ORGRAPH_LISTEN",
            "ORGRAPH_TEST_PG_URL",
            "ORGRAPH_WHATEVER_ELSE",
            "PATH",
        ];
        let warnings = unknown_variables(names.map(str::to_owned));
        assert_eq!(
            warnings,
            [
                "ORGRAPH_LISTN is not an orgraph setting and is ignored: did you mean ORGRAPH_LISTEN?",
                "ORGRAPH_WHATEVER_ELSE is not an orgraph setting and is ignored",
            ]
        );
        assert!(
            unknown_variables(known_variables()).is_empty(),
            "every setting is known"
        );
    }

    #[test]
    fn the_help_names_every_setting_with_its_default_and_meaning() {
        let help = environment_help();
        for variable in known_variables() {
            let entry = help
                .split_once(&format!("  {variable}  [default: "))
                .map(|(_, entry)| entry)
                .unwrap_or_else(|| panic!("{variable} is missing from the help: {help}"));
            let mut lines = entry.lines();
            lines.next();
            let meaning = lines.next().unwrap_or_default();
            assert!(
                meaning.starts_with("      ") && meaning.trim().len() > 10,
                "{variable} says what it does: {meaning:?}"
            );
        }
        assert!(help.contains("  ORGRAPH_LISTEN  [default: 127.0.0.1:8000]\n"));
        assert!(help.contains("  ORGRAPH_CORS_ORIGINS  [default: unset]\n"));
        assert!(help.contains("  RUST_LOG  [default: info,"));
        assert!(help.lines().all(|line| line.len() <= HELP_WIDTH), "{help}");
    }

    #[test]
    fn the_readme_gives_every_setting_a_row_of_its_configuration_table() {
        let readme = include_str!("../README.md");
        for variable in known_variables() {
            assert!(
                readme.contains(&format!("\n| `{variable}` | ")),
                "README.md, \"Configuration\": no row for {variable}"
            );
        }
    }

    #[test]
    fn unknown_database_scheme_names_the_variable() {
        let error = settings_from(&[("database_url", "mysql://x")]).unwrap_err();
        assert!(error.to_string().contains("DATABASE_URL"), "{error}");
    }

    #[test]
    fn short_secret_is_refused() {
        let error = settings_from(&[("jwt_secret", "short")]).unwrap_err();
        assert!(error.to_string().contains("ORGRAPH_JWT_SECRET"), "{error}");
    }

    #[test]
    fn cors_origins_are_a_list_a_star_or_nothing() {
        let cors = |value: &str| settings_from(&[("cors_origins", value)]).map(|s| s.cors());
        assert_eq!(settings_from(&[]).unwrap().cors(), CorsOrigins::SameOrigin);
        assert_eq!(cors("*").unwrap(), CorsOrigins::Any);
        assert_eq!(
            cors("https://app.example.com, http://localhost:5173").unwrap(),
            CorsOrigins::Listed(vec![
                "https://app.example.com".to_owned(),
                "http://localhost:5173".to_owned()
            ])
        );
        for wrong in [
            "app.example.com",
            "https://app.example.com/",
            "ftp://x",
            "http://a,*",
        ] {
            let error = cors(wrong).unwrap_err().to_string();
            assert!(error.contains("ORGRAPH_CORS_ORIGINS"), "{wrong}: {error}");
        }
    }

    fn settings_with_jobs(jobs: bool, interval_seconds: u64) -> Result<Settings, ConfigError> {
        Settings::from_figment(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(("jobs", jobs))
                .merge(("jobs_interval_seconds", interval_seconds)),
        )
    }

    #[test]
    fn jobs_run_hourly_unless_switched_off() {
        let settings = settings_from(&[]).unwrap();
        assert!(settings.jobs);
        assert_eq!(settings.jobs_interval(), Duration::from_secs(3600));
        let settings = settings_with_jobs(false, 60).unwrap();
        assert!(!settings.jobs);
        assert_eq!(settings.jobs_interval(), Duration::from_secs(60));
    }

    #[test]
    fn a_zero_jobs_interval_is_refused() {
        let error = settings_with_jobs(true, 0).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("ORGRAPH_JOBS_INTERVAL_SECONDS: must be at least 1"),
            "{error}"
        );
    }

    #[test]
    fn the_broker_follows_the_database_unless_told() {
        let sqlite = settings_from(&[]).unwrap();
        assert!(!sqlite.listens_to_postgres());
        let postgres = settings_from(&[("database_url", "postgres://localhost/x")]).unwrap();
        assert!(postgres.listens_to_postgres());
        let single = settings_from(&[
            ("database_url", "postgres://localhost/x"),
            ("events_broker", "in_process"),
        ])
        .unwrap();
        assert!(!single.listens_to_postgres());
        let error = settings_from(&[("events_broker", "postgres")]).unwrap_err();
        assert!(
            error.to_string().contains("ORGRAPH_EVENTS_BROKER"),
            "{error}"
        );
        let error = settings_from(&[("subscription_buffer", "0")]).unwrap_err();
        assert!(
            error.to_string().contains("ORGRAPH_SUBSCRIPTION_BUFFER"),
            "{error}"
        );
    }

    #[test]
    fn rate_limits_are_off_unless_set_and_a_burst_defaults_to_the_rate() {
        assert_eq!(settings_from(&[]).unwrap().rate_policy(), Policy::default());
        let settings = Settings::from_figment(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(("rate_limit_queries_per_minute", 600))
                .merge(("rate_limit_mutations_per_minute", 60))
                .merge(("rate_limit_mutations_burst", 5))
                .merge(("trusted_proxies", "10.0.0.0/8")),
        )
        .unwrap();
        let policy = settings.rate_policy();
        let rate = |per_minute, burst| {
            Some(Rate {
                per_minute: NonZeroU32::new(per_minute).unwrap(),
                burst: NonZeroU32::new(burst).unwrap(),
            })
        };
        assert_eq!(policy.queries, rate(600, 600));
        assert_eq!(policy.mutations, rate(60, 5));
        assert_eq!(policy.subscriptions, None);
        assert_eq!(policy.trusted_proxies.len(), 1);
        let error = Settings::from_figment(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(("rate_limit_subscriptions_burst", 3)),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("ORGRAPH_RATE_LIMIT_SUBSCRIPTIONS_BURST: a burst needs a rate"),
            "{error}"
        );
        let error = settings_from(&[("trusted_proxies", "10.0.0.0/8, proxy")]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("ORGRAPH_TRUSTED_PROXIES: `proxy`"),
            "{error}"
        );
    }

    #[test]
    fn a_read_replica_runs_the_primary_s_engine() {
        let settings = settings_from(&[
            ("database_url", "postgres://app:pw@primary/orgraph"),
            ("database_read_url", "postgres://app:pw@replica/orgraph"),
        ])
        .unwrap();
        assert_eq!(settings.read_your_writes(), Duration::from_secs(5));
        let error = settings_from(&[("database_read_url", "postgres://replica/orgraph")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("ORGRAPH_DATABASE_READ_URL: must name the same engine"),
            "{error}"
        );
        let error = settings_from(&[("database_read_url", "mysql://replica")]).unwrap_err();
        assert!(
            error.to_string().contains("ORGRAPH_DATABASE_READ_URL"),
            "{error}"
        );
        assert_eq!(
            masked("database_read_url", "postgres://app:pw@replica/x".into()),
            "postgres://app:***@replica/x"
        );
    }

    #[test]
    fn postgres_requires_an_explicit_secret() {
        let settings = settings_from(&[("database_url", "postgres://localhost/x")]).unwrap();
        let error = settings.resolve_jwt_secret().unwrap_err();
        assert!(error.to_string().contains("ORGRAPH_JWT_SECRET"), "{error}");
    }
}
