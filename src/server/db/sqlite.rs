//! SQLite implementation of [`Storage`]: WAL mode, one writer connection (writes
//! queue in the process instead of failing with "database is locked"), a pool of
//! readers, and `BEGIN IMMEDIATE` for every transaction that reads then writes
//! (STYLE 9), so a second process waits on `busy_timeout` instead of failing.

use super::*;
use crate::server::otp::{OtpRejected, VerifyRules};
use crate::server::throttle::{FailureCounts, LoginThrottle, Throttled};
use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Storage on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStorage {
    /// Opens (creating if missing) the database at `url` (`sqlite:PATH` or `sqlite://PATH`).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("GATEHOUSE_DATABASE_URL: cannot parse {url}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before the request is acknowledged.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        if let Some(dir) = options.get_filename().parent() {
            std::fs::create_dir_all(dir).ok();
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening {url}"))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self { writer, reader })
    }

    /// A transaction holding SQLite's write lock from its first statement, so a
    /// read-then-write cannot interleave with another writer.
    async fn begin(&self) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn run_migrations(&self) -> anyhow::Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await
            .context("applying SQLite migrations")
    }
}

sql_storage!(SqliteStorage, sqlx::Sqlite, sqlx::SqliteConnection);
