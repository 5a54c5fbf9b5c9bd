//! argon2id on a bounded pool: hashing runs on blocking threads, at most one per core
//! at a time, so a flood of sign-ins queues instead of starving other requests.

use std::sync::Arc;

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::AppError;
use crate::settings::PasswordSettings;

/// Hashes and verifies passwords.
pub struct PasswordHasher {
    argon: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// A hash of a random password with the same parameters: an unknown login is
    /// verified against it, so it costs the same work as a known one.
    dummy: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher with the configured parameters, sized to the machine's cores.
    pub fn new(settings: &PasswordSettings) -> Result<PasswordHasher, String> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| format!("password.argon2_*: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let seed = super::random_token().map_err(|e| e.to_string())?;
        let dummy = argon
            .hash_password(seed.as_bytes())
            .map_err(|e| format!("argon2: {e}"))?
            .to_string();
        Ok(PasswordHasher {
            argon,
            permits: Arc::new(Semaphore::new(cores)),
            dummy,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| AppError::Refused("auth-unavailable"))?;
        let argon = self.argon.clone();
        let result = tokio::task::spawn_blocking(move || {
            let out = work(argon);
            drop(permit);
            out
        })
        .await
        .map_err(|e| {
            AppError::Store(kabinet_store::StoreError::Corrupt(format!(
                "hashing task: {e}"
            )))
        })?;
        Ok(result)
    }

    /// Hashes a new password (PHC string).
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let password = password.to_owned();
        self.run(move |argon| {
            argon
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| AppError::Store(kabinet_store::StoreError::Corrupt(format!("argon2: {e}"))))
    }

    /// Checks a password against a stored hash; `None` (no such account) is checked
    /// against the dummy hash and is always false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, AppError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy).to_owned();
        let password = password.to_owned();
        let ok = self
            .run(move |argon| {
                argon
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok()
            })
            .await?;
        Ok(ok && known)
    }
}
