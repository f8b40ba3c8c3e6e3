//! `/admin/audit`: the audit log filtered by account, action, actor and days,
//! 50 rows a page, newest first, and a check of its hash chain.

use super::account::AuditTable;
use super::{use_refusal, AdminFrame, Alert, TextField};
use crate::admin::api::{audit_log, verify_audit};
use crate::admin::form::AuditQuery;
use crate::admin::types::{AuditPage, ChainStatus};
use crate::app::{use_lang, Route};
use crate::components::{use_form_state, use_hydrated};
use crate::error::ApiError;
use crate::form::{Field, FieldErrors};
use crate::i18n::Msg;
use dioxus::prelude::*;

#[component]
pub fn AdminAuditPage() -> Element {
    rsx! {
        AdminFrame { here: Route::AdminAudit {},
            Audit {}
        }
    }
}

const FIELDS: [Field; 5] = [
    Field::Account,
    Field::Action,
    Field::Actor,
    Field::From,
    Field::To,
];

#[component]
fn Audit() -> Element {
    let lang = use_lang();
    let account = use_signal(String::new);
    let action = use_signal(String::new);
    let actor = use_signal(String::new);
    let from = use_signal(String::new);
    let to = use_signal(String::new);
    let mut page = use_signal(|| None::<AuditPage>);
    let mut before = use_signal(|| None::<i64>);
    let mut chain = use_signal(|| None::<Result<ChainStatus, ApiError>>);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let mut refused = use_refusal();
    let query = move |before: Option<i64>| AuditQuery {
        account: account(),
        action: action(),
        actor: actor(),
        from: from(),
        to: to(),
        before,
    };
    let client_errors = use_memo(move || {
        query(None)
            .validate()
            .err()
            .unwrap_or_else(FieldErrors::default)
    });
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let load = move |older: Option<i64>| async move {
        let mut busy = state.busy;
        busy.set(true);
        let loaded = audit_log(query(older)).await;
        busy.set(false);
        match loaded {
            Ok(p) => {
                before.set(older);
                page.set(Some(p));
            }
            Err(e) => {
                refused(&e);
                state.show(e);
            }
        }
    };
    // The newest page once hydrated (the filter is the browser's).
    use_effect(move || {
        spawn(load(None));
    });
    let values = [
        ("account", account),
        ("action", action),
        ("actor", actor),
        ("from", from),
        ("to", to),
    ];
    let submit = move |e: FormEvent| async move {
        if !state.begin(&e, &values, &FIELDS, || query(None).validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        busy.set(false);
        load(None).await;
    };
    let l = lang();
    let busy = (state.busy)();
    let current = page();
    rsx! {
        h2 { {Msg::NavAudit.text(l)} }
        div { class: "actions",
            button {
                id: "verify-chain",
                r#type: "button",
                class: "secondary",
                disabled: !hydrated(),
                onclick: move |_| async move {
                    let checked = verify_audit().await;
                    if let Err(e) = &checked {
                        refused(e);
                    }
                    chain.set(Some(checked));
                },
                {Msg::VerifyChain.text(l)}
            }
            p { id: "chain-status", role: "status",
                match chain() {
                    Some(Ok(c)) => match c.broken {
                        None => Msg::ChainWhole.format(l, &[("n", &c.sealed.to_string()), ("u", &c.unsealed.to_string())]),
                        Some(why) => Msg::ChainBroken.format(l, &[("why", &why)]),
                    },
                    Some(Err(e)) => e.text(l),
                    None => String::new(),
                }
            }
        }
        form { id: "audit-filter", class: "inline-form", novalidate: true, onsubmit: submit,
            TextField {
                field: Field::Account, value: account, error: error_of(Field::Account), lang: l,
                label: Msg::FilterAccount, kind: "text",
                on_edit: move |_| state.edited(Field::Account),
                on_leave: move |_| state.touch(Field::Account),
            }
            div { class: "field",
                label { r#for: "action", {Msg::ColAction.text(l)} }
                select {
                    id: "action",
                    name: "action",
                    onchange: move |e| {
                        let mut action = action;
                        action.set(e.value());
                    },
                    option { value: "", selected: action().is_empty(), {Msg::FilterAny.text(l)} }
                    if let Some(p) = &current {
                        for name in p.actions.iter() {
                            option { value: "{name}", selected: action() == *name, "{name}" }
                        }
                    }
                }
            }
            TextField {
                field: Field::Actor, value: actor, error: error_of(Field::Actor), lang: l,
                label: Msg::FilterActor,
                on_edit: move |_| state.edited(Field::Actor),
                on_leave: move |_| state.touch(Field::Actor),
            }
            TextField {
                field: Field::From, value: from, error: error_of(Field::From), lang: l,
                label: Msg::FilterFrom, kind: "date", placeholder: "YYYY-MM-DD",
                on_edit: move |_| state.edited(Field::From),
                on_leave: move |_| state.touch(Field::From),
            }
            TextField {
                field: Field::To, value: to, error: error_of(Field::To), lang: l,
                label: Msg::FilterTo, kind: "date", placeholder: "YYYY-MM-DD",
                on_edit: move |_| state.edited(Field::To),
                on_leave: move |_| state.touch(Field::To),
            }
            Alert { id: "audit-error", error: (state.outcome)(), lang: l }
            button {
                id: "filter-submit",
                r#type: "submit",
                class: "primary",
                disabled: !hydrated() || busy,
                {Msg::FilterSubmit.text(l)}
            }
        }
        match current {
            Some(p) => rsx! {
                if p.rows.is_empty() {
                    p { class: "muted", id: "no-events", {Msg::NoEvents.text(l)} }
                } else {
                    AuditTable { rows: p.rows.clone(), lang: l }
                }
                div { class: "actions pager",
                    if before().is_some() {
                        button {
                            id: "newest-page",
                            r#type: "button",
                            class: "secondary",
                            disabled: busy,
                            onclick: move |_| load(None),
                            {Msg::NewestPage.text(l)}
                        }
                    }
                    if let Some(older) = p.older {
                        button {
                            id: "older-page",
                            r#type: "button",
                            class: "secondary",
                            disabled: busy,
                            onclick: move |_| load(Some(older)),
                            {Msg::OlderPage.text(l)}
                        }
                    }
                }
            },
            None => rsx! { p { {Msg::Loading.text(l)} } },
        }
    }
}
