//! Retention (docs/DESIGN.md §7; Privacy Policy §4): sign-in history, SMS code rows,
//! and sessions and known browsers not seen for `GATEHOUSE_RETENTION_DAYS` (default
//! 180) are deleted by a periodic purge. Safe with several instances: each run is a few `DELETE …
//! WHERE time < cutoff` statements, which any instance may run at any time, in any
//! order, any number of times, with the same end state. The consent ledger and the
//! audit log are kept (they are the proof of what was agreed and done).

use crate::server::clock::Clock;
use crate::server::db::{
    known_browsers, oidc_grants, otp_codes, pow_redemptions, sessions, sign_ins, Db,
};
use std::time::Duration;

/// How often a running server purges.
pub const PURGE_EVERY: Duration = Duration::from_secs(3_600);

/// What one purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sign_ins: u64,
    /// Code rows and wrong-try rows together.
    pub otp_rows: u64,
    pub sessions: u64,
    /// Browsers an account has not used since the cutoff.
    pub known_browsers: u64,
    /// Redeemed proof-of-work challenges past their expiry (kept only that long).
    pub pow_redemptions: u64,
    /// OpenID Connect requests past their expiry, codes and refresh tokens a day
    /// past it (kept that long so a used one presented again is still recognized).
    pub oidc: u64,
}

/// Deletes what is older than `days` days at the clock's now: sign-in attempts
/// made, codes sent and wrong tries made before the cutoff, and sessions last seen
/// before it, browsers not used since; redeemed proof-of-work challenges once
/// expired. One transaction.
///
/// Errors: storage failures (nothing is deleted then).
pub async fn purge(db: &Db, clock: &dyn Clock, days: u32) -> anyhow::Result<Purged> {
    let cutoff = clock.unix() - i64::from(days) * 86_400;
    let mut tx = db.write(&[]).await?;
    let purged = Purged {
        sign_ins: sign_ins::delete_before(&mut tx, cutoff).await?,
        otp_rows: otp_codes::delete_before(&mut tx, cutoff).await?,
        sessions: sessions::delete_unseen_since(&mut tx, cutoff).await?,
        known_browsers: known_browsers::delete_unseen_since(&mut tx, cutoff).await?,
        pow_redemptions: pow_redemptions::delete_expired(&mut tx, clock.unix()).await?,
        oidc: oidc_grants::purge_expired(&mut tx, clock.unix()).await?,
    };
    tx.commit().await?;
    Ok(purged)
}

/// Purges every [`PURGE_EVERY`] (the first right away) until the task is dropped;
/// a failure is logged and retried at the next tick.
pub async fn purge_forever(db: Db, clock: std::sync::Arc<dyn Clock>, days: u32) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match purge(&db, clock.as_ref(), days).await {
            Ok(p) if p != Purged::default() => tracing::info!(
                sign_ins = p.sign_ins,
                otp_rows = p.otp_rows,
                sessions = p.sessions,
                known_browsers = p.known_browsers,
                pow_redemptions = p.pow_redemptions,
                oidc = p.oidc,
                "retention purge"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "retention purge failed; retrying"),
        }
    }
}
