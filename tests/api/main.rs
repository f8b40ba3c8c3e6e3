//! Every server function through the real HTTP router with a real SQLite database.

mod common;
mod login;
mod register;
