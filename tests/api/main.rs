//! orgraph's integration tests: one binary, a fresh database per test.
//!
//! They run on SQLite by default and on PostgreSQL when `ORGRAPH_TEST_PG_URL` names a database
//! that tests may create sibling databases next to (`.ci/run` sets it).

mod analytics;
mod attached;
mod audit;
mod auth;
mod benchmarks;
mod cli;
mod columns;
mod configuration;
mod constraints;
mod cors;
mod graphiql;
mod helpers;
mod history;
mod hostile_input;
mod http;
mod invitations;
mod jobs;
mod loading;
mod metrics;
mod migrations;
mod mutations_assessments;
mod mutations_organizations;
mod pagination;
mod personal_data;
mod privacy;
mod random_queries;
mod rate_limit;
mod replicas;
mod response_shape;
mod retention;
mod rows;
mod schema;
mod seed;
mod server;
mod subscriptions;
mod tenancy;
mod twins;
mod validation;
mod viewer;
mod world;
