//! `/account/devices`: the live sessions ("this device" marked, sign out any one
//! or all others), the apps signed in through Gatehouse (`oidc::ConnectedApps`),
//! the sign-in history, and "I don't recognize this" on either,
//! which files a misuse report for the operator.

use super::{use_account_summary, AccountFrame};
use crate::account::api::{end_other_sessions, end_session, report_misuse};
use crate::account::form::{EndSessionForm, ReportAbout, ReportForm};
use crate::app::{use_lang, Route};
use crate::components::{invalid, take_form_values, Done, FieldMessage};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::Msg;
use dioxus::prelude::*;

/// What the report form is about: the kind, the reference, and a line the user
/// recognizes it by.
#[derive(Debug, Clone, PartialEq)]
struct Reporting {
    about: ReportAbout,
    reference: String,
    what: String,
}

#[component]
pub fn AccountDevicesPage() -> Element {
    let lang = use_lang();
    let mut summary = use_account_summary(Route::AccountDevices {})?;
    let mut done = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut reporting = use_signal(|| None::<Reporting>);
    let hydrated = crate::components::use_hydrated();
    let l = lang();
    let loaded = summary.read().clone();
    let Some(Ok(s)) = loaded.clone() else {
        return rsx! { AccountFrame { here: Route::AccountDevices {}, summary: loaded } };
    };
    let others = s.sessions.iter().filter(|x| !x.current).count();
    let mut report = move |about: ReportAbout, reference: String, what: String| {
        done.set(None);
        reporting.set(Some(Reporting {
            about,
            reference,
            what,
        }));
    };
    rsx! {
        AccountFrame { here: Route::AccountDevices {}, summary: loaded,
            h2 { {Msg::SessionsTitle.text(l)} }
            div { class: "table-scroll",
                table { id: "sessions", class: "stack",
                    thead {
                        tr {
                            th { scope: "col", {Msg::HistoryBrowser.text(l)} }
                            th { scope: "col", {Msg::HistoryIp.text(l)} }
                            th { scope: "col", {Msg::SessionSignedIn.text(l)} }
                            th { scope: "col", {Msg::SessionLastActive.text(l)} }
                            th { scope: "col", "" }
                        }
                    }
                    tbody {
                        for entry in s.sessions.clone() {
                            tr { "data-session": "{entry.id}", class: if entry.current { "current" } else { "" },
                                td { "data-label": Msg::HistoryBrowser.text(l),
                                    "{entry.browser}"
                                    if entry.current {
                                        " "
                                        span { class: "badge", {Msg::ThisDevice.text(l)} }
                                    }
                                }
                                td { "data-label": Msg::HistoryIp.text(l), "{entry.ip}" }
                                td { "data-label": Msg::SessionSignedIn.text(l), "{entry.signed_in_at}" }
                                td { "data-label": Msg::SessionLastActive.text(l), "{entry.last_active_at}" }
                                td { class: "row-actions",
                                    if !entry.current {
                                        button {
                                            r#type: "button",
                                            class: "link end-session",
                                            disabled: busy(),
                                            onclick: {
                                                let id = entry.id.clone();
                                                move |_| {
                                                    let id = id.clone();
                                                    async move {
                                                        busy.set(true);
                                                        error.set(None);
                                                        match end_session(EndSessionForm { session: id }).await {
                                                            Ok(()) => done.set(Some(Msg::SessionEnded.text(lang()).to_owned())),
                                                            Err(e) => error.set(Some(e)),
                                                        }
                                                        summary.restart();
                                                        busy.set(false);
                                                    }
                                                }
                                            },
                                            {Msg::SignOut.text(l)}
                                        }
                                        button {
                                            r#type: "button",
                                            class: "link report",
                                            onclick: {
                                                let (id, what) = (entry.id.clone(), format!("{} · {} · {}", entry.browser, entry.ip, entry.signed_in_at));
                                                move |_| report(ReportAbout::Session, id.clone(), what.clone())
                                            },
                                            {Msg::ReportActivity.text(l)}
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            div { class: "actions",
                button {
                    r#type: "button",
                    id: "end-others",
                    class: "secondary",
                    disabled: busy() || others == 0,
                    onclick: move |_| async move {
                        busy.set(true);
                        error.set(None);
                        match end_other_sessions().await {
                            Ok(n) => done.set(Some(Msg::OtherSessionsEnded.format(lang(), &[("n", &n.to_string())]))),
                            Err(e) => error.set(Some(e)),
                        }
                        summary.restart();
                        busy.set(false);
                    },
                    {Msg::EndOtherSessions.text(l)}
                }
                if others == 0 {
                    p { class: "muted small", {Msg::NoOtherSessions.text(l)} }
                }
            }
            if let Some(e) = error() {
                p { class: "alert", role: "alert", {e.text(l)} }
            }
            Done { id: "sessions-done", text: done() }
            if let Some(r) = reporting() {
                ReportPanel { reporting: r, on_close: move |filed: Option<String>| {
                    reporting.set(None);
                    if filed.is_some() {
                        done.set(filed);
                    }
                } }
            }
            crate::oidc::ConnectedApps {}
            h2 { {Msg::HistoryTitle.text(l)} }
            div { class: "table-scroll",
                table { id: "sign-ins", class: "stack",
                    thead {
                        tr {
                            th { scope: "col", {Msg::HistoryTime.text(l)} }
                            th { scope: "col", {Msg::HistoryMethod.text(l)} }
                            th { scope: "col", {Msg::HistoryResult.text(l)} }
                            th { scope: "col", {Msg::HistoryIp.text(l)} }
                            th { scope: "col", {Msg::HistoryBrowser.text(l)} }
                            th { scope: "col", "" }
                        }
                    }
                    tbody {
                        for entry in s.sign_ins.clone() {
                            tr {
                                td { "data-label": Msg::HistoryTime.text(l), "{entry.at}" }
                                td { "data-label": Msg::HistoryMethod.text(l), {entry.method.text(l)} }
                                td { "data-label": Msg::HistoryResult.text(l), {entry.outcome.text(l)} }
                                td { "data-label": Msg::HistoryIp.text(l), "{entry.ip}" }
                                td { "data-label": Msg::HistoryBrowser.text(l), "{entry.browser}" }
                                td { class: "row-actions",
                                    button {
                                        r#type: "button",
                                        class: "link report",
                                        onclick: {
                                            let what = format!("{} · {} · {}", entry.at, entry.ip, entry.browser);
                                            let id = entry.id.to_string();
                                            move |_| report(ReportAbout::SignIn, id.clone(), what.clone())
                                        },
                                        {Msg::ReportActivity.text(l)}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            button {
                r#type: "button",
                id: "report-other",
                class: "link",
                disabled: !hydrated(),
                onclick: move |_| report(ReportAbout::Other, String::new(), Msg::ReportOther.text(lang()).to_owned()),
                {Msg::ReportOther.text(l)}
            }
        }
    }
}

/// The report form: what it is about, a short note, send.
#[component]
fn ReportPanel(reporting: Reporting, on_close: EventHandler<Option<String>>) -> Element {
    let lang = use_lang();
    let mut note = use_signal(String::new);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let l = lang();
    let field_error = error().and_then(|e| e.field_keys.get(Field::Report));
    let r = reporting.clone();
    let submit = move |e: FormEvent| {
        let r = r.clone();
        async move {
            e.prevent_default();
            take_form_values(&e, &[("report", note)]);
            busy.set(true);
            error.set(None);
            let form = ReportForm {
                about: r.about,
                reference: r.reference.clone(),
                note: note(),
            };
            match report_misuse(form).await {
                Ok(filed) => on_close.call(Some(
                    Msg::ReportSent.format(lang(), &[("id", &filed.id.to_string())]),
                )),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        }
    };
    rsx! {
        form { id: "report-form", class: "panel", novalidate: true, onsubmit: submit,
            h2 { {Msg::ReportTitle.text(l)} }
            p { class: "small", id: "report-about", {Msg::ReportAbout.format(l, &[("what", &reporting.what)])} }
            p { class: "muted small", {Msg::ReportIntro.text(l)} }
            div { class: "field",
                label { r#for: "report", {Msg::LabelReport.text(l)} }
                textarea {
                    id: "report",
                    name: "report",
                    rows: "3",
                    value: note(),
                    "aria-invalid": invalid(field_error),
                    "aria-describedby": "report-error",
                    oninput: move |e| note.set(e.value()),
                }
                FieldMessage { field: Field::Report, msg: field_error, lang: l }
            }
            if let Some(e) = error().filter(|e| e.field_keys.is_empty()) {
                p { class: "alert", role: "alert", {e.text(l)} }
            }
            div { class: "actions",
                button { r#type: "submit", id: "send-report", class: "primary", disabled: busy(), {Msg::ReportSubmit.text(l)} }
                button { r#type: "button", class: "ghost", onclick: move |_| on_close.call(None), {Msg::Close.text(l)} }
            }
        }
    }
}
