//! `/admin/accounts/{id}`: one account as the operator sees it (masked number,
//! status, created, invitation code, sign-ins, live sessions, consents, audit
//! events) and the actions on it, each with a required reason.

use super::{use_refusal, use_watch, AdminFrame, Alert, TextField};
use crate::admin::api::{account_view, act_on_account};
use crate::admin::form::{AccountAction, AccountActionForm, AccountRef};
use crate::admin::types::{AccountStatus, AdminAccountView, AuditRow};
use crate::app::{use_lang, Route};
use crate::components::{use_client_errors, use_form_state, use_hydrated, Done};
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use dioxus::prelude::*;

#[component]
pub fn AdminAccountPage(id: i64) -> Element {
    rsx! {
        AdminFrame { here: Route::AdminAccount { id },
            AccountDetails { id }
        }
    }
}

fn status_label(status: AccountStatus) -> Msg {
    match status {
        AccountStatus::Active => Msg::StatusActive,
        AccountStatus::Suspended => Msg::StatusSuspended,
        AccountStatus::Deleted => Msg::StatusDeleted,
    }
}

fn action_label(action: AccountAction) -> Msg {
    match action {
        AccountAction::Suspend => Msg::ActionSuspend,
        AccountAction::Reinstate => Msg::ActionReinstate,
        AccountAction::EndSessions => Msg::ActionEndSessions,
        AccountAction::Cancel => Msg::ActionCancel,
    }
}

#[component]
fn AccountDetails(id: i64) -> Element {
    let lang = use_lang();
    let mut view = use_server_future(use_reactive!(|id| account_view(AccountRef { id })))?;
    use_watch(view);
    let l = lang();
    let loaded = view.read().clone();
    let account = match loaded {
        Some(Ok(account)) => account,
        Some(Err(e)) => return rsx! { Alert { id: "account-error", error: Some(e), lang: l } },
        None => return rsx! { p { {Msg::Loading.text(l)} } },
    };
    rsx! {
        h2 { id: "account-title", {Msg::AdminAccountTitle.format(l, &[("id", &account.id.to_string())])} }
        dl { class: "facts", id: "account-facts",
            dt { {Msg::LabelPhone.text(l)} }
            dd { id: "account-phone", if account.masked_phone.is_empty() { "—" } else { "{account.masked_phone}" } }
            dt { {Msg::AccountStatus.text(l)} }
            dd { id: "account-status", "data-status": "{account.status:?}",
                {status_label(account.status).text(l)}
                if account.admin {
                    " "
                    span { class: "badge", {Msg::AdminBadge.text(l)} }
                }
            }
            dt { {Msg::AccountCreated.text(l)} }
            dd { "{account.created_at}" }
            dt { {Msg::LabelInvitation.text(l)} }
            dd { id: "account-invitation", {account.invitation_code.clone().unwrap_or_else(|| "—".into())} }
        }
        if account.status != AccountStatus::Deleted {
            Actions { account: account.clone(), on_done: move |updated: AdminAccountView| view.set(Some(Ok(updated))) }
        }
        h3 { {Msg::SessionsTitle.text(l)} }
        if account.sessions.is_empty() {
            p { class: "muted", id: "no-sessions", {Msg::NoSessions.text(l)} }
        } else {
            div { class: "table-scroll",
                table { id: "admin-sessions", class: "stack",
                    thead { tr {
                        th { scope: "col", {Msg::HistoryBrowser.text(l)} }
                        th { scope: "col", {Msg::HistoryIp.text(l)} }
                        th { scope: "col", {Msg::SessionSignedIn.text(l)} }
                        th { scope: "col", {Msg::SessionLastActive.text(l)} }
                    } }
                    tbody {
                        for s in account.sessions.iter() {
                            tr { key: "{s.id}",
                                td { "data-label": Msg::HistoryBrowser.text(l), "{s.browser}" }
                                td { "data-label": Msg::HistoryIp.text(l), "{s.ip}" }
                                td { "data-label": Msg::SessionSignedIn.text(l), "{s.signed_in_at}" }
                                td { "data-label": Msg::SessionLastActive.text(l), "{s.last_active_at}" }
                            }
                        }
                    }
                }
            }
        }
        h3 { {Msg::HistoryTitle.text(l)} }
        div { class: "table-scroll",
            table { id: "admin-sign-ins", class: "stack",
                thead { tr {
                    th { scope: "col", {Msg::HistoryTime.text(l)} }
                    th { scope: "col", {Msg::HistoryIp.text(l)} }
                    th { scope: "col", {Msg::HistoryBrowser.text(l)} }
                    th { scope: "col", {Msg::HistoryMethod.text(l)} }
                    th { scope: "col", {Msg::HistoryResult.text(l)} }
                } }
                tbody {
                    for s in account.sign_ins.iter() {
                        tr { key: "{s.id}",
                            td { "data-label": Msg::HistoryTime.text(l), "{s.at}" }
                            td { "data-label": Msg::HistoryIp.text(l), "{s.ip}" }
                            td { "data-label": Msg::HistoryBrowser.text(l), "{s.browser}" }
                            td { "data-label": Msg::HistoryMethod.text(l), {s.method.text(l)} }
                            td { "data-label": Msg::HistoryResult.text(l), {s.outcome.text(l)} }
                        }
                    }
                }
            }
        }
        h3 { {Msg::ConsentsTitle.text(l)} }
        ul { id: "admin-consents",
            for c in account.consents.iter() {
                li { key: "{c.kind:?}-{c.version}-{c.at}",
                    {c.kind.title().text(l)}
                    " · "
                    {Msg::LegalVersion.format(l, &[("version", &c.version.to_string()), ("date", &c.at)])}
                    " · "
                    {c.method.text(l)}
                }
            }
        }
        h3 { {Msg::AuditEventsTitle.text(l)} }
        AuditTable { rows: account.events.clone(), lang: l }
    }
}

/// The actions on a live account: one reason, the action picked, one button.
#[component]
fn Actions(account: AdminAccountView, on_done: EventHandler<AdminAccountView>) -> Element {
    let lang = use_lang();
    let actions = if account.status == AccountStatus::Suspended {
        [
            AccountAction::Reinstate,
            AccountAction::EndSessions,
            AccountAction::Cancel,
        ]
    } else {
        [
            AccountAction::Suspend,
            AccountAction::EndSessions,
            AccountAction::Cancel,
        ]
    };
    let mut chosen = use_signal(|| actions[0]);
    // After suspending, "suspend" is no longer offered: fall back to the first.
    let pick = move || {
        Some(chosen())
            .filter(|c| actions.contains(c))
            .unwrap_or(actions[0])
    };
    let reason = use_signal(String::new);
    let mut done = use_signal(|| None::<String>);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let mut refused = use_refusal();
    let id = account.id;
    let form = move || AccountActionForm {
        account: id,
        action: pick(),
        reason: reason(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let submit = move |e: FormEvent| async move {
        done.set(None);
        if !state.begin(&e, &[("reason", reason)], &[Field::Reason], || {
            form().validate().is_ok()
        }) {
            return;
        }
        let mut busy = state.busy;
        let acted = act_on_account(form()).await;
        busy.set(false);
        match acted {
            Ok(updated) => {
                let what = action_label(form().action).text(lang());
                let mut reason = reason;
                reason.set(String::new());
                state.reset();
                done.set(Some(Msg::ActionDone.format(lang(), &[("action", what)])));
                on_done.call(updated);
            }
            Err(e) => {
                refused(&e);
                state.show(e);
            }
        }
    };
    let l = lang();
    let danger = matches!(pick(), AccountAction::Cancel | AccountAction::Suspend);
    rsx! {
        form { id: "account-action", class: "admin-action", novalidate: true, onsubmit: submit,
            fieldset {
                legend { {Msg::ActionTitle.text(l)} }
                for action in actions {
                    label { class: "radio",
                        input {
                            r#type: "radio",
                            name: "action",
                            value: "{action:?}",
                            id: "action-{action:?}",
                            checked: pick() == action,
                            onchange: move |_| chosen.set(action),
                        }
                        {action_label(action).text(l)}
                    }
                }
            }
            if pick() == AccountAction::Cancel {
                p { class: "muted small", {Msg::ActionCancelWarning.text(l)} }
            }
            TextField {
                field: Field::Reason,
                value: reason,
                error: state.error(Field::Reason, &client_errors.read()),
                lang: l,
                label: Msg::LabelReason,
                on_edit: move |_| state.edited(Field::Reason),
                on_leave: move |_| state.touch(Field::Reason),
            }
            Alert { id: "action-error", error: (state.outcome)(), lang: l }
            button {
                id: "action-submit",
                r#type: "submit",
                class: if danger { "danger wide" } else { "primary wide" },
                disabled: !hydrated() || (state.busy)(),
                if (state.busy)() { {Msg::PleaseWait.text(l)} } else { {action_label(pick()).text(l)} }
            }
            Done { id: "action-done", text: done() }
        }
    }
}

/// Audit rows as a table, newest first.
#[component]
pub(super) fn AuditTable(rows: Vec<AuditRow>, lang: Lang) -> Element {
    let l = lang;
    rsx! {
        div { class: "table-scroll",
            table { id: "audit-rows", class: "stack audit",
                thead { tr {
                    th { scope: "col", "#" }
                    th { scope: "col", {Msg::ColTime.text(l)} }
                    th { scope: "col", {Msg::ColActor.text(l)} }
                    th { scope: "col", {Msg::ColAccount.text(l)} }
                    th { scope: "col", {Msg::ColAction.text(l)} }
                    th { scope: "col", {Msg::HistoryResult.text(l)} }
                    th { scope: "col", {Msg::ColDetails.text(l)} }
                } }
                tbody {
                    for r in rows {
                        tr { key: "{r.id}", "data-action": "{r.action}", "data-result": "{r.result}",
                            td { "data-label": "#", "{r.id}" }
                            td { "data-label": Msg::ColTime.text(l), "{r.at}" }
                            td { "data-label": Msg::ColActor.text(l),
                                "{r.actor}"
                                if let Some(a) = r.actor_id { " {a}" }
                            }
                            td { "data-label": Msg::ColAccount.text(l),
                                if let Some(s) = r.subject_id {
                                    Link { to: Route::AdminAccount { id: s }, "{s}" }
                                }
                            }
                            td { "data-label": Msg::ColAction.text(l), "{r.action}" }
                            td { "data-label": Msg::HistoryResult.text(l), "{r.result}" }
                            td { "data-label": Msg::ColDetails.text(l), code { "{r.details}" } }
                        }
                    }
                }
            }
        }
    }
}
