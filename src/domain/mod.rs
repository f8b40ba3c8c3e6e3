//! Domain types shared by the browser (wasm) and the server: every value a user
//! types is parsed into one of these once, and nothing downstream sees raw strings
//! (docs/STYLE.md §1, "parse, don't validate").

mod document;
mod invitation_code;
mod password;
mod phone;
pub mod pow;
mod profile;
mod sms_code;
mod typed_input;

pub use document::{check_document_text, DocumentKind, UnknownDocument, DOCUMENT_TEXT_MAX_BYTES};
pub use invitation_code::{InvitationCode, InvitationMode};
#[cfg(not(feature = "server"))]
pub use password::set_common_passwords;
pub use password::{contains_phone, is_common_password, Password, PasswordChecklist};
pub use phone::PhoneNumber;
pub use profile::{CompanyName, ContactAddress, ContactEmail, Profile, RealName};
pub use sms_code::{OtpPurpose, SmsCode};
pub use typed_input::fold_typed;
use typed_input::TypedPattern;
