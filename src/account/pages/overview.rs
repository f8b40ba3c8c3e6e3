//! `/account`: the account's facts, the profile, the marketing switch, the terms
//! agreed to, the download and sign-out.

use super::{use_account_summary, AccountFrame};
use crate::account::api::{save_profile, set_marketing, sign_out};
use crate::account::form::{MarketingForm, ProfileForm};
use crate::account::types::{AccountSummary, MarketingView, ProfileView};
use crate::app::{use_lang, Route};
use crate::components::{
    invalid, use_client_errors, use_field, use_form_state, use_hydrated, Done, FieldMessage,
    FormState, Outcome, SubmitButton,
};
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use dioxus::prelude::*;

#[component]
pub fn AccountPage() -> Element {
    let lang = use_lang();
    let summary = use_account_summary(Route::Account {})?;
    let mut signing_out = use_signal(|| false);
    let nav = navigator();
    let l = lang();
    let loaded = summary.read().clone();
    rsx! {
        AccountFrame { here: Route::Account {}, summary: loaded.clone(),
            if let Some(Ok(s)) = loaded {
                dl { class: "facts",
                    dt { {Msg::AccountPhone.text(l)} }
                    dd { id: "masked-phone", "{s.masked_phone}" }
                    dt { {Msg::AccountCreated.text(l)} }
                    dd { id: "created-at", "{s.created_at}" }
                    dt { {Msg::AccountStatus.text(l)} }
                    dd { {Msg::StatusActive.text(l)} }
                }
                ProfileSection { saved: s.profile.clone() }
                MarketingSection { current: s.marketing.clone() }
                Consents { summary: s.clone(), lang: l }
                h2 { {Msg::DownloadTitle.text(l)} }
                p { class: "muted small", {Msg::DownloadIntro.text(l)} }
                a {
                    id: "download",
                    class: "button secondary",
                    href: "/api/account/export",
                    download: "",
                    {Msg::DownloadButton.text(l)}
                }
                div { class: "actions",
                    button {
                        r#type: "button",
                        class: "secondary",
                        id: "sign-out",
                        disabled: signing_out(),
                        onclick: move |_| async move {
                            signing_out.set(true);
                            let _ = sign_out().await;
                            nav.replace(Route::Register {});
                        },
                        if signing_out() { {Msg::SigningOut.text(l)} } else { {Msg::SignOut.text(l)} }
                    }
                }
            }
        }
    }
}

/// One text input of the profile.
#[component]
fn ProfileInput(
    field: Field,
    label: Msg,
    value: Signal<String>,
    error: Option<Msg>,
    lang: Lang,
    autocomplete: &'static str,
    #[props(default = "text")] kind: &'static str,
    state: FormState,
) -> Element {
    let id = field.id();
    rsx! {
        div { class: "field",
            label { r#for: id, {label.text(lang)} }
            input {
                id,
                name: id,
                r#type: kind,
                autocomplete,
                value: value(),
                "aria-invalid": invalid(error),
                "aria-describedby": "{id}-error",
                oninput: move |e| {
                    value.set(e.value());
                    state.edited(field);
                },
                onblur: move |_| state.touch(field),
            }
            FieldMessage { field, msg: error, lang }
        }
    }
}

/// The profile form: four optional fields, saved together.
#[component]
fn ProfileSection(saved: ProfileView) -> Element {
    let lang = use_lang();
    let mut real_name = use_field(Field::RealName, || saved.real_name.clone());
    let mut company = use_field(Field::Company, || saved.company.clone());
    let mut address = use_field(Field::Address, || saved.address.clone());
    let mut email = use_field(Field::Email, || saved.email.clone());
    let mut done = use_signal(|| None::<String>);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let form = move || ProfileForm {
        real_name: real_name(),
        company: company(),
        address: address(),
        email: email(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let submit = move |e: FormEvent| async move {
        done.set(None);
        let (values, fields) = (
            [
                ("real-name", real_name),
                ("company", company),
                ("address", address),
                ("email", email),
            ],
            [
                Field::RealName,
                Field::Company,
                Field::Address,
                Field::Email,
            ],
        );
        if !state.begin(&e, &values, &fields, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        match save_profile(form()).await {
            Ok(p) => {
                real_name.set(p.real_name);
                company.set(p.company);
                address.set(p.address);
                email.set(p.email);
                done.set(Some(Msg::ProfileSaved.text(lang()).to_owned()));
            }
            Err(e) => state.show(e),
        }
        busy.set(false);
    };
    let l = lang();
    rsx! {
        h2 { {Msg::ProfileTitle.text(l)} }
        p { class: "muted small", {Msg::ProfileIntro.text(l)} }
        form { id: "profile", novalidate: true, onsubmit: submit,
            ProfileInput { field: Field::RealName, label: Msg::LabelRealName, value: real_name, error: error_of(Field::RealName), lang: l, autocomplete: "name", state }
            ProfileInput { field: Field::Company, label: Msg::LabelCompany, value: company, error: error_of(Field::Company), lang: l, autocomplete: "organization", state }
            ProfileInput { field: Field::Address, label: Msg::LabelAddress, value: address, error: error_of(Field::Address), lang: l, autocomplete: "street-address", state }
            ProfileInput { field: Field::Email, label: Msg::LabelEmail, value: email, error: error_of(Field::Email), lang: l, autocomplete: "email", kind: "email", state }
            Outcome { state, lang: l }
            SubmitButton { state, hydrated, lang: l, label: Msg::ProfileSave }
            Done { id: "profile-saved", text: done() }
        }
    }
}

/// The marketing switch: the current choice and a button that flips it.
#[component]
fn MarketingSection(current: MarketingView) -> Element {
    let lang = use_lang();
    let mut choice = use_signal(|| current.clone());
    let mut busy = use_signal(|| false);
    let mut done = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<crate::error::ApiError>);
    let hydrated = use_hydrated();
    let l = lang();
    let now = choice();
    let status = match (&now.granted, &now.since) {
        (true, Some(since)) => Msg::MarketingOnSince.format(l, &[("date", since)]),
        _ => Msg::MarketingOff.text(l).to_owned(),
    };
    rsx! {
        h2 { {Msg::MessagesTitle.text(l)} }
        div { class: "switch-row",
            div {
                p { class: "switch-label", id: "marketing-label", {Msg::MarketingOptIn.text(l)} }
                p { class: "muted small", id: "marketing-status", "{status}" }
            }
            button {
                r#type: "button",
                id: "marketing-switch",
                role: "switch",
                class: if now.granted { "switch on" } else { "switch" },
                "aria-checked": if now.granted { "true" } else { "false" },
                "aria-labelledby": "marketing-label",
                disabled: !hydrated() || busy(),
                onclick: move |_| async move {
                    let granted = !choice().granted;
                    busy.set(true);
                    error.set(None);
                    match set_marketing(MarketingForm { granted }).await {
                        Ok(view) => {
                            choice.set(view);
                            let msg = if granted { Msg::MarketingTurnedOn } else { Msg::MarketingTurnedOff };
                            done.set(Some(msg.text(lang()).to_owned()));
                        }
                        Err(e) => error.set(Some(e)),
                    }
                    busy.set(false);
                },
                span { class: "knob", "aria-hidden": "true" }
            }
        }
        if let Some(e) = error() {
            p { class: "alert", role: "alert", {e.text(l)} }
        }
        Done { id: "marketing-saved", text: done() }
    }
}

/// The terms agreed to: the consent ledger's documents.
#[component]
fn Consents(summary: AccountSummary, lang: Lang) -> Element {
    let l = lang;
    rsx! {
        h2 { {Msg::ConsentsTitle.text(l)} }
        div { class: "table-scroll",
            table { id: "consents",
                thead {
                    tr {
                        th { scope: "col", {Msg::ConsentDocument.text(l)} }
                        th { scope: "col", {Msg::ConsentVersion.text(l)} }
                        th { scope: "col", {Msg::HistoryTime.text(l)} }
                        th { scope: "col", {Msg::HistoryMethod.text(l)} }
                    }
                }
                tbody {
                    for c in summary.consents.iter() {
                        tr {
                            td {
                                Link { to: Route::LegalVersion { kind: c.kind, version: c.version },
                                    {c.kind.title().text(l)}
                                }
                            }
                            td { "{c.version}" }
                            td { "{c.at}" }
                            td { {c.method.text(l)} }
                        }
                    }
                }
            }
        }
    }
}
