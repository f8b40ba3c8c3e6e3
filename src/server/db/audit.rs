//! The audit log's tables (docs/DESIGN.md §10): `audit_events`, one row per change,
//! and `audit_seals`, the hash chain over them in the order they were sealed. Both
//! append-only.

use super::accounts::AccountId;
use super::{Conn, Timestamp};

/// An event about to be appended; `ip` and `user_agent` already encrypted.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub at: Timestamp,
    pub actor_kind: &'static str,
    pub actor_id: Option<AccountId>,
    pub subject_id: Option<AccountId>,
    pub action: &'static str,
    pub result: &'static str,
    pub ip: Vec<u8>,
    pub user_agent: Vec<u8>,
    pub request_id: String,
    /// JSON without personal data.
    pub details: String,
}

/// An event exactly as the database holds it: the names as stored text, so a
/// verification hashes what is there, whatever it is.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: i64,
    pub at: Timestamp,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub action: String,
    pub result: String,
    pub ip: Vec<u8>,
    pub user_agent: Vec<u8>,
    pub request_id: String,
    pub details: String,
}

/// One link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Seal {
    pub seq: i64,
    pub event_id: i64,
    /// SHA-256, 32 bytes.
    pub hash: Vec<u8>,
    pub sealed_at: Timestamp,
}

const EVENT_COLUMNS: &str = "e.id, e.at, e.actor_kind, e.actor_id, e.subject_id, e.action, \
    e.result, e.ip, e.user_agent, e.request_id, e.details";

/// Appends the event; returns its id.
pub async fn insert(conn: &mut Conn, e: &NewAuditEvent) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_events (at, actor_kind, actor_id, subject_id, action, result, ip, \
         user_agent, request_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING id",
    )
    .bind(e.at)
    .bind(e.actor_kind)
    .bind(e.actor_id)
    .bind(e.subject_id)
    .bind(e.action)
    .bind(e.result)
    .bind(&e.ip)
    .bind(&e.user_agent)
    .bind(&e.request_id)
    .bind(&e.details)
    .fetch_one(conn)
    .await?)
}

/// Up to `limit` events with an id above `after_id` not sealed yet, by id.
pub async fn unsealed(
    conn: &mut Conn,
    after_id: i64,
    limit: u32,
) -> anyhow::Result<Vec<StoredEvent>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events e LEFT JOIN audit_seals s ON s.event_id = e.id \
         WHERE e.id > $1 AND s.event_id IS NULL ORDER BY e.id LIMIT $2"
    ))
    .bind(after_id)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?)
}

/// The ids of sealed events from `from_id` on.
pub async fn sealed_from(conn: &mut Conn, from_id: i64) -> anyhow::Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT event_id FROM audit_seals WHERE event_id >= $1")
            .bind(from_id)
            .fetch_all(conn)
            .await?,
    )
}

/// The highest sealed event id (0 when nothing is sealed).
pub async fn max_sealed_event(conn: &mut Conn) -> anyhow::Result<i64> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(event_id) FROM audit_seals")
        .fetch_one(conn)
        .await?;
    Ok(max.unwrap_or(0))
}

/// How many events are not sealed yet.
pub async fn unsealed_count(conn: &mut Conn) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events e LEFT JOIN audit_seals s ON s.event_id = e.id \
         WHERE s.event_id IS NULL",
    )
    .fetch_one(conn)
    .await?)
}

/// The newest seal, if any.
pub async fn last_seal(conn: &mut Conn) -> anyhow::Result<Option<Seal>> {
    Ok(sqlx::query_as(
        "SELECT seq, event_id, hash, sealed_at FROM audit_seals ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn insert_seal(conn: &mut Conn, seal: &Seal) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO audit_seals (seq, event_id, hash, sealed_at) VALUES ($1, $2, $3, $4)")
        .bind(seal.seq)
        .bind(seal.event_id)
        .bind(&seal.hash)
        .bind(seal.sealed_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Up to `limit` seals after `after_seq`, in chain order, each with its event (or
/// `None` when the event row is gone).
pub async fn chain_after(
    conn: &mut Conn,
    after_seq: i64,
    limit: u32,
) -> anyhow::Result<Vec<(Seal, Option<StoredEvent>)>> {
    let seals: Vec<Seal> = sqlx::query_as(
        "SELECT seq, event_id, hash, sealed_at FROM audit_seals WHERE seq > $1 \
         ORDER BY seq LIMIT $2",
    )
    .bind(after_seq)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let mut links = Vec::with_capacity(seals.len());
    for seal in seals {
        let event = sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM audit_events e WHERE e.id = $1"
        ))
        .bind(seal.event_id)
        .fetch_optional(&mut *conn)
        .await?;
        links.push((seal, event));
    }
    Ok(links)
}

/// The newest `limit` events, newest first; only those about `subject` when given.
pub async fn recent(
    conn: &mut Conn,
    subject: Option<AccountId>,
    limit: u32,
) -> anyhow::Result<Vec<StoredEvent>> {
    let filter = if subject.is_some() {
        "WHERE e.subject_id = $2"
    } else {
        ""
    };
    let query =
        format!("SELECT {EVENT_COLUMNS} FROM audit_events e {filter} ORDER BY e.id DESC LIMIT $1");
    let mut query = sqlx::query_as(&query).bind(i64::from(limit));
    if let Some(subject) = subject {
        query = query.bind(subject);
    }
    Ok(query.fetch_all(conn).await?)
}

/// Which events [`search`] reads; every part given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// The account the events are about.
    pub subject: Option<AccountId>,
    /// The action's stored name (`sign-in`, `account-suspended`, ...).
    pub action: Option<String>,
    /// The actor's kind (`visitor`, `account`, `admin`, `operator`, `system`).
    pub actor_kind: Option<String>,
    /// The actor's account id (an account or an admin).
    pub actor_id: Option<AccountId>,
    /// From this instant on (Unix seconds, inclusive).
    pub from: Option<Timestamp>,
    /// Before this instant (Unix seconds, exclusive).
    pub until: Option<Timestamp>,
    /// Only events with a lower id (the page before).
    pub before_id: Option<i64>,
}

/// Up to `limit` events matching `filter`, newest (highest id) first.
pub async fn search(
    conn: &mut Conn,
    filter: &EventFilter,
    limit: u32,
) -> anyhow::Result<Vec<StoredEvent>> {
    // Each condition binds its own numbered parameter; `limit` is the last one.
    let mut conditions = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    if filter.subject.is_some() {
        conditions.push(format!("e.subject_id = ${}", next()));
    }
    if filter.action.is_some() {
        conditions.push(format!("e.action = ${}", next()));
    }
    if filter.actor_kind.is_some() {
        conditions.push(format!("e.actor_kind = ${}", next()));
    }
    if filter.actor_id.is_some() {
        conditions.push(format!("e.actor_id = ${}", next()));
    }
    if filter.from.is_some() {
        conditions.push(format!("e.at >= ${}", next()));
    }
    if filter.until.is_some() {
        conditions.push(format!("e.at < ${}", next()));
    }
    if filter.before_id.is_some() {
        conditions.push(format!("e.id < ${}", next()));
    }
    let limit_at = next();
    let filter_sql = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events e {filter_sql} ORDER BY e.id DESC LIMIT ${limit_at}"
    );
    let mut query = sqlx::query_as(&sql);
    if let Some(subject) = filter.subject {
        query = query.bind(subject);
    }
    if let Some(action) = &filter.action {
        query = query.bind(action.clone());
    }
    if let Some(kind) = &filter.actor_kind {
        query = query.bind(kind.clone());
    }
    if let Some(actor) = filter.actor_id {
        query = query.bind(actor);
    }
    if let Some(from) = filter.from {
        query = query.bind(from);
    }
    if let Some(until) = filter.until {
        query = query.bind(until);
    }
    if let Some(before) = filter.before_id {
        query = query.bind(before);
    }
    Ok(query.bind(i64::from(limit)).fetch_all(conn).await?)
}
