//! PostgreSQL implementation of [`Storage`], for several instances behind a load
//! balancer. Every transaction that reads then writes first takes one
//! transaction-scoped advisory lock, so those transactions run one at a time across
//! all instances, as SQLite's single writer does on one machine. They are short: the
//! password hash and the SMS delivery run outside them.

use super::*;
use crate::server::otp::{OtpRejected, VerifyRules};
use crate::server::throttle::{FailureCounts, LoginThrottle, Throttled};
use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::str::FromStr;
use std::time::Duration;

/// The advisory lock key of Gatehouse's read-then-write transactions (any constant
/// other applications on the same database do not use; this is "GATE" in ASCII).
const WRITE_LOCK: i64 = 0x4741_5445;

/// Storage on a PostgreSQL database shared by every instance.
#[derive(Debug, Clone)]
pub struct PostgresStorage {
    writer: PgPool,
    /// The same pool: PostgreSQL needs no separate readers.
    reader: PgPool,
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`). Up to 16
    /// connections per instance; a connection waits at most 10 seconds. A stalled
    /// holder of the write lock cannot block every instance for long: waiting for a
    /// lock gives up after 15 s, a statement after 30 s, and a transaction left
    /// idle is ended after 60 s.
    ///
    /// Errors: an unparsable URL, or the server unreachable or refusing the login.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .context("GATEHOUSE_DATABASE_URL: cannot parse the PostgreSQL URL")?
            .application_name("gatehouse")
            .options([
                ("lock_timeout", "15s"),
                ("statement_timeout", "30s"),
                ("idle_in_transaction_session_timeout", "60s"),
            ]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("connecting to PostgreSQL")?;
        Ok(Self {
            writer: pool.clone(),
            reader: pool,
        })
    }

    async fn begin(&self) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    async fn run_migrations(&self) -> anyhow::Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.writer)
            .await
            .context("applying PostgreSQL migrations")
    }
}

sql_storage!(PostgresStorage, sqlx::Postgres, sqlx::PgConnection);
