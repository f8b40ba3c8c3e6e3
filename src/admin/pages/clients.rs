//! `/admin/clients`: the OpenID Connect clients (docs/DESIGN.md §6, §11): register
//! one through the service of `gatehouse oidc client add` (a confidential
//! client's secret shown this once), every client with its addresses, kind and
//! state, and revocation after a confirmation.

use super::{use_refusal, use_watch, AdminFrame, Alert, TextField};
use crate::admin::form::ClientForm;
use crate::app::{use_lang, Route};
use crate::components::{use_client_errors, use_form_state, use_hydrated, Done};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::Msg;
use crate::oidc::api::{oidc_clients, register_oidc_client, revoke_oidc_client};
use crate::oidc::ClientCreated;
use dioxus::prelude::*;

#[component]
pub fn AdminClientsPage() -> Element {
    rsx! {
        AdminFrame { here: Route::AdminClients {},
            Clients {}
        }
    }
}

const FIELDS: [Field; 3] = [
    Field::ClientName,
    Field::RedirectUris,
    Field::PostLogoutUris,
];

#[component]
fn Clients() -> Element {
    let lang = use_lang();
    let mut listed = use_server_future(oidc_clients)?;
    use_watch(listed);
    let name = use_signal(String::new);
    let redirect_uris = use_signal(String::new);
    let post_logout = use_signal(String::new);
    let mut public = use_signal(|| false);
    let mut first_party = use_signal(|| false);
    // The answer of the last registration, with the app's name. A confidential
    // client's secret lives here only: gone at the next registration, when the
    // admin hides it, or when the page is left; never stored nor logged.
    let mut created = use_signal(|| None::<(String, ClientCreated)>);
    // The client whose revocation waits for its confirmation: id and name.
    let mut revoking = use_signal(|| None::<(String, String)>);
    let mut done = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let mut refused = use_refusal();
    let form = move || ClientForm {
        name: name(),
        redirect_uris: redirect_uris(),
        post_logout_redirect_uris: post_logout(),
        public: public(),
        first_party: first_party(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let submit = move |e: FormEvent| async move {
        done.set(None);
        created.set(None);
        let values = [
            ("client-name", name),
            ("redirect-uris", redirect_uris),
            ("post-logout-uris", post_logout),
        ];
        if !state.begin(&e, &values, &FIELDS, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        let registered = register_oidc_client(form()).await;
        busy.set(false);
        match registered {
            Ok(answer) => {
                let app = form().validate().map(|r| r.name).unwrap_or_default();
                created.set(Some((app, answer)));
                for mut text in [name, redirect_uris, post_logout] {
                    text.set(String::new());
                }
                public.set(false);
                first_party.set(false);
                state.reset();
                listed.restart();
            }
            Err(e) => {
                refused(&e);
                state.show(e);
            }
        }
    };
    let revoke = move |client_id: String, app: String| async move {
        busy.set(true);
        error.set(None);
        done.set(None);
        match revoke_oidc_client(client_id).await {
            Ok(rows) => {
                listed.set(Some(Ok(rows)));
                done.set(Some(Msg::ClientRevoked.format(lang(), &[("name", &app)])));
            }
            Err(e) => {
                refused(&e);
                error.set(Some(e));
            }
        }
        revoking.set(None);
        busy.set(false);
    };
    let l = lang();
    let rows = match &*listed.read() {
        Some(Ok(rows)) => rows.clone(),
        Some(Err(e)) => {
            return rsx! { Alert { id: "clients-error", error: Some(e.clone()), lang: l } }
        }
        None => return rsx! { p { {Msg::Loading.text(l)} } },
    };
    rsx! {
        p { class: "muted", {Msg::ClientsIntro.text(l)} }
        h2 { {Msg::RegisterClientTitle.text(l)} }
        form { id: "register-client", class: "inline-form", novalidate: true, onsubmit: submit,
            TextField {
                field: Field::ClientName,
                value: name,
                error: error_of(Field::ClientName),
                lang: l,
                label: Msg::LabelClientName,
                on_edit: move |_| state.edited(Field::ClientName),
                on_leave: move |_| state.touch(Field::ClientName),
            }
            TextField {
                field: Field::RedirectUris,
                value: redirect_uris,
                error: error_of(Field::RedirectUris),
                lang: l,
                label: Msg::LabelRedirectUris,
                rows: 3,
                placeholder: "https://app.example.com/callback",
                on_edit: move |_| state.edited(Field::RedirectUris),
                on_leave: move |_| state.touch(Field::RedirectUris),
            }
            TextField {
                field: Field::PostLogoutUris,
                value: post_logout,
                error: error_of(Field::PostLogoutUris),
                lang: l,
                label: Msg::LabelPostLogoutUris,
                rows: 2,
                placeholder: "https://app.example.com/",
                on_edit: move |_| state.edited(Field::PostLogoutUris),
                on_leave: move |_| state.touch(Field::PostLogoutUris),
            }
            label { class: "checkbox",
                input {
                    r#type: "checkbox",
                    id: "public-client",
                    name: "public-client",
                    checked: public(),
                    onchange: move |e| public.set(e.checked()),
                }
                span { {Msg::LabelPublicClient.text(l)} }
            }
            label { class: "checkbox",
                input {
                    r#type: "checkbox",
                    id: "first-party",
                    name: "first-party",
                    checked: first_party(),
                    onchange: move |e| first_party.set(e.checked()),
                }
                span { {Msg::LabelFirstParty.text(l)} }
            }
            Alert { id: "register-error", error: (state.outcome)(), lang: l }
            button {
                id: "register-submit",
                r#type: "submit",
                class: "primary",
                disabled: !hydrated() || (state.busy)(),
                if (state.busy)() { {Msg::PleaseWait.text(l)} } else { {Msg::RegisterClientSubmit.text(l)} }
            }
        }
        if let Some((app, answer)) = created() {
            div { id: "client-created", class: "secret-box", role: "status",
                h3 { {Msg::ClientRegistered.format(l, &[("name", &app)])} }
                dl { class: "facts",
                    dt { {Msg::ClientIdLabel.text(l)} }
                    dd { code { id: "created-client-id", "{answer.client_id}" } }
                    if let Some(secret) = &answer.client_secret {
                        dt { {Msg::ClientSecretLabel.text(l)} }
                        dd { code { id: "created-client-secret", class: "secret", "{secret}" } }
                    }
                }
                if answer.client_secret.is_some() {
                    p { id: "secret-once", class: "warning", strong { {Msg::ClientSecretOnce.text(l)} } }
                    button {
                        r#type: "button",
                        id: "hide-secret",
                        class: "secondary",
                        onclick: move |_| created.set(None),
                        {Msg::HideSecret.text(l)}
                    }
                } else {
                    p { class: "muted", {Msg::ClientPublicNoSecret.text(l)} }
                }
            }
        }
        h2 { {Msg::ClientsTitle.text(l)} }
        if rows.is_empty() {
            p { class: "muted", id: "no-clients", {Msg::NoClients.text(l)} }
        } else {
            div { class: "table-scroll",
                table { id: "clients", class: "stack clients",
                    thead { tr {
                        th { scope: "col", {Msg::ColName.text(l)} }
                        th { scope: "col", {Msg::ClientIdLabel.text(l)} }
                        th { scope: "col", {Msg::ColRedirectUris.text(l)} }
                        th { scope: "col", {Msg::ColClientType.text(l)} }
                        th { scope: "col", {Msg::ColClientOwner.text(l)} }
                        th { scope: "col", {Msg::ColRegistered.text(l)} }
                        th { scope: "col", {Msg::AccountStatus.text(l)} }
                        th { scope: "col", "" }
                    } }
                    // One body per client: its row, and under it the confirmation
                    // of its revocation when asked.
                    for c in rows {
                        tbody { key: "{c.client_id}",
                            tr {
                                "data-client-id": "{c.client_id}",
                                "data-revoked": "{c.revoked}",
                                td { "data-label": Msg::ColName.text(l), class: "name", "{c.name}" }
                                td { "data-label": Msg::ClientIdLabel.text(l), code { "{c.client_id}" } }
                                td { "data-label": Msg::ColRedirectUris.text(l), class: "uris",
                                    div {
                                        for uri in c.redirect_uris.iter() {
                                            div { "{uri}" }
                                        }
                                        if !c.post_logout_redirect_uris.is_empty() {
                                            div { class: "muted",
                                                {Msg::AfterSignOut.text(l)}
                                                for uri in c.post_logout_redirect_uris.iter() {
                                                    " {uri}"
                                                }
                                            }
                                        }
                                    }
                                }
                                td { "data-label": Msg::ColClientType.text(l), class: "type",
                                    if c.public { {Msg::ClientPublic.text(l)} } else { {Msg::ClientConfidential.text(l)} }
                                }
                                td { "data-label": Msg::ColClientOwner.text(l), class: "owner",
                                    if c.first_party { {Msg::ClientFirstParty.text(l)} } else { {Msg::ClientThirdParty.text(l)} }
                                }
                                td { "data-label": Msg::ColRegistered.text(l), "{c.created_at}" }
                                td { "data-label": Msg::AccountStatus.text(l), class: "status",
                                    if c.revoked {
                                        span { class: "badge", {Msg::ClientRevokedBadge.text(l)} }
                                    } else {
                                        {Msg::StatusActive.text(l)}
                                    }
                                }
                                td { class: "row-actions",
                                    if !c.revoked {
                                        button {
                                            r#type: "button",
                                            class: "link revoke",
                                            disabled: busy(),
                                            "aria-expanded": if revoking().is_some_and(|(id, _)| id == c.client_id) { "true" } else { "false" },
                                            onclick: {
                                                let (id, app) = (c.client_id.clone(), c.name.clone());
                                                move |_| {
                                                    done.set(None);
                                                    revoking.set(Some((id.clone(), app.clone())));
                                                }
                                            },
                                            {Msg::RevokeClient.text(l)}
                                        }
                                    }
                                }
                            }
                            if let Some((id, app)) = revoking().filter(|(id, _)| *id == c.client_id) {
                                tr { class: "confirm-row",
                                    td { colspan: "8", class: "confirm",
                                        div { id: "revoke-confirm", class: "panel",
                                            p { {Msg::RevokeClientConfirm.format(l, &[("name", &app)])} }
                                            div { class: "actions",
                                                button {
                                                    r#type: "button",
                                                    id: "revoke-submit",
                                                    class: "danger",
                                                    disabled: busy(),
                                                    onclick: move |_| revoke(id.clone(), app.clone()),
                                                    if busy() { {Msg::PleaseWait.text(l)} } else { {Msg::RevokeClientSubmit.text(l)} }
                                                }
                                                button {
                                                    r#type: "button",
                                                    id: "revoke-cancel",
                                                    class: "ghost",
                                                    onclick: move |_| revoking.set(None),
                                                    {Msg::CancelButton.text(l)}
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Alert { id: "clients-error", error: error(), lang: l }
        Done { id: "clients-done", text: done() }
    }
}
