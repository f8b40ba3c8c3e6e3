//! Encryption at rest and keyed hashes (docs/DESIGN.md §7, OWASP Cryptographic Storage
//! Cheat Sheet). One 32-byte master key from configuration; HKDF-SHA256 derives a
//! separate key for each use, so no key serves two purposes.

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use anyhow::{anyhow, bail, Context};
use base64::Engine;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the master key.
pub const KEY_LEN: usize = 32;
/// Bytes of the AES-GCM nonce stored in front of each ciphertext.
const NONCE_LEN: usize = 12;

/// nonce (12 random bytes) || AES-256-GCM ciphertext of `plaintext` under `cipher`.
fn seal(cipher: &Aes256Gcm, plaintext: &[u8]) -> Vec<u8> {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let mut out = nonce.to_vec();
    out.extend(
        cipher
            .encrypt(&nonce, plaintext)
            .expect("AES-GCM encryption of a small buffer cannot fail"),
    );
    out
}

/// The plaintext of what [`seal`] produced under `cipher`.
fn open(cipher: &Aes256Gcm, stored: &[u8]) -> anyhow::Result<Vec<u8>> {
    if stored.len() < NONCE_LEN {
        bail!("ciphertext too short");
    }
    let (nonce, ciphertext) = stored.split_at(NONCE_LEN);
    cipher
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map_err(|_| anyhow!("ciphertext does not decrypt"))
}

/// A key of one account's own (docs/DESIGN.md §7): it encrypts the personal data
/// (IP, browser) in that account's append-only rows, so destroying it erases that
/// data without changing a row (crypto-shredding). 32 random bytes, stored only
/// encrypted under the data key (`account_keys`).
#[derive(Clone)]
pub struct AccountKey(Aes256Gcm);

impl std::fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountKey(..)")
    }
}

impl AccountKey {
    /// A new random key, and its 32 bytes to store (wrapped by the data key).
    pub fn generate() -> (Self, [u8; KEY_LEN]) {
        let bytes: [u8; KEY_LEN] = Aes256Gcm::generate_key(&mut OsRng).into();
        (Self(Aes256Gcm::new(&bytes.into())), bytes)
    }

    /// The key from its 32 bytes.
    ///
    /// Errors: any other length.
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<Self> {
        let bytes: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| anyhow!("an account key is {} bytes, not 32", bytes.len()))?;
        Ok(Self(Aes256Gcm::new(&bytes.into())))
    }

    /// nonce || AES-256-GCM ciphertext under this account's key.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        seal(&self.0, plaintext)
    }

    /// Decrypts what [`AccountKey::encrypt`] produced.
    ///
    /// Errors: a value that does not decrypt under this key.
    pub fn decrypt(&self, stored: &[u8]) -> anyhow::Result<Vec<u8>> {
        open(&self.0, stored)
    }
}

/// The keys derived from the master data key.
#[derive(Clone)]
pub struct DataKeys {
    cipher: Aes256Gcm,
    blind_index: [u8; 32],
    otp: [u8; 32],
    pow: [u8; 32],
    client_secret: [u8; 32],
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKeys(..)")
    }
}

impl DataKeys {
    /// Derives the keys from 32 master-key bytes.
    pub fn from_master(master: &[u8; KEY_LEN]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"gatehouse data key v1"), master);
        let derive = |info: &[u8]| {
            let mut out = [0u8; 32];
            hk.expand(info, &mut out)
                .expect("32 bytes is a valid HKDF length");
            out
        };
        Self {
            cipher: Aes256Gcm::new(&derive(b"aes-256-gcm personal data").into()),
            blind_index: derive(b"hmac-sha256 blind index"),
            otp: derive(b"hmac-sha256 otp"),
            pow: derive(b"hmac-sha256 proof-of-work challenge"),
            client_secret: derive(b"hmac-sha256 oidc client secret"),
        }
    }

    /// Parses a configured key: base64 (standard alphabet, padded) or 64 hex digits.
    ///
    /// Errors: when it decodes to anything but 32 bytes.
    pub fn parse_master(text: &SecretString) -> anyhow::Result<[u8; KEY_LEN]> {
        let text = text.expose_secret().trim();
        let bytes = if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..KEY_LEN)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| anyhow!("GATEHOUSE_DATA_KEY: not base64 or hex"))?
        };
        bytes
            .try_into()
            .map_err(|_| anyhow!("GATEHOUSE_DATA_KEY: must be exactly {KEY_LEN} bytes"))
    }

    /// Loads the key file of a development data directory, creating it with a fresh
    /// random key on first start. Returns the key and whether it was just generated.
    pub fn load_or_generate(path: &Path) -> anyhow::Result<([u8; KEY_LEN], bool)> {
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            return Ok((Self::parse_master(&SecretString::from(text))?, false));
        }
        let key: [u8; KEY_LEN] = Aes256Gcm::generate_key(&mut OsRng).into();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(key);
        write_private(path, encoded.as_bytes())?;
        Ok((key, true))
    }

    /// Encrypts personal data for storage: nonce || AES-256-GCM ciphertext.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        seal(&self.cipher, plaintext)
    }

    /// Decrypts what [`DataKeys::encrypt`] produced.
    ///
    /// Errors: a stored value too short, or one that does not decrypt under the
    /// data key (another key, or tampered with).
    pub fn decrypt(&self, stored: &[u8]) -> anyhow::Result<Vec<u8>> {
        open(&self.cipher, stored)
            .map_err(|_| anyhow!("ciphertext does not decrypt under the data key"))
    }

    /// The blind index of a value: HMAC-SHA256 under its own key, 32 bytes. Exact
    /// lookups and the uniqueness constraint use it; it reveals nothing without the key.
    pub fn blind_index(&self, domain: &str, value: &str) -> Vec<u8> {
        keyed(&self.blind_index, &[domain.as_bytes(), value.as_bytes()])
    }

    /// The stored form of an SMS code, bound to its phone and purpose (docs/DESIGN.md §2).
    pub fn otp_hash(&self, phone: &str, purpose: &str, code: &str) -> Vec<u8> {
        keyed(
            &self.otp,
            &[phone.as_bytes(), purpose.as_bytes(), code.as_bytes()],
        )
    }

    /// Compares an SMS code with its stored hash in constant time.
    pub fn otp_matches(&self, phone: &str, purpose: &str, code: &str, stored: &[u8]) -> bool {
        mac(
            &self.otp,
            &[phone.as_bytes(), purpose.as_bytes(), code.as_bytes()],
        )
        .verify_slice(stored)
        .is_ok()
    }

    /// The tag of a proof-of-work challenge over its `parts` (its text and the
    /// client's rate-limit key): HMAC-SHA256 under its own key, 32 bytes. Any
    /// instance checks a challenge another issued (src/server/otp/pow.rs).
    pub fn pow_tag(&self, parts: &[&[u8]]) -> Vec<u8> {
        keyed(&self.pow, parts)
    }

    /// Compares a challenge's tag with [`Self::pow_tag`] of `parts` in constant time.
    pub fn pow_tag_matches(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        mac(&self.pow, parts).verify_slice(tag).is_ok()
    }

    /// The stored form of an OpenID Connect client's secret: HMAC-SHA256 under its
    /// own key, 32 bytes. The secret is 256 random bits, so a keyed fast hash is
    /// enough (OWASP Password Storage Cheat Sheet concerns low-entropy secrets).
    pub fn client_secret_hash(&self, client_id: &str, secret: &str) -> Vec<u8> {
        keyed(
            &self.client_secret,
            &[client_id.as_bytes(), secret.as_bytes()],
        )
    }

    /// Compares a presented client secret with its stored hash in constant time.
    pub fn client_secret_matches(&self, client_id: &str, secret: &str, stored: &[u8]) -> bool {
        mac(
            &self.client_secret,
            &[client_id.as_bytes(), secret.as_bytes()],
        )
        .verify_slice(stored)
        .is_ok()
    }
}

/// HMAC over length-prefixed parts, so ("ab","c") and ("a","bc") differ.
fn mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(&(part.len() as u32).to_be_bytes());
        mac.update(part);
    }
    mac
}

fn keyed(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    mac(key, parts).finalize().into_bytes().to_vec()
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> DataKeys {
        DataKeys::from_master(&[7u8; KEY_LEN])
    }

    #[test]
    fn encryption_round_trips_and_is_randomized() {
        let k = keys();
        let a = k.encrypt(b"13800138000");
        let b = k.encrypt(b"13800138000");
        assert_ne!(a, b);
        assert_eq!(k.decrypt(&a).unwrap(), b"13800138000");
        assert!(DataKeys::from_master(&[8u8; KEY_LEN]).decrypt(&a).is_err());
    }

    #[test]
    fn blind_index_is_deterministic_and_keyed() {
        let k = keys();
        assert_eq!(
            k.blind_index("phone", "13800138000"),
            k.blind_index("phone", "13800138000")
        );
        assert_ne!(
            k.blind_index("phone", "13800138000"),
            DataKeys::from_master(&[8u8; KEY_LEN]).blind_index("phone", "13800138000")
        );
    }

    #[test]
    fn otp_hash_binds_phone_and_purpose() {
        let k = keys();
        let h = k.otp_hash("13800138000", "register", "123456");
        assert!(k.otp_matches("13800138000", "register", "123456", &h));
        assert!(!k.otp_matches("13800138000", "login", "123456", &h));
        assert!(!k.otp_matches("13900139000", "register", "123456", &h));
        assert!(!k.otp_matches("13800138000", "register", "123457", &h));
    }

    #[test]
    fn master_key_accepts_base64_and_hex_of_32_bytes_only() {
        let b64 = SecretString::from("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned());
        assert_eq!(DataKeys::parse_master(&b64).unwrap(), [0u8; 32]);
        let hex = SecretString::from("ff".repeat(32));
        assert_eq!(DataKeys::parse_master(&hex).unwrap(), [255u8; 32]);
        assert!(DataKeys::parse_master(&SecretString::from("AAAA".to_owned())).is_err());
    }
}
