//! Every server function through the real HTTP router with a real database (SQLite,
//! and PostgreSQL when `POSTGRES_TEST_URL` is set: see `common`).

mod account_center;
mod admin;
mod areas;
mod audit;
mod common;
mod consent;
mod http_surface;
mod instances;
mod login;
mod notices;
mod oidc;
mod oidc_keys;
mod pow;
mod register;
mod services;
mod serving;
mod shredding;
mod sms_vendors;
mod sms_webhook;
mod storage;
