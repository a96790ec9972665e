//! The media types of GraphQL over HTTP: what a POST body must be, and which of the two
//! response types a client's `Accept` asks for.

use axum::http::{HeaderValue, StatusCode};
use mime::Mime;

use super::Refusal;
use crate::error::code;

/// The media type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMedia {
    /// `application/graphql-response+json`: the status tells a request error (400) from a
    /// response with data (200).
    GraphQLResponseJson,
    /// `application/json`, what clients before the spec expect: 200 for any GraphQL response.
    Json,
}

impl ResponseMedia {
    /// The `Content-Type` of an answer in this media type.
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphQLResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }

    /// The status of a response to a request that did not run: its document did not parse or
    /// validate, or its variables did not coerce.
    pub fn request_error_status(self) -> StatusCode {
        match self {
            Self::GraphQLResponseJson => StatusCode::BAD_REQUEST,
            Self::Json => StatusCode::OK,
        }
    }

    /// The status of a response to a request stopped by its timeout.
    pub fn timeout_status(self) -> StatusCode {
        match self {
            Self::GraphQLResponseJson => StatusCode::GATEWAY_TIMEOUT,
            Self::Json => StatusCode::OK,
        }
    }
}

/// The response media type for a request with this `Accept` header, the most preferred of the
/// two; `application/json` when the header is missing or accepts anything (`*/*`).
pub fn negotiate(accept: Option<&str>) -> Result<ResponseMedia, Refusal> {
    let Some(accept) = accept.map(str::trim).filter(|accept| !accept.is_empty()) else {
        return Ok(ResponseMedia::Json);
    };
    let mut best: Option<(f32, ResponseMedia)> = None;
    for range in accept.split(',') {
        let Ok(range) = range.trim().parse::<Mime>() else {
            continue;
        };
        let quality = range
            .get_param("q")
            .map_or(Some(1.0), |q| q.as_str().parse::<f32>().ok())
            .unwrap_or(0.0);
        let Some(media) = media_of(&range) else {
            continue;
        };
        // Earlier ranges win ties.
        if quality > 0.0 && best.is_none_or(|(known, _)| quality > known) {
            best = Some((quality, media));
        }
    }
    best.map(|(_, media)| media).ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            code::BAD_REQUEST,
            format!(
                "`Accept: {accept}` takes neither application/graphql-response+json nor \
                 application/json"
            ),
        )
    })
}

/// The response media type a media range names, if any.
fn media_of(range: &Mime) -> Option<ResponseMedia> {
    let (kind, subtype) = (range.type_(), range.subtype());
    if kind == mime::APPLICATION
        && subtype == "graphql-response"
        && range.suffix() == Some(mime::JSON)
    {
        return Some(ResponseMedia::GraphQLResponseJson);
    }
    let json = kind == mime::APPLICATION && (subtype == mime::JSON || subtype == mime::STAR);
    (json || (kind == mime::STAR && subtype == mime::STAR)).then_some(ResponseMedia::Json)
}

/// Refuses a POST body that is not `application/json` in UTF-8 (the charset may be left out).
pub fn require_json_body(content_type: Option<&str>) -> Result<(), Refusal> {
    let unsupported = |message: String| {
        Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_REQUEST,
            message,
        )
    };
    let Some(content_type) = content_type else {
        return Err(unsupported(
            "a POST needs `Content-Type: application/json`".to_owned(),
        ));
    };
    let media = content_type.parse::<Mime>().ok();
    let json = media
        .as_ref()
        .is_some_and(|media| media.type_() == mime::APPLICATION && media.subtype() == mime::JSON);
    if !json {
        return Err(unsupported(format!(
            "`Content-Type: {content_type}` is not accepted: send application/json"
        )));
    }
    match media
        .as_ref()
        .and_then(|media| media.get_param(mime::CHARSET))
    {
        Some(charset) if charset != mime::UTF_8 => Err(unsupported(format!(
            "`charset={charset}` is not accepted: send UTF-8"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResponseMedia::{GraphQLResponseJson, Json};

    #[test]
    fn the_preferred_of_the_two_response_types_is_picked() {
        assert_eq!(negotiate(None), Ok(Json));
        assert_eq!(negotiate(Some("")), Ok(Json));
        assert_eq!(negotiate(Some("*/*")), Ok(Json));
        assert_eq!(negotiate(Some("application/json")), Ok(Json));
        assert_eq!(
            negotiate(Some("application/graphql-response+json")),
            Ok(GraphQLResponseJson)
        );
        // Apollo Client's header.
        let apollo = "application/graphql-response+json,application/json;q=0.9";
        assert_eq!(negotiate(Some(apollo)), Ok(GraphQLResponseJson));
        let json_first = "application/graphql-response+json;q=0.5, application/json";
        assert_eq!(negotiate(Some(json_first)), Ok(Json));
        let refused = "application/graphql-response+json;q=0, text/html";
        assert_eq!(
            negotiate(Some(refused)).unwrap_err().status,
            StatusCode::NOT_ACCEPTABLE
        );
        assert_eq!(
            negotiate(Some("application/xml")).unwrap_err().status,
            StatusCode::NOT_ACCEPTABLE
        );
    }

    #[test]
    fn a_post_body_must_be_json_in_utf8() {
        assert!(require_json_body(Some("application/json")).is_ok());
        assert!(require_json_body(Some("application/json; charset=utf-8")).is_ok());
        assert!(require_json_body(Some("application/json; charset=UTF-8")).is_ok());
        for refused in [
            None,
            Some("text/plain;charset=UTF-8"),
            Some("application/json; charset=utf-16"),
            Some("multipart/form-data; boundary=x"),
            Some("nonsense"),
        ] {
            let refusal = require_json_body(refused).unwrap_err();
            assert_eq!(
                refusal.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{refused:?}"
            );
        }
    }
}
