//! GraphQL over HTTP, as the spec has it (graphql.github.io/graphql-over-http): which requests
//! are GraphQL requests, which media type an answer takes, and which status it carries.

pub mod exports;
pub mod graphql;
pub mod media;
pub mod open_sockets;
pub mod params;
pub mod rate_limit;
mod refusal;
mod websocket;
pub mod ws_protocol;

pub use refusal::Refusal;

use axum::http::HeaderMap;

/// The header that names a request in logs, in the audit log and in its answer.
pub const REQUEST_ID: &str = "x-request-id";

/// The request id a client (or its proxy) sent, when it is one that can be kept: text, not
/// empty, at most 100 bytes.
pub fn client_request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 100)
        .map(str::to_owned)
}

/// What a GraphQL answer tells the request's log line: its operation and its error codes.
#[derive(Debug, Clone, Default)]
pub struct Answered {
    pub operation: Option<String>,
    pub error_codes: Vec<String>,
}
