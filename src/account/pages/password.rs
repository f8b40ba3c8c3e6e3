//! `/account/password`: the current password and a new one (the sign-up rule and
//! its live checklist); every other session ends.

use super::{use_account_summary, AccountFrame};
use crate::account::api::change_password;
use crate::account::form::ChangePasswordForm;
use crate::app::{use_lang, Route};
use crate::components::{
    use_client_errors, use_field, use_form_state, use_hydrated, Done, Outcome, PasswordInput,
    SubmitButton,
};
use crate::form::Field;
use crate::i18n::Msg;
use dioxus::prelude::*;

#[component]
pub fn AccountPasswordPage() -> Element {
    let lang = use_lang();
    let summary = use_account_summary(Route::AccountPassword {})?;
    let mut current = use_field(Field::CurrentPassword, String::new);
    let mut password = use_field(Field::Password, String::new);
    let mut done = use_signal(|| None::<String>);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let form = move || ChangePasswordForm {
        current_password: current(),
        password: password(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let submit = move |e: FormEvent| async move {
        done.set(None);
        let (values, fields) = (
            [("current-password", current), ("password", password)],
            [Field::CurrentPassword, Field::Password],
        );
        if !state.begin(&e, &values, &fields, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        match change_password(form()).await {
            Ok(_) => {
                current.set(String::new());
                password.set(String::new());
                state.reset();
                done.set(Some(Msg::PasswordChanged.text(lang()).to_owned()));
            }
            Err(e) => state.show(e),
        }
        busy.set(false);
    };
    let l = lang();
    let loaded = summary.read().clone();
    rsx! {
        AccountFrame { here: Route::AccountPassword {}, summary: loaded,
            h2 { {Msg::ChangePasswordTitle.text(l)} }
            form { id: "change-password", novalidate: true, onsubmit: submit,
                PasswordInput {
                    field: Field::CurrentPassword,
                    value: current,
                    error: error_of(Field::CurrentPassword),
                    lang: l,
                    label: Msg::LabelCurrentPassword,
                    new_password: false,
                    on_edit: move |_| state.edited(Field::CurrentPassword),
                    on_leave: move |_| state.touch(Field::CurrentPassword),
                }
                PasswordInput {
                    value: password,
                    error: error_of(Field::Password),
                    lang: l,
                    label: Msg::LabelNewPassword,
                    new_password: true,
                    on_edit: move |_| state.edited(Field::Password),
                    on_leave: move |_| state.touch(Field::Password),
                }
                Outcome { state, lang: l }
                SubmitButton { state, hydrated, lang: l, label: Msg::ChangePasswordSubmit }
                Done { id: "password-changed", text: done() }
            }
        }
    }
}
