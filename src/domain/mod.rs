//! Business rules in plain Rust: no GraphQL, no database.

pub mod analytics;
pub mod benchmark;
pub mod consent;
pub mod invitation;
pub mod membership;
pub mod scoring;
pub mod trend;
pub mod twin;
pub mod validation;
