//! Every server function through the real HTTP router with a real database (SQLite,
//! and PostgreSQL when `GATEHOUSE_TEST_POSTGRES` is set: see `common`).

mod common;
mod instances;
mod login;
mod register;
mod serving;
mod sms_webhook;
