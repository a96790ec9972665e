//! Logs and traces with `tracing`. Logs go to standard error, filtered by `RUST_LOG`, as text or
//! JSON lines. Each HTTP request runs in a span of its own ([`request_span`]) that carries its
//! id, and once known its GraphQL operation, viewer, duration and SQL statement count; every
//! log line written while it runs carries them too. With the `otlp` feature and
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, the spans (requests, and SeaORM's span per SQL statement
//! beneath them) are also exported over OTLP, named as the OpenTelemetry semantic conventions
//! for HTTP and GraphQL have them.

use std::io::IsTerminal as _;

use axum::http::HeaderMap;
use tracing::field::Empty;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::LogFormat;

/// The filter used when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";

/// The variable that names the OTLP collector traces are exported to.
pub const OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The span a request's GraphQL operation is recorded on.
const REQUEST_SPAN: &str = "HTTP request";

/// Keeps the trace exporter (if any) running; dropping it sends the spans still buffered.
#[must_use = "traces are exported only while the guard lives"]
pub struct Telemetry {
    #[cfg(feature = "otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("the last traces could not be exported: {error}");
        }
    }
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(format: LogFormat) -> Telemetry {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal: none in a file, a pipe or a log shipper.
        .with_ansi(colours());
    let logs: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Text => Box::new(lines.with_filter(filter)),
        // The request's span once (`span`), not again in the list of spans it sits in.
        LogFormat::Json => Box::new(lines.json().with_span_list(false).with_filter(filter)),
    };
    let registry = tracing_subscriber::registry().with(logs);
    #[cfg(feature = "otlp")]
    {
        let (traces, provider) = otlp::layer();
        let _already_installed = registry.with(traces).try_init();
        Telemetry { provider }
    }
    #[cfg(not(feature = "otlp"))]
    {
        let _already_installed = registry.try_init();
        if std::env::var_os(OTLP_ENDPOINT).is_some_and(|endpoint| !endpoint.is_empty()) {
            tracing::warn!(
                "{OTLP_ENDPOINT} is set, but this orgraph was built without the `otlp` feature: \
                 no traces are exported (cargo build --release --features otlp)"
            );
        }
        Telemetry {}
    }
}

/// Whether log lines may be coloured: standard error is a terminal and `NO_COLOR` is not set.
fn colours() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// The span of one HTTP request, named by its id, method and route template; it continues the
/// caller's trace when the request carries a W3C `traceparent` (and traces are exported). The
/// fields left empty are filled in as they become known.
pub fn request_span(
    request_id: &str,
    method: &str,
    route: &str,
    headers: &HeaderMap,
) -> tracing::Span {
    let span = tracing::info_span!(
        REQUEST_SPAN,
        otel.name = Empty,
        otel.kind = "server",
        request_id,
        http.request.method = method,
        http.route = route,
        http.response.status_code = Empty,
        graphql.operation.name = Empty,
        graphql.operation.type = Empty,
        graphql.document = Empty,
        enduser.id = Empty,
        duration_ms = Empty,
        sql.statements = Empty,
    );
    if !span.is_disabled() {
        span.record("otel.name", format!("{method} {route}"));
        #[cfg(feature = "otlp")]
        otlp::continue_trace(&span, headers);
    }
    #[cfg(not(feature = "otlp"))]
    let _ = headers;
    span
}

/// What a GraphQL request's span learns once the operation is picked and the viewer read.
pub struct OperationFields<'a> {
    /// `graphql.operation.name`: the operation's name, when it has one.
    pub name: Option<&'a str>,
    /// `graphql.operation.type`: `query`, `mutation` or `subscription`.
    pub kind: &'static str,
    /// `enduser.id`: the user the token names; never an email or another personal value.
    pub viewer: Option<uuid::Uuid>,
    /// `graphql.document`: the document's text, only when `ORGRAPH_TRACE_GRAPHQL_DOCUMENT` asks
    /// for it (its literal arguments may be personal data).
    pub document: Option<&'a str>,
}

/// Records `fields` on the current request's span (no-op outside one, as over a websocket).
pub fn record_operation(fields: OperationFields<'_>) {
    let span = tracing::Span::current();
    if span.is_disabled()
        || span
            .metadata()
            .is_none_or(|meta| meta.name() != REQUEST_SPAN)
    {
        return;
    }
    if let Some(name) = fields.name {
        span.record("graphql.operation.name", name);
    }
    span.record("graphql.operation.type", fields.kind);
    if let Some(viewer) = fields.viewer {
        span.record("enduser.id", tracing::field::display(viewer));
    }
    if let Some(document) = fields.document {
        span.record("graphql.document", document);
    }
}

/// Records how the request ended on its span: status, duration and SQL statements.
pub fn record_answer(
    span: &tracing::Span,
    status: u16,
    duration: std::time::Duration,
    statements: Option<u64>,
) {
    span.record("http.response.status_code", status);
    span.record("duration_ms", milliseconds(duration));
    if let Some(statements) = statements {
        span.record("sql.statements", statements);
    }
}

#[cfg(feature = "otlp")]
mod otlp {
    //! The OTLP exporter, when `OTEL_EXPORTER_OTLP_ENDPOINT` names a collector.

    use axum::http::HeaderMap;
    use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::propagation::TraceContextPropagator;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    use tracing_subscriber::registry::LookupSpan;
    use tracing_subscriber::{EnvFilter, Layer};

    use super::OTLP_ENDPOINT;

    /// What is exported: orgraph's spans at `info` and SeaORM's span per statement; nothing of
    /// the exporter's own HTTP client, whose spans would feed themselves.
    const TRACE_FILTER: &str = "info,sea_orm=info,sea_orm_migration=warn,sqlx=warn,hyper=off,\
                                hyper_util=off,h2=off,reqwest=off,tower=off,opentelemetry=off,\
                                opentelemetry_sdk=off,opentelemetry_otlp=off";

    /// The exporting layer and its provider, or neither when no endpoint is set or the
    /// exporter cannot be built (said on standard error: the logs are not installed yet).
    pub(super) fn layer<S>() -> (Option<impl Layer<S>>, Option<SdkTracerProvider>)
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        if std::env::var_os(OTLP_ENDPOINT).is_none_or(|endpoint| endpoint.is_empty()) {
            return (None, None);
        }
        let exporter = match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
        {
            Ok(exporter) => exporter,
            Err(error) => {
                eprintln!("{OTLP_ENDPOINT}: no traces are exported: {error}");
                return (None, None);
            }
        };
        let mut resource = opentelemetry_sdk::Resource::builder();
        if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name("orgraph");
        }
        let provider = SdkTracerProvider::builder()
            .with_resource(resource.build())
            .with_batch_exporter(exporter)
            .build();
        let layer = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("orgraph"))
            .with_filter(EnvFilter::new(TRACE_FILTER));
        (Some(layer), Some(provider))
    }

    /// Makes `span` a child of the caller's span named by the request's `traceparent`.
    pub(super) fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
        if !headers.contains_key("traceparent") {
            return;
        }
        let parent = TraceContextPropagator::new().extract(&Headers(headers));
        // Refused only when the span is not exported, which leaves nothing to continue.
        let _ = span.set_parent(parent);
    }

    /// A request's headers, as the propagator reads them.
    struct Headers<'a>(&'a HeaderMap);

    impl Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|value| value.to_str().ok())
        }

        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|name| name.as_str()).collect()
        }
    }
}

/// `duration` in milliseconds, to the microsecond: `1.887`, not `1.88755000001`.
pub fn milliseconds(duration: std::time::Duration) -> f64 {
    duration.as_micros() as f64 / 1000.0
}
