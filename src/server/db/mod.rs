//! Storage (docs/STYLE.md §9): one module per aggregate — [`accounts`], [`audit`], [`otp_codes`],
//! [`sessions`], [`consents`], [`documents`], [`invitations`], [`throttles`],
//! [`sign_ins`], [`profiles`], [`misuse_reports`] — each with its SQL and its typed rows, over one [`Db`].
//!
//! The SQL is written once for both databases through sqlx's `Any` driver, in the
//! subset SQLite and PostgreSQL share: `$N` placeholders, `RETURNING`,
//! `ON CONFLICT`, `CASE` instead of two-argument `MAX`. Rows are decoded by column
//! name into typed structs; a stored name that does not parse (a purpose, a kind, a
//! method) is an error, never a default.
//!
//! Every function takes the connection it runs on, so a use case composes several
//! aggregates in one transaction ([`Db::write`]). Transactions that read then write
//! hold a lock from their first statement: SQLite's one writer (`BEGIN IMMEDIATE`),
//! and on PostgreSQL transaction-scoped advisory locks on exactly what the
//! transaction touches ([`Lock`]), so instances do not queue behind one another for
//! unrelated phones.

pub mod account_keys;
pub mod accounts;
pub mod audit;
pub mod consents;
pub mod documents;
pub mod invitations;
pub mod known_browsers;
pub mod misuse_reports;
pub mod oidc_clients;
pub mod oidc_grants;
pub mod oidc_keys;
pub mod otp_codes;
pub mod pow_redemptions;
pub mod profiles;
pub mod sessions;
pub mod sign_ins;
pub mod site_settings;
pub mod throttles;

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction, ValueRef};
use std::time::Duration;

pub use crate::server::clock::Timestamp;
pub use sqlx::AnyConnection as Conn;

/// The databases Gatehouse runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, by its scheme; `None` for any other.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// What a read-then-write transaction touches, locked for its duration on
/// PostgreSQL (SQLite's single writer serializes every such transaction anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock<'a> {
    /// Everything about one phone number: its codes, its sign-in throttle, its
    /// account (by blind index).
    Phone(&'a [u8]),
    /// The per-IP SMS send cap of this rate-limit key.
    SendIp(&'a str),
    /// The service-wide SMS send cap.
    SendTotal,
    /// The per-IP sign-in throttle of this rate-limit key.
    SignInIp(&'a str),
    /// The numbering of one document's versions (`agreement`, `privacy`).
    Document(&'a str),
    /// The audit log's chain: one sealer at a time.
    AuditSeal,
    /// A change of the schema made by the server itself (a data migration).
    Schema,
    /// One account's OpenID Connect codes and refresh tokens (by account id): a
    /// rotation, a reuse detection and a revocation of the account's tokens
    /// happen one at a time, so none misses a token another is issuing.
    OidcAccount(i64),
}

impl Lock<'_> {
    /// The advisory lock key: the first 8 bytes of SHA-256 over the lock's kind and
    /// value. A collision only makes two transactions wait for each other.
    fn key(&self) -> i64 {
        let (kind, value): (&[u8], &[u8]) = match self {
            Self::Phone(index) => (b"phone", index),
            Self::SendIp(ip) => (b"send-ip", ip.as_bytes()),
            Self::SendTotal => (b"send-total", b""),
            Self::SignInIp(ip) => (b"sign-in-ip", ip.as_bytes()),
            Self::Document(kind) => (b"document", kind.as_bytes()),
            Self::AuditSeal => (b"audit-seal", b""),
            Self::Schema => (b"schema", b""),
            Self::OidcAccount(id) => {
                return Self::key_of(b"oidc-account", &id.to_be_bytes());
            }
        };
        Self::key_of(kind, value)
    }

    fn key_of(kind: &[u8], value: &[u8]) -> i64 {
        let digest = Sha256::new()
            .chain_update(b"gatehouse/")
            .chain_update(kind)
            .chain_update([0])
            .chain_update(value)
            .finalize();
        i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }
}

/// The database: a writer pool and a reader pool over SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct Db {
    writer: AnyPool,
    reader: AnyPool,
    backend: Backend,
}

impl Db {
    /// Opens the database `url` names. Does not migrate.
    ///
    /// - `sqlite:PATH`: the file, created if missing, in WAL mode with
    ///   `synchronous=FULL` (a commit is on disk before it is acknowledged), foreign
    ///   keys on, a 30 s busy timeout; one writer connection (writes queue in the
    ///   process instead of failing with "database is locked") and up to 8 readers.
    /// - `postgres://USER:PASSWORD@HOST:PORT/DATABASE`: up to 16 connections, each
    ///   waiting at most 10 s to be handed out; a lock wait gives up after 15 s, a
    ///   statement after 30 s, a transaction left idle ends after 60 s, so a stalled
    ///   client cannot hold a lock for long.
    ///
    /// Errors: another scheme, an unparsable URL, a database that cannot be reached.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)
            .context("GATEHOUSE_DATABASE_URL must start with sqlite: or postgres:")?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                let options = || {
                    AnyPoolOptions::new().after_connect(|conn, _| {
                        Box::pin(async move {
                            for pragma in [
                                "PRAGMA busy_timeout = 30000",
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = FULL",
                                "PRAGMA foreign_keys = ON",
                            ] {
                                conn.execute(pragma).await?;
                            }
                            Ok(())
                        })
                    })
                };
                let writer = options()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(60))
                    .connect(&url)
                    .await
                    .with_context(|| format!("opening {url}"))?;
                let reader = options().max_connections(8).connect(&url).await?;
                Ok(Self {
                    writer,
                    reader,
                    backend,
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "SET application_name = 'gatehouse'; SET lock_timeout = '15s'; \
                                 SET statement_timeout = '30s'; \
                                 SET idle_in_transaction_session_timeout = '60s'",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                Ok(Self {
                    writer: pool.clone(),
                    reader: pool,
                    backend,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite")
                .run(&self.writer)
                .await
                .context("applying SQLite migrations"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres")
                .run(&self.writer)
                .await
                .context("applying PostgreSQL migrations"),
        }
    }

    /// Whether the database answers a trivial query (for `/healthz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Closes every connection after the in-flight queries finish (graceful
    /// shutdown); later calls fail.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// A connection for reads.
    pub async fn read(&self) -> anyhow::Result<PoolConnection<Any>> {
        Ok(self.reader.acquire().await?)
    }

    /// The writer connection, for one statement that writes on its own (no
    /// read-then-write: use [`Db::write`] for that).
    pub async fn write_one(&self) -> anyhow::Result<PoolConnection<Any>> {
        Ok(self.writer.acquire().await?)
    }

    /// A transaction that may read then write, holding its locks from the start:
    /// `BEGIN IMMEDIATE` on SQLite; on PostgreSQL a transaction-scoped advisory lock
    /// per entry of `locks`, taken in key order so two transactions never wait for
    /// each other in a circle. Dropped without `commit()`, it rolls back.
    pub async fn write(&self, locks: &[Lock<'_>]) -> anyhow::Result<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.writer.begin().await?;
                let mut keys: Vec<i64> = locks.iter().map(Lock::key).collect();
                keys.sort_unstable();
                keys.dedup();
                for key in keys {
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                Ok(tx)
            }
        }
    }
}

impl Db {
    /// Takes one more lock inside a transaction begun with [`Db::write`] (on
    /// PostgreSQL; SQLite's writer is already held): for what the transaction only
    /// learns after its first read. A transaction takes at most one such lock, after
    /// those it began with, and [`Lock::OidcAccount`] is only ever taken this way,
    /// so no two transactions wait for each other in a circle.
    ///
    /// Errors: storage failures (a lock wait past 15 s on PostgreSQL).
    pub async fn lock(&self, conn: &mut Conn, lock: Lock<'_>) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock.key())
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}

/// `sqlite:PATH` with `mode=rwc` (create the file if missing), its folder created.
fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        anyhow::bail!("GATEHOUSE_DATABASE_URL: {url} names no SQLite file");
    }
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir).ok();
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// A stored truth value: PostgreSQL's `BOOLEAN`, or SQLite's `INTEGER` 0/1 (the
/// `Any` driver decodes neither as the other's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        matches!(
            ty.kind(),
            AnyTypeInfoKind::Bool
                | AnyTypeInfoKind::SmallInt
                | AnyTypeInfoKind::Integer
                | AnyTypeInfoKind::BigInt
        )
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            Ok(Self(<bool as sqlx::Decode<Any>>::decode(value)?))
        } else {
            Ok(Self(<i64 as sqlx::Decode<Any>>::decode(value)? != 0))
        }
    }
}

/// A name read from the database that names no variant of the type it is stored
/// for: the database holds something this version does not write.
#[derive(Debug, thiserror::Error)]
#[error("stored {kind} `{name}` is unknown")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
}

/// Declares how an enum is stored: each variant as its fixed name (`as_str`), read
/// back with `TryFrom<String>` (an unknown name is an [`UnknownName`] error, so a
/// row decoded with `#[sqlx(try_from = "String")]` fails instead of defaulting).
macro_rules! stored_names {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            #[allow(dead_code)]
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::server::db::UnknownName;

            fn try_from(name: String) -> Result<Self, Self::Error> {
                match name.as_str() {
                    $($name => Ok(Self::$variant),)+
                    _ => Err($crate::server::db::UnknownName {
                        kind: stringify!($ty),
                        name,
                    }),
                }
            }
        }
    };
}
pub(crate) use stored_names;

/// A name read back for a type whose names are defined with the type itself
/// (shared with the browser): `all` is every variant, `as_str` its stored name.
pub(crate) fn parse_name<T: Copy>(
    all: &[T],
    as_str: fn(T) -> &'static str,
    kind: &'static str,
    name: String,
) -> Result<T, UnknownName> {
    all.iter()
        .copied()
        .find(|v| as_str(*v) == name)
        .ok_or(UnknownName { kind, name })
}

impl TryFrom<String> for crate::domain::OtpPurpose {
    type Error = UnknownName;
    fn try_from(name: String) -> Result<Self, UnknownName> {
        parse_name(&Self::ALL, Self::as_str, "OTP purpose", name)
    }
}

impl TryFrom<String> for crate::domain::DocumentKind {
    type Error = UnknownName;
    fn try_from(name: String) -> Result<Self, UnknownName> {
        parse_name(&Self::ALL, Self::as_str, "document kind", name)
    }
}

/// A count or a number stored as `BIGINT` read back as `u32`.
pub(crate) fn to_u32(n: i64) -> anyhow::Result<u32> {
    u32::try_from(n).with_context(|| format!("stored number {n} out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_differ_by_kind_and_value() {
        let phone = Lock::Phone(b"abc").key();
        assert_eq!(phone, Lock::Phone(b"abc").key());
        assert_ne!(phone, Lock::Phone(b"abd").key());
        assert_ne!(
            Lock::SendIp("1.2.3.4").key(),
            Lock::SignInIp("1.2.3.4").key()
        );
        assert_ne!(Lock::SendTotal.key(), Lock::Document("").key());
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        assert_eq!(
            sqlite_url("sqlite:/tmp/x/g.db").unwrap(),
            "sqlite:/tmp/x/g.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url("sqlite:///tmp/x/g.db?cache=shared").unwrap(),
            "sqlite:///tmp/x/g.db?cache=shared&mode=rwc"
        );
        assert!(sqlite_url("sqlite::memory:").is_err());
    }

    #[test]
    fn stored_names_round_trip_and_refuse_unknown_names() {
        use crate::domain::OtpPurpose;
        for purpose in OtpPurpose::ALL {
            assert_eq!(
                OtpPurpose::try_from(purpose.as_str().to_owned()).unwrap(),
                purpose
            );
        }
        let err = OtpPurpose::try_from("signup".to_owned()).unwrap_err();
        assert_eq!(err.to_string(), "stored OTP purpose `signup` is unknown");
    }
}
