//! `/login` (password or SMS code) and `/reset-password` (docs/DESIGN.md §3).

use super::api::{
    login_with_code, login_with_password, reset_password, send_login_code, send_reset_code,
};
use super::form::{safe_next, CodeLoginForm, PasswordLoginForm, ResetForm};
use super::types::LoginFlash;
use crate::app::{use_lang, Route};
use crate::components::{
    take_form_values, use_client_errors, use_code_state, use_field, use_form_state,
    use_form_state_showing, use_hydrated, NeedsScripts, Outcome, PasswordInput, PhoneAndCode,
    PhoneInput, SubmitButton,
};
use crate::domain::OtpPurpose;
use crate::form::Field;
use crate::hydration::AsJson;
use crate::i18n::Msg;
use crate::register::SendCodeForm;
use dioxus::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Method {
    Password,
    Code,
}

/// Where to go after signing in: `next` if it is a same-site path (an app page
/// through the router, `/authorize` with a full page load), else the account.
fn go_next(next: &str) {
    match safe_next(next) {
        Some(path) => crate::app::go_to(path, false),
        None => {
            navigator().push(Route::Account {});
        }
    }
}

#[component]
pub fn LoginPage(next: String) -> Element {
    let lang = use_lang();
    let mut method = use_signal(|| Method::Password);
    // A password sign-in posted before the wasm ran and refused: its number and
    // error, carried over by the one-time cookie (super::no_script).
    let flash = use_server_cached(|| AsJson(LoginFlash::current())).0;
    let phone = use_field(Field::Phone, || {
        flash.as_ref().map(|f| f.phone.clone()).unwrap_or_default()
    });
    let password = use_field(Field::Password, String::new);
    let code = use_field(Field::Code, String::new);
    let codes = use_code_state(0);
    let state = use_form_state_showing(flash.map(|f| f.error));
    let hydrated = use_hydrated();
    // The browser posts the password form here until the wasm takes it over.
    let action = Route::Login { next: next.clone() }.to_string();

    let login_errors = move || match method() {
        Method::Password => PasswordLoginForm {
            phone: phone(),
            password: password(),
        }
        .validate()
        .err()
        .unwrap_or_default(),
        Method::Code => CodeLoginForm {
            phone: phone(),
            code: code(),
        }
        .validate()
        .err()
        .unwrap_or_default(),
    };
    let client_errors = use_memo(login_errors);
    let error_of = move |field: Field| state.error(field, &client_errors.read());

    let next_after = next.clone();
    let submit = move |e: FormEvent| {
        let next = next_after.clone();
        async move {
            e.prevent_default();
            if (state.busy)() {
                return;
            }
            take_form_values(
                &e,
                &[("phone", phone), ("password", password), ("code", code)],
            );
            let fields: &[Field] = match method() {
                Method::Password => &[Field::Phone, Field::Password],
                Method::Code => &[Field::Phone, Field::Code],
            };
            state.submitted(fields);
            if !login_errors().is_empty() {
                return;
            }
            let mut busy = state.busy;
            busy.set(true);
            let result = match method() {
                Method::Password => {
                    login_with_password(PasswordLoginForm {
                        phone: phone(),
                        password: password(),
                    })
                    .await
                }
                Method::Code => {
                    login_with_code(CodeLoginForm {
                        phone: phone(),
                        code: code(),
                    })
                    .await
                }
            };
            match result {
                Ok(_) => go_next(&next),
                Err(e) => {
                    state.show(e);
                    busy.set(false);
                }
            }
        }
    };

    let l = lang();
    let not_registered = matches!(&*state.outcome.read(), Some(e) if e.key == Msg::NotRegistered);
    let tab = move |m: Method, label: Msg, id: &'static str| {
        let selected = method() == m;
        rsx! {
            button {
                id: "{id}",
                r#type: "button",
                role: "tab",
                class: if selected { "tab selected" } else { "tab" },
                "aria-selected": if selected { "true" } else { "false" },
                onclick: move |_| method.set(m),
                {label.text(l)}
            }
        }
    };

    rsx! {
        section { class: "card login",
            h1 { {Msg::LoginTitle.text(l)} }
            p { class: "subtitle",
                {Msg::NoAccount.text(l)}
                " "
                Link { to: Route::Register {}, {Msg::SignUpLink.text(l)} }
            }
            div { class: "tabs", role: "tablist",
                {tab(Method::Password, Msg::TabPassword, "tab-password")}
                {tab(Method::Code, Msg::TabCode, "tab-code")}
            }
            NeedsScripts { lang: l, message: Msg::NeedsScriptsForCode }
            form {
                method: "post",
                action,
                novalidate: true,
                onsubmit: submit,
                if method() == Method::Password {
                    PhoneInput {
                        value: phone,
                        error: error_of(Field::Phone),
                        lang: l,
                        on_edit: move |_| state.edited(Field::Phone),
                        on_leave: move |_| state.touch(Field::Phone),
                    }
                    PasswordInput {
                        value: password,
                        error: error_of(Field::Password),
                        lang: l,
                        label: Msg::LabelLoginPassword,
                        new_password: false,
                        on_edit: move |_| state.edited(Field::Password),
                        on_leave: move |_| state.touch(Field::Password),
                    }
                    p { class: "forgot",
                        Link { to: Route::ResetPassword {}, {Msg::ForgotPassword.text(l)} }
                    }
                } else {
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
                                OtpPurpose::Login,
                                move |pow| send_login_code(SendCodeForm { phone, pow }),
                                state,
                                Msg::CodeSentIfAccount,
                            ));
                        },
                    }
                    if (codes.notice)() == Some(Msg::CodeSentIfAccount) {
                        p { class: "muted small",
                            {Msg::NoAccount.text(l)}
                            " "
                            Link { to: Route::Register {}, {Msg::SignUpLink.text(l)} }
                        }
                    }
                }
                Outcome { state, lang: l,
                    if not_registered {
                        Link { to: Route::Register {}, {Msg::SignUpLink.text(l)} }
                    }
                }
                SubmitButton {
                    state,
                    hydrated,
                    lang: l,
                    label: Msg::LoginSubmit,
                    works_without_wasm: method() == Method::Password,
                }
            }
        }
    }
}

#[component]
pub fn ResetPasswordPage() -> Element {
    let lang = use_lang();
    let phone = use_field(Field::Phone, String::new);
    let code = use_field(Field::Code, String::new);
    let password = use_field(Field::Password, String::new);
    let codes = use_code_state(0);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let form = move || ResetForm {
        phone: phone(),
        code: code(),
        password: password(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());

    let submit = move |e: FormEvent| async move {
        let (values, fields) = (
            [("phone", phone), ("code", code), ("password", password)],
            [Field::Phone, Field::Code, Field::Password],
        );
        if !state.begin(&e, &values, &fields, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        match reset_password(form()).await {
            Ok(_) => go_next(""),
            Err(e) => {
                state.show(e);
                busy.set(false);
            }
        }
    };

    let l = lang();
    rsx! {
        section { class: "card reset",
            h1 { {Msg::ResetTitle.text(l)} }
            p { class: "subtitle",
                Link { to: Route::Login { next: String::new() }, {Msg::BackToLogin.text(l)} }
            }
            NeedsScripts { lang: l }
            form { novalidate: true, onsubmit: submit,
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
                            OtpPurpose::Reset,
                            move |pow| send_reset_code(SendCodeForm { phone, pow }),
                            state,
                            Msg::CodeSentIfAccount,
                        ));
                    },
                }
                PasswordInput {
                    value: password,
                    error: error_of(Field::Password),
                    lang: l,
                    label: Msg::LabelNewPassword,
                    new_password: true,
                    phone: phone(),
                    on_edit: move |_| state.edited(Field::Password),
                    on_leave: move |_| state.touch(Field::Password),
                }
                Outcome { state, lang: l }
                SubmitButton { state, hydrated, lang: l, label: Msg::ResetSubmit }
            }
        }
    }
}
