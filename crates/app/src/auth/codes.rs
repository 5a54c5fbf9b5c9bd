//! One-time codes: 6 digits from the OS generator, stored hashed (SHA-256 salted with
//! the code's id), valid 10 minutes, 5 tries, single use, a new one no sooner than a
//! minute after the last, at most 5 per contact per hour.

use kabinet_store::{Conn, codes};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::AppError;

/// How long a code is valid.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Wrong tries before a code is spent.
pub const MAX_ATTEMPTS: i64 = 5;
/// The shortest interval between two codes for the same purpose and subject.
pub const RESEND_AFTER: Duration = Duration::seconds(60);
/// Codes per contact per hour.
pub const PER_CONTACT_PER_HOUR: i64 = 5;

/// Six random digits, uniformly distributed (rejection sampling).
pub fn generate() -> Result<String, AppError> {
    loop {
        let n = getrandom::u32().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn digest(id: &str, code: &str) -> String {
    super::sha256_hex(&format!("{id}:{code}"))
}

/// Issues a code for `purpose`/`subject`, to be sent to `target`; returns the code.
pub async fn issue(
    conn: &mut Conn,
    purpose: &str,
    subject: &str,
    target: &str,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    if let Some(last) = codes::current(conn, purpose, subject).await?
        && last.created_at + RESEND_AFTER > now
    {
        let wait = (last.created_at + RESEND_AFTER - now)
            .whole_seconds()
            .max(1);
        return Err(AppError::TooManyRequests {
            retry_after_secs: u64::try_from(wait).unwrap_or(60),
            key: "code-too-soon",
        });
    }
    if codes::sent_since(conn, target, now - Duration::hours(1)).await? >= PER_CONTACT_PER_HOUR {
        return Err(AppError::TooManyRequests {
            retry_after_secs: 3600,
            key: "code-too-many",
        });
    }
    let code = generate()?;
    let id = Uuid::now_v7().to_string();
    codes::insert(
        conn,
        &codes::NewCode {
            id: &id,
            purpose,
            subject,
            target,
            code_hash: &digest(&id, &code),
            now,
            expires_at: now + CODE_TTL,
        },
    )
    .await?;
    Ok(code)
}

/// Checks a code typed by the user. A right code is spent; a wrong one counts a try.
/// On failure the error is a field error on `field` saying why.
pub async fn check(
    conn: &mut Conn,
    purpose: &str,
    subject: &str,
    typed: &str,
    field: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let fail = |key| AppError::Validation(vec![crate::FieldError::new(field, key)]);
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(code) = codes::current(conn, purpose, subject).await? else {
        return Err(fail("code-wrong"));
    };
    if code.expires_at <= now {
        return Err(fail("code-expired"));
    }
    if code.attempts >= MAX_ATTEMPTS {
        return Err(fail("code-exhausted"));
    }
    let given = digest(&code.id, &typed);
    if bool::from(given.as_bytes().ct_eq(code.code_hash.as_bytes())) {
        codes::mark_used(conn, &code.id, now).await?;
        Ok(())
    } else {
        codes::add_attempt(conn, &code.id).await?;
        Err(fail(if code.attempts + 1 >= MAX_ATTEMPTS {
            "code-exhausted"
        } else {
            "code-wrong"
        }))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = super::generate().unwrap_or_default();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
