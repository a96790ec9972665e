//! GraphQL over HTTP, as the spec has it (graphql.github.io/graphql-over-http): which requests
//! are GraphQL requests, which media type an answer takes, and which status it carries.

pub mod graphql;
pub mod media;
pub mod open_sockets;
pub mod params;
mod refusal;
mod websocket;
pub mod ws_protocol;

pub use refusal::Refusal;
