//! The account center's pages (docs/DESIGN.md §5), each under `/account` (guarded
//! on the server by prefix): the overview with the profile and marketing switch,
//! the password, the phone number, the devices and sign-ins, and deletion. Each
//! loads the one summary and shows the same navigation.

mod delete;
mod devices;
mod overview;
mod password;
mod phone;

pub use delete::AccountDeletePage;
pub use devices::AccountDevicesPage;
pub use overview::AccountPage;
pub use password::AccountPasswordPage;
pub use phone::AccountPhonePage;

use super::api::account_summary;
use super::types::AccountSummary;
use crate::app::{use_lang, Route};
use crate::error::ApiError;
use crate::i18n::Msg;
use dioxus::prelude::*;

/// The summary every account page shows, fetched with the page. Without a session
/// the browser signs in and comes back to `here`; with a document version due it
/// agrees first (docs/DESIGN.md §4). The server already redirected a page load;
/// this covers a session that ends while the page is open.
pub(super) fn use_account_summary(
    here: Route,
) -> Result<Resource<Result<AccountSummary, ApiError>>, RenderError> {
    let summary = use_server_future(account_summary)?;
    let nav = navigator();
    use_effect(move || {
        let next = here.to_string();
        match &*summary.read() {
            Some(Err(e)) if e.key == Msg::ReconsentRequired => {
                nav.replace(Route::Consent { next });
            }
            Some(Err(_)) => {
                nav.replace(Route::Login { next });
            }
            _ => {}
        }
    });
    Ok(summary)
}

/// The account pages' frame: the title, the navigation with `here` marked, then
/// `children` once the summary is in (a message and a link otherwise).
#[component]
pub(super) fn AccountFrame(
    here: Route,
    summary: Option<Result<AccountSummary, ApiError>>,
    children: Element,
) -> Element {
    let l = use_lang()();
    let tabs = [
        (Route::Account {}, Msg::NavOverview),
        (Route::AccountPassword {}, Msg::ChangePasswordTitle),
        (Route::AccountPhone {}, Msg::ChangePhoneTitle),
        (Route::AccountDevices {}, Msg::NavSessions),
        (Route::AccountDelete {}, Msg::NavDelete),
    ];
    let next = here.to_string();
    rsx! {
        section { class: "card account",
            h1 { {Msg::AccountTitle.text(l)} }
            nav { class: "account-nav", "aria-label": Msg::AccountTitle.text(l),
                for (route, label) in tabs {
                    Link {
                        to: route.clone(),
                        class: if route == here { "selected" } else { "" },
                        "aria-current": if route == here { "page" } else { "false" },
                        {label.text(l)}
                    }
                }
            }
            match summary {
                Some(Ok(_)) => children,
                Some(Err(e)) if e.key == Msg::ReconsentRequired => rsx! {
                    p { class: "alert", role: "alert", {e.text(l)} }
                    Link { to: Route::Consent { next }, {Msg::ConsentTitle.text(l)} }
                },
                Some(Err(e)) => rsx! {
                    p { class: "alert", role: "alert", {e.text(l)} }
                    Link { to: Route::Login { next }, {Msg::LogIn.text(l)} }
                },
                None => rsx! { p { {Msg::Loading.text(l)} } },
            }
        }
    }
}
