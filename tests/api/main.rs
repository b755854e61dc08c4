//! HTTP API tests: the real gateway on a real socket, a fresh Postgres database per test.

mod accounts;
mod errors;
mod health;
mod jwks;
mod migrations;
mod tasks;
