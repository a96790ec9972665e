//! Business rules in plain Rust: no GraphQL, no database.

pub mod scoring;
