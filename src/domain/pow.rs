//! The proof of work asked before an SMS is sent (docs/DESIGN.md §2, "SMS pumping";
//! OWASP Automated Threats OAT-009). The server issues a challenge: an opaque `token`
//! and a `difficulty` in bits. The browser searches for a `nonce` such that
//! SHA-256(`token` ‖ `nonce` as 8 big-endian bytes) starts with `difficulty` zero
//! bits; the server checks one hash. The same code runs in both (wasm and server),
//! so they cannot disagree on what a solution is.
//!
//! A solution costs about 2^difficulty hashes on average; checking it costs one.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Hardest difficulty the server may ask, in bits: about 2^28 hashes, minutes on a
/// phone. Settings above it are refused at start-up.
pub const MAX_DIFFICULTY: u8 = 28;

/// A challenge as the server issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowChallenge {
    /// Opaque to the browser; the server reads its purpose, expiry and difficulty
    /// back from it and checks its tag.
    pub token: String,
    /// Leading zero bits the hash must have, 0..=[`MAX_DIFFICULTY`].
    pub difficulty: u8,
}

/// What a send-code request carries: the challenge's token and the nonce found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowSolution {
    pub token: String,
    pub nonce: u64,
}

/// The hasher with `token` absorbed, cloned for each nonce tried.
fn prefix(token: &str) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(token.as_bytes());
    hasher
}

/// Leading zero bits of SHA-256(`prefix` ‖ `nonce`).
fn zero_bits(prefix: &Sha256, nonce: u64) -> u32 {
    let hash = prefix.clone().chain_update(nonce.to_be_bytes()).finalize();
    let mut bits = 0;
    for byte in hash {
        if byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

/// Whether `nonce` solves the challenge `token` at `difficulty` bits.
pub fn solves(token: &str, nonce: u64, difficulty: u8) -> bool {
    zero_bits(&prefix(token), nonce) >= u32::from(difficulty)
}

/// Tries the nonces `from..from + count` in order; the first that solves the
/// challenge, if any. The browser calls it in slices, so the page stays responsive
/// and the send button can show progress between them.
pub fn search(token: &str, difficulty: u8, from: u64, count: u64) -> Option<u64> {
    let prefix = prefix(token);
    (from..from.saturating_add(count)).find(|&n| zero_bits(&prefix, n) >= u32::from(difficulty))
}

/// Searches from 0 until a solution is found (the server's tests and benchmarks;
/// the browser uses [`search`] in slices).
pub fn solve(token: &str, difficulty: u8) -> u64 {
    search(token, difficulty, 0, u64::MAX).expect("some nonce below 2^64 solves it")
}

/// Hashes a search tries on average at `difficulty`: 2^difficulty. The send
/// button's progress is the share of this done so far (capped below 100 %).
pub fn expected_tries(difficulty: u8) -> u64 {
    1u64 << difficulty.min(63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_nonce_solves_and_its_neighbours_mostly_do_not() {
        let token = "v1.register.1767225600.12.00112233445566778899aabbccddeeff.tag";
        let nonce = solve(token, 12);
        assert!(solves(token, nonce, 12));
        assert!(solves(token, nonce, 0), "every nonce meets 0 bits");
        // A nonce before the first solution does not solve it.
        if nonce > 0 {
            assert!(!solves(token, nonce - 1, 12));
        }
        // Another token is another puzzle.
        let other = "v1.login.1767225600.12.00112233445566778899aabbccddeeff.tag";
        let other_nonce = solve(other, 12);
        assert!(solves(other, other_nonce, 12));
        assert_eq!(solve(other, 12), other_nonce, "the search is deterministic");
    }

    #[test]
    fn zero_bits_counts_across_bytes() {
        // Find nonces with exactly known prefixes by brute force on a fixed token:
        // the count must agree with the hash's bytes.
        let p = prefix("t");
        for nonce in 0..2_000u64 {
            let hash = p.clone().chain_update(nonce.to_be_bytes()).finalize();
            let expected = hash
                .iter()
                .position(|&b| b != 0)
                .map(|i| i as u32 * 8 + hash[i].leading_zeros())
                .unwrap_or(256);
            assert_eq!(zero_bits(&p, nonce), expected);
        }
    }

    #[test]
    fn search_respects_its_slice() {
        let token = "slice";
        let nonce = solve(token, 10);
        assert_eq!(search(token, 10, 0, nonce), None, "stops before the answer");
        assert_eq!(search(token, 10, 0, nonce + 1), Some(nonce));
        assert_eq!(search(token, 10, nonce, 1), Some(nonce));
        assert_eq!(expected_tries(10), 1024);
    }

    #[test]
    fn a_wrong_nonce_fails_at_a_real_difficulty() {
        // At 16 bits, a random nonce solves with probability 1/65536: of 64 fixed
        // nonces next to a found one, none should (the chance is < 0.1 %).
        let token = "v1.register.1.16.ffff.tag";
        let nonce = solve(token, 16);
        let wrong = (1..=64).filter(|d| solves(token, nonce + d, 16)).count();
        assert_eq!(wrong, 0);
    }
}
