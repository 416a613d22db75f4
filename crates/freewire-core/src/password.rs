//! Password hashing with argon2id (both calls are deliberately slow: callers on async threads
//! run them in `spawn_blocking`), and the random tokens that sessions, invitations and API
//! tokens are made of, kept by their sha256.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;

/// A fresh random token: 32 random bytes, URL-safe base64 (43 characters).
#[must_use]
pub fn random_token() -> String {
    use base64::Engine as _;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The hex sha256 of a token: what the store keeps instead of the token. A token has 256 random
/// bits, so a fast hash is enough (a slow one guards guessable secrets such as passwords).
#[must_use]
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The shortest password we accept (OWASP ASVS 2.1.1: at least 12 characters).
pub const MIN_PASSWORD_LEN: usize = 12;

/// The longest password we accept (ASVS 2.1.2: at least 64 allowed, at most 128), so that a
/// megabyte "password" is not fed to the hasher.
pub const MAX_PASSWORD_LEN: usize = 128;

/// Passwords from the most common lists of leaked passwords that are long enough to pass
/// [`MIN_PASSWORD_LEN`], one a line (ASVS 2.1.7; checked offline: nothing leaves the server).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too short to be worth protecting.
    #[error("a password needs at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    /// Longer than anyone types.
    #[error("a password may have at most {MAX_PASSWORD_LEN} characters")]
    TooLong,
    /// On the lists of leaked passwords that guessers try first, or one character repeated.
    #[error("this password is among the first that attackers guess; choose another")]
    Common,
    /// The hasher failed (it should not).
    #[error("hashing the password failed: {0}")]
    Hash(String),
}

/// Hashes a password into a PHC string with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    check_password(password)?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` may be chosen: long enough, not too long, not a well-known one. Spaces
/// and any Unicode count as typed; no rule about kinds of characters (ASVS 2.1.9).
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort);
    }
    if length > MAX_PASSWORD_LEN {
        return Err(PasswordError::TooLong);
    }
    let lowered = password.to_lowercase();
    let mut chars = lowered.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) || COMMON_PASSWORDS.lines().any(|common| common == lowered) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// Whether `password` matches a stored PHC hash. A malformed stored hash never matches.
#[must_use]
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A random password for a new account, from an alphabet without look-alike characters.
#[must_use]
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterz", &phc));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(hash_password("short"), Err(PasswordError::TooShort)));
        assert!(matches!(hash_password("elevenchars"), Err(PasswordError::TooShort)));
        assert!(check_password("twelve chars").is_ok());
    }

    #[test]
    fn long_passwords_are_taken_up_to_the_limit() {
        assert!(check_password(&"long and ".repeat(14)).is_ok(), "126 characters");
        assert!(check_password(&"été ".repeat(MAX_PASSWORD_LEN / 4)).is_ok(), "characters, not bytes");
        assert!(matches!(check_password(&"x y".repeat(43)), Err(PasswordError::TooLong)));
    }

    #[test]
    fn well_known_passwords_are_refused() {
        for common in ["password1234", "Password1234", "123456789012", "qwertyuiop12", "aaaaaaaaaaaaaaaa"] {
            assert!(matches!(check_password(common), Err(PasswordError::Common)), "{common}");
        }
        assert!(
            COMMON_PASSWORDS.lines().all(|l| l.chars().count() >= MIN_PASSWORD_LEN && l == l.to_lowercase())
        );
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (generate_password(), generate_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(hash_password(&a).is_ok());
    }
}
