//! `/account/phone`: a code to the current number and one to the new number
//! (purpose `change-phone`), then the move; every other session ends.

use super::{use_account_summary, AccountFrame};
use crate::account::api::{change_phone, send_change_phone_code, send_new_phone_code};
use crate::account::form::{ChangePhoneForm, NewPhoneForm};
use crate::app::{use_lang, Route};
use crate::components::{
    use_client_errors, use_code_state, use_field, use_form_state, use_hydrated, CodeInput, Done,
    Outcome, PhoneInput, SubmitButton,
};
use crate::domain::{OtpPurpose, PhoneNumber};
use crate::form::Field;
use crate::i18n::Msg;
use dioxus::prelude::*;

#[component]
pub fn AccountPhonePage() -> Element {
    let lang = use_lang();
    let mut summary = use_account_summary(Route::AccountPhone {})?;
    let mut code = use_field(Field::Code, String::new);
    let mut new_phone = use_field(Field::NewPhone, String::new);
    let mut new_code = use_field(Field::NewCode, String::new);
    let mut done = use_signal(|| None::<String>);
    let current_codes = use_code_state(0);
    let new_codes = use_code_state(0);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let form = move || ChangePhoneForm {
        code: code(),
        new_phone: new_phone(),
        new_code: new_code(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let submit = move |e: FormEvent| async move {
        done.set(None);
        let (values, fields) = (
            [
                ("code", code),
                ("new-phone", new_phone),
                ("new-code", new_code),
            ],
            [Field::Code, Field::NewPhone, Field::NewCode],
        );
        if !state.begin(&e, &values, &fields, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        match change_phone(form()).await {
            Ok(changed) => {
                code.set(String::new());
                new_phone.set(String::new());
                new_code.set(String::new());
                state.reset();
                done.set(Some(
                    Msg::PhoneChanged.format(lang(), &[("phone", &changed.masked_phone)]),
                ));
                summary.restart();
            }
            Err(e) => state.show(e),
        }
        busy.set(false);
    };
    let l = lang();
    let loaded = summary.read().clone();
    let masked = match &loaded {
        Some(Ok(s)) => s.masked_phone.clone(),
        _ => String::new(),
    };
    rsx! {
        AccountFrame { here: Route::AccountPhone {}, summary: loaded,
            h2 { {Msg::ChangePhoneTitle.text(l)} }
            p { class: "muted small", {Msg::ChangePhoneIntro.text(l)} }
            form { id: "change-phone", novalidate: true, onsubmit: submit,
                CodeInput {
                    value: code,
                    error: error_of(Field::Code),
                    lang: l,
                    label: Msg::LabelCurrentCode.format(l, &[("phone", &masked)]),
                    cooldown: current_codes.cooldown,
                    can_send: hydrated(),
                    sending: (current_codes.sending)(),
                    notice: (current_codes.notice)(),
                    on_send: move |_| {
                        spawn(current_codes.request(send_change_phone_code(), state, Msg::CodeSent));
                    },
                    on_edit: move |_| state.edited(Field::Code),
                    on_leave: move |_| state.touch(Field::Code),
                }
                PhoneInput {
                    field: Field::NewPhone,
                    label: Msg::LabelNewPhone,
                    value: new_phone,
                    error: error_of(Field::NewPhone),
                    lang: l,
                    on_edit: move |_| state.edited(Field::NewPhone),
                    on_leave: move |_| state.touch(Field::NewPhone),
                }
                CodeInput {
                    field: Field::NewCode,
                    value: new_code,
                    error: error_of(Field::NewCode),
                    lang: l,
                    label: Msg::LabelNewCode.text(l).to_owned(),
                    cooldown: new_codes.cooldown,
                    can_send: hydrated() && PhoneNumber::parse(&new_phone()).is_ok(),
                    sending: (new_codes.sending)(),
                    progress: (new_codes.progress)(),
                    notice: (new_codes.notice)(),
                    on_send: move |_| {
                        let new_phone = new_phone();
                        spawn(new_codes.request_with_pow(
                            OtpPurpose::ChangePhone,
                            move |pow| send_new_phone_code(NewPhoneForm { new_phone, pow }),
                            state,
                            Msg::CodeSent,
                        ));
                    },
                    on_edit: move |_| state.edited(Field::NewCode),
                    on_leave: move |_| state.touch(Field::NewCode),
                }
                Outcome { state, lang: l }
                SubmitButton { state, hydrated, lang: l, label: Msg::ChangePhoneSubmit }
                Done { id: "phone-changed", text: done() }
            }
        }
    }
}
