//! Sessions (docs/DESIGN.md §3; OWASP Session Management Cheat Sheet) through
//! tower-sessions' own seam (docs/STYLE.md §13): [`DbSessionStore`] keeps records in our
//! `sessions` table, stores only the SHA-256 of each id, encrypts the data (it may
//! hold personal data, docs/DESIGN.md §7), and enforces the idle and absolute timeouts
//! with the injected clock.

use crate::server::caller::RequestMeta;
use crate::server::clock::Clock;
use crate::server::crypto::DataKeys;
use crate::server::db::accounts::AccountId;
use crate::server::db::sessions::{self, SessionRow};
use crate::server::db::sign_ins::SignInMethod;
use crate::server::db::Db;
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::{Expiry, Session, SessionManagerLayer, SessionStore};

/// The session cookie's name (not the library default `id`).
pub const COOKIE_NAME: &str = "gatehouse_session";
/// Session key holding the signed-in account id.
const ACCOUNT_KEY: &str = "account_id";
/// Session keys holding where the session signed in from (the account center
/// lists them, docs/DESIGN.md §5); kept in the record's encrypted data.
const IP_KEY: &str = "ip";
const USER_AGENT_KEY: &str = "user_agent";
/// Session key holding when the admin last confirmed the password or an SMS code
/// for the admin area (Unix seconds; docs/DESIGN.md §6).
const ADMIN_CONFIRMED_KEY: &str = "admin_confirmed_at";
/// Session key holding when the account signed in (Unix seconds), set by the
/// store when it first writes a signed-in record: a session id cycled later (an
/// admin confirmation) keeps it, so the absolute timeout counts from the sign-in
/// (OWASP Session Management Cheat Sheet, "Absolute Timeout").
const SIGNED_IN_AT_KEY: &str = "signed_in_at";
/// Session key holding how the account signed in (a `SignInMethod`'s stored
/// name): the OpenID Connect provider's `amr` (RFC 8176).
const METHOD_KEY: &str = "sign_in_method";
/// Session key holding the session's id as OpenID Connect's `sid` claim names it:
/// 32 random hex digits set at sign-in, kept when the session id is cycled.
const SID_KEY: &str = "sid";
/// A session's `last_seen_at` is written at most this often, in seconds.
const TOUCH_EVERY_SECS: i64 = 60;

/// The session store over our `sessions` table ([`sessions`]).
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
    keys: DataKeys,
    clock: Arc<dyn Clock>,
    idle_secs: i64,
    absolute_secs: i64,
}

impl DbSessionStore {
    /// `idle_secs`: without a request for this long a session ends;
    /// `absolute_secs`: a session ends this long after it was created.
    pub fn new(
        db: Db,
        keys: DataKeys,
        clock: Arc<dyn Clock>,
        idle_secs: i64,
        absolute_secs: i64,
    ) -> Self {
        Self {
            db,
            keys,
            clock,
            idle_secs,
            absolute_secs,
        }
    }

    fn row(&self, record: &Record, created_at: i64) -> Result<SessionRow> {
        let data = serde_json::to_vec(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        Ok(SessionRow {
            account_id: record
                .data
                .get(ACCOUNT_KEY)
                .and_then(|v| v.as_i64())
                .map(AccountId),
            data: self.keys.encrypt(&data),
            created_at,
            last_seen_at: self.clock.unix(),
        })
    }
}

/// The stored form of a session id: its SHA-256 (the id itself is never stored).
pub fn id_hash(id: &Id) -> Vec<u8> {
    Sha256::digest(id.to_string().as_bytes()).to_vec()
}

fn backend(e: anyhow::Error) -> Error {
    Error::Backend(format!("{e:#}"))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    /// Writes a new record. Its `created_at`, from which the absolute timeout
    /// counts, is the account's sign-in time the record carries when its id was
    /// cycled, else now (and a signed-in record carries now from here on).
    async fn create(&self, record: &mut Record) -> Result<()> {
        let now = self.clock.unix();
        let signed_in_at = record.data.get(SIGNED_IN_AT_KEY).and_then(|v| v.as_i64());
        let created_at = signed_in_at.unwrap_or(now);
        if signed_in_at.is_none() && record.data.contains_key(ACCOUNT_KEY) {
            record.data.insert(SIGNED_IN_AT_KEY.to_owned(), now.into());
        }
        loop {
            let row = self.row(record, created_at)?;
            let mut conn = self.db.write_one().await.map_err(backend)?;
            if sessions::insert(&mut conn, &id_hash(&record.id), &row)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Updates an existing record only: a session deleted meanwhile (sign-out,
    /// password reset, suspension) is not written back by a request still in flight.
    async fn save(&self, record: &Record) -> Result<()> {
        let row = self.row(record, self.clock.unix())?;
        let mut conn = self.db.write_one().await.map_err(backend)?;
        sessions::save(&mut conn, &id_hash(&record.id), &row)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let hash = id_hash(id);
        let mut conn = self.db.read().await.map_err(backend)?;
        let row = sessions::load(&mut conn, &hash).await.map_err(backend)?;
        drop(conn);
        let Some(row) = row else {
            return Ok(None);
        };
        let now = self.clock.unix();
        let idle_end = row.last_seen_at + self.idle_secs;
        let absolute_end = row.created_at + self.absolute_secs;
        let live = is_live(
            now,
            row.created_at,
            row.last_seen_at,
            self.idle_secs,
            self.absolute_secs,
        );
        if !live {
            let mut conn = self.db.write_one().await.map_err(backend)?;
            sessions::delete(&mut conn, &hash).await.map_err(backend)?;
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_EVERY_SECS {
            let mut conn = self.db.write_one().await.map_err(backend)?;
            sessions::touch(&mut conn, &hash, now)
                .await
                .map_err(backend)?;
        }
        let data = self
            .keys
            .decrypt(&row.data)
            .map_err(|e| Error::Decode(e.to_string()))?;
        let data = serde_json::from_slice(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry = time::OffsetDateTime::from_unix_timestamp(idle_end.min(absolute_end))
            .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: expiry,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let mut conn = self.db.write_one().await.map_err(backend)?;
        sessions::delete(&mut conn, &id_hash(id))
            .await
            .map_err(backend)
    }
}

/// The layer that puts a [`Session`] on every request: cookie `gatehouse_session`,
/// HttpOnly, SameSite=Lax, path `/`, `Secure` when `secure`; it lasts for the
/// browser session while the server enforces the timeouts.
pub fn layer(store: DbSessionStore, secure: bool) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnSessionEnd)
}

/// The signed-in account of a session, if any.
pub async fn account_id(session: &Session) -> anyhow::Result<Option<AccountId>> {
    Ok(session.get::<i64>(ACCOUNT_KEY).await?.map(AccountId))
}

/// Signs `account_id` in by `method`: a new session id (no fixation), then the
/// account, the method, a new `sid` and the address and browser it signed in from
/// (`meta`). An admin confirmation or a sign-in time left by an earlier account of
/// the same browser does not carry over.
pub async fn sign_in(
    session: &Session,
    account_id: AccountId,
    method: SignInMethod,
    meta: &RequestMeta,
) -> anyhow::Result<()> {
    session.cycle_id().await?;
    session.remove_value(ADMIN_CONFIRMED_KEY).await?;
    session.remove_value(SIGNED_IN_AT_KEY).await?;
    session.insert(ACCOUNT_KEY, account_id.0).await?;
    session.insert(METHOD_KEY, method.as_str()).await?;
    let sid: [u8; 16] = rand::Rng::gen(&mut rand::rngs::OsRng);
    session.insert(SID_KEY, hex::encode(sid)).await?;
    session.insert(IP_KEY, &meta.ip).await?;
    session.insert(USER_AGENT_KEY, &meta.user_agent).await?;
    Ok(())
}

/// What a signed-in session says of its sign-in, for OpenID Connect's
/// `auth_time`, `amr` and `sid` claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFacts {
    /// When the account signed in (Unix seconds).
    pub signed_in_at: i64,
    /// How; `None` for a session signed in before it was recorded.
    pub method: Option<SignInMethod>,
    /// 32 hex digits; a session signed in before it was recorded gets its
    /// public id's.
    pub sid: String,
}

/// The [`SignInFacts`] of a signed-in session (`None` without an account or a
/// sign-in time).
pub async fn sign_in_facts(session: &Session) -> anyhow::Result<Option<SignInFacts>> {
    if account_id(session).await?.is_none() {
        return Ok(None);
    }
    let Some(signed_in_at) = session.get::<i64>(SIGNED_IN_AT_KEY).await? else {
        return Ok(None);
    };
    let method = session
        .get::<String>(METHOD_KEY)
        .await?
        .and_then(|m| SignInMethod::try_from(m).ok());
    let sid = match session.get::<String>(SID_KEY).await? {
        Some(sid) => sid,
        None => session
            .id()
            .map(|id| public_id(&id_hash(&id)))
            .unwrap_or_default(),
    };
    Ok(Some(SignInFacts {
        signed_in_at,
        method,
        sid,
    }))
}

/// Records that the signed-in admin confirmed it is them at `now` (Unix seconds):
/// a raise of privilege, so the session gets a new id first (OWASP Session
/// Management Cheat Sheet, "Renew the Session ID After Any Privilege Level Change").
pub async fn confirm_admin(session: &Session, now: i64) -> anyhow::Result<()> {
    session.cycle_id().await?;
    session.insert(ADMIN_CONFIRMED_KEY, now).await?;
    Ok(())
}

/// When the session's admin last confirmed it is them (Unix seconds), if ever.
pub async fn admin_confirmed_at(session: &Session) -> anyhow::Result<Option<i64>> {
    Ok(session.get::<i64>(ADMIN_CONFIRMED_KEY).await?)
}

/// The id pages and responses name a session by (docs/DESIGN.md §5): 32 hex
/// digits of SHA-256 over a domain label and the stored id hash. It cannot be
/// turned back into the session id (nor into its stored hash), so showing it
/// gives no way into the session.
pub fn public_id(id_hash: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"gatehouse session public id\0")
        .chain_update(id_hash)
        .finalize();
    hex::encode(&digest[..16])
}

/// What a stored session's data says of where it signed in: `(ip, user_agent)`,
/// empty for a session signed in before they were recorded.
///
/// Errors: data that does not decrypt under `keys` or parse.
pub fn origin(keys: &DataKeys, data: &[u8]) -> anyhow::Result<(String, String)> {
    let data: std::collections::HashMap<String, serde_json::Value> =
        serde_json::from_slice(&keys.decrypt(data)?)?;
    let text = |key: &str| {
        data.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    Ok((text(IP_KEY), text(USER_AGENT_KEY)))
}

/// Whether a session last seen at `last_seen_at` and created at `created_at` is
/// still live at `now` under the idle and absolute timeouts (seconds).
pub fn is_live(
    now: i64,
    created_at: i64,
    last_seen_at: i64,
    idle_secs: i64,
    absolute_secs: i64,
) -> bool {
    now < last_seen_at + idle_secs && now < created_at + absolute_secs
}

/// Ends the session on the server: the record is deleted, the cookie worthless.
pub async fn sign_out(session: &Session) -> anyhow::Result<()> {
    session.flush().await?;
    Ok(())
}
