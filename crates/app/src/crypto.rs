//! Encryption at rest of personal identifiers (passport, СНИЛС, ИНН) and the keyed
//! hashes that let the database find them without holding them in clear.
//!
//! - A value is sealed with XChaCha20-Poly1305 under the current key with a random
//!   192-bit nonce; the stored text is `<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`,
//!   so old values stay readable after a new key is added and `kabinet keys rotate`
//!   re-seals them. The associated data binds a value to its place (table, column,
//!   row): a value copied into another account's row does not open.
//! - A lookup column holds HMAC-SHA256 under a separate index key of `kind:value`
//!   (`snils:11223344595`), hex. The index key does not rotate with the others (every
//!   lookup value would change); see docs/adr/0006-encryption-at-rest.md.
//!
//! Keys come from `encryption.keys` or a key file (`encryption.key_file`, by default
//! `<data_dir>/keys.txt`, created on first start): lines `id=base64(32 bytes)`, one of
//! them with the id `index`; the last other line is the current key.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The id of the lookup (HMAC) key in a key list.
pub const INDEX_KEY_ID: &str = "index";
const NONCE_LEN: usize = 24;

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The value names a key that is not configured.
    #[error("no key with id {0:?} is configured (encryption.keys / encryption.key_file)")]
    UnknownKey(String),
    /// The value is damaged, or belongs elsewhere (wrong associated data), or the key is wrong.
    #[error(
        "a sealed value does not open: damaged, moved, or the key {0:?} is not the one it was sealed with"
    )]
    Damaged(String),
    /// The system random generator failed.
    #[error("the random generator failed")]
    Random,
}

/// The configured keys.
pub struct Keyring {
    keys: Vec<(String, XChaCha20Poly1305)>,
    index: Hmac<Sha256>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field(
                "key_ids",
                &self.keys.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn random_key() -> Result<[u8; 32], CryptoError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|_| CryptoError::Random)?;
    Ok(key)
}

/// A new key line `id=base64` (for `kabinet keys generate` and new key files).
pub fn new_key_line(id: &str) -> Result<String, CryptoError> {
    Ok(format!("{id}={}", B64.encode(random_key()?)))
}

impl Keyring {
    /// Parses a key list: lines (or `;`-separated entries) `id=base64(32 bytes)`;
    /// blank lines and `#` comments are skipped. One entry must be `index`, at least
    /// one other; the last other is current. `origin` names the source in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Keyring, String> {
        let mut keys = Vec::new();
        let mut index = None;
        for (n, entry) in text.split(['\n', ';']).enumerate() {
            let entry = entry.trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            let (id, value) = entry
                .split_once('=')
                .ok_or_else(|| format!("{origin}: entry {} is not `id=base64key`", n + 1))?;
            let id = id.trim();
            let bytes = B64
                .decode(value.trim())
                .map_err(|_| format!("{origin}: the key {id:?} is not base64"))?;
            if bytes.len() != 32 {
                return Err(format!(
                    "{origin}: the key {id:?} has {} bytes, 32 are needed",
                    bytes.len()
                ));
            }
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!(
                    "{origin}: a key id must be letters, digits, - or _"
                ));
            }
            if keys.iter().any(|(k, _)| k == id) || (id == INDEX_KEY_ID && index.is_some()) {
                return Err(format!("{origin}: the key id {id:?} appears twice"));
            }
            if id == INDEX_KEY_ID {
                index = Some(
                    <Hmac<Sha256> as KeyInit>::new_from_slice(&bytes)
                        .map_err(|_| format!("{origin}: unusable index key"))?,
                );
            } else {
                let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                    .map_err(|_| format!("{origin}: unusable key {id:?}"))?;
                keys.push((id.to_owned(), cipher));
            }
        }
        let index = index.ok_or_else(|| format!("{origin}: no `index=` key (for lookups)"))?;
        if keys.is_empty() {
            return Err(format!("{origin}: no encryption key besides `index`"));
        }
        Ok(Keyring { keys, index })
    }

    /// Reads a key file; when `create` and it does not exist, writes a new one
    /// (mode 0600) with an index key and a first key.
    pub fn from_file(path: &Path, create: bool) -> Result<Keyring, String> {
        let origin = format!("key file {}", path.display());
        if create && !path.exists() {
            let text = format!(
                "# kabinet encryption keys: keep this file secret and backed up.\n\
                 # Without it the encrypted personal data cannot be read.\n{}\n{}\n",
                new_key_line(INDEX_KEY_ID).map_err(|e| e.to_string())?,
                new_key_line("k1").map_err(|e| e.to_string())?
            );
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{origin}: {e}"))?;
            }
            write_private(path, &text).map_err(|e| format!("{origin}: {e}"))?;
            tracing::warn!(path = %path.display(), "created a new encryption key file: back it up");
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{origin}: {e}"))?;
        Keyring::parse(&text, &origin)
    }

    /// The id of the current key.
    pub fn current_id(&self) -> &str {
        self.keys.last().map_or("", |(id, _)| id.as_str())
    }

    /// Seals `plaintext` under the current key, bound to `place`
    /// (e.g. `profiles.snils:<account id>`).
    pub fn seal(&self, place: &str, plaintext: &str) -> Result<String, CryptoError> {
        let Some((id, cipher)) = self.keys.last() else {
            return Err(CryptoError::UnknownKey(String::new()));
        };
        let nonce = XNonce::try_generate().map_err(|_| CryptoError::Random)?;
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Damaged(id.clone()))?;
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(nonce.as_slice());
        bytes.extend_from_slice(&sealed);
        Ok(format!("{id}:{}", B64.encode(bytes)))
    }

    /// Opens a value sealed by [`Keyring::seal`] for the same `place`.
    pub fn open(&self, place: &str, stored: &str) -> Result<String, CryptoError> {
        let (id, body) = stored
            .split_once(':')
            .ok_or_else(|| CryptoError::Damaged(String::new()))?;
        let cipher = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, c)| c)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        let bytes = B64
            .decode(body)
            .map_err(|_| CryptoError::Damaged(id.to_owned()))?;
        if bytes.len() < NONCE_LEN {
            return Err(CryptoError::Damaged(id.to_owned()));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| CryptoError::Damaged(id.to_owned()))?;
        let plain = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Damaged(id.to_owned()))?;
        String::from_utf8(plain).map_err(|_| CryptoError::Damaged(id.to_owned()))
    }

    /// Seals bytes (a file) bound to `place`: `[id length][id][nonce][ciphertext‖tag]`.
    pub fn seal_bytes(&self, place: &str, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let Some((id, cipher)) = self.keys.last() else {
            return Err(CryptoError::UnknownKey(String::new()));
        };
        let nonce = XNonce::try_generate().map_err(|_| CryptoError::Random)?;
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Damaged(id.clone()))?;
        let id_len = u8::try_from(id.len()).map_err(|_| CryptoError::Damaged(id.clone()))?;
        let mut out = Vec::with_capacity(1 + id.len() + NONCE_LEN + sealed.len());
        out.push(id_len);
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(nonce.as_slice());
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens bytes sealed by [`Keyring::seal_bytes`] for the same `place`.
    pub fn open_bytes(&self, place: &str, stored: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let damaged = || CryptoError::Damaged(String::new());
        let (&id_len, rest) = stored.split_first().ok_or_else(damaged)?;
        let id_len = usize::from(id_len);
        if rest.len() < id_len + NONCE_LEN {
            return Err(damaged());
        }
        let (id, rest) = rest.split_at(id_len);
        let id = std::str::from_utf8(id).map_err(|_| damaged())?;
        let cipher = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, c)| c)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| damaged())?;
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Damaged(id.to_owned()))
    }

    /// Whether sealed bytes ([`Keyring::seal_bytes`]) are under an older key.
    pub fn is_stale_bytes(&self, stored: &[u8]) -> bool {
        let Some((&len, rest)) = stored.split_first() else {
            return false;
        };
        rest.get(..usize::from(len)) != Some(self.current_id().as_bytes())
    }

    /// Whether a stored value is sealed under an older key than the current one.
    pub fn is_stale(&self, stored: &str) -> bool {
        stored.split_once(':').map(|(id, _)| id) != Some(self.current_id())
    }

    /// A MAC under a key of its own for one purpose, derived from the index key as
    /// HMAC-SHA256(index key, `0x00 derive 0x00` ‖ `label`) — never the index key
    /// itself. Lookup inputs are `kind:value` and never start with `0x00`, so a
    /// derived key is never a lookup hash stored in the database. Like the index key
    /// it does not change when the encryption keys rotate.
    pub fn derived_mac(&self, label: &str) -> Hmac<Sha256> {
        let mut mac = self.index.clone();
        mac.update(b"\0derive\0");
        mac.update(label.as_bytes());
        let key = mac.finalize().into_bytes();
        // HMAC takes a key of any length; 32 bytes never fails.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap_or_else(|_| self.index.clone())
    }

    /// The lookup hash of an identifier: hex HMAC-SHA256 of `kind:value`.
    pub fn index(&self, kind: &str, value: &str) -> String {
        let mut mac = self.index.clone();
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A fresh random 256-bit data key (a file's own key).
pub fn data_key() -> Result<[u8; 32], CryptoError> {
    random_key()
}

/// Seals bytes with a data key (not a configured key): `nonce ‖ ciphertext ‖ tag`.
pub fn seal_with(key: &[u8; 32], place: &str, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher =
        XChaCha20Poly1305::new_from_slice(key).map_err(|_| CryptoError::Damaged(String::new()))?;
    let nonce = XNonce::try_generate().map_err(|_| CryptoError::Random)?;
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: place.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Damaged(String::new()))?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(nonce.as_slice());
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens bytes sealed by [`seal_with`].
pub fn open_with(key: &[u8; 32], place: &str, stored: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let damaged = || CryptoError::Damaged(String::new());
    if stored.len() < NONCE_LEN {
        return Err(damaged());
    }
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| damaged())?;
    let (nonce, sealed) = stored.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| damaged())?;
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: sealed,
                aad: place.as_bytes(),
            },
        )
        .map_err(|_| damaged())
}

/// A data key as text (for sealing it with [`Keyring::seal`]).
pub fn key_to_text(key: &[u8; 32]) -> String {
    B64.encode(key)
}

/// A data key back from text.
pub fn key_from_text(text: &str) -> Result<[u8; 32], CryptoError> {
    B64.decode(text)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| CryptoError::Damaged(String::new()))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(lines: &[&str]) -> Keyring {
        Keyring::parse(&lines.join("\n"), "test").unwrap()
    }

    #[test]
    fn seals_opens_and_rotates() {
        let index = new_key_line("index").unwrap();
        let k1 = new_key_line("k1").unwrap();
        let k2 = new_key_line("k2").unwrap();
        let old = ring(&[&index, &k1]);
        let sealed = old.seal("profiles.snils:a", "11223344595").unwrap();
        assert!(sealed.starts_with("k1:"));
        assert!(!sealed.contains("11223344595"));
        assert_eq!(
            old.open("profiles.snils:a", &sealed).unwrap(),
            "11223344595"
        );
        // Moved to another row or column: refused.
        assert!(old.open("profiles.snils:b", &sealed).is_err());
        assert!(old.open("profiles.inn:a", &sealed).is_err());
        // Two seals of one value differ (random nonces).
        assert_ne!(sealed, old.seal("profiles.snils:a", "11223344595").unwrap());

        let new = ring(&[&index, &k1, &k2]);
        assert_eq!(new.current_id(), "k2");
        assert!(new.is_stale(&sealed));
        assert_eq!(
            new.open("profiles.snils:a", &sealed).unwrap(),
            "11223344595"
        );
        let resealed = new.seal("profiles.snils:a", "11223344595").unwrap();
        assert!(resealed.starts_with("k2:") && !new.is_stale(&resealed));
        // Without k1 the old value names a key that is gone.
        let only_new = ring(&[&index, &k2]);
        assert!(matches!(
            only_new.open("profiles.snils:a", &sealed),
            Err(CryptoError::UnknownKey(_))
        ));
        // The index does not depend on the encryption keys.
        assert_eq!(old.index("snils", "1"), only_new.index("snils", "1"));
        assert_ne!(old.index("snils", "1"), old.index("inn", "1"));
    }

    #[test]
    fn bytes_seal_and_open() {
        let r = ring(&[
            &new_key_line("index").unwrap(),
            &new_key_line("k1").unwrap(),
        ]);
        let plain = b"%PDF-1.7 passport scan".to_vec();
        let sealed = r.seal_bytes("files:1", &plain).unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"%PDF"));
        assert_eq!(r.open_bytes("files:1", &sealed).unwrap(), plain);
        assert!(r.open_bytes("files:2", &sealed).is_err());
        assert!(r.open_bytes("files:1", &sealed[..10]).is_err());
        assert!(r.open_bytes("files:1", &[]).is_err());
    }

    #[test]
    fn tampering_is_detected() {
        let r = ring(&[
            &new_key_line("index").unwrap(),
            &new_key_line("k1").unwrap(),
        ]);
        let sealed = r.seal("p", "4506 123456").unwrap();
        let mut bytes = B64.decode(sealed.split_once(':').unwrap().1).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(r.open("p", &format!("k1:{}", B64.encode(bytes))).is_err());
        assert!(r.open("p", "k1:not base64!").is_err());
        assert!(r.open("p", "nokey").is_err());
    }

    #[test]
    fn bad_key_lists_are_refused_with_the_reason() {
        let err = |t: &str| Keyring::parse(t, "KABINET_ENCRYPTION_KEYS").unwrap_err();
        assert!(err("k1=AAAA").contains("32 are needed"));
        assert!(err(&new_key_line("k1").unwrap()).contains("no `index=`"));
        assert!(err(&new_key_line("index").unwrap()).contains("no encryption key"));
        assert!(err("garbage").contains("id=base64key"));
        let k = new_key_line("k1").unwrap();
        assert!(err(&format!("{};{k};{k}", new_key_line("index").unwrap())).contains("twice"));
        assert!(err("k1=***").contains("not base64"));
    }

    #[test]
    fn a_new_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/keys.txt");
        let a = Keyring::from_file(&path, true).unwrap();
        let b = Keyring::from_file(&path, true).unwrap();
        assert_eq!(a.index("snils", "x"), b.index("snils", "x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(Keyring::from_file(&dir.path().join("missing"), false).is_err());
    }
}
