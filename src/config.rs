//! Configuration from environment variables (`ORGRAPH_*`, `DATABASE_URL`).
//!
//! Every setting has a documented default (README, "Configuration"); a malformed value stops
//! the program at start with a message that names the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Serialized};
use serde::{Deserialize, Serialize};

use crate::auth::token::TokenKeys;
pub use crate::events::broker::BrokerKind;

/// The default database: a SQLite file under `./data/`, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/orgraph.db?mode=rwc";

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

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_figment(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(Env::prefixed("ORGRAPH_").ignore(&["test_pg_url"]))
                .merge(Env::raw().only(&["DATABASE_URL"])),
        )
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(|error| {
            let key = error.path.join("_").to_lowercase();
            ConfigError::Invalid {
                variable: variable_for(&key),
                reason: error.kind.to_string(),
            }
        })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        backend_of(&self.database_url)?;
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
        if self.db_max_connections == 0 {
            return Err(ConfigError::Invalid {
                variable: "ORGRAPH_DB_MAX_CONNECTIONS".to_owned(),
                reason: "must be at least 1".to_owned(),
            });
        }
        Ok(())
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

/// The variables of settings orgraph reads: `DATABASE_URL` and `ORGRAPH_*`.
fn known_variables() -> Vec<String> {
    let defaults = serde_json::to_value(Settings::default()).expect("the settings serialise");
    let keys = defaults
        .as_object()
        .into_iter()
        .flat_map(|fields| fields.keys());
    keys.map(|key| variable_for(key)).collect()
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
        .filter(|name| name.starts_with("ORGRAPH_") && name != "ORGRAPH_TEST_PG_URL")
        .filter(|name| !known.contains(name))
        .map(|name| {
            let closest = known
                .iter()
                .map(|known| (strsim::levenshtein(known, &name), known))
                .min();
            match closest {
                Some((distance, known)) if distance <= 3 => {
                    format!(
                        "{name} is not an orgraph setting and is ignored: did you mean {known}?"
                    )
                }
                _ => format!("{name} is not an orgraph setting and is ignored"),
            }
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
    fn postgres_requires_an_explicit_secret() {
        let settings = settings_from(&[("database_url", "postgres://localhost/x")]).unwrap();
        let error = settings.resolve_jwt_secret().unwrap_err();
        assert!(error.to_string().contains("ORGRAPH_JWT_SECRET"), "{error}");
    }
}
