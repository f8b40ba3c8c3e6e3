//! Everything that runs only on the server (`feature = "server"`): configuration,
//! storage, cryptography, hashing, SMS, sessions and the HTTP serving around the
//! Dioxus router.

pub mod api_body;
pub mod audit;
pub mod caller;
pub mod cli;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod csp;
pub mod db;
pub mod hashing;
pub mod http;
pub mod notices;
pub mod origin;
pub mod otp;
pub mod page_cache;
pub mod retention;
pub mod session;
pub mod site_settings;
pub mod sms;
pub mod state;
pub mod throttle;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Mode, Settings};
pub use state::AppState;
