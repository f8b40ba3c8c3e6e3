//! `/register`: the sign-up page (docs/DESIGN.md §1, §8). Validation runs in the browser
//! as the user types or leaves a field, with the same `validate()` the server runs.

use super::api::{register, register_status, send_register_code};
use super::form::{RegisterForm, SendCodeForm};
use crate::app::{use_lang, use_site, Route};
use crate::components::{
    invalid, pattern, take_form_values, use_checkbox, use_client_errors, use_code_state, use_field,
    use_form_state, use_hydrated, FieldMessage, NeedsScripts, Outcome, PasswordInput, PhoneAndCode,
    SubmitButton,
};
use crate::domain::{InvitationCode, InvitationMode, OtpPurpose};
use crate::form::Field;
use crate::hydration::AsJson;
use crate::i18n::Msg;
use crate::legal::{DocumentKind, LegalDialog};
use dioxus::prelude::*;

const ALL_FIELDS: [Field; 5] = [
    Field::Phone,
    Field::Code,
    Field::Password,
    Field::Invitation,
    Field::Consent,
];

#[component]
pub fn RegisterPage() -> Element {
    let lang = use_lang();
    let site = use_site();
    let mut status = use_server_future(|| AsJson::wrap(register_status()))?;
    // The mode in force when the page loaded; reloaded when the server says it changed.
    let mode = move || {
        status
            .read()
            .as_ref()
            .and_then(|r| r.0.as_ref().ok())
            .map(|s| s.invitation_mode)
            .unwrap_or_default()
    };
    let initial = status
        .read()
        .as_ref()
        .and_then(|r| r.0.as_ref().ok())
        .cloned()
        .unwrap_or_default();
    let nav = navigator();

    let phone = use_field(Field::Phone, || initial.phone.clone().unwrap_or_default());
    let codes = use_code_state(initial.cooldown_secs);
    let code = use_field(Field::Code, String::new);
    let password = use_field(Field::Password, String::new);
    let mut invitation = use_field(Field::Invitation, String::new);
    let mut consent = use_checkbox(Field::Consent.id());
    let mut marketing = use_checkbox("marketing");
    let state = use_form_state();
    let mut dialog = use_signal(|| None::<DocumentKind>);
    let hydrated = use_hydrated();

    let form = move || RegisterForm {
        phone: phone(),
        code: code(),
        password: password(),
        invitation: invitation(),
        consent: consent(),
        marketing: marketing(),
        // The versions this page showed; refreshed when the server says they changed.
        documents: status
            .read()
            .as_ref()
            .and_then(|r| r.0.as_ref().ok())
            .map(|s| s.documents.clone())
            .unwrap_or_default(),
        invitation_mode: Some(mode()),
    };
    let client_errors = use_client_errors(move || form().validate(mode()).err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());

    let submit = move |e: FormEvent| async move {
        e.prevent_default();
        if (state.busy)() {
            return;
        }
        take_form_values(
            &e,
            &[
                ("phone", phone),
                ("code", code),
                ("password", password),
                ("invitation", invitation),
            ],
        );
        state.submitted(&ALL_FIELDS);
        if form().validate(mode()).is_err() {
            return;
        }
        let mut busy = state.busy;
        busy.set(true);
        match register(form()).await {
            Ok(_) => {
                nav.push(Route::Account {});
            }
            Err(e) => {
                if matches!(e.key, Msg::DocumentsChanged | Msg::InvitationModeChanged) {
                    status.restart();
                }
                state.show(e);
                busy.set(false);
            }
        }
    };

    let l = lang();
    let mode = mode();
    let help = Msg::EnterpriseHelp.format(l, &[("hotline", &site.hotline)]);
    let phone_taken = matches!(&*state.outcome.read(), Some(e) if e.key == Msg::PhoneTaken);

    rsx! {
        section { class: "card register",
            h1 { {Msg::RegisterTitle.text(l)} }
            p { class: "subtitle",
                {Msg::HaveAccount.text(l)}
                " "
                Link { to: Route::Login { next: String::new() }, {Msg::LogIn.text(l)} }
            }
            NeedsScripts { lang: l }
            form {
                novalidate: true,
                "aria-busy": if (state.busy)() { "true" } else { "false" },
                onsubmit: submit,

                PhoneAndCode {
                    phone,
                    code,
                    phone_error: error_of(Field::Phone),
                    code_error: error_of(Field::Code),
                    lang: l,
                    form: state,
                    codes,
                    hydrated,
                    on_send: move |_| {
                        let phone = phone();
                        spawn(codes.request_with_pow(
                            OtpPurpose::Register,
                            move |pow| send_register_code(SendCodeForm { phone, pow }),
                            state,
                            Msg::CodeSent,
                        ));
                    },
                }
                PasswordInput {
                    value: password,
                    error: error_of(Field::Password),
                    lang: l,
                    label: Msg::LabelPassword,
                    new_password: true,
                    phone: phone(),
                    on_edit: move |_| state.edited(Field::Password),
                    on_leave: move |_| state.touch(Field::Password),
                }

                if mode != InvitationMode::Off {
                    div { class: "field",
                        label { r#for: "invitation",
                            {Msg::LabelInvitation.text(l)}
                            if mode == InvitationMode::Optional {
                                span { class: "muted", {Msg::InvitationOptional.text(l)} }
                            }
                        }
                        input {
                            id: "invitation",
                            name: "invitation",
                            r#type: "text",
                            autocomplete: "off",
                            autocapitalize: "characters",
                            spellcheck: "false",
                            pattern: pattern(if mode == InvitationMode::Optional {
                                InvitationCode::html_pattern_optional
                            } else {
                                InvitationCode::html_pattern
                            }),
                            placeholder: Msg::PlaceholderInvitation.text(l),
                            value: invitation(),
                            "aria-invalid": invalid(error_of(Field::Invitation)),
                            "aria-describedby": "invitation-error",
                            oninput: move |e| {
                                invitation.set(e.value());
                                state.edited(Field::Invitation);
                            },
                            onblur: move |_| state.touch(Field::Invitation),
                        }
                        FieldMessage {
                            field: Field::Invitation,
                            msg: error_of(Field::Invitation),
                            lang: l,
                            early: Msg::InvitationIncorrect,
                        }
                    }
                }

                div { class: "field checks",
                    div { class: "check",
                        input {
                            id: "consent",
                            name: "consent",
                            r#type: "checkbox",
                            checked: consent(),
                            "aria-invalid": invalid(error_of(Field::Consent)),
                            "aria-describedby": "consent-error",
                            onchange: move |e| {
                                consent.set(e.checked());
                                state.edited(Field::Consent);
                                state.touch(Field::Consent);
                            },
                        }
                        label { r#for: "consent",
                            {Msg::ConsentPrefix.text(l)}
                            " "
                            button {
                                r#type: "button",
                                class: "link",
                                onclick: move |_| dialog.set(Some(DocumentKind::Agreement)),
                                {Msg::AgreementTitle.text(l)}
                            }
                            " "
                            {Msg::ConsentAnd.text(l)}
                            " "
                            button {
                                r#type: "button",
                                class: "link",
                                onclick: move |_| dialog.set(Some(DocumentKind::Privacy)),
                                {Msg::PrivacyTitle.text(l)}
                            }
                        }
                    }
                    FieldMessage { field: Field::Consent, msg: error_of(Field::Consent), lang: l }
                    div { class: "check",
                        input {
                            id: "marketing",
                            name: "marketing",
                            r#type: "checkbox",
                            checked: marketing(),
                            onchange: move |e| marketing.set(e.checked()),
                        }
                        label { r#for: "marketing", {Msg::MarketingOptIn.text(l)} }
                    }
                }

                Outcome { state, lang: l,
                    if phone_taken {
                        p { class: "links",
                            Link { to: Route::Login { next: String::new() }, {Msg::LogIn.text(l)} }
                            Link { to: Route::ResetPassword {}, {Msg::ResetPassword.text(l)} }
                        }
                    }
                }
                SubmitButton { state, hydrated, lang: l, label: Msg::Submit }
            }
            p { class: "muted help", "{help}" }
        }
        if let Some(kind) = dialog() {
            LegalDialog { kind, on_close: move |_| dialog.set(None) }
        }
    }
}
