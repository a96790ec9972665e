//! The messages of GraphQL over websockets: `graphql-transport-ws` (the `graphql-ws`
//! library's protocol) and the legacy `graphql-ws` subprotocol of
//! `subscriptions-transport-ws`, read and written without any I/O.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// A websocket subprotocol orgraph speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`.
    TransportWs,
    /// `graphql-ws`, the legacy `subscriptions-transport-ws` protocol.
    Legacy,
}

impl Protocol {
    /// The subprotocol names, preferred first.
    pub const NAMES: [&'static str; 2] = ["graphql-transport-ws", "graphql-ws"];

    /// The protocol a `Sec-WebSocket-Protocol` name selects.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "graphql-transport-ws" => Some(Self::TransportWs),
            "graphql-ws" => Some(Self::Legacy),
            _ => None,
        }
    }
}

/// A message from the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// `connection_init`, with its payload (where the token is).
    Init(Option<Value>),
    /// `subscribe` (legacy `start`): an operation's id and its request.
    Subscribe {
        id: String,
        request: Map<String, Value>,
    },
    /// `complete` (legacy `stop`): the client is done with an operation.
    Complete { id: String },
    /// `ping`, to be answered with a `pong`.
    Ping(Option<Value>),
    /// `pong`, the answer to the server's ping.
    Pong,
    /// Legacy `connection_terminate`.
    Terminate,
}

/// A message to the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    Ack,
    /// The server's keep-alive (legacy `ka`).
    KeepAlive,
    Pong(Option<Value>),
    /// One result of an operation.
    Next {
        id: String,
        payload: Value,
    },
    /// An operation that could not run (a request error): its errors, and nothing more.
    Error {
        id: String,
        errors: Value,
    },
    /// An operation that ended.
    Complete {
        id: String,
    },
}

/// Why the server closes a connection: a close code and its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close(pub u16, pub &'static str);

impl Close {
    pub const BAD_MESSAGE: Close = Close(4400, "Invalid message");
    pub const UNAUTHORIZED: Close = Close(4401, "Unauthorized: send connection_init first");
    pub const FORBIDDEN: Close = Close(4403, "Forbidden: the token is not accepted");
    pub const TOKEN_EXPIRED: Close = Close(4403, "Forbidden: the token has expired");
    pub const INIT_TIMEOUT: Close = Close(4408, "Connection initialisation timeout");
    pub const DUPLICATE_ID: Close = Close(4409, "Subscriber for this id already exists");
    pub const TOO_MANY_INITS: Close = Close(4429, "Too many initialisation requests");
    pub const TOO_MANY_SOCKETS: Close = Close(
        4429,
        "Too many open websockets for this person (ORGRAPH_MAX_SOCKETS_PER_PERSON)",
    );
    pub const INTERNAL: Close = Close(1011, "Internal server error");
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    payload: Option<Value>,
}

/// Reads a client's text message.
pub fn parse(protocol: Protocol, text: &str) -> Result<Incoming, Close> {
    let raw: Raw = serde_json::from_str(text).map_err(|_| Close::BAD_MESSAGE)?;
    let id = || {
        raw.id
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or(Close::BAD_MESSAGE)
    };
    use Protocol::{Legacy, TransportWs};
    match (protocol, raw.kind.as_str()) {
        (_, "connection_init") => Ok(Incoming::Init(raw.payload.clone())),
        (TransportWs, "subscribe") | (Legacy, "start") => match raw.payload.clone() {
            Some(Value::Object(request)) => Ok(Incoming::Subscribe { id: id()?, request }),
            _ => Err(Close::BAD_MESSAGE),
        },
        (TransportWs, "complete") | (Legacy, "stop") => Ok(Incoming::Complete { id: id()? }),
        (TransportWs, "ping") => Ok(Incoming::Ping(raw.payload.clone())),
        (TransportWs, "pong") => Ok(Incoming::Pong),
        (Legacy, "connection_terminate") => Ok(Incoming::Terminate),
        _ => Err(Close::BAD_MESSAGE),
    }
}

/// Writes a message to the client.
pub fn encode(protocol: Protocol, message: &Outgoing) -> String {
    use Protocol::{Legacy, TransportWs};
    let value = match (protocol, message) {
        (_, Outgoing::Ack) => json!({ "type": "connection_ack" }),
        (TransportWs, Outgoing::KeepAlive) => json!({ "type": "ping" }),
        (Legacy, Outgoing::KeepAlive) => json!({ "type": "ka" }),
        (_, Outgoing::Pong(None)) => json!({ "type": "pong" }),
        (_, Outgoing::Pong(Some(payload))) => json!({ "type": "pong", "payload": payload }),
        (TransportWs, Outgoing::Next { id, payload }) => {
            json!({ "type": "next", "id": id, "payload": payload })
        }
        (Legacy, Outgoing::Next { id, payload }) => {
            json!({ "type": "data", "id": id, "payload": payload })
        }
        (_, Outgoing::Error { id, errors }) => {
            json!({ "type": "error", "id": id, "payload": errors })
        }
        (_, Outgoing::Complete { id }) => json!({ "type": "complete", "id": id }),
    };
    value.to_string()
}

/// The `Authorization` value a `connection_init` payload carries: `Authorization` or
/// `authorization` as in the HTTP header, or a bare `token`.
pub fn authorization(payload: Option<&Value>) -> Option<String> {
    let payload = payload?.as_object()?;
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(*key)?.as_str());
    match (header, payload.get("token").and_then(Value::as_str)) {
        (Some(header), _) => Some(header.to_owned()),
        (None, Some(token)) if token.trim_start().to_lowercase().starts_with("bearer ") => {
            Some(token.to_owned())
        }
        (None, Some(token)) => Some(format!("Bearer {token}")),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_protocols_name_the_same_messages_their_own_way() {
        let subscribe = r#"{"type":"subscribe","id":"1","payload":{"query":"{ __typename }"}}"#;
        let start = subscribe.replace("subscribe", "start");
        for (protocol, text) in [
            (Protocol::TransportWs, subscribe),
            (Protocol::Legacy, &start),
        ] {
            let Incoming::Subscribe { id, request } = parse(protocol, text).unwrap() else {
                panic!("{text}");
            };
            assert_eq!(
                (id.as_str(), &request["query"]),
                ("1", &json!("{ __typename }"))
            );
        }
        assert_eq!(
            parse(Protocol::Legacy, r#"{"type":"stop","id":"1"}"#),
            Ok(Incoming::Complete { id: "1".into() })
        );
        assert_eq!(
            parse(
                Protocol::TransportWs,
                r#"{"type":"start","id":"1","payload":{}}"#
            ),
            Err(Close::BAD_MESSAGE)
        );
        let next = Outgoing::Next {
            id: "1".into(),
            payload: json!({}),
        };
        assert!(encode(Protocol::TransportWs, &next).contains(r#""type":"next""#));
        assert!(encode(Protocol::Legacy, &next).contains(r#""type":"data""#));
        assert!(encode(Protocol::Legacy, &Outgoing::KeepAlive).contains(r#""ka""#));
    }

    #[test]
    fn a_message_without_an_id_or_type_is_invalid() {
        for text in [
            "not json",
            r#"{"id":"1"}"#,
            r#"{"type":"subscribe","payload":{"query":"{ a }"}}"#,
            r#"{"type":"complete","id":""}"#,
            r#"{"type":"subscribe","id":"1","payload":"{ a }"}"#,
        ] {
            assert_eq!(
                parse(Protocol::TransportWs, text),
                Err(Close::BAD_MESSAGE),
                "{text}"
            );
        }
    }

    #[test]
    fn the_token_is_read_from_any_of_three_keys() {
        let read = |payload: Value| authorization(Some(&payload));
        assert_eq!(
            read(json!({ "Authorization": "Bearer a" })).as_deref(),
            Some("Bearer a")
        );
        assert_eq!(
            read(json!({ "authorization": "Bearer b" })).as_deref(),
            Some("Bearer b")
        );
        assert_eq!(read(json!({ "token": "c" })).as_deref(), Some("Bearer c"));
        assert_eq!(
            read(json!({ "token": "Bearer d" })).as_deref(),
            Some("Bearer d")
        );
        assert_eq!(read(json!({})), None);
        assert_eq!(authorization(None), None);
    }
}
