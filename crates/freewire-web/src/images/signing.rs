//! Signed image addresses: `/img/{signature}/{address}`, the outlet's image URL in URL-safe
//! base64 and its HMAC-SHA256 under a key only this site holds. Only addresses the site wrote
//! into its own pages are ever fetched; any other `/img/…` is refused before a request leaves,
//! so the proxy cannot be used to fetch whatever a stranger names.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2_for_hmac::Sha256;
use url::Url;

type HmacSha256 = Hmac<Sha256>;

/// The site setting the signing key is kept under, made at first start.
pub(crate) const KEY_SETTING: &str = "image_proxy_key";

/// Bytes of a new key (the hash's own output size; more adds nothing to HMAC-SHA256).
const KEY_BYTES: usize = 32;

/// Signed into every signature before the address, so a signature made for another purpose
/// with the same key (should one ever be added) is never a valid image signature.
const PURPOSE: &[u8] = b"freewire image proxy v1\0";

/// Signs image addresses and checks signatures.
pub(crate) struct ImageSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for ImageSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImageSigner { key: <hidden> }")
    }
}

impl ImageSigner {
    /// A new random key, as the setting stores it.
    pub(crate) fn new_setting() -> String {
        let key: [u8; KEY_BYTES] = rand::random();
        URL_SAFE_NO_PAD.encode(key)
    }

    /// The signer for a stored key; `None` when the stored value is not a key we made.
    pub(crate) fn from_setting(value: &str) -> Option<Self> {
        let key = URL_SAFE_NO_PAD.decode(value.trim()).ok()?;
        (key.len() >= KEY_BYTES).then_some(ImageSigner { key })
    }

    fn mac(&self, address: &[u8]) -> Option<HmacSha256> {
        // HMAC takes a key of any length; the error is unreachable, and refusing is safe.
        let mut mac = HmacSha256::new_from_slice(&self.key).ok()?;
        mac.update(PURPOSE);
        mac.update(address);
        Some(mac)
    }

    /// `{signature}/{address}` for an image the page shows: only `http` and `https` addresses
    /// with a host are signed (`None` for anything else, which a page then leaves out).
    pub(crate) fn sign(&self, address: &str) -> Option<String> {
        let url = Url::parse(address).ok()?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return None;
        }
        let tag = self.mac(address.as_bytes())?.finalize().into_bytes();
        Some(format!("{}/{}", URL_SAFE_NO_PAD.encode(tag), URL_SAFE_NO_PAD.encode(address)))
    }

    /// The address behind a signed path, when `signature` is this site's signature of it
    /// (compared in constant time).
    pub(crate) fn verify(&self, signature: &str, encoded: &str) -> Option<Url> {
        let tag = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let address = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        self.mac(&address)?.verify_slice(&tag).ok()?;
        let url = Url::parse(std::str::from_utf8(&address).ok()?).ok()?;
        matches!(url.scheme(), "http" | "https").then_some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> ImageSigner {
        ImageSigner::from_setting(&ImageSigner::new_setting()).unwrap()
    }

    #[test]
    fn a_signed_address_verifies_and_nothing_else_does() {
        let s = signer();
        let address = "https://outlet.example/pictures/ferry.jpg?w=800&h=600";
        let path = s.sign(address).unwrap();
        let (sig, encoded) = path.split_once('/').unwrap();
        assert!(path.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_/".contains(&b)), "{path}");
        assert_eq!(s.verify(sig, encoded).unwrap().as_str(), address);
        let other = URL_SAFE_NO_PAD.encode("https://outlet.example/pictures/other.jpg");
        assert!(s.verify(sig, &other).is_none(), "a signature covers one address");
        let mut tampered = sig.to_owned();
        tampered.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
        assert!(s.verify(&tampered, encoded).is_none());
        assert!(s.verify(&sig[..20], encoded).is_none(), "a shortened signature is refused");
        assert!(s.verify("", encoded).is_none());
        assert!(s.verify("not base64!", encoded).is_none());
        assert!(signer().verify(sig, encoded).is_none(), "another site's key does not verify");
    }

    #[test]
    fn only_web_addresses_are_signed_and_keys_are_checked() {
        let s = signer();
        for refused in [
            "data:image/png;base64,AAAA",
            "mailto:a@example.org",
            "/relative.png",
            "javascript:x",
            "file:///etc/passwd",
        ] {
            assert!(s.sign(refused).is_none(), "{refused}");
        }
        assert!(ImageSigner::from_setting("short").is_none());
        assert!(ImageSigner::from_setting("not base64 at all!").is_none());
        assert_eq!(format!("{s:?}"), "ImageSigner { key: <hidden> }", "the key never prints");
    }
}
