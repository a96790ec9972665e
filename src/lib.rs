//! orgraph: a multi-tenant GraphQL gateway for an organisational-intelligence platform.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod privacy;
pub mod seed;
pub mod service;
pub mod startup;
pub mod telemetry;

pub use startup::Application;
