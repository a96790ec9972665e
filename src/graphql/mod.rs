//! The GraphQL schema: types, root fields, and the SDL that `schema.graphql` must equal.

pub mod batching;
mod completion;
pub mod connection;
pub mod documents;
pub mod enums;
mod error_codes;
pub mod executor;
pub mod guards;
pub mod id;
pub mod inputs;
pub mod limits;
mod mutation;
pub mod persisted;
mod query;
pub mod types;

use async_graphql::{EmptySubscription, SDLExportOptions, Schema, SchemaBuilder};

pub use error_codes::tag_uncoded_errors;
pub use mutation::Mutation;
pub use query::Query;

/// orgraph's executable schema.
pub type OrgraphSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema without any runtime data: enough to print the SDL, no database needed.
pub fn schema_builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation::default(), EmptySubscription)
}

/// The SDL, sorted so that the committed `schema.graphql` diffs cleanly.
pub fn sdl() -> String {
    schema_builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}
