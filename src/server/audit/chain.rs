//! The audit chain's hash, pure: `hash(n) = SHA-256("gatehouse audit v1" ||
//! hash(n-1) || event n as stored)`, with [`GENESIS`] before the first event. Every
//! column the database stores is covered, each length-prefixed (text as UTF-8,
//! numbers as 8 bytes big-endian, a NULL apart from every value), so no two
//! different rows hash alike and the same row hashes alike on SQLite and
//! PostgreSQL.

use crate::server::db::audit::StoredEvent;
use sha2::{Digest, Sha256};

/// The hash "before" the first event: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// The hash of the link after `previous` that seals `event`.
pub fn next(previous: &[u8; 32], event: &StoredEvent) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"gatehouse audit v1");
    h.update(previous);
    let int = |h: &mut Sha256, n: i64| h.update(n.to_be_bytes());
    let bytes = |h: &mut Sha256, b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    let optional = |h: &mut Sha256, n: Option<i64>| match n {
        None => h.update([0]),
        Some(n) => {
            h.update([1]);
            h.update(n.to_be_bytes());
        }
    };
    int(&mut h, event.id);
    int(&mut h, event.at);
    bytes(&mut h, event.actor_kind.as_bytes());
    optional(&mut h, event.actor_id);
    optional(&mut h, event.subject_id);
    bytes(&mut h, event.action.as_bytes());
    bytes(&mut h, event.result.as_bytes());
    bytes(&mut h, &event.ip);
    bytes(&mut h, &event.user_agent);
    bytes(&mut h, event.request_id.as_bytes());
    bytes(&mut h, event.details.as_bytes());
    h.finalize().into()
}

/// A stored seal hash as 32 bytes.
///
/// Errors: a stored hash of another length.
pub fn link_hash_of(stored: &[u8]) -> anyhow::Result<[u8; 32]> {
    stored
        .try_into()
        .map_err(|_| anyhow::anyhow!("a stored audit seal hash is {} bytes, not 32", stored.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> StoredEvent {
        StoredEvent {
            id: 7,
            at: 1_700_000_000,
            actor_kind: "account".into(),
            actor_id: Some(3),
            subject_id: Some(3),
            action: "sign-in".into(),
            result: "success".into(),
            ip: vec![1, 2, 3],
            user_agent: vec![4, 5],
            request_id: "r-1".into(),
            details: r#"{"method":"password"}"#.into(),
        }
    }

    #[test]
    fn every_column_and_the_previous_hash_change_the_link() {
        let base = next(&GENESIS, &event());
        assert_eq!(base, next(&GENESIS, &event()), "deterministic");
        assert_ne!(base, next(&[1; 32], &event()));
        let changes: [fn(&mut StoredEvent); 11] = [
            |e| e.id += 1,
            |e| e.at += 1,
            |e| e.actor_kind = "operator".into(),
            |e| e.actor_id = None,
            |e| e.subject_id = Some(4),
            |e| e.action = "sign-out".into(),
            |e| e.result = "refused".into(),
            |e| e.ip.push(0),
            |e| e.user_agent.clear(),
            |e| e.request_id = "r-2".into(),
            |e| e.details = "{}".into(),
        ];
        for change in changes {
            let mut e = event();
            change(&mut e);
            assert_ne!(next(&GENESIS, &e), base, "{e:?}");
        }
    }

    #[test]
    fn moving_bytes_between_columns_changes_the_link() {
        let mut a = event();
        let mut b = event();
        a.action = "sign-in".into();
        a.result = "xsuccess".into();
        b.action = "sign-inx".into();
        b.result = "success".into();
        assert_ne!(next(&GENESIS, &a), next(&GENESIS, &b));
        let (mut c, mut d) = (event(), event());
        c.actor_id = None;
        c.subject_id = Some(3);
        d.actor_id = Some(3);
        d.subject_id = None;
        assert_ne!(next(&GENESIS, &c), next(&GENESIS, &d));
    }
}
