//! orgraph: a multi-tenant GraphQL gateway for an organisational-intelligence platform.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod seed;
pub mod startup;
pub mod telemetry;

pub use startup::Application;
