//! `/admin`: find an account by its exact number (no listing, no partial match),
//! and the misuse reports users filed, each markable as handled.

use super::{use_refusal, use_watch, AdminFrame, Alert};
use crate::admin::api::{find_account, handle_report, reports};
use crate::admin::form::{FindAccountForm, ReportRef};
use crate::app::{use_lang, Route};
use crate::components::{
    use_client_errors, use_form_state, use_hydrated, Outcome, PhoneInput, SubmitButton,
};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::Msg;
use dioxus::prelude::*;

#[component]
pub fn AdminHomePage() -> Element {
    rsx! {
        AdminFrame { here: Route::AdminHome {},
            FindAccount {}
            Reports {}
        }
    }
}

#[component]
fn FindAccount() -> Element {
    let lang = use_lang();
    let phone = use_signal(String::new);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let mut refused = use_refusal();
    let nav = navigator();
    let form = move || FindAccountForm { phone: phone() };
    let client_errors = use_client_errors(move || form().validate().err());
    let submit = move |e: FormEvent| async move {
        if !state.begin(&e, &[("phone", phone)], &[Field::Phone], || {
            form().validate().is_ok()
        }) {
            return;
        }
        let mut busy = state.busy;
        let found = find_account(form()).await;
        busy.set(false);
        match found {
            Ok(found) => {
                nav.push(Route::AdminAccount { id: found.id });
            }
            Err(e) => {
                refused(&e);
                state.show(e);
            }
        }
    };
    let l = lang();
    rsx! {
        h2 { {Msg::FindAccountTitle.text(l)} }
        p { class: "muted", {Msg::FindAccountIntro.text(l)} }
        form { id: "find-account", novalidate: true, onsubmit: submit,
            PhoneInput {
                value: phone,
                error: state.error(Field::Phone, &client_errors.read()),
                lang: l,
                on_edit: move |_| state.edited(Field::Phone),
                on_leave: move |_| state.touch(Field::Phone),
            }
            Outcome { state, lang: l }
            SubmitButton { state, hydrated, lang: l, label: Msg::FindAccountSubmit }
        }
    }
}

#[component]
fn Reports() -> Element {
    let lang = use_lang();
    let mut listed = use_server_future(reports)?;
    use_watch(listed);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut refused = use_refusal();
    let l = lang();
    let rows = match &*listed.read() {
        Some(Ok(rows)) => rows.clone(),
        Some(Err(e)) => {
            return rsx! { Alert { id: "reports-error", error: Some(e.clone()), lang: l } };
        }
        None => return rsx! { p { {Msg::Loading.text(l)} } },
    };
    rsx! {
        h2 { {Msg::ReportsTitle.text(l)} }
        if rows.is_empty() {
            p { class: "muted", id: "no-reports", {Msg::NoReports.text(l)} }
        } else {
            div { class: "table-scroll",
                table { id: "reports", class: "stack",
                    thead {
                        tr {
                            th { scope: "col", "#" }
                            th { scope: "col", {Msg::ColAccount.text(l)} }
                            th { scope: "col", {Msg::ColAbout.text(l)} }
                            th { scope: "col", {Msg::ColNote.text(l)} }
                            th { scope: "col", {Msg::ColTime.text(l)} }
                            th { scope: "col", "" }
                        }
                    }
                    tbody {
                        for r in rows {
                            tr { key: "{r.id}", "data-report": "{r.id}",
                                td { "data-label": "#", "{r.id}" }
                                td { "data-label": Msg::ColAccount.text(l),
                                    Link { to: Route::AdminAccount { id: r.account_id }, "{r.account_id}" }
                                }
                                td { "data-label": Msg::ColAbout.text(l), "{r.subject} {r.reference}" }
                                td { "data-label": Msg::ColNote.text(l), "{r.note}" }
                                td { "data-label": Msg::ColTime.text(l), "{r.created_at}" }
                                td { class: "row-actions",
                                    if let Some(at) = &r.handled_at {
                                        span { class: "muted", {Msg::ReportHandledAt.format(l, &[("date", at)])} }
                                    } else {
                                        button {
                                            r#type: "button",
                                            class: "link mark-handled",
                                            disabled: busy(),
                                            onclick: {
                                                let id = r.id;
                                                move |_| async move {
                                                    busy.set(true);
                                                    error.set(None);
                                                    if let Err(e) = handle_report(ReportRef { id }).await {
                                                        refused(&e);
                                                        error.set(Some(e));
                                                    }
                                                    listed.restart();
                                                    busy.set(false);
                                                }
                                            },
                                            {Msg::MarkHandled.text(l)}
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Alert { id: "reports-error", error: error(), lang: l }
    }
}
