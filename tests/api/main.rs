//! HTTP API tests: the real gateway on a real socket, a fresh Postgres database per test.

mod accounts;
mod auth_errors;
mod bulk;
mod errors;
mod health;
mod history;
mod jwks;
mod listing;
mod migrations;
mod repeat;
mod tags;
mod tasks;
mod zones;
