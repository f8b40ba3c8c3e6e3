//! The app shell: routes, the site-wide context (language, brand, footer facts) and
//! the layout every page shares (header with the language switch, footer).

use crate::account::{
    AccountDeletePage, AccountDevicesPage, AccountPage, AccountPasswordPage, AccountPhonePage,
};
use crate::admin::{
    AdminAccountPage, AdminAuditPage, AdminClientsPage, AdminDocumentsPage, AdminHomePage,
    AdminInvitationsPage, AdminSettingsPage,
};
use crate::hydration::AsJson;
use crate::i18n::{Lang, Msg};
use crate::legal::{ConsentPage, DocumentKind, LegalPage, NoticeBanner};
use crate::login::{LoginPage, ResetPasswordPage};
use crate::oidc::{OidcConsentPage, OidcErrorPage};
use crate::register::RegisterPage;
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

const STYLES: Asset = asset!("/assets/main.css");
const LOGO: Asset = asset!("/assets/logo.svg");

/// Every page's address.
#[derive(Routable, Clone, PartialEq, Debug)]
#[rustfmt::skip]
pub enum Route {
    #[layout(Shell)]
        #[redirect("/", || Route::Register {})]
        #[route("/register")]
        Register {},
        #[route("/login?:next")]
        Login { next: String },
        #[route("/reset-password")]
        ResetPassword {},
        #[route("/account")]
        Account {},
        #[route("/account/password")]
        AccountPassword {},
        #[route("/account/phone")]
        AccountPhone {},
        #[route("/account/devices")]
        AccountDevices {},
        #[route("/account/delete")]
        AccountDelete {},
        #[route("/admin")]
        AdminHome {},
        #[route("/admin/accounts/:id")]
        AdminAccount { id: i64 },
        #[route("/admin/invitations")]
        AdminInvitations {},
        #[route("/admin/documents")]
        AdminDocuments {},
        #[route("/admin/clients")]
        AdminClients {},
        #[route("/admin/settings")]
        AdminSettings {},
        #[route("/admin/audit")]
        AdminAudit {},
        #[route("/consent?:next")]
        Consent { next: String },
        #[route("/authorize/consent?:request")]
        OidcConsent { request: String },
        #[route("/authorize/error?:reason")]
        OidcError { reason: String },
        #[route("/legal/:kind")]
        Legal { kind: DocumentKind },
        #[route("/legal/:kind/:version")]
        LegalVersion { kind: DocumentKind, version: u32 },
        #[route("/:..segments")]
        NotFound { segments: Vec<String> },
}

/// Facts every page shows, read on the server for the request and sent to the
/// browser with the page (so the first render in the browser matches).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The request's language: cookie, else Accept-Language.
    pub lang: Lang,
    pub brand: String,
    pub company: String,
    pub hotline: String,
    pub icp: Option<String>,
    /// Current year in China Standard Time, for the copyright line.
    pub year: i32,
}

impl SiteInfo {
    /// On the server: from the request being rendered. In the browser this is only
    /// reached if the page was not server-rendered, which the app never does.
    fn current() -> Self {
        #[cfg(feature = "server")]
        {
            use crate::server::AppState;
            use dioxus::fullstack::FullstackContext;
            let Some(ctx) = FullstackContext::current() else {
                return Self::default();
            };
            let lang = crate::server::http::headers::lang(&ctx.parts_mut().headers);
            let Some(state) = ctx.extension::<AppState>() else {
                return Self {
                    lang,
                    ..Self::default()
                };
            };
            let s = &state.settings;
            let cst = crate::server::clock::china_standard_time();
            Self {
                lang,
                brand: s.brand.clone(),
                company: s.company.clone(),
                hotline: s.hotline.clone(),
                icp: s.icp.clone(),
                year: chrono::Datelike::year(&state.clock.now().with_timezone(&cst)),
            }
        }
        #[cfg(not(feature = "server"))]
        Self::default()
    }
}

/// The root component.
#[component]
pub fn App() -> Element {
    let site = use_server_cached(|| AsJson(SiteInfo::current())).0;
    let lang = use_signal(|| site.lang);
    use_context_provider(|| site.clone());
    use_context_provider(|| lang);
    rsx! {
        document::Stylesheet { href: STYLES }
        document::Meta { name: "viewport", content: "width=device-width, initial-scale=1" }
        document::Link { rel: "icon", href: LOGO }
        Router::<Route> {}
    }
}

/// The visitor's language, as a signal every page reads.
pub fn use_lang() -> Signal<Lang> {
    use_context::<Signal<Lang>>()
}

/// The site facts.
pub fn use_site() -> SiteInfo {
    use_context::<SiteInfo>()
}

/// The document's `<title>`. `document::Title` sets it in the browser through
/// `document::eval`, which our Content-Security-Policy refuses; this sets it with a
/// DOM call there and through the server document (rendered into `<head>`) in SSR.
#[component]
fn PageTitle(text: String) -> Element {
    use_hook(move || {
        #[cfg(feature = "web")]
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&text);
        }
        #[cfg(not(feature = "web"))]
        document::document().set_title(text);
    });
    rsx! {}
}

/// Remembers the language in a cookie (one year) and tells the document.
fn remember_language(lang: Lang) {
    tell_document(lang, true);
}

/// Sets `<html lang>` and, when `remember`, the language cookie. Direct DOM calls:
/// `document::eval` needs `unsafe-eval`, which our Content-Security-Policy refuses.
fn tell_document(lang: Lang, remember: bool) {
    #[cfg(feature = "web")]
    {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", lang.html_lang());
        }
        if remember {
            if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
                let _ = html.set_cookie(&format!(
                    "{}={}; path=/; max-age=31536000; samesite=lax",
                    Lang::COOKIE,
                    lang.code()
                ));
            }
        }
    }
    #[cfg(not(feature = "web"))]
    let _ = (lang, remember);
}

#[component]
fn Shell() -> Element {
    let mut lang = use_lang();
    let site = use_site();
    let l = lang();
    // Once hydrated, keep <html lang> in step with the language.
    use_effect(move || tell_document(lang(), false));
    let year = site.year.to_string();
    // "Co., Ltd." already ends the English sentence the catalog line closes.
    let company = match l {
        Lang::En => site.company.trim_end_matches('.'),
        Lang::Zh => &site.company,
    };
    let copyright = Msg::Copyright.format(l, &[("year", &year), ("company", company)]);
    let hotline = Msg::Hotline.format(l, &[("hotline", &site.hotline)]);
    let hydrated = crate::components::use_hydrated();
    rsx! {
        PageTitle { text: site.brand.clone() }
        // `data-hydrated` turns "true" once the wasm runs the page (every page;
        // the browser tests wait for it after a page is loaded from the server).
        div {
            class: "page",
            "data-hydrated": if hydrated() { "true" } else { "false" },
            header { class: "topbar",
                Link { class: "brand", to: Route::Register {},
                    img { src: LOGO, alt: "", width: "28", height: "28" }
                    span { "{site.brand}" }
                }
                button {
                    r#type: "button",
                    class: "lang-switch",
                    lang: l.other().html_lang(),
                    "aria-label": Msg::SwitchLanguage.text(l),
                    onclick: move |_| {
                        let next = lang().other();
                        lang.set(next);
                        remember_language(next);
                    },
                    {Msg::SwitchLanguage.text(l)}
                }
            }
            NoticeBanner {}
            main { class: "content", Outlet::<Route> {} }
            footer { class: "footer",
                p { "{hotline}" }
                p { "{copyright}" }
                if let Some(icp) = &site.icp {
                    p { {Msg::Icp.format(l, &[("icp", icp)])} }
                }
            }
        }
    }
}

#[component]
fn Register() -> Element {
    use_prefetch_full_build();
    rsx! { RegisterPage {} }
}

#[component]
fn Login(next: String) -> Element {
    use_prefetch_full_build();
    rsx! { LoginPage { next } }
}

/// The `<meta name>` by which the server tells a page sent with the public build
/// where the full build is: `content` is its script's and its wasm's absolute
/// paths, space-separated (`crate::server::http::builds`).
pub const FULL_BUILD_META: &str = "gatehouse-full-build";

/// On the sign-up and sign-in pages, in the public build (feature `public-pages`,
/// docs/DESIGN.md §8 "Page weight"): once the page runs, asks the browser to
/// prefetch the full build ([`FULL_BUILD_META`]; about 510 KB brotli), so the
/// account page the visitor lands on next starts from the cache instead of
/// downloading it then. It starts after this page's own wasm has run, and
/// `<link rel="prefetch">` is the browser's lowest priority. Nothing is
/// prefetched when the browser asks to save data (`navigator.connection.saveData`),
/// in the full build, or under `dx serve` (no meta).
fn use_prefetch_full_build() {
    use_effect(|| {
        #[cfg(public_build)]
        prefetch_full_build();
    });
}

/// [`use_prefetch_full_build`]'s DOM work; `None` when there is nothing to do.
#[cfg(public_build)]
fn prefetch_full_build() -> Option<()> {
    use wasm_bindgen::JsValue;
    let window = web_sys::window()?;
    let get = |object: &JsValue, key: &str| {
        js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    };
    let connection = get(&get(&window, "navigator"), "connection");
    if connection.is_object() && get(&connection, "saveData").is_truthy() {
        return None;
    }
    let document = window.document()?;
    // Once per page load: the sign-in page reached from sign-up asks nothing more.
    if document
        .query_selector("link[rel=\"prefetch\"]")
        .ok()?
        .is_some()
    {
        return None;
    }
    let paths = document
        .query_selector(&format!("meta[name=\"{FULL_BUILD_META}\"]"))
        .ok()??
        .get_attribute("content")?;
    let head = document.query_selector("head").ok()??;
    for path in paths.split_whitespace() {
        let link = document.create_element("link").ok()?;
        link.set_attribute("rel", "prefetch").ok()?;
        link.set_attribute("href", path).ok()?;
        head.append_child(&link).ok()?;
    }
    Some(())
}

#[component]
fn ResetPassword() -> Element {
    rsx! { ResetPasswordPage {} }
}

/// `page`, except in the public pages' wasm (feature `public-pages`, docs/DESIGN.md
/// §8 "Page weight"), which leaves the account area, the admin area, the
/// authorization pages and the consent page out: reached through the router
/// there, the page is loaded from the server, which answers it with the full app.
fn private_page(page: impl FnOnce() -> Element) -> Element {
    // `public_build`: see build.rs (a server keeps every page).
    if cfg!(public_build) {
        rsx! { LoadFromServer {} }
    } else {
        page()
    }
}

/// Loads the current page from the server, at its canonical address (the one the
/// router writes): after a navigation in the app that is the address already; a
/// page the server sent with the public build under another spelling
/// (`/%61ccount`) goes to `/account`, which the server guards and sends with the
/// full build, so this never loops.
#[component]
fn LoadFromServer() -> Element {
    let route = use_route::<Route>();
    use_effect(move || {
        #[cfg(feature = "web")]
        if let Some(window) = web_sys::window() {
            // Fails only for an address the browser cannot parse, which a route is not.
            let _ = window.location().replace(&route.to_string());
        }
        #[cfg(not(feature = "web"))]
        let _ = &route;
    });
    rsx! {}
}

#[component]
fn Account() -> Element {
    private_page(|| rsx! { AccountPage {} })
}

#[component]
fn AccountPassword() -> Element {
    private_page(|| rsx! { AccountPasswordPage {} })
}

#[component]
fn AccountPhone() -> Element {
    private_page(|| rsx! { AccountPhonePage {} })
}

#[component]
fn AccountDevices() -> Element {
    private_page(|| rsx! { AccountDevicesPage {} })
}

#[component]
fn AccountDelete() -> Element {
    private_page(|| rsx! { AccountDeletePage {} })
}

#[component]
fn AdminHome() -> Element {
    private_page(|| rsx! { AdminHomePage {} })
}

#[component]
fn AdminAccount(id: i64) -> Element {
    private_page(|| rsx! { AdminAccountPage { id } })
}

#[component]
fn AdminInvitations() -> Element {
    private_page(|| rsx! { AdminInvitationsPage {} })
}

#[component]
fn AdminDocuments() -> Element {
    private_page(|| rsx! { AdminDocumentsPage {} })
}

#[component]
fn AdminClients() -> Element {
    private_page(|| rsx! { AdminClientsPage {} })
}

#[component]
fn AdminSettings() -> Element {
    private_page(|| rsx! { AdminSettingsPage {} })
}

#[component]
fn AdminAudit() -> Element {
    private_page(|| rsx! { AdminAuditPage {} })
}

#[component]
fn Consent(next: String) -> Element {
    private_page(|| rsx! { ConsentPage { next } })
}

#[component]
fn OidcConsent(request: String) -> Element {
    private_page(|| rsx! { OidcConsentPage { request } })
}

#[component]
fn OidcError(reason: String) -> Element {
    private_page(|| rsx! { OidcErrorPage { reason } })
}

#[component]
fn Legal(kind: DocumentKind) -> Element {
    rsx! { LegalPage { kind, version: None } }
}

#[component]
fn LegalVersion(kind: DocumentKind, version: u32) -> Element {
    rsx! { LegalPage { kind, version: Some(version) } }
}

#[component]
fn NotFound(segments: Vec<String>) -> Element {
    // Server rendering answers 404 (a no-op in the browser).
    dioxus::fullstack::FullstackContext::commit_http_status(
        dioxus::fullstack::StatusCode::NOT_FOUND,
        None,
    );
    let l = use_lang()();
    rsx! {
        section { class: "card narrow",
            h1 { {Msg::NotFound.text(l)} }
            Link { to: Route::Register {}, {Msg::BackHome.text(l)} }
        }
    }
}

/// Whether `path` is one of the app's pages (else the server answers it, as
/// `/authorize?request=`).
pub fn is_app_page(path: &str) -> bool {
    use std::str::FromStr;
    Route::from_str(path).is_ok_and(|route| !matches!(route, Route::NotFound { .. }))
}

/// Goes to `path`, a same-site path already checked ([`safe_next`](crate::login::safe_next)):
/// through the router when it is one of the app's pages, else with a full page
/// load, since the server answers it (`/authorize?request=`, docs/DESIGN.md §11).
/// `replace` keeps the current page out of the history.
pub fn go_to(path: &str, replace: bool) {
    if is_app_page(path) {
        let nav = navigator();
        if replace {
            nav.replace(path.to_owned());
        } else {
            nav.push(path.to_owned());
        }
    } else {
        leave_for(path, replace);
    }
}

/// A full page load of `path` (nothing outside a browser).
fn leave_for(path: &str, replace: bool) {
    #[cfg(feature = "web")]
    if let Some(window) = web_sys::window() {
        let location = window.location();
        // Fails only for a URL the browser cannot parse, which `path` is not.
        let _ = if replace {
            location.replace(path)
        } else {
            location.assign(path)
        };
    }
    #[cfg(not(feature = "web"))]
    let _ = (path, replace);
}
