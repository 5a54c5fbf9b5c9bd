//! `kabinet audit verify [--anchor FILE]` and `kabinet audit anchor [--out FILE]`
//! (ADR 0002).
//!
//! Exit codes: 0 intact; 1 the database cannot be read; 2 no usable encryption keys or
//! an unreadable anchor file; 3 the chain is broken or no longer holds the anchored entry; 4 the
//! anchor's signature does not match.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use kabinet_app::audit_anchor::{self, AnchorError, Check};
use kabinet_app::{Clock, Settings, SystemClock};
use kabinet_store::{Store, StoreOptions, audit};

fn fail(e: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("kabinet: {e}");
    ExitCode::from(code)
}

/// The message for a broken chain.
fn broken(seq: i64, reason: audit::Break, verified: i64) -> String {
    let why = match reason {
        audit::Break::Gap { expected } => {
            format!("entry {expected} is missing (found {seq} in its place)")
        }
        audit::Break::PrevHash => "it does not point at the previous entry's hash".to_owned(),
        audit::Break::Hash => "its content does not match its hash (it was edited)".to_owned(),
        audit::Break::Head { head_seq } => format!(
            "the chain ends at {} but the head records {head_seq} (entries were removed from the end)",
            seq - 1
        ),
    };
    format!("AUDIT LOG BROKEN at entry {seq}: {why}. {verified} entries before it verified.")
}

/// The configured keys, never creating a key file (a new one could not check an
/// anchor signed with the real keys).
fn keys(settings: &Settings) -> Result<kabinet_app::crypto::Keyring, ExitCode> {
    if settings.encryption_keys.is_none() {
        let (path, _) = settings.key_file();
        if !path.exists() {
            return Err(fail(
                format!(
                    "no encryption keys: {} does not exist (anchors are signed with a key derived from them; use the server's keys)",
                    path.display()
                ),
                2,
            ));
        }
    }
    settings.keyring().map_err(|e| fail(e, 2))
}

async fn connect(settings: &Settings) -> Result<Store, ExitCode> {
    Store::connect(settings.database_url(), &StoreOptions::default())
        .await
        .map_err(|e| fail(e, 1))
}

/// `kabinet audit verify [--anchor FILE]`.
pub async fn verify(settings: Arc<Settings>, anchor: Option<&Path>) -> ExitCode {
    // The anchor is read and its signature checked before the (long) walk.
    let anchor = match anchor {
        None => None,
        Some(path) => {
            let keys = match keys(&settings) {
                Ok(k) => k,
                Err(code) => return code,
            };
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return fail(format!("{}: {e}", path.display()), 2),
            };
            match audit_anchor::from_line(&keys, &text) {
                Ok(a) => Some(a),
                Err(e @ AnchorError::Unreadable(_)) => {
                    return fail(format!("{}: {e}", path.display()), 2);
                }
                Err(e @ AnchorError::Signature) => {
                    println!("AUDIT ANCHOR REJECTED: {}: {e}.", path.display());
                    return ExitCode::from(4);
                }
            }
        }
    };
    let store = match connect(&settings).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let v = match audit::verify(&store).await {
        Ok(v) => v,
        Err(e) => return fail(e, 1),
    };
    if let Some((seq, reason)) = v.first_break {
        println!("{}", broken(seq, reason, v.verified));
        return ExitCode::from(3);
    }
    let Some(a) = anchor else {
        println!("Audit log intact: {} entries verified.", v.verified);
        return ExitCode::SUCCESS;
    };
    match audit_anchor::check(&store, &a).await {
        Ok(Check::Holds { entries }) => {
            println!(
                "Audit log intact: {} entries verified; it still holds entry {} of the anchor taken at {} ({} entries then, {entries} now).",
                v.verified, a.seq, a.at, a.entries
            );
            ExitCode::SUCCESS
        }
        Ok(Check::Shorter { entries }) => {
            println!(
                "AUDIT LOG SHORTER THAN ITS ANCHOR: the anchor taken at {} recorded {} entries ending with entry {}, the log holds {entries} (its newest entries were removed).",
                a.at, a.entries, a.seq
            );
            ExitCode::from(3)
        }
        Ok(Check::Differs { found }) => {
            let now = match found {
                Some(h) => format!("has the hash {h}"),
                None => "is missing".to_owned(),
            };
            println!(
                "AUDIT LOG DIFFERS FROM ITS ANCHOR: entry {} anchored at {} with the hash {} {now} (the chain was rewritten).",
                a.seq, a.at, a.hash
            );
            ExitCode::from(3)
        }
        Err(e) => fail(e, 1),
    }
}

/// `kabinet audit anchor [--out FILE]`: refuses a broken chain (exit 3).
pub async fn anchor(settings: Arc<Settings>, out: Option<&Path>) -> ExitCode {
    let keys = match keys(&settings) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let store = match connect(&settings).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    match audit::verify(&store).await {
        Ok(v) => {
            if let Some((seq, reason)) = v.first_break {
                println!("{}", broken(seq, reason, v.verified));
                println!("No anchor taken: repair or investigate the chain first.");
                return ExitCode::from(3);
            }
        }
        Err(e) => return fail(e, 1),
    }
    let a = match audit_anchor::take(&store, SystemClock.now()).await {
        Ok(a) => a,
        Err(e) => return fail(e, 1),
    };
    let line = audit_anchor::to_line(&keys, &a);
    match out {
        None => println!("{line}"),
        Some(path) => {
            if let Err(e) = std::fs::write(path, format!("{line}\n")) {
                return fail(format!("{}: {e}", path.display()), 1);
            }
            println!(
                "Audit anchor written to {}: {} entries, newest {}.",
                path.display(),
                a.entries,
                a.seq
            );
        }
    }
    ExitCode::SUCCESS
}
