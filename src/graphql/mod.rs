//! The GraphQL schema: types, root fields, and the SDL that `schema.graphql` must equal.

pub mod batching;
pub mod completion;
pub mod connection;
pub mod documents;
pub mod enums;
mod error_codes;
pub mod executor;
pub mod guards;
pub mod id;
pub mod input_limits;
pub mod inputs;
pub mod limits;
mod mutation;
pub mod persisted;
mod query;
mod subscription;
pub mod types;

use async_graphql::{SDLExportOptions, Schema, SchemaBuilder};
use chrono::{DateTime, Utc};

use connection::Paged;
use types::{
    Assessment, AuditEntry, DigitalTwinSnapshot, Invitation, Membership, Organization, UserConsent,
};

pub use error_codes::tag_uncoded_errors;
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

/// orgraph's executable schema.
pub type OrgraphSchema = Schema<Query, Mutation, Subscription>;

/// The description of `DateTime`, which async-graphql defines for chrono's `DateTime<Utc>`
/// (with `@specifiedBy` RFC 3339, but a description written for Rust programmers).
const DATE_TIME: &str = "An instant, as an RFC 3339 string in UTC: offset `+00:00`, and 0, 3, 6 \
    or 9 fractional digits as the instant needs, e.g. `2025-03-01T09:30:00+00:00` or \
    `2025-03-01T09:30:00.123456+00:00`. As input, any RFC 3339 offset is accepted (`Z`, \
    `+02:00`) and converted to UTC. Generated clients can treat it as a string.";

/// The description of a Relay connection of `$what`; async-graphql's connection type has none.
macro_rules! page_of {
    ($what:literal) => {
        concat!(
            "One page of ",
            $what,
            ", as a Relay cursor connection: `edges` (each node with its `cursor`) or just \
             `nodes`; `pageInfo` says whether there are more pages and gives the cursors to \
             fetch them with, and `totalCount` counts the rows the filter matches on all pages. \
             `first` and `last` take 0 to the page size limit (`ORGRAPH_MAX_PAGE_SIZE`, 100 by \
             default; more is `BAD_USER_INPUT`), and without either a page is that size; \
             `after` goes with `first`, `before` with `last`."
        )
    };
}

/// The schema without any runtime data: enough to print the SDL, no database needed.
pub fn schema_builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query, Mutation::default(), Subscription)
        .override_output_type_description::<DateTime<Utc>>(DATE_TIME)
        .override_output_type_description::<Paged<Assessment>>(page_of!("assessments"))
        .override_output_type_description::<Paged<AuditEntry>>(page_of!("audit log entries"))
        .override_output_type_description::<Paged<DigitalTwinSnapshot>>(page_of!(
            "digital twin snapshots"
        ))
        .override_output_type_description::<Paged<Invitation>>(page_of!("invitations"))
        .override_output_type_description::<Paged<Membership>>(page_of!("memberships"))
        .override_output_type_description::<Paged<Organization>>(page_of!("organisations"))
        .override_output_type_description::<Paged<UserConsent>>(page_of!("consent records"))
}

/// The SDL, sorted so that the committed `schema.graphql` diffs cleanly, with each custom
/// scalar's `@specifiedBy` (introspection has it as `specifiedByURL` either way).
pub fn sdl() -> String {
    let options = SDLExportOptions::new()
        .sorted_fields()
        .sorted_enum_items()
        .include_specified_by();
    schema_builder().finish().sdl_with_options(options)
}
