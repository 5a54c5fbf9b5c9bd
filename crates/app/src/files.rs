//! Uploaded documents (passport scans, attachments, results): checked by their content
//! (PDF, JPEG, PNG only, at most [`MAX_BYTES`]) and kept under `<data_dir>/files/<id>`,
//! encrypted with a key of their own (XChaCha20-Poly1305); that key is sealed with the
//! configured keys in the file's row, so rotating keys re-seals 32 bytes per file, not
//! the file.
//!
//! The file is written before its row is committed and removed again when the
//! transaction fails, so neither a row without a file nor a stray file is left.

use kabinet_store::Conn;
use kabinet_store::requests::{self, FileRecord};
use sha2::{Digest, Sha256};

use crate::{App, AppError, FieldError};

/// The largest upload accepted: 10 MiB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// A file as received.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The name it had on the user's device.
    pub file_name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The content type told by the first bytes; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Checks an upload; the errors are on `field`.
pub fn check(upload: &Upload, field: &str) -> Result<&'static str, AppError> {
    let fail = |key| AppError::Validation(vec![FieldError::new(field, key)]);
    if upload.bytes.is_empty() {
        return Err(fail("file-empty"));
    }
    if upload.bytes.len() > MAX_BYTES {
        return Err(fail("file-too-big"));
    }
    sniff(&upload.bytes).ok_or_else(|| fail("file-type"))
}

fn place(id: &str) -> String {
    format!("files:{id}")
}

fn key_place(id: &str) -> String {
    format!("files.data_key:{id}")
}

/// A stored file; remove it with [`Stored::discard`] when the transaction fails.
#[derive(Debug)]
pub struct Stored {
    /// Its record (already inserted in the caller's transaction).
    pub record: FileRecord,
    blobs: crate::blobs::BlobStore,
}

impl Stored {
    /// Removes the written file (the transaction did not commit).
    pub async fn discard(self) {
        self.blobs.delete(&self.record.id).await;
    }
}

/// Commits a transaction that recorded `stored`; when the commit fails the written file
/// is removed, so neither a row without a file nor a stray file is left.
pub async fn commit_or_discard(
    tx: kabinet_store::Tx,
    stored: Option<Stored>,
) -> Result<(), AppError> {
    match tx.commit().await {
        Ok(()) => Ok(()),
        Err(e) => {
            if let Some(s) = stored {
                s.discard().await;
            }
            Err(e.into())
        }
    }
}

/// Bytes in `mb` MiB.
pub fn mib(mb: u64) -> i64 {
    i64::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX)
}

/// [`store`] for an upload by the account that will own it: refused on `field`, with
/// nothing written, when it would take the account's uploads past
/// `files.max_total_mb_per_owner`. Checked after taking the owner's upload lock in the
/// caller's transaction, so two parallel uploads cannot both pass.
pub async fn store_own(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
    purpose: &str,
    upload: &Upload,
    field: &str,
) -> Result<Stored, AppError> {
    let limit = app.settings.files.max_total_mb_per_owner;
    let used = requests::lock_owner_usage(conn, account_id).await?;
    let adding = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    if used.saturating_add(adding) > mib(limit) {
        return Err(AppError::Validation(vec![
            FieldError::new(field, "file-owner-quota").with("limit", limit),
        ]));
    }
    store(app, conn, account_id, purpose, upload, field).await
}

/// Seals and writes an upload and records it in the caller's transaction.
pub async fn store(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
    purpose: &str,
    upload: &Upload,
    field: &str,
) -> Result<Stored, AppError> {
    let content_type = check(upload, field)?;
    let id = uuid::Uuid::now_v7().to_string();
    let crypto = |e: crate::crypto::CryptoError| AppError::internal(e.to_string());
    let key = crate::crypto::data_key().map_err(crypto)?;
    let sealed = crate::crypto::seal_with(&key, &place(&id), &upload.bytes).map_err(crypto)?;
    let data_key = app
        .keys
        .seal(&key_place(&id), &crate::crypto::key_to_text(&key))
        .map_err(crypto)?;
    let io = |e: std::io::Error| AppError::internal(format!("files: {e}"));
    app.blobs.put(&id, &sealed).await.map_err(io)?;
    let name: String = upload
        .file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(200)
        .collect();
    let record = FileRecord {
        id,
        account_id: account_id.to_owned(),
        purpose: purpose.to_owned(),
        file_name: if name.trim().is_empty() {
            "document".to_owned()
        } else {
            name
        },
        content_type: content_type.to_owned(),
        size: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        created_at: app.clock.now(),
        data_key: Some(data_key),
    };
    if let Err(e) = requests::insert_file(conn, &record).await {
        app.blobs.delete(&record.id).await;
        return Err(e.into());
    }
    Ok(Stored {
        record,
        blobs: app.blobs.clone(),
    })
}

/// Reads a file's content (opened).
pub async fn read(app: &App, record: &FileRecord) -> Result<Vec<u8>, AppError> {
    let sealed = app
        .blobs
        .get(&record.id)
        .await
        .map_err(|e| AppError::internal(format!("files/{}: {e}", record.id)))?;
    let crypto = |e: crate::crypto::CryptoError| {
        AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
    };
    match &record.data_key {
        Some(sealed_key) => {
            let text = app
                .keys
                .open(&key_place(&record.id), sealed_key)
                .map_err(crypto)?;
            let key = crate::crypto::key_from_text(&text).map_err(crypto)?;
            crate::crypto::open_with(&key, &place(&record.id), &sealed).map_err(crypto)
        }
        None => app
            .keys
            .open_bytes(&place(&record.id), &sealed)
            .map_err(crypto),
    }
}

/// Re-seals a file under the current key when it is under an older one; true when
/// it did (`kabinet keys rotate`). With a file key, only that key is re-sealed; a file
/// stored before per-file keys is rewritten atomically.
pub async fn reseal(app: &App, record: &FileRecord) -> Result<bool, AppError> {
    let crypto = |e: crate::crypto::CryptoError| {
        AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
    };
    if let Some(sealed_key) = &record.data_key {
        if !app.keys.is_stale(sealed_key) {
            return Ok(false);
        }
        let text = app
            .keys
            .open(&key_place(&record.id), sealed_key)
            .map_err(crypto)?;
        let fresh = app
            .keys
            .seal(&key_place(&record.id), &text)
            .map_err(crypto)?;
        let mut tx = app.store.begin().await?;
        requests::set_data_key(&mut tx, &record.id, &fresh).await?;
        tx.commit().await?;
        return Ok(true);
    }
    let io = |e: std::io::Error| AppError::internal(format!("files/{}: {e}", record.id));
    let sealed = app.blobs.get(&record.id).await.map_err(io)?;
    if !app.keys.is_stale_bytes(&sealed) {
        return Ok(false);
    }
    let plain = app
        .keys
        .open_bytes(&place(&record.id), &sealed)
        .map_err(crypto)?;
    let fresh = app
        .keys
        .seal_bytes(&place(&record.id), &plain)
        .map_err(crypto)?;
    app.blobs.put(&record.id, &fresh).await.map_err(io)?;
    Ok(true)
}

/// Removes a file's content from disk (erasure); the row goes with its account.
pub async fn erase(app: &App, id: &str) {
    app.blobs.delete(id).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(sniff(b"%PDF-1.4 ..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b"<html>"), None);
        let up = |bytes: Vec<u8>| Upload {
            file_name: "x".into(),
            bytes,
        };
        assert!(check(&up(vec![]), "file").is_err());
        assert!(check(&up(b"%PDF-".repeat(MAX_BYTES / 5 + 1)), "file").is_err());
        assert!(check(&up(b"%PDF-1.7".to_vec()), "file").is_ok());
    }
}
