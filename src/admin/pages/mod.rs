//! The admin area's pages (docs/DESIGN.md §6), each under `/admin` (guarded on the
//! server by prefix): a frame with the navigation that asks for the password or an
//! SMS code when the last confirmation is older than 15 minutes, and one inner
//! component per page that loads its data only once confirmed.

mod account;
mod audit;
mod clients;
mod documents;
mod home;
mod invitations;
mod settings;

pub use account::AdminAccountPage;
pub use audit::AdminAuditPage;
pub use clients::AdminClientsPage;
pub use documents::AdminDocumentsPage;
pub use home::AdminHomePage;
pub use invitations::AdminInvitationsPage;
pub use settings::AdminSettingsPage;

use crate::admin::api::{admin_status, confirm_code, confirm_password, send_confirm_code};
use crate::admin::form::{ConfirmCodeForm, ConfirmPasswordForm};
use crate::app::{use_lang, Route};
use crate::components::{
    invalid, use_code_state, use_form_state, use_hydrated, CodeInput, FieldMessage, Outcome,
    PasswordInput, SubmitButton,
};
use crate::error::ApiError;
use crate::form::{Field, FieldErrors};
use crate::i18n::{Lang, Msg};
use dioxus::prelude::*;

/// Set by a page when a server function answered that the confirmation expired:
/// the frame then asks for it again.
#[derive(Clone, Copy)]
struct ConfirmNeeded(Signal<bool>);

/// What a page does with an error of a server function: an expired confirmation
/// makes the frame ask again; anything else is the page's to show.
pub(super) fn use_refusal() -> impl FnMut(&ApiError) + Copy {
    let ConfirmNeeded(mut needed) = use_context::<ConfirmNeeded>();
    move |e: &ApiError| {
        if e.key == Msg::AdminConfirmRequired {
            needed.set(true);
        }
    }
}

/// Watches a page's data: when loading it answered that the confirmation expired,
/// the frame asks again.
pub(super) fn use_watch<T: 'static>(data: Resource<Result<T, ApiError>>) {
    let mut refused = use_refusal();
    use_effect(move || {
        if let Some(Err(e)) = &*data.read() {
            refused(e);
        }
    });
}

/// The frame of every admin page: the title and navigation with `here` marked,
/// then `children` once the admin has confirmed within 15 minutes, else the
/// confirmation form. Without a session the browser signs in and comes back.
#[component]
pub(super) fn AdminFrame(here: Route, children: Element) -> Element {
    let lang = use_lang();
    let mut status = use_server_future(admin_status)?;
    let mut needed = use_signal(|| false);
    use_context_provider(|| ConfirmNeeded(needed));
    let nav = navigator();
    let next = here.to_string();
    use_effect(move || {
        if let Some(Err(e)) = &*status.read() {
            if e.status == 401 {
                nav.replace(Route::Login { next: next.clone() });
            }
        }
    });
    let l = lang();
    let tabs = [
        (Route::AdminHome {}, Msg::NavAccounts),
        (Route::AdminInvitations {}, Msg::NavInvitations),
        (Route::AdminDocuments {}, Msg::NavDocuments),
        (Route::AdminClients {}, Msg::NavClients),
        (Route::AdminSettings {}, Msg::NavSettings),
        (Route::AdminAudit {}, Msg::NavAudit),
    ];
    let body = match &*status.read() {
        Some(Ok(s)) if s.confirmed_secs_left > 0 && !needed() => children,
        Some(Ok(s)) => rsx! {
            ConfirmPanel {
                masked_phone: s.masked_phone.clone(),
                on_confirmed: move |_| {
                    needed.set(false);
                    status.restart();
                },
            }
        },
        Some(Err(e)) => {
            rsx! { p { class: "alert", role: "alert", id: "admin-refused", {e.text(l)} } }
        }
        None => rsx! { p { {Msg::Loading.text(l)} } },
    };
    rsx! {
        section { class: "card admin",
            h1 { {Msg::AdminTitle.text(l)} }
            nav { class: "account-nav", "aria-label": Msg::AdminTitle.text(l),
                for (route, label) in tabs {
                    Link {
                        to: route.clone(),
                        class: if same_tab(&route, &here) { "selected" } else { "" },
                        "aria-current": if same_tab(&route, &here) { "page" } else { "false" },
                        {label.text(l)}
                    }
                }
            }
            {body}
        }
    }
}

/// Whether `here` belongs to the tab of `tab` (an account's page to Accounts).
fn same_tab(tab: &Route, here: &Route) -> bool {
    tab == here
        || (matches!(tab, Route::AdminHome {}) && matches!(here, Route::AdminAccount { .. }))
}

/// "Confirm it is you": the password, or an SMS code to the admin's number.
#[component]
fn ConfirmPanel(masked_phone: String, on_confirmed: EventHandler<()>) -> Element {
    let lang = use_lang();
    let mut by_code = use_signal(|| false);
    let password = use_signal(String::new);
    let code = use_signal(String::new);
    let codes = use_code_state(0);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let client_errors = use_memo(move || {
        let errors = if by_code() {
            ConfirmCodeForm { code: code() }.validate().err()
        } else {
            ConfirmPasswordForm {
                password: password(),
            }
            .validate()
            .err()
        };
        errors.unwrap_or_else(FieldErrors::default)
    });
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let submit = move |e: FormEvent| async move {
        let with_code = by_code();
        let fields = if with_code {
            [Field::Code]
        } else {
            [Field::Password]
        };
        let values = [("password", password), ("code", code)];
        if !state.begin(&e, &values, &fields, || client_errors.read().is_empty()) {
            return;
        }
        let mut busy = state.busy;
        let result = if with_code {
            confirm_code(ConfirmCodeForm { code: code() }).await
        } else {
            confirm_password(ConfirmPasswordForm {
                password: password(),
            })
            .await
        };
        busy.set(false);
        match result {
            Ok(_) => on_confirmed.call(()),
            Err(e) => state.show(e),
        }
    };
    let l = lang();
    rsx! {
        div { class: "confirm", id: "admin-confirm",
            h2 { {Msg::AdminConfirmTitle.text(l)} }
            p { class: "muted", {Msg::AdminConfirmIntro.text(l)} }
            form { id: "confirm-form", novalidate: true, onsubmit: submit,
                if by_code() {
                    CodeInput {
                        value: code,
                        error: error_of(Field::Code),
                        lang: l,
                        label: Msg::DeleteCodeLabel.format(l, &[("phone", &masked_phone)]),
                        cooldown: codes.cooldown,
                        can_send: hydrated(),
                        sending: (codes.sending)(),
                        notice: (codes.notice)(),
                        on_send: move |_| {
                            spawn(codes.request(send_confirm_code(), state, Msg::CodeSent));
                        },
                        on_edit: move |_| state.edited(Field::Code),
                        on_leave: move |_| state.touch(Field::Code),
                    }
                } else {
                    PasswordInput {
                        value: password,
                        error: error_of(Field::Password),
                        lang: l,
                        label: Msg::LabelLoginPassword,
                        new_password: false,
                        on_edit: move |_| state.edited(Field::Password),
                        on_leave: move |_| state.touch(Field::Password),
                    }
                }
                Outcome { state, lang: l }
                SubmitButton { state, hydrated, lang: l, label: Msg::AdminConfirmSubmit }
            }
            button {
                r#type: "button",
                id: "confirm-switch",
                class: "link",
                onclick: move |_| by_code.toggle(),
                if by_code() { {Msg::AdminConfirmByPassword.text(l)} } else { {Msg::AdminConfirmByCode.text(l)} }
            }
        }
    }
}

/// A labelled text input (or a textarea when `rows` is given) tied to a form's
/// field: its error under it, `aria-invalid` set.
#[component]
pub(super) fn TextField(
    field: Field,
    value: Signal<String>,
    error: Option<Msg>,
    lang: Lang,
    label: Msg,
    #[props(default = "text")] kind: &'static str,
    #[props(default)] rows: Option<u32>,
    #[props(default)] placeholder: Option<&'static str>,
    on_edit: EventHandler<()>,
    on_leave: EventHandler<()>,
) -> Element {
    let id = field.id();
    rsx! {
        div { class: "field",
            label { r#for: id, {label.text(lang)} }
            if let Some(rows) = rows {
                textarea {
                    id,
                    name: id,
                    rows: "{rows}",
                    spellcheck: "false",
                    placeholder: placeholder.unwrap_or_default(),
                    value: value(),
                    "aria-invalid": invalid(error),
                    "aria-describedby": "{id}-error",
                    oninput: move |e| {
                        value.set(e.value());
                        on_edit.call(());
                    },
                    onblur: move |_| on_leave.call(()),
                }
            } else {
                input {
                    id,
                    name: id,
                    r#type: kind,
                    placeholder: placeholder.unwrap_or_default(),
                    value: value(),
                    "aria-invalid": invalid(error),
                    "aria-describedby": "{id}-error",
                    oninput: move |e| {
                        value.set(e.value());
                        on_edit.call(());
                    },
                    onblur: move |_| on_leave.call(()),
                }
            }
            FieldMessage { field, msg: error, lang }
        }
    }
}

/// An error line (`role="alert"`) with its own id, empty when there is none.
#[component]
pub(super) fn Alert(id: &'static str, error: Option<ApiError>, lang: Lang) -> Element {
    rsx! {
        div { id, class: "outcome", role: "alert",
            if let Some(e) = error {
                p { class: "alert", {e.text(lang)} }
            }
        }
    }
}
