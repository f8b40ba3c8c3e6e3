//! Password hashing with argon2id (DESIGN.md §3; OWASP Password Storage Cheat Sheet:
//! m=19456 KiB, t=2, p=1), always off the async threads: `spawn_blocking` behind a
//! semaphore sized to the cores (STYLE 6), so page rendering keeps its threads. The
//! hashing threads run at a lower OS priority (nice 10): when sign-ins saturate the
//! CPU, pages and other requests still get it first.

use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// argon2id cost: memory in KiB, iterations, lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub lanes: u32,
}

impl HashCost {
    /// The production cost: m=19456 KiB (19 MiB), t=2, p=1 (OWASP's first argon2id option).
    pub const PRODUCTION: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        lanes: 1,
    };
    /// The smallest cost argon2 allows; for tests only.
    pub const MINIMAL: Self = Self {
        memory_kib: 8,
        iterations: 1,
        lanes: 1,
    };
}

/// Hashes and verifies passwords on the blocking pool, at most `permits` at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("permits", &self.permits.available_permits())
            .finish()
    }
}

impl PasswordHasher {
    /// `permits`: concurrent hashes (each holds `cost.memory_kib` KiB while it runs).
    pub fn new(cost: HashCost, permits: usize) -> anyhow::Result<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.lanes, None)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        Ok(Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            permits: Arc::new(Semaphore::new(permits.max(1))),
        })
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let argon2 = self.argon2.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| anyhow::anyhow!("argon2 hash: {e}"))
        })
        .await
    }

    /// Checks a password against a stored PHC string; `false` for a mismatch.
    ///
    /// Errors: only when the stored string is not a PHC hash.
    pub async fn verify(&self, password: SecretString, stored: String) -> anyhow::Result<bool> {
        let argon2 = self.argon2.clone();
        self.run(move || {
            let parsed =
                PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
            Ok(argon2
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .context("hash semaphore closed")?;
        tokio::task::spawn_blocking(move || {
            lower_thread_priority();
            work()
        })
        .await
        .context("hashing task panicked")?
    }
}

/// Niceness of a thread that has hashed a password.
const HASHING_NICE: i32 = 10;

/// Lowers this (blocking-pool) thread's scheduling priority, once per thread.
fn lower_thread_priority() {
    thread_local! {
        static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    LOWERED.with(|done| {
        if !done.replace(true) {
            #[cfg(target_os = "linux")]
            // SAFETY: setpriority on the calling thread's own id has no memory effects.
            unsafe {
                libc::setpriority(
                    libc::PRIO_PROCESS,
                    libc::gettid() as libc::id_t,
                    HASHING_NICE,
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn production_cost_hash_verifies_and_rejects() {
        let hasher = PasswordHasher::new(HashCost::PRODUCTION, 2).unwrap();
        let hash = hasher.hash(SecretString::from("abcd1234")).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .verify(SecretString::from("abcd1234"), hash.clone())
            .await
            .unwrap());
        assert!(!hasher
            .verify(SecretString::from("abcd1235"), hash)
            .await
            .unwrap());
    }
}
