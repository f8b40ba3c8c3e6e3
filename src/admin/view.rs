//! What the admin area reads (docs/DESIGN.md §6): an account's page, the misuse
//! reports, the invitation codes and their uses, the audit log and its chain.
//! Reads write nothing, but the account lookup ([`super::service::find_account`]).

use super::form::{ActorFilter, AuditFilter};
use super::types::*;
use crate::account::view::summary;
use crate::server::audit::{self, AuditAction};
use crate::server::clock::china_datetime;
use crate::server::db::accounts::{self, Account, AccountId};
use crate::server::db::audit::{EventFilter, StoredEvent};
use crate::server::db::{account_keys, invitations, misuse_reports};
use crate::server::state::AppState;

/// Events shown on an account's page.
const ACCOUNT_EVENTS: u32 = 50;
/// Rows of one audit log page.
pub const AUDIT_PAGE_ROWS: u32 = 50;
/// Invitation codes listed, newest first.
const INVITATIONS_LISTED: u32 = 200;

fn row(e: StoredEvent) -> AuditRow {
    AuditRow {
        id: e.id,
        at: china_datetime(e.at),
        actor: e.actor_kind,
        actor_id: e.actor_id,
        subject_id: e.subject_id,
        action: e.action,
        result: e.result,
        request_id: e.request_id,
        details: e.details,
    }
}

/// The number of `account`, masked; empty for a deleted account.
fn masked(state: &AppState, account: &Account) -> String {
    if account.deleted_at.is_some() {
        return String::new();
    }
    crate::account::service::phone_of(state, account)
        .map(|p| p.masked())
        .unwrap_or_default()
}

/// The asking admin's status.
pub fn status(state: &AppState, admin: &Account, confirmed_secs_left: u64) -> AdminStatus {
    AdminStatus {
        masked_phone: masked(state, admin),
        confirmed_secs_left,
    }
}

/// The page of account `id`: its status, sign-ins, live sessions, consents and
/// newest audit events (no profile: the admin area does not need it).
///
/// Errors: `Ok(None)` when there is no such account; storage failures.
pub async fn account(state: &AppState, id: AccountId) -> anyhow::Result<Option<AdminAccountView>> {
    let mut conn = state.db.read().await?;
    let Some(account) = accounts::by_id(&mut conn, id).await? else {
        return Ok(None);
    };
    let invitation_code = accounts::invitation_code_of(&mut conn, id).await?;
    let filter = EventFilter {
        subject: Some(id),
        ..EventFilter::default()
    };
    let events = crate::server::db::audit::search(&mut conn, &filter, ACCOUNT_EVENTS)
        .await?
        .into_iter()
        .map(row)
        .collect();
    drop(conn);
    let status = if account.deleted_at.is_some() {
        AccountStatus::Deleted
    } else if account.suspended {
        AccountStatus::Suspended
    } else {
        AccountStatus::Active
    };
    let (sign_ins, sessions, consents) = if status == AccountStatus::Deleted {
        Default::default()
    } else {
        let s = summary(state, &account, &[]).await?;
        (s.sign_ins, s.sessions, s.consents)
    };
    Ok(Some(AdminAccountView {
        id: id.0,
        masked_phone: masked(state, &account),
        status,
        admin: account.admin,
        created_at: china_datetime(account.created_at),
        invitation_code,
        sign_ins,
        sessions,
        consents,
        events,
    }))
}

/// The open misuse reports, oldest first, then the 20 handled last.
///
/// Errors: storage failures.
pub async fn reports(state: &AppState) -> anyhow::Result<Vec<ReportRow>> {
    let mut conn = state.db.read().await?;
    let listed = misuse_reports::for_admin(&mut conn, 200, 20).await?;
    let mut rows = Vec::with_capacity(listed.len());
    for r in listed {
        // Under the account's key: gone with a deleted account.
        let note = match account_keys::for_reading(&mut conn, &state.keys, r.account_id).await? {
            Some(key) => key
                .decrypt(&r.report.note)
                .map(|n| String::from_utf8_lossy(&n).into_owned())
                .unwrap_or_default(),
            None => String::new(),
        };
        rows.push(ReportRow {
            id: r.report.id,
            account_id: r.account_id.0,
            subject: r.report.subject.as_str().to_owned(),
            reference: r.report.reference,
            note,
            created_at: china_datetime(r.report.created_at),
            handled_at: r.report.handled_at.map(china_datetime),
        });
    }
    Ok(rows)
}

/// The newest 200 invitation codes, newest first.
///
/// Errors: storage failures.
pub async fn invitations(state: &AppState) -> anyhow::Result<Vec<InvitationRow>> {
    let mut conn = state.db.read().await?;
    let now = state.clock.unix();
    let rows = invitations::newest(&mut conn, INVITATIONS_LISTED).await?;
    Ok(rows
        .into_iter()
        .map(|i| {
            let expired = i.expires_at <= now;
            let quota = u32::try_from(i.quota).unwrap_or(u32::MAX);
            let used = u32::try_from(i.used).unwrap_or(u32::MAX);
            let note = i
                .note
                .and_then(|n| state.keys.decrypt(&n).ok())
                .map(|n| String::from_utf8_lossy(&n).into_owned())
                .unwrap_or_default();
            InvitationRow {
                left: if i.active && !expired {
                    quota.saturating_sub(used)
                } else {
                    0
                },
                code: i.code,
                quota,
                used,
                expires_at: china_datetime(i.expires_at),
                expired,
                active: i.active,
                note,
                created_at: china_datetime(i.created_at),
            }
        })
        .collect())
}

/// Who signed up with `code`: each account's masked number and when, oldest
/// first; `None` when there is no such code.
///
/// Errors: storage failures.
pub async fn invitation_uses(
    state: &AppState,
    code: &crate::domain::InvitationCode,
) -> anyhow::Result<Option<Vec<InvitationUse>>> {
    let mut conn = state.db.read().await?;
    let Some(found) = invitations::by_code(&mut conn, code.as_str()).await? else {
        return Ok(None);
    };
    let uses = accounts::of_invitation(&mut conn, found.id).await?;
    Ok(Some(
        uses.into_iter()
            .map(|(phone, at)| InvitationUse {
                masked_phone: state
                    .keys
                    .decrypt(&phone)
                    .ok()
                    .and_then(|p| {
                        crate::domain::PhoneNumber::parse(&String::from_utf8_lossy(&p)).ok()
                    })
                    .map(|p| p.masked())
                    .unwrap_or_default(),
                at: china_datetime(at),
            })
            .collect(),
    ))
}

/// One page of the audit log under `filter`, newest first.
///
/// Errors: storage failures; a day that does not convert (checked by the form).
pub async fn audit_page(state: &AppState, filter: &AuditFilter) -> anyhow::Result<AuditPage> {
    let day_start = |day: &str| crate::legal::server::parse_effective(day);
    let (actor_kind, actor_id) = match &filter.actor {
        None => (None, None),
        Some(ActorFilter::Kind(kind)) => (Some(kind.clone()), None),
        Some(ActorFilter::Account(id)) => (None, Some(AccountId(*id))),
    };
    let query = EventFilter {
        subject: filter.account.map(AccountId),
        action: filter.action.clone(),
        actor_kind,
        actor_id,
        from: filter.from.as_deref().map(day_start).transpose()?,
        until: filter
            .to
            .as_deref()
            .map(|d| day_start(d).map(|t| t + 86_400))
            .transpose()?,
        before_id: filter.before,
    };
    let mut conn = state.db.read().await?;
    let mut rows = crate::server::db::audit::search(&mut conn, &query, AUDIT_PAGE_ROWS + 1).await?;
    let older = (rows.len() > AUDIT_PAGE_ROWS as usize).then(|| {
        rows.truncate(AUDIT_PAGE_ROWS as usize);
        rows.last().map_or(0, |r| r.id)
    });
    Ok(AuditPage {
        rows: rows.into_iter().map(row).collect(),
        older,
        actions: AuditAction::ALL
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    })
}

/// Seals what is not sealed yet and checks the whole chain (as `gatehouse audit
/// verify` does).
///
/// Errors: storage failures.
pub async fn chain(state: &AppState) -> anyhow::Result<ChainStatus> {
    audit::seal_pending(&state.db, state.clock.as_ref()).await?;
    let checked = audit::verify(&state.db).await?;
    Ok(ChainStatus {
        sealed: checked.sealed,
        unsealed: checked.unsealed,
        broken: checked.broken.map(|b| b.to_string()),
    })
}
