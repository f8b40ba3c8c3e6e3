//! `/account/delete`: what deleting means, in plain words; a code to the
//! account's number (purpose `delete`); then the erasure.

use super::{use_account_summary, AccountFrame};
use crate::account::api::{delete_account, send_delete_code};
use crate::account::form::DeleteAccountForm;
use crate::app::{use_lang, Route};
use crate::components::{
    use_client_errors, use_code_state, use_field, use_form_state, use_hydrated, CodeInput, Outcome,
};
use crate::form::Field;
use crate::i18n::Msg;
use dioxus::prelude::*;

#[component]
pub fn AccountDeletePage() -> Element {
    let lang = use_lang();
    let summary = use_account_summary(Route::AccountDelete {})?;
    let code = use_field(Field::Code, String::new);
    let mut deleted = use_signal(|| false);
    let codes = use_code_state(0);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let form = move || DeleteAccountForm { code: code() };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let submit = move |e: FormEvent| async move {
        let (values, fields) = ([("code", code)], [Field::Code]);
        if !state.begin(&e, &values, &fields, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        match delete_account(form()).await {
            Ok(()) => deleted.set(true),
            Err(e) => state.show(e),
        }
        busy.set(false);
    };
    let l = lang();
    if deleted() {
        return rsx! {
            section { class: "card narrow", id: "account-deleted",
                h1 { {Msg::AccountDeleted.text(l)} }
                p { {Msg::AccountDeletedBody.text(l)} }
                Link { to: Route::Register {}, {Msg::SignUpLink.text(l)} }
            }
        };
    }
    let loaded = summary.read().clone();
    let masked = match &loaded {
        Some(Ok(s)) => s.masked_phone.clone(),
        _ => String::new(),
    };
    rsx! {
        AccountFrame { here: Route::AccountDelete {}, summary: loaded,
            h2 { {Msg::DeleteTitle.text(l)} }
            p { {Msg::DeleteIntro.text(l)} }
            ul { class: "consequences",
                li { {Msg::DeleteErases.text(l)} }
                li { {Msg::DeleteEndsSessions.text(l)} }
                li { {Msg::DeleteKeepsConsents.text(l)} }
                li { strong { {Msg::DeleteFinal.text(l)} } }
            }
            form { id: "delete-account", novalidate: true, onsubmit: submit,
                CodeInput {
                    value: code,
                    error: error_of(Field::Code),
                    lang: l,
                    label: Msg::DeleteCodeLabel.format(l, &[("phone", &masked)]),
                    cooldown: codes.cooldown,
                    can_send: hydrated(),
                    sending: (codes.sending)(),
                    notice: (codes.notice)(),
                    on_send: move |_| {
                        spawn(codes.request(send_delete_code(), state, Msg::CodeSent));
                    },
                    on_edit: move |_| state.edited(Field::Code),
                    on_leave: move |_| state.touch(Field::Code),
                }
                Outcome { state, lang: l }
                button {
                    id: "submit",
                    r#type: "submit",
                    class: "danger wide",
                    disabled: !hydrated() || (state.busy)(),
                    if (state.busy)() { {Msg::PleaseWait.text(l)} } else { {Msg::DeleteSubmit.text(l)} }
                }
            }
        }
    }
}
