//! Business rules in plain Rust: no GraphQL, no database.

pub mod analytics;
pub mod membership;
pub mod scoring;
pub mod trend;
pub mod validation;
