//! The consent ledger, `consent_records`: which version of which document an
//! account accepted, when, from where and how (docs/DESIGN.md §4). Append-only: the
//! database refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL). The IP and
//! browser are encrypted under the account's own key ([`account_keys`]), so
//! destroying the key erases them without changing a row (§7).

use super::account_keys;
use super::accounts::AccountId;
use super::{stored_names, to_u32, Backend, Conn, Db, Flag, Lock, Timestamp};
use crate::domain::DocumentKind;
use crate::server::crypto::{AccountKey, DataKeys};

/// How a consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentMethod {
    /// Ticked on the sign-up form.
    SignUp,
    /// "Agree and Continue" on the consent page.
    Reconsent,
    /// The marketing switch of the account center.
    AccountCenter,
    /// Withdrawn by the erasure of the account (docs/DESIGN.md §7).
    Erasure,
}

stored_names!(ConsentMethod {
    SignUp => "sign-up",
    Reconsent => "re-consent",
    AccountCenter => "account-center",
    Erasure => "erasure",
});

/// The version the marketing rows carry: the switch's wording has one version.
const MARKETING_VERSION: i64 = 1;

/// One row of the ledger, as its account sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsentRow {
    #[sqlx(try_from = "String")]
    pub document: DocumentKind,
    #[sqlx(try_from = "i64")]
    pub version: u32,
    pub accepted_at: Timestamp,
    #[sqlx(try_from = "String")]
    pub method: ConsentMethod,
}

/// Consents given together.
#[derive(Debug, Clone)]
pub struct NewConsents {
    pub account_id: AccountId,
    /// (document, version) pairs.
    pub documents: Vec<(DocumentKind, u32)>,
    pub accepted_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    pub method: ConsentMethod,
}

/// Appends the rows, the IP and browser encrypted under the account's key,
/// skipping a (document, version) the account has already accepted, so concurrent
/// agreements write it once. Returns how many were written.
pub async fn append(conn: &mut Conn, keys: &DataKeys, c: &NewConsents) -> anyhow::Result<u32> {
    let key = account_keys::for_writing(conn, keys, c.account_id).await?;
    let (ip, user_agent) = (
        key.encrypt(c.ip.as_bytes()),
        key.encrypt(c.user_agent.as_bytes()),
    );
    let mut written = 0;
    for (document, version) in &c.documents {
        let done = sqlx::query(
            "INSERT INTO consent_records (account_id, document, version, accepted_at, ip, \
             user_agent, method) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (account_id, document, version) WHERE document <> 'marketing' \
             DO NOTHING",
        )
        .bind(c.account_id)
        .bind(document.as_str())
        .bind(i64::from(*version))
        .bind(c.accepted_at)
        .bind(&ip)
        .bind(&user_agent)
        .bind(c.method.as_str())
        .execute(&mut *conn)
        .await?;
        written += to_u32(done.rows_affected() as i64)?;
    }
    Ok(written)
}

/// The account's ledger, oldest first. Rows of documents this version does not
/// know (`marketing`, which the schema allows for later) are left out.
pub async fn of_account(conn: &mut Conn, account: AccountId) -> anyhow::Result<Vec<ConsentRow>> {
    Ok(sqlx::query_as(
        "SELECT document, version, accepted_at, method FROM consent_records \
         WHERE account_id = $1 AND document IN ('agreement', 'privacy') ORDER BY accepted_at, id",
    )
    .bind(account)
    .fetch_all(conn)
    .await?)
}

/// A switch of marketing consent (docs/DESIGN.md §5): on or off, when, from where.
#[derive(Debug, Clone)]
pub struct MarketingChoice {
    pub account_id: AccountId,
    pub granted: bool,
    pub at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    pub method: ConsentMethod,
}

/// Appends one marketing row (document `marketing`, `granted` on or off), the IP
/// and browser under the account's key. Every switch is a row of its own.
pub async fn record_marketing(
    conn: &mut Conn,
    keys: &DataKeys,
    c: &MarketingChoice,
) -> anyhow::Result<()> {
    let key = account_keys::for_writing(conn, keys, c.account_id).await?;
    sqlx::query(
        "INSERT INTO consent_records (account_id, document, version, accepted_at, ip, \
         user_agent, method, granted) VALUES ($1, 'marketing', $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.account_id)
    .bind(MARKETING_VERSION)
    .bind(c.at)
    .bind(key.encrypt(c.ip.as_bytes()))
    .bind(key.encrypt(c.user_agent.as_bytes()))
    .bind(c.method.as_str())
    .bind(c.granted)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account's current marketing choice, from its newest row: `(granted, since)`;
/// `None` when it never chose (off).
pub async fn marketing_of(
    conn: &mut Conn,
    account: AccountId,
) -> anyhow::Result<Option<(bool, Timestamp)>> {
    #[derive(sqlx::FromRow)]
    struct Latest {
        #[sqlx(try_from = "Flag")]
        granted: bool,
        accepted_at: Timestamp,
    }
    let latest: Option<Latest> = sqlx::query_as(
        "SELECT granted, accepted_at FROM consent_records \
         WHERE account_id = $1 AND document = 'marketing' ORDER BY accepted_at DESC, id DESC",
    )
    .bind(account)
    .fetch_optional(conn)
    .await?;
    Ok(latest.map(|l| (l.granted, l.accepted_at)))
}

/// One row of the ledger with everything it holds, for the account's download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// `agreement`, `privacy` or `marketing`.
    pub document: String,
    pub version: u32,
    /// Always `true` for documents; on or off for marketing.
    pub granted: bool,
    pub accepted_at: Timestamp,
    pub method: ConsentMethod,
    /// `None` when not recorded (marketing choices made before the ledger held them).
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Every row of the account's ledger, oldest first, decrypted under `key`.
///
/// Errors: storage failures; a row that does not decrypt.
pub async fn ledger_of(
    conn: &mut Conn,
    key: &AccountKey,
    account: AccountId,
) -> anyhow::Result<Vec<LedgerRow>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        document: String,
        #[sqlx(try_from = "i64")]
        version: u32,
        #[sqlx(try_from = "Flag")]
        granted: bool,
        accepted_at: Timestamp,
        #[sqlx(try_from = "String")]
        method: ConsentMethod,
        ip: Vec<u8>,
        user_agent: Vec<u8>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT document, version, granted, accepted_at, method, ip, user_agent \
         FROM consent_records WHERE account_id = $1 ORDER BY accepted_at, id",
    )
    .bind(account)
    .fetch_all(conn)
    .await?;
    let text = |bytes: &[u8]| -> anyhow::Result<Option<String>> {
        if bytes.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            String::from_utf8_lossy(&key.decrypt(bytes)?).into_owned(),
        ))
    };
    rows.into_iter()
        .map(|r| {
            Ok(LedgerRow {
                ip: text(&r.ip)?,
                user_agent: text(&r.user_agent)?,
                document: r.document,
                version: r.version,
                granted: r.granted,
                accepted_at: r.accepted_at,
                method: r.method,
            })
        })
        .collect()
}

/// When `document` was first accepted by anyone, if ever.
pub async fn first_accepted_at(
    conn: &mut Conn,
    document: DocumentKind,
) -> anyhow::Result<Option<Timestamp>> {
    Ok(
        sqlx::query_scalar("SELECT MIN(accepted_at) FROM consent_records WHERE document = $1")
            .bind(document.as_str())
            .fetch_one(conn)
            .await?,
    )
}

/// Where and in what browser the account accepted each row of its ledger, oldest
/// first: `(document, version, ip, user_agent)`, or `None` for all once the
/// account's key is destroyed.
///
/// Errors: storage failures; a row that does not decrypt under a key that exists.
pub async fn origins_of(
    conn: &mut Conn,
    keys: &DataKeys,
    account: AccountId,
) -> anyhow::Result<Option<Vec<(DocumentKind, u32, String, String)>>> {
    let Some(key) = account_keys::for_reading(conn, keys, account).await? else {
        return Ok(None);
    };
    #[derive(sqlx::FromRow)]
    struct Origin {
        #[sqlx(try_from = "String")]
        document: DocumentKind,
        #[sqlx(try_from = "i64")]
        version: u32,
        ip: Vec<u8>,
        user_agent: Vec<u8>,
    }
    let rows: Vec<Origin> = sqlx::query_as(
        "SELECT document, version, ip, user_agent FROM consent_records \
         WHERE account_id = $1 AND document IN ('agreement', 'privacy') ORDER BY accepted_at, id",
    )
    .bind(account)
    .fetch_all(&mut *conn)
    .await?;
    let text = |bytes: &[u8]| -> anyhow::Result<String> {
        Ok(String::from_utf8_lossy(&key.decrypt(bytes)?).into_owned())
    };
    rows.into_iter()
        .map(|r| Ok((r.document, r.version, text(&r.ip)?, text(&r.user_agent)?)))
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

/// Writes the marketing opt-ins the migration to the account center set aside
/// (`marketing_opt_ins_plain`, from the old `accounts.marketing_opt_in` column) into
/// the ledger as `granted` rows of method `sign-up` at the account's creation, with
/// empty IP and browser ("not recorded": the column did not keep them), then drops
/// that table: one transaction, once. Runs after [`migrate_plain_rows`], so the
/// moved rows keep their ids. Returns how many were written.
///
/// Errors: storage failures (nothing is written then).
pub async fn migrate_marketing_opt_ins(db: &Db) -> anyhow::Result<u64> {
    let mut tx = db.write(&[Lock::Schema]).await?;
    if !table_exists(db.backend(), &mut tx, "marketing_opt_ins_plain").await? {
        return Ok(0);
    }
    let written = sqlx::query(
        "INSERT INTO consent_records (account_id, document, version, accepted_at, ip, \
         user_agent, method, granted) \
         SELECT account_id, 'marketing', $1, created_at, $2, $3, 'sign-up', $4 \
         FROM marketing_opt_ins_plain ORDER BY account_id",
    )
    .bind(MARKETING_VERSION)
    .bind(Vec::<u8>::new())
    .bind(Vec::<u8>::new())
    .bind(true)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("DROP TABLE marketing_opt_ins_plain")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(written)
}

/// Whether `table` exists in the current schema.
async fn table_exists(backend: Backend, conn: &mut Conn, table: &str) -> anyhow::Result<bool> {
    let count: i64 = match backend {
        Backend::Sqlite => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(table)
            .fetch_one(conn)
            .await?
        }
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_one(conn)
            .await?
        }
    };
    Ok(count > 0)
}

/// Moves the rows a database kept in plain text before account keys existed
/// (`consent_records_plain`, set aside by the migration that introduced them) into
/// the ledger, encrypted under each account's key, with their ids, then drops
/// that table: one transaction, once (a second instance starting meanwhile finds
/// nothing left to move). Returns how many rows were moved.
///
/// Errors: storage failures (nothing is moved then).
pub async fn migrate_plain_rows(db: &Db, keys: &DataKeys) -> anyhow::Result<u64> {
    let mut tx = db.write(&[Lock::Schema]).await?;
    if !table_exists(db.backend(), &mut tx, "consent_records_plain").await? {
        return Ok(0);
    }
    #[derive(sqlx::FromRow)]
    struct Plain {
        id: i64,
        account_id: AccountId,
        document: String,
        version: i64,
        accepted_at: Timestamp,
        ip: String,
        user_agent: String,
        method: String,
    }
    let rows: Vec<Plain> = sqlx::query_as(
        "SELECT id, account_id, document, version, accepted_at, ip, user_agent, method \
         FROM consent_records_plain ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    for r in &rows {
        let key = account_keys::for_writing(&mut tx, keys, r.account_id).await?;
        sqlx::query(
            "INSERT INTO consent_records (id, account_id, document, version, accepted_at, ip, \
             user_agent, method) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(r.id)
        .bind(r.account_id)
        .bind(&r.document)
        .bind(r.version)
        .bind(r.accepted_at)
        .bind(key.encrypt(r.ip.as_bytes()))
        .bind(key.encrypt(r.user_agent.as_bytes()))
        .bind(&r.method)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DROP TABLE consent_records_plain")
        .execute(&mut *tx)
        .await?;
    if db.backend() == Backend::Postgres {
        // The new table's ids continue after the moved ones.
        sqlx::query(
            "SELECT setval('consent_records_id_seq', \
             COALESCE((SELECT MAX(id) FROM consent_records), 0) + 1, false)",
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}
