//! Two-factor sign-in: time-based one-time codes (RFC 6238, the kind authenticator apps
//! show) and single-use recovery codes for when the phone is lost.

use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Recovery codes issued at a time.
pub const RECOVERY_CODES: usize = 10;

fn totp(secret_base32: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    // Six digits, thirty seconds, SHA-1: what every authenticator app reads. One step of
    // skew either way allows for clocks and typing.
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .ok()
}

/// A new random secret (160 bits), base32 as authenticator apps take it.
#[must_use]
pub fn generate_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes).to_base32()
}

/// Whether `code` is valid for `secret` at `unix_time` (seconds).
#[must_use]
pub fn verify(secret_base32: &str, code: &str, unix_time: u64) -> bool {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    code.len() == 6 && totp(secret_base32).is_some_and(|t| t.check(&code, unix_time).is_some())
}

/// The code for `secret` at `unix_time` (what the user's app would show).
#[must_use]
pub fn code_at(secret_base32: &str, unix_time: u64) -> Option<String> {
    totp(secret_base32).map(|t| t.generate(unix_time).to_string())
}

/// The `otpauth://` address an authenticator app imports (typed in, or as a QR code).
#[must_use]
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The alphabet of recovery codes: no look-alike characters.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Characters in a recovery code (dashes aside): 25 from 31 symbols are 123 bits, past the
/// 112 that OWASP ASVS 2.6.2 asks of a look-up secret kept as a plain (unsalted) hash.
const RECOVERY_CODE_CHARS: usize = 25;

/// Fresh recovery codes, `xxxxx-xxxxx-xxxxx-xxxxx-xxxxx` from an alphabet without look-alikes.
#[must_use]
pub fn generate_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..RECOVERY_CODE_CHARS)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())]))
                .collect();
            chars.chunks(5).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// What the store keeps of a recovery code: its sha256, after folding case and spacing.
#[must_use]
pub fn hash_recovery_code(code: &str) -> String {
    let folded: String = code.trim().to_ascii_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    hex::encode(Sha256::digest(folded.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_code_verifies_and_others_do_not() {
        let secret = generate_secret();
        let now = 1_700_000_000;
        let code = code_at(&secret, now).unwrap();
        assert!(verify(&secret, &code, now));
        assert!(verify(&secret, &code, now + 30), "one step of clock skew is allowed");
        assert!(!verify(&secret, &code, now + 120), "old codes expire");
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(!verify(&secret, &wrong, now));
        assert!(!verify(&secret, "", now));
        assert!(!verify("not base32!", &code, now));
    }

    #[test]
    fn recovery_codes_hold_at_least_112_random_bits() {
        let code = &generate_recovery_codes()[0];
        let symbols: Vec<char> = code.chars().filter(|c| *c != '-').collect();
        assert!(symbols.iter().all(|c| RECOVERY_ALPHABET.contains(&(*c as u8))), "{code}");
        #[expect(clippy::cast_precision_loss, reason = "small counts")]
        let bits = symbols.len() as f64 * (RECOVERY_ALPHABET.len() as f64).log2();
        assert!(bits >= 112.0, "{code}: {bits} bits");
        assert_eq!(code.matches('-').count(), 4, "grouped for reading aloud: {code}");
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_forgivingly() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert_eq!(
            hash_recovery_code(&codes[0]),
            hash_recovery_code(&format!(" {} ", codes[0].to_uppercase()))
        );
    }

    #[test]
    fn the_otpauth_address_names_issuer_and_account() {
        let uri = otpauth_uri("Radio Free", "ada", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/Radio%20Free:ada?secret=JBSWY3DPEHPK3PXP&issuer=Radio%20Free&algorithm=SHA1&digits=6&period=30"
        );
    }
}
