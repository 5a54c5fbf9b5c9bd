//! Sign-in and account security (ID-1 … ID-6, ID-10, ID-12): registration with a
//! confirmed contact, sign-in by any identifier with lockout, password recovery,
//! server-side sessions with CSRF tokens.

pub(crate) mod codes;
mod hasher;
mod limits;
mod mfa;
pub(crate) mod notices;
mod password;
mod recovery;
mod register;
mod reminders;
mod session;
mod sign_in;
mod unlock;

pub use codes::CODE_TTL;
pub use hasher::PasswordHasher;
pub use limits::{DEVICE_TTL, device_token};
pub(crate) use mfa::require_recent_password as require_recent_password_in;
pub use mfa::{
    REAUTH_WINDOW, TotpEnrolment, code_factor_enabled, complete_sign_in, confirm_totp,
    disable_totp, has_recent_password, pending_totp, reauthenticate, send_sign_in_code,
    set_code_factor, start_totp,
};
pub use password::change_password;
pub use recovery::{confirm_recovery, start_recovery};
pub use register::{confirm_registration, registration_contact, start_registration};
pub use reminders::{REMIND_BEFORE, send_password_reminders};
pub use session::{
    Acting, SignedIn, csrf_matches, end_other_sessions, end_session, has_second_factor,
    resolve_session, sessions_of,
};
pub use sign_in::{SignInOutcome, sign_in};
pub use unlock::{confirm_unlock, start_unlock};

use crate::AppError;

/// A random token of 32 bytes from the operating system, as 64 hex digits.
pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// SHA-256 of a text, hex.
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}
