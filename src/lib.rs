//! Gatehouse: the account front door of a cloud console — sign-up (docs/DESIGN.md §1–2),
//! with sign-in, consent, the account center and the operator's side to follow.
//!
//! One crate, two targets: with feature `web` it is the browser app (wasm); with
//! feature `server` it is the server binary that renders the same components, runs
//! the server functions and owns storage. The validation types in [`domain`] and the
//! forms' `validate()` compile for both.

pub mod account;
pub mod admin;
pub mod api_client;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod form;
pub mod hydration;
pub mod i18n;
pub mod legal;
pub mod login;
pub mod oidc;
pub mod register;
#[cfg(feature = "server")]
pub mod server;
