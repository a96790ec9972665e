//! A request refused before any GraphQL ran: a status and a GraphQL-shaped error body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::media::ResponseMedia;

/// Why a request is not run, with the status that says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    /// The error's `extensions.code`.
    pub code: &'static str,
    pub message: String,
    /// Whole seconds after which the client may try again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl Refusal {
    /// A malformed request (400, `BAD_REQUEST`).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            crate::error::code::BAD_REQUEST,
            message,
        )
    }

    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same, with `Retry-After: seconds` (and `extensions.retryAfter`).
    pub fn with_retry_after(self, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..self
        }
    }

    /// The `errors` of a GraphQL response saying this.
    pub fn errors(&self) -> serde_json::Value {
        let mut extensions = json!({ "code": self.code });
        if let Some(seconds) = self.retry_after {
            extensions["retryAfter"] = json!(seconds);
        }
        json!([{ "message": self.message, "extensions": extensions }])
    }

    /// The answer, in `media`.
    pub fn into_response(self, media: ResponseMedia) -> Response {
        let body = json!({ "errors": self.errors() });
        let mut response = (self.status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, media.content_type());
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
