//! argon2id on a bounded pool: hashing runs on blocking threads, at most one per core
//! at a time, so a flood of sign-ins queues instead of starving other requests.

//!
//! Verification reuses one work area per hashing slot (`m` KiB, 19 MiB by default)
//! instead of allocating and zeroing it for every sign-in: the allocation, the
//! zeroing and the page faults cost about a tenth of a sign-in's CPU. The areas are
//! kept after the first sign-in, at most one per core.

use std::sync::{Arc, Mutex};

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    /// Work areas for verification, one per hashing slot once used.
    areas: Arc<Mutex<Vec<Vec<Block>>>>,
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
            areas: Arc::new(Mutex::new(Vec::with_capacity(cores))),
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
        .map_err(|e| AppError::internal(format!("hashing task: {e}")))?;
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
        .map_err(|e| AppError::internal(format!("argon2: {e}")))
    }

    /// Checks a password against a stored hash; `None` (no such account) is checked
    /// against the dummy hash and is always false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, AppError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy).to_owned();
        let password = password.to_owned();
        let areas = Arc::clone(&self.areas);
        let ok = self
            .run(move |_| {
                let mut area = areas
                    .lock()
                    .map_or_else(|_| Vec::new(), |mut a| a.pop().unwrap_or_default());
                let ok = verify_in(password.as_bytes(), &hash, &mut area);
                if let Ok(mut a) = areas.lock() {
                    a.push(area);
                }
                ok
            })
            .await?;
        Ok(ok && known)
    }
}

/// Verifies `password` against a PHC string with the parameters stored in it,
/// computing in `area` (grown as needed). Any malformed hash is a mismatch.
fn verify_in(password: &[u8], phc: &str, area: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let blocks = params.block_count();
    if area.len() < blocks {
        area.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon
        .hash_password_into_with_memory(password, salt.as_ref(), &mut out, &mut area[..blocks])
        .is_err()
    {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|computed| computed == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phc(m: u32, t: u32, password: &str) -> String {
        let params = Params::new(m, t, 1, None).unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes())
            .unwrap()
            .to_string()
    }

    #[test]
    fn reused_area_verifies_like_the_crate() {
        let mut area = Vec::new();
        let big = phc(256, 2, "правильный пароль");
        let small = phc(64, 1, "другой пароль");
        assert!(verify_in("правильный пароль".as_bytes(), &big, &mut area));
        assert!(!verify_in("правильный парол".as_bytes(), &big, &mut area));
        // A smaller hash in the larger, dirty area still verifies.
        assert!(verify_in("другой пароль".as_bytes(), &small, &mut area));
        assert!(!verify_in(
            "правильный пароль".as_bytes(),
            &small,
            &mut area
        ));
        assert_eq!(area.len(), 256);
        assert!(verify_in("правильный пароль".as_bytes(), &big, &mut area));
    }

    #[test]
    fn malformed_hashes_never_match() {
        let mut area = Vec::new();
        let good = phc(64, 1, "пароль");
        for bad in [
            "",
            "plain",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdA",
            &good[..good.len() - 4],
        ] {
            assert!(!verify_in(b"\xd0\xbf", bad, &mut area), "{bad}");
        }
        let other_alg = good.replace("$argon2id$", "$argon2i$");
        assert!(!verify_in("пароль".as_bytes(), &other_alg, &mut area));
    }
}
