//! `/register`: the sign-up page (DESIGN.md §1, §8). Validation runs in the browser
//! as the user types or leaves a field, with the same `validate()` the server runs.

use super::api::{register, register_status, send_register_code};
use super::form::{RegisterForm, SendCodeForm};
use crate::app::{use_lang, use_site, Route};
use crate::domain::{InvitationMode, PasswordChecklist, PhoneNumber};
use crate::error::ApiError;
use crate::form::{Field, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::legal::{DocumentKind, LegalDialog};
use dioxus::prelude::*;
use std::collections::BTreeSet;

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
    let mode = site.invitation_mode;
    let status = use_server_future(register_status)?;
    let initial = status
        .read()
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .cloned()
        .unwrap_or_default();
    let nav = navigator();

    let mut phone = use_signal(|| initial.phone.clone().unwrap_or_default());
    let mut cooldown = use_signal(|| initial.cooldown_secs);
    let mut code = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut invitation = use_signal(String::new);
    let mut consent = use_signal(|| false);
    let mut marketing = use_signal(|| false);
    let mut touched = use_signal(BTreeSet::<Field>::new);
    let mut server_errors = use_signal(FieldErrors::default);
    let mut outcome = use_signal(|| None::<ApiError>);
    let mut notice = use_signal(|| None::<Msg>);
    let mut sending = use_signal(|| false);
    let mut submitting = use_signal(|| false);
    let mut show_password = use_signal(|| false);
    let mut dialog = use_signal(|| None::<DocumentKind>);
    // Buttons stay disabled until the wasm app has hydrated the page.
    let mut hydrated = use_signal(|| false);
    use_effect(move || hydrated.set(true));

    #[cfg(feature = "web")]
    use_future(move || async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(1_000).await;
            if cooldown() > 0 {
                cooldown.with_mut(|c| *c -= 1);
            }
        }
    });

    let form = move || RegisterForm {
        phone: phone(),
        code: code(),
        password: password(),
        invitation: invitation(),
        consent: consent(),
        marketing: marketing(),
    };
    let client_errors = use_memo(move || form().validate(mode).err().unwrap_or_default());
    let error_of = move |field: Field| -> Option<Msg> {
        server_errors.read().get(field).or_else(|| {
            if touched.read().contains(&field) {
                client_errors.read().get(field)
            } else {
                None
            }
        })
    };
    let mut touch = move |field: Field| {
        touched.write().insert(field);
    };
    let mut edited = move |field: Field| {
        server_errors.write().0.remove(&field);
        outcome.set(None);
    };
    let mut show_error = move |e: ApiError| {
        if e.field_keys.is_empty() {
            outcome.set(Some(e));
        } else {
            touched.write().extend(e.field_keys.0.keys().copied());
            server_errors.set(e.field_keys);
        }
    };

    let send_code = move |_| async move {
        sending.set(true);
        outcome.set(None);
        notice.set(None);
        match send_register_code(SendCodeForm { phone: phone() }).await {
            Ok(sent) => {
                cooldown.set(sent.cooldown_secs);
                notice.set(Some(Msg::CodeSent));
            }
            Err(e) => {
                if e.key == Msg::SendCooldown {
                    cooldown.set(e.retry_after.unwrap_or_default());
                }
                show_error(e);
            }
        }
        sending.set(false);
    };

    let submit = move |e: FormEvent| async move {
        e.prevent_default();
        if submitting() {
            return;
        }
        touched.set(ALL_FIELDS.into_iter().collect());
        server_errors.set(FieldErrors::default());
        outcome.set(None);
        if !client_errors.read().is_empty() {
            return;
        }
        submitting.set(true);
        match register(form()).await {
            Ok(_) => {
                nav.push(Route::Account {});
            }
            Err(e) => {
                show_error(e);
                submitting.set(false);
            }
        }
    };

    let l = lang();
    let phone_ok = PhoneNumber::parse(&phone()).is_ok();
    let checklist = PasswordChecklist::of(&password());
    let send_label = if sending() {
        Msg::Sending.text(l).to_owned()
    } else if cooldown() > 0 {
        Msg::ResendIn.format(l, &[("n", &cooldown().to_string())])
    } else {
        Msg::SendCode.text(l).to_owned()
    };
    let help = Msg::EnterpriseHelp.format(l, &[("hotline", &site.hotline)]);

    rsx! {
        section { class: "card register",
            h1 { {Msg::RegisterTitle.text(l)} }
            form {
                novalidate: true,
                "aria-busy": if submitting() { "true" } else { "false" },
                onsubmit: submit,

                div { class: "field",
                    label { r#for: "phone", {Msg::LabelPhone.text(l)} }
                    div { class: "input-group",
                        span { class: "prefix", "aria-hidden": "true", "+86" }
                        input {
                            id: "phone",
                            name: "phone",
                            r#type: "tel",
                            inputmode: "numeric",
                            autocomplete: "tel-national",
                            placeholder: Msg::PlaceholderPhone.text(l),
                            value: phone(),
                            "aria-invalid": invalid(error_of(Field::Phone)),
                            "aria-describedby": "phone-error",
                            oninput: move |e| {
                                phone.set(e.value());
                                edited(Field::Phone);
                            },
                            onblur: move |_| touch(Field::Phone),
                        }
                    }
                    FieldMessage { field: Field::Phone, msg: error_of(Field::Phone), lang: l }
                }

                div { class: "field",
                    label { r#for: "code", {Msg::LabelCode.text(l)} }
                    div { class: "input-group",
                        input {
                            id: "code",
                            name: "code",
                            r#type: "text",
                            inputmode: "numeric",
                            autocomplete: "one-time-code",
                            placeholder: Msg::PlaceholderCode.text(l),
                            value: code(),
                            "aria-invalid": invalid(error_of(Field::Code)),
                            "aria-describedby": "code-error code-notice",
                            oninput: move |e| {
                                code.set(e.value());
                                edited(Field::Code);
                            },
                            onblur: move |_| touch(Field::Code),
                        }
                        button {
                            id: "send-code",
                            r#type: "button",
                            class: "secondary",
                            disabled: !hydrated() || !phone_ok || cooldown() > 0 || sending(),
                            onclick: send_code,
                            "{send_label}"
                        }
                    }
                    p { id: "code-notice", class: "notice", "aria-live": "polite",
                        if let Some(n) = notice() { {n.text(l)} }
                    }
                    FieldMessage { field: Field::Code, msg: error_of(Field::Code), lang: l }
                }

                div { class: "field",
                    label { r#for: "password", {Msg::LabelPassword.text(l)} }
                    div { class: "input-group",
                        input {
                            id: "password",
                            name: "password",
                            r#type: if show_password() { "text" } else { "password" },
                            autocomplete: "new-password",
                            placeholder: Msg::PlaceholderPassword.text(l),
                            value: password(),
                            "aria-invalid": invalid(error_of(Field::Password)),
                            "aria-describedby": "password-error password-rules",
                            oninput: move |e| {
                                password.set(e.value());
                                edited(Field::Password);
                            },
                            onblur: move |_| touch(Field::Password),
                        }
                        button {
                            r#type: "button",
                            class: "ghost",
                            "aria-pressed": if show_password() { "true" } else { "false" },
                            "aria-controls": "password",
                            onclick: move |_| show_password.toggle(),
                            if show_password() { {Msg::HidePassword.text(l)} } else { {Msg::ShowPassword.text(l)} }
                        }
                    }
                    ul { id: "password-rules", class: "checklist",
                        Check { ok: checklist.length, text: Msg::CheckLength.text(l) }
                        Check { ok: checklist.kinds, text: Msg::CheckKinds.text(l) }
                        Check { ok: checklist.charset && !password().is_empty(), text: Msg::CheckCharset.text(l) }
                    }
                    FieldMessage { field: Field::Password, msg: error_of(Field::Password), lang: l }
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
                            placeholder: Msg::PlaceholderInvitation.text(l),
                            value: invitation(),
                            "aria-invalid": invalid(error_of(Field::Invitation)),
                            "aria-describedby": "invitation-error",
                            oninput: move |e| {
                                invitation.set(e.value());
                                edited(Field::Invitation);
                            },
                            onblur: move |_| touch(Field::Invitation),
                        }
                        FieldMessage { field: Field::Invitation, msg: error_of(Field::Invitation), lang: l }
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
                                edited(Field::Consent);
                                touch(Field::Consent);
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

                div { id: "form-outcome", class: "outcome", role: "alert",
                    if let Some(e) = outcome() {
                        p { class: "alert", {e.text(l)} }
                    }
                }

                button {
                    id: "submit",
                    r#type: "submit",
                    class: "primary wide",
                    disabled: !hydrated() || submitting(),
                    if submitting() { {Msg::PleaseWait.text(l)} } else { {Msg::Submit.text(l)} }
                }
            }
            p { class: "muted help", "{help}" }
        }
        if let Some(kind) = dialog() {
            LegalDialog { kind, on_close: move |_| dialog.set(None) }
        }
    }
}

fn invalid(msg: Option<Msg>) -> &'static str {
    if msg.is_some() {
        "true"
    } else {
        "false"
    }
}

/// A field's error line: always present (so screen readers announce changes), tied
/// to its input by `aria-describedby="{field}-error"`.
#[component]
fn FieldMessage(field: Field, msg: Option<Msg>, lang: Lang) -> Element {
    rsx! {
        p { id: "{field.id()}-error", class: "field-error", "aria-live": "polite",
            if let Some(m) = msg { {m.text(lang)} }
        }
    }
}

#[component]
fn Check(ok: bool, text: &'static str) -> Element {
    rsx! {
        li { class: if ok { "ok" } else { "todo" },
            span { class: "mark", "aria-hidden": "true", if ok { "✓" } else { "·" } }
            "{text}"
        }
    }
}
