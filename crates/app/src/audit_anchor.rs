//! Signed checkpoints ("anchors") of the audit chain (ADR 0002, issue 15 F11).
//!
//! The hash chain catches an edited or deleted entry, but not newest entries cut off
//! together with the head moved back: what is left is a sound, shorter chain. An
//! anchor, taken by `kabinet audit anchor` and kept outside the database, records how
//! many entries there were and the newest one's sequence number and hash at a moment,
//! signed with HMAC-SHA256 under a key derived from the configured index key
//! ([`Keyring::derived_mac`]), so someone who holds only the database can neither
//! forge nor move one. `kabinet audit verify --anchor FILE` then also checks that the
//! chain still holds the anchored entry with the same hash and at least that many
//! entries.

use hmac::Mac;
use kabinet_store::{Store, StoreError, audit};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::crypto::Keyring;

/// The label the anchor key is derived under.
const KEY_LABEL: &str = "kabinet audit anchor v1";

/// A checkpoint of the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// How many entries the log held.
    pub entries: i64,
    /// The newest entry's sequence number (0 for an empty log).
    pub seq: i64,
    /// The newest entry's hash ([`audit::GENESIS_HASH`] for an empty log).
    pub hash: String,
    /// When it was taken (RFC 3339, UTC).
    pub at: String,
}

/// The anchor as written: one line of JSON.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    kabinet_audit_anchor: u32,
    entries: i64,
    seq: i64,
    hash: String,
    at: String,
    signature: String,
}

/// Why an anchor was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnchorError {
    /// Not an anchor line at all.
    #[error("not an audit anchor: {0}")]
    Unreadable(String),
    /// The signature does not match: forged, edited, or made with other keys.
    #[error(
        "the anchor's signature does not match: it was altered or forged, or signed with other encryption keys"
    )]
    Signature,
}

/// What the chain says about an anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// The anchored entry is there with the same hash; the log holds this many now.
    Holds {
        /// Entries now.
        entries: i64,
    },
    /// The log holds fewer entries than when anchored (its tail was cut).
    Shorter {
        /// Entries now.
        entries: i64,
    },
    /// The entry at the anchored position is missing or has another hash.
    Differs {
        /// Its hash now, if it exists.
        found: Option<String>,
    },
}

fn mac(keys: &Keyring, a: &Anchor) -> hmac::Hmac<sha2::Sha256> {
    let mut mac = keys.derived_mac(KEY_LABEL);
    for field in [
        a.entries.to_string().as_str(),
        &a.seq.to_string(),
        &a.hash,
        &a.at,
    ] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac
}

/// The anchor as one signed line of JSON (no newline).
pub fn to_line(keys: &Keyring, a: &Anchor) -> String {
    let line = Line {
        kabinet_audit_anchor: 1,
        entries: a.entries,
        seq: a.seq,
        hash: a.hash.clone(),
        at: a.at.clone(),
        signature: hex::encode(mac(keys, a).finalize().into_bytes()),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

/// Reads an anchor written by [`to_line`] and checks its signature.
pub fn from_line(keys: &Keyring, text: &str) -> Result<Anchor, AnchorError> {
    let line: Line =
        serde_json::from_str(text.trim()).map_err(|e| AnchorError::Unreadable(e.to_string()))?;
    if line.kabinet_audit_anchor != 1 {
        return Err(AnchorError::Unreadable(format!(
            "unknown version {}",
            line.kabinet_audit_anchor
        )));
    }
    let signature = hex::decode(&line.signature).map_err(|_| AnchorError::Signature)?;
    let anchor = Anchor {
        entries: line.entries,
        seq: line.seq,
        hash: line.hash,
        at: line.at,
    };
    mac(keys, &anchor)
        .verify_slice(&signature)
        .map_err(|_| AnchorError::Signature)?;
    Ok(anchor)
}

/// Takes an anchor of the chain as it is now.
pub async fn take(store: &Store, now: OffsetDateTime) -> Result<Anchor, StoreError> {
    let (entries, newest) = audit::tail(store).await?;
    let (seq, hash) = match newest {
        Some(e) => (e.seq, e.hash),
        None => (0, audit::GENESIS_HASH.to_owned()),
    };
    Ok(Anchor {
        entries,
        seq,
        hash,
        at: now.format(&Rfc3339).unwrap_or_default(),
    })
}

/// Compares the chain with an anchor (the chain itself is checked by
/// [`audit::verify`]).
pub async fn check(store: &Store, a: &Anchor) -> Result<Check, StoreError> {
    let (entries, _) = audit::tail(store).await?;
    let found = if a.seq == 0 {
        Some(audit::GENESIS_HASH.to_owned())
    } else {
        audit::entry(store, a.seq).await?.map(|e| e.hash)
    };
    if found.as_deref() != Some(a.hash.as_str()) {
        if entries < a.entries && found.is_none() {
            return Ok(Check::Shorter { entries });
        }
        return Ok(Check::Differs { found });
    }
    if entries < a.entries {
        return Ok(Check::Shorter { entries });
    }
    Ok(Check::Holds { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(index: &str) -> Keyring {
        Keyring::parse(
            &format!(
                "{index}\n{}",
                crate::crypto::new_key_line("k1").unwrap_or_default()
            ),
            "test",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_signed_line_reads_back_and_any_change_is_caught() {
        let index = crate::crypto::new_key_line("index").unwrap_or_default();
        let keys = ring(&index);
        let a = Anchor {
            entries: 12,
            seq: 12,
            hash: "ab".repeat(32),
            at: "2026-12-03T10:00:00Z".into(),
        };
        let line = to_line(&keys, &a);
        assert!(!line.contains('\n'));
        assert_eq!(from_line(&keys, &line), Ok(a.clone()));
        // The same index key after a rotation of the others still verifies.
        assert_eq!(from_line(&ring(&index), &line), Ok(a));
        let edited = line.replace("\"entries\":12", "\"entries\":11");
        assert_eq!(from_line(&keys, &edited), Err(AnchorError::Signature));
        let other = ring(&crate::crypto::new_key_line("index").unwrap_or_default());
        assert_eq!(from_line(&other, &line), Err(AnchorError::Signature));
        assert!(matches!(
            from_line(&keys, "hello"),
            Err(AnchorError::Unreadable(_))
        ));
        // The anchor key is not the index key.
        let mut raw = keys.derived_mac("x");
        raw.update(b"y");
        assert_ne!(
            hex::encode(raw.finalize().into_bytes()),
            keys.index("x", "y")
        );
    }
}
