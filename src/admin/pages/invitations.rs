//! `/admin/invitations`: create a code (quota, last valid day, note), the newest
//! codes with their uses left and expiry, who used each, and withdrawal.

use super::{use_refusal, use_watch, AdminFrame, Alert, TextField};
use crate::admin::api::{create_invitation, invitation_uses, invitations, withdraw_invitation};
use crate::admin::form::{InvitationForm, InvitationRef};
use crate::admin::types::InvitationUse;
use crate::app::{use_lang, Route};
use crate::components::{use_client_errors, use_form_state, use_hydrated, Done};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::Msg;
use dioxus::prelude::*;

#[component]
pub fn AdminInvitationsPage() -> Element {
    rsx! {
        AdminFrame { here: Route::AdminInvitations {},
            Invitations {}
        }
    }
}

#[component]
fn Invitations() -> Element {
    let lang = use_lang();
    let mut listed = use_server_future(invitations)?;
    use_watch(listed);
    let quota = use_signal(|| "1".to_owned());
    let expires = use_signal(String::new);
    let note = use_signal(String::new);
    let mut done = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut uses = use_signal(|| None::<(String, Vec<InvitationUse>)>);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let mut refused = use_refusal();
    let form = move || InvitationForm {
        quota: quota(),
        expires: expires(),
        note: note(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let submit = move |e: FormEvent| async move {
        done.set(None);
        let values = [("quota", quota), ("expiry", expires), ("note", note)];
        let fields = [Field::Quota, Field::Expiry, Field::Note];
        if !state.begin(&e, &values, &fields, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        let created = create_invitation(form()).await;
        busy.set(false);
        match created {
            Ok(rows) => {
                let code = rows.first().map(|r| r.code.clone()).unwrap_or_default();
                done.set(Some(
                    Msg::InvitationCreated.format(lang(), &[("code", &code)]),
                ));
                let mut note = note;
                note.set(String::new());
                state.reset();
                listed.set(Some(Ok(rows)));
            }
            Err(e) => {
                refused(&e);
                state.show(e);
            }
        }
    };
    let l = lang();
    let rows = match &*listed.read() {
        Some(Ok(rows)) => rows.clone(),
        Some(Err(e)) => {
            return rsx! { Alert { id: "invitations-error", error: Some(e.clone()), lang: l } }
        }
        None => return rsx! { p { {Msg::Loading.text(l)} } },
    };
    rsx! {
        h2 { {Msg::CreateInvitationTitle.text(l)} }
        form { id: "create-invitation", class: "inline-form", novalidate: true, onsubmit: submit,
            TextField {
                field: Field::Quota,
                value: quota,
                error: error_of(Field::Quota),
                lang: l,
                label: Msg::LabelQuota,
                kind: "number",
                on_edit: move |_| state.edited(Field::Quota),
                on_leave: move |_| state.touch(Field::Quota),
            }
            TextField {
                field: Field::Expiry,
                value: expires,
                error: error_of(Field::Expiry),
                lang: l,
                label: Msg::LabelExpiry,
                kind: "date",
                placeholder: "YYYY-MM-DD",
                on_edit: move |_| state.edited(Field::Expiry),
                on_leave: move |_| state.touch(Field::Expiry),
            }
            TextField {
                field: Field::Note,
                value: note,
                error: error_of(Field::Note),
                lang: l,
                label: Msg::LabelNote,
                on_edit: move |_| state.edited(Field::Note),
                on_leave: move |_| state.touch(Field::Note),
            }
            Alert { id: "create-error", error: (state.outcome)(), lang: l }
            button {
                id: "create-submit",
                r#type: "submit",
                class: "primary",
                disabled: !hydrated() || (state.busy)(),
                if (state.busy)() { {Msg::PleaseWait.text(l)} } else { {Msg::CreateInvitationSubmit.text(l)} }
            }
            Done { id: "invitation-created", text: done() }
        }
        h2 { {Msg::InvitationsTitle.text(l)} }
        div { class: "table-scroll",
            table { id: "invitations", class: "stack",
                thead { tr {
                    th { scope: "col", {Msg::LabelInvitation.text(l)} }
                    th { scope: "col", {Msg::ColUses.text(l)} }
                    th { scope: "col", {Msg::ColLeft.text(l)} }
                    th { scope: "col", {Msg::ColExpires.text(l)} }
                    th { scope: "col", {Msg::ColNote.text(l)} }
                    th { scope: "col", "" }
                } }
                tbody {
                    for r in rows {
                        tr { key: "{r.code}", "data-code": "{r.code}",
                            td { "data-label": Msg::LabelInvitation.text(l), code { "{r.code}" } }
                            td { "data-label": Msg::ColUses.text(l), "{r.used} / {r.quota}" }
                            td { "data-label": Msg::ColLeft.text(l), class: "left", "{r.left}" }
                            td { "data-label": Msg::ColExpires.text(l),
                                "{r.expires_at}"
                                if !r.active {
                                    " "
                                    span { class: "badge", {Msg::InvitationWithdrawnBadge.text(l)} }
                                } else if r.expired {
                                    " "
                                    span { class: "badge", {Msg::InvitationExpiredBadge.text(l)} }
                                }
                            }
                            td { "data-label": Msg::ColNote.text(l), "{r.note}" }
                            td { class: "row-actions",
                                if r.used > 0 {
                                    button {
                                        r#type: "button",
                                        class: "link show-uses",
                                        onclick: {
                                            let code = r.code.clone();
                                            move |_| {
                                                let code = code.clone();
                                                async move {
                                                    error.set(None);
                                                    match invitation_uses(InvitationRef { code: code.clone() }).await {
                                                        Ok(list) => uses.set(Some((code, list))),
                                                        Err(e) => {
                                                            refused(&e);
                                                            error.set(Some(e));
                                                        }
                                                    }
                                                }
                                            }
                                        },
                                        {Msg::ShowUses.text(l)}
                                    }
                                }
                                if r.active && !r.expired {
                                    button {
                                        r#type: "button",
                                        class: "link withdraw",
                                        disabled: busy(),
                                        onclick: {
                                            let code = r.code.clone();
                                            move |_| {
                                                let code = code.clone();
                                                async move {
                                                    busy.set(true);
                                                    error.set(None);
                                                    match withdraw_invitation(InvitationRef { code }).await {
                                                        Ok(rows) => listed.set(Some(Ok(rows))),
                                                        Err(e) => {
                                                            refused(&e);
                                                            error.set(Some(e));
                                                        }
                                                    }
                                                    busy.set(false);
                                                }
                                            }
                                        },
                                        {Msg::Withdraw.text(l)}
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Alert { id: "invitations-error", error: error(), lang: l }
        if let Some((code, list)) = uses() {
            div { id: "invitation-uses", class: "panel",
                h3 { {Msg::UsesTitle.format(l, &[("code", &code)])} }
                ul {
                    for u in list {
                        li {
                            if u.masked_phone.is_empty() { {Msg::StatusDeleted.text(l)} } else { "{u.masked_phone}" }
                            " · {u.at}"
                        }
                    }
                }
            }
        }
    }
}
