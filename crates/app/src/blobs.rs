//! Where file contents live: a port with one adapter today, the local disk
//! (`<data_dir>/files/<id>`); an S3-compatible adapter can take its place without the
//! use cases noticing. Contents arrive here already encrypted (see [`crate::files`]);
//! names are ids, never what a user typed.

use std::path::PathBuf;

/// The blob store.
#[derive(Clone, Debug)]
pub enum BlobStore {
    /// Files in a directory.
    Disk {
        /// The directory.
        dir: PathBuf,
    },
}

impl BlobStore {
    /// The disk store under `dir`.
    pub fn disk(dir: PathBuf) -> BlobStore {
        BlobStore::Disk { dir }
    }

    fn checked(id: &str) -> std::io::Result<&str> {
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            Ok(id)
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a blob id is letters, digits and -",
            ))
        }
    }

    /// Stores `bytes` under `id`, atomically (written aside, then renamed).
    pub async fn put(&self, id: &str, bytes: &[u8]) -> std::io::Result<()> {
        let id = Self::checked(id)?;
        match self {
            BlobStore::Disk { dir } => {
                tokio::fs::create_dir_all(dir).await?;
                let tmp = dir.join(format!("{id}.part"));
                tokio::fs::write(&tmp, bytes).await?;
                tokio::fs::rename(&tmp, dir.join(id)).await
            }
        }
    }

    /// The bytes stored under `id`.
    pub async fn get(&self, id: &str) -> std::io::Result<Vec<u8>> {
        let id = Self::checked(id)?;
        match self {
            BlobStore::Disk { dir } => tokio::fs::read(dir.join(id)).await,
        }
    }

    /// Removes `id` (nothing when it is not there).
    pub async fn delete(&self, id: &str) {
        if let Ok(id) = Self::checked(id) {
            match self {
                BlobStore::Disk { dir } => {
                    let _ = tokio::fs::remove_file(dir.join(id)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ids_are_never_paths() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::disk(dir.path().join("files"));
        store.put("01a2-ab", b"sealed").await.unwrap();
        assert_eq!(store.get("01a2-ab").await.unwrap(), b"sealed");
        for bad in ["../x", "a/b", "", "..", "a.b"] {
            assert!(store.put(bad, b"x").await.is_err(), "{bad}");
            assert!(store.get(bad).await.is_err(), "{bad}");
        }
        store.delete("01a2-ab").await;
        assert!(store.get("01a2-ab").await.is_err());
    }
}
