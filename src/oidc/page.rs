//! `/authorize/consent?request=`: a third-party app asks the signed-in account
//! for scopes (docs/DESIGN.md §11); `/authorize/error?reason=`: a request that
//! cannot go back to its app.

use super::api::{answer_consent, consent_request};
use super::types::AuthorizeProblem;
use crate::app::{use_lang, use_site, Route};
use crate::error::ApiError;
use crate::i18n::Msg;
use dioxus::prelude::*;

/// The consent screen: the app's name, what each scope gives it, where the
/// browser returns, "Allow" and "Deny". Both answers are server functions whose
/// reply the page then loads in full (`/authorize?request=` or the app's
/// `access_denied`): a form posted to a redirect off-site would meet
/// `form-action 'self'`. Without a session it sends the browser to sign in and
/// back.
#[component]
pub fn OidcConsentPage(request: String) -> Element {
    let lang = use_lang();
    let site = use_site();
    let shown = {
        let request = request.clone();
        use_server_future(move || consent_request(request.clone()))?
    };
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let l = lang();
    let here = format!("/authorize/consent?request={request}");
    use_effect(move || {
        if let Some(Err(e)) = &*shown.read() {
            if e.status == 401 {
                navigator().replace(Route::Login { next: here.clone() });
            }
        }
    });
    let asked = match &*shown.read() {
        Some(Ok(asked)) => asked.clone(),
        Some(Err(e)) => {
            return rsx! {
                section { class: "card narrow consent", id: "oidc-consent",
                    p { class: "alert", role: "alert", {e.text(l)} }
                }
            }
        }
        None => return rsx! { section { class: "card narrow", p { {Msg::Loading.text(l)} } } },
    };
    let app = asked.client_name.clone();
    let answer = move |allow: bool| {
        let request = request.clone();
        async move {
            busy.set(true);
            match answer_consent(request, allow).await {
                Ok(target) => crate::app::go_to(&target, true),
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        }
    };
    let deny = answer.clone();
    rsx! {
        section { class: "card narrow consent", id: "oidc-consent", "aria-labelledby": "oidc-consent-title",
            h1 { id: "oidc-consent-title", {Msg::OidcConsentTitle.format(l, &[("app", &app)])} }
            p { {Msg::OidcConsentIntro.format(l, &[("app", &app)])} }
            ul { class: "scopes", id: "oidc-scopes",
                for scope in asked.scopes.iter() {
                    li { key: "{scope.as_str()}", "data-scope": scope.as_str(),
                        {scope.description().format(l, &[("brand", &site.brand)])}
                    }
                }
            }
            p { class: "muted", {Msg::OidcConsentReturn.format(l, &[("host", &asked.redirect_host)])} }
            if let Some(e) = error() {
                p { class: "alert", role: "alert", {e.text(l)} }
            }
            div { class: "actions",
                button {
                    r#type: "button",
                    class: "primary",
                    id: "oidc-allow",
                    disabled: busy(),
                    onclick: move |_| answer(true),
                    {Msg::OidcAllow.text(l)}
                }
                button {
                    r#type: "button",
                    class: "secondary",
                    id: "oidc-deny",
                    disabled: busy(),
                    onclick: move |_| deny(false),
                    {Msg::OidcDeny.text(l)}
                }
            }
        }
    }
}

/// The page of a request that cannot go back to its app: an unknown client, a
/// redirect URI not registered, an expired request. It names no URI from the
/// request.
#[component]
pub fn OidcErrorPage(reason: String) -> Element {
    let lang = use_lang();
    let l = lang();
    let problem = AuthorizeProblem::parse(&reason);
    rsx! {
        section { class: "card narrow", id: "oidc-error", "data-reason": problem.as_str(),
            h1 { {Msg::OidcErrorTitle.text(l)} }
            p { class: "alert", role: "alert", {problem.message().text(l)} }
        }
    }
}

/// The account center's "Connected apps" (docs/DESIGN.md §5, §11): each
/// third-party app the account allowed, what it may read and since when, with
/// "Withdraw", which also signs the app out (its refresh tokens revoked).
#[component]
pub fn ConnectedApps() -> Element {
    let lang = use_lang();
    let site = use_site();
    let mut apps = use_server_future(super::api::connected_apps)?;
    let mut done = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let l = lang();
    let list = match &*apps.read() {
        Some(Ok(list)) => list.clone(),
        Some(Err(e)) => return rsx! { p { class: "alert", role: "alert", {e.text(l)} } },
        None => return rsx! { p { {Msg::Loading.text(l)} } },
    };
    rsx! {
        h2 { {Msg::AppsTitle.text(l)} }
        if list.is_empty() {
            p { class: "muted", id: "apps-none", {Msg::AppsNone.text(l)} }
        }
        ul { class: "apps", id: "connected-apps",
            for app in list {
                li { key: "{app.client_id}", "data-client": "{app.client_id}",
                    strong { "{app.client_name}" }
                    " "
                    span { class: "muted small", {Msg::AppsGrantedAt.format(l, &[("date", &app.granted_at)])} }
                    ul { class: "scopes",
                        for scope in app.scopes.iter() {
                            li { key: "{scope.as_str()}",
                                {scope.description().format(l, &[("brand", &site.brand)])}
                            }
                        }
                    }
                    button {
                        r#type: "button",
                        class: "link revoke-app",
                        disabled: busy(),
                        onclick: {
                            let (id, name) = (app.client_id.clone(), app.client_name.clone());
                            move |_| {
                                let (id, name) = (id.clone(), name.clone());
                                async move {
                                    busy.set(true);
                                    error.set(None);
                                    match super::api::revoke_app(id).await {
                                        Ok(()) => done.set(Some(Msg::AppsRevoked.format(lang(), &[("app", &name)]))),
                                        Err(e) => error.set(Some(e)),
                                    }
                                    apps.restart();
                                    busy.set(false);
                                }
                            }
                        },
                        {Msg::AppsRevoke.text(l)}
                    }
                }
            }
        }
        if let Some(e) = error() {
            p { class: "alert", role: "alert", {e.text(l)} }
        }
        crate::components::Done { id: "apps-done", text: done() }
    }
}
