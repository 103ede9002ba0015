//! Password hashing with argon2id (the argon2 crate's defaults: 19 MiB, 2 passes), run
//! off the async threads because one hash takes tens of milliseconds.

use crate::{refusal::InvalidInput, strings};
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use rand::Rng;

pub const MIN_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_BYTES: usize = 256;

/// Long enough to resist guessing, short enough to hash cheaply.
pub fn check_strength(password: &str) -> Result<(), InvalidInput> {
    if password.chars().count() < MIN_CHARS {
        return Err(InvalidInput(strings::PASSWORD_TOO_SHORT));
    }
    if password.len() > MAX_BYTES {
        return Err(InvalidInput(strings::PASSWORD_TOO_LONG));
    }
    Ok(())
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("hashing the password: {err}"))
}

pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_now(&password)).await?
}

fn verify_now(hash: &str, password: &str) -> bool {
    if password.len() > MAX_BYTES {
        return false;
    }
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

pub async fn verify(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_string(), password.to_string());
    tokio::task::spawn_blocking(move || verify_now(&hash, &password))
        .await
        .unwrap_or(false)
}

/// The hash of a password nobody has, made with the parameters every stored hash gets
/// (`Argon2::default()`: argon2id, 19 MiB, 2 passes), so checking a password against it
/// takes as long as against a real one. A constant rather than a hash made on first use,
/// which would make the first unknown name slower than every other; a test checks that
/// its parameters still match the library's defaults.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$lUYVpwl5fqWa3YDrMyx9rQ$9tWplxmMaQky83hhIHKnI8LsZ8JmwS/fsT3UNgIB2D8";

/// Spends the time of one verification, for logins with an unknown name.
pub async fn verify_against_dummy(password: &str) {
    let _ = verify(DUMMY_HASH, password).await;
}

/// A password for a new account or a reset: five groups of four letters and digits
/// (about 100 bits), easy to read aloud over the phone to a village operator.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..5)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let hash = hash_now("kata-sandi-panjang").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_now(&hash, "kata-sandi-panjang"));
        assert!(!verify_now(&hash, "kata-sandi-salah"));
        assert!(!verify_now("not a hash", "kata-sandi-panjang"));
    }

    /// Same algorithm, version and cost as a fresh hash: verifying takes as long.
    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let fresh = hash_now("kata-sandi-panjang").expect("hash");
        let fresh = PasswordHash::new(&fresh).expect("parse");
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap_or_else(|_| {
            panic!(
                "DUMMY_HASH must be a PHC string such as {}",
                hash_now("kentongan-tidak-ada").unwrap_or_default()
            )
        });
        assert_eq!(dummy.algorithm, fresh.algorithm);
        assert_eq!(dummy.version, fresh.version);
        assert_eq!(dummy.params, fresh.params, "renew DUMMY_HASH with {fresh}");
        assert!(!verify_now(DUMMY_HASH, "kentongan-tidak-ada-salah"));
    }

    #[test]
    fn generated_passwords_are_strong_enough() {
        let password = generate();
        assert!(check_strength(&password).is_ok());
        assert_ne!(password, generate());
        assert!(check_strength("pendek").is_err());
    }
}
