//! Who asks a service for something, and from where: what every use case takes
//! besides its input, whichever door it came through (a server function, the
//! command line, later the admin area and the OpenID Connect endpoints), and what
//! the audit log records (docs/DESIGN.md §10). Nothing here is HTTP.

use crate::server::db::accounts::AccountId;
use rand::Rng;

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Someone not signed in: signing up, signing in, resetting a password.
    Visitor,
    /// A signed-in account, acting on itself.
    Account(AccountId),
    /// A signed-in admin, in the admin area (docs/DESIGN.md §6), acting on others.
    Admin(AccountId),
    /// The operator at the command line (`gatehouse invite create`, `docs publish`).
    Operator,
    /// Gatehouse itself, from its configuration (version 1 of each document at
    /// the first start).
    System,
}

/// Where a request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMeta {
    /// The client's address: the TCP peer, or what a trusted proxy forwarded
    /// (`client_ip`); `cli` for the command line. Recorded in the sign-in history
    /// and consent records.
    pub ip: String,
    /// What per-IP rate limits count under (`rate_limit_key`: the IPv4 address,
    /// or the IPv6 /64).
    pub limit_key: String,
    /// The `User-Agent` header, at most 512 bytes.
    pub user_agent: String,
    /// The request's `x-request-id` (kept from a proxy or made by the router), or a
    /// random id for a command-line call: ties log lines and audit rows together.
    pub request_id: String,
}

/// An actor and where it acts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub meta: RequestMeta,
}

impl Caller {
    /// The operator at the command line: address and browser `cli`, a fresh
    /// request id (32 hex digits).
    pub fn operator() -> Self {
        let id: [u8; 16] = rand::rngs::OsRng.gen();
        Self {
            actor: Actor::Operator,
            meta: RequestMeta {
                ip: "cli".into(),
                limit_key: "cli".into(),
                user_agent: "gatehouse-cli".into(),
                request_id: hex::encode(id),
            },
        }
    }

    /// Gatehouse itself, at start-up: address and browser `system`.
    pub fn system() -> Self {
        Self {
            actor: Actor::System,
            meta: RequestMeta {
                ip: "system".into(),
                limit_key: "system".into(),
                user_agent: "gatehouse".into(),
                request_id: "start-up".into(),
            },
        }
    }

    /// The same request, made by `account`.
    pub fn as_account(&self, account: AccountId) -> Self {
        Self {
            actor: Actor::Account(account),
            meta: self.meta.clone(),
        }
    }

    /// The same request, made by `account` as an admin.
    pub fn as_admin(&self, account: AccountId) -> Self {
        Self {
            actor: Actor::Admin(account),
            meta: self.meta.clone(),
        }
    }
}
