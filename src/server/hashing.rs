//! Password hashing with argon2id (docs/DESIGN.md §3; OWASP Password Storage Cheat Sheet:
//! m=19456 KiB, t=2, p=1), never on the async threads (docs/STYLE.md §6).
//!
//! A fixed pool of `permits` hashing threads does the work; the pool size is the
//! bound a semaphore would give, and owning the threads buys two things
//! `spawn_blocking` cannot: each thread keeps one argon2 memory buffer for its life
//! (so memory stays at `permits` × 19 MiB instead of growing with allocator arenas),
//! and the threads run at a lower OS priority (nice 10), so pages and other
//! requests get the CPU first when sign-ins saturate it.

use anyhow::{anyhow, Context};
use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

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

/// Niceness of the hashing threads.
const HASHING_NICE: i32 = 10;

enum Job {
    Hash(SecretString, oneshot::Sender<anyhow::Result<String>>),
    Verify(SecretString, String, oneshot::Sender<anyhow::Result<bool>>),
}

/// Hashes and verifies passwords on its own threads, `permits` at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    permits: usize,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("permits", &self.permits)
            .finish()
    }
}

impl PasswordHasher {
    /// Starts `permits` hashing threads (each holds `cost.memory_kib` KiB for its life).
    ///
    /// Errors: parameters argon2 refuses, or a thread that cannot be started.
    pub fn new(cost: HashCost, permits: usize) -> anyhow::Result<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.lanes, None)
            .map_err(|e| anyhow!("argon2 parameters: {e}"))?;
        let permits = permits.max(1);
        // Jobs wait in this queue (async callers wait on their reply, not a thread).
        let (jobs, queue) = mpsc::channel::<Job>(1_024);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..permits {
            let (queue, params) = (queue.clone(), params.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || worker(queue, params))
                .context("starting a hashing thread")?;
        }
        Ok(Self { jobs, permits })
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash(password, reply)).await?;
        answer.await.context("hashing thread gone")?
    }

    /// Checks a password against a stored PHC string; `false` for a mismatch.
    ///
    /// Errors: only when the stored string is not an argon2 PHC hash.
    pub async fn verify(&self, password: SecretString, stored: String) -> anyhow::Result<bool> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify(password, stored, reply)).await?;
        answer.await.context("hashing thread gone")?
    }

    /// Queues a job; when 1,024 wait already, the caller waits asynchronously (its
    /// task, never an async worker thread).
    async fn submit(&self, job: Job) -> anyhow::Result<()> {
        self.jobs
            .send(job)
            .await
            .map_err(|_| anyhow!("hashing threads stopped"))
    }
}

fn worker(queue: Arc<Mutex<mpsc::Receiver<Job>>>, params: Params) {
    lower_thread_priority();
    let mut memory = vec![Block::default(); params.block_count()];
    loop {
        let job = match queue.lock().map(|mut q| q.blocking_recv()) {
            Ok(Some(job)) => job,
            _ => return,
        };
        match job {
            Job::Hash(password, reply) => {
                let _ = reply.send(hash(&params, &password, &mut memory));
            }
            Job::Verify(password, stored, reply) => {
                let _ = reply.send(verify(&password, &stored, &mut memory));
            }
        }
    }
}

fn hash(params: &Params, password: &SecretString, memory: &mut [Block]) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow!("salt: {e}"))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon2
            .hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                salt_bytes,
                out,
                &mut *memory,
            )
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| anyhow!("argon2 hash: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: params.try_into().map_err(|e| anyhow!("params: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

fn verify(password: &SecretString, stored: &str, memory: &mut Vec<Block>) -> anyhow::Result<bool> {
    let phc = PasswordHash::new(stored).map_err(|e| anyhow!("stored hash: {e}"))?;
    let params = Params::try_from(&phc).map_err(|e| anyhow!("stored hash params: {e}"))?;
    let algorithm = Algorithm::try_from(phc.algorithm).map_err(|e| anyhow!("stored hash: {e}"))?;
    let version = phc
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| anyhow!("stored hash version: {e}"))?
        .unwrap_or_default();
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Err(anyhow!("stored hash has no salt or output"));
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow!("salt: {e}"))?;
    if memory.len() < params.block_count() {
        // A hash made at a higher cost than today's: grow this thread's buffer.
        memory.resize(params.block_count(), Block::default());
    }
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let blocks = params.block_count();
    let output = Output::init_with(expected.len(), |out| {
        argon2
            .hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                salt_bytes,
                out,
                &mut memory[..blocks],
            )
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| anyhow!("argon2 verify: {e}"))?;
    // `Output` compares in constant time.
    Ok(output == expected)
}

/// Lowers the calling thread's scheduling priority.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread's own id touches no memory.
    unsafe {
        libc::setpriority(
            libc::PRIO_PROCESS,
            libc::gettid() as libc::id_t,
            HASHING_NICE,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier};

    #[tokio::test]
    async fn production_cost_hash_verifies_and_rejects() {
        let hasher = PasswordHasher::new(HashCost::PRODUCTION, 2).unwrap();
        let hash = hasher.hash(SecretString::from("kqzv1234")).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .verify(SecretString::from("kqzv1234"), hash.clone())
            .await
            .unwrap());
        assert!(!hasher
            .verify(SecretString::from("abcd1235"), hash.clone())
            .await
            .unwrap());
        // The reference implementation agrees with ours both ways.
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default()
            .verify_password(b"kqzv1234", &parsed)
            .is_ok());
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw-123456", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(hasher
            .verify(SecretString::from("pw-123456"), theirs.clone())
            .await
            .unwrap());
        assert!(!hasher
            .verify(SecretString::from("pw-123457"), theirs)
            .await
            .unwrap());
        assert!(hasher
            .verify(SecretString::from("x"), "not a hash".into())
            .await
            .is_err());
    }
}
