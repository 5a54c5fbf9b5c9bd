//! Server-side sessions (ID-10): a 256-bit random token in the cookie, its SHA-256 in
//! the database; idle and absolute timeouts; a CSRF token per session.

use kabinet_domain::access::{
    Action, Actor, CaseAction, Decision, Holder, OrgAction, OrgRole, StaffRole, decide, decide_case,
};
use kabinet_domain::account::AccountStatus;
use kabinet_store::{Conn, accounts, sessions};
use serde_json::json;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use super::{random_token, sha256_hex};
use crate::audit::audit_event;
use crate::{App, AppError, Ctx};

/// Activity is written at most this often, to keep reads cheap.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A resolved session: who is signed in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The session's id (hash of the token).
    pub session_id: String,
    /// The account.
    pub account: accounts::Account,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// The second factor is still due.
    pub mfa_pending: bool,
    /// The password is older than `password.max_age_days`.
    pub password_expired: bool,
    /// A second factor is enrolled.
    pub has_second_factor: bool,
    /// Unread notifications in «Мои сообщения» (shown in the header).
    pub unread: i64,
    /// The organisation the person acts for, if any (ORG-2): chosen in the page
    /// header, or named per API call by `X-Kabinet-Organization`.
    pub acting: Option<Acting>,
}

/// Acting for an organisation as one of its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acting {
    /// The organisation.
    pub organization_id: String,
    /// The member's role in it.
    pub role: OrgRole,
    /// Its short (or full) name, for the header.
    pub name: String,
}

impl SignedIn {
    /// The audit actor of this session.
    pub fn actor(&self) -> String {
        format!("account:{}", self.account.id)
    }

    /// The account status as shown: expired when the password expired.
    pub fn status(&self) -> AccountStatus {
        if self.password_expired && self.account.status == AccountStatus::Active {
            AccountStatus::Expired
        } else {
            self.account.status
        }
    }

    /// The actor as `domain::access` sees it.
    pub fn access_actor(&self) -> Actor {
        Actor {
            staff: self
                .account
                .staff_role
                .as_deref()
                .and_then(StaffRole::parse),
            must_change_password: self.account.must_change_password || self.password_expired,
            has_second_factor: self.has_second_factor,
        }
    }

    /// Asks `domain::access` whether this session may do `action`.
    pub fn authorize(&self, action: Action) -> Result<(), AppError> {
        answer(decide(&self.access_actor(), action))
    }

    /// Who holds an application assigned to `assignee`, seen from this session.
    pub fn holder_of(&self, assignee: Option<&str>) -> Holder {
        Holder::of(assignee, &self.account.id)
    }

    /// Asks `domain::access` whether this session may do `act` to an application
    /// assigned to `assignee`: refused (`403`) for a missing right, a conflict
    /// (`409`) when another member of staff holds it.
    pub fn authorize_case(&self, act: CaseAction, assignee: Option<&str>) -> Result<(), AppError> {
        answer(decide_case(
            &self.access_actor(),
            act,
            self.holder_of(assignee),
        ))
    }

    /// [`SignedIn::authorize_case`] as a yes or no, for showing or hiding a button.
    pub fn may_case(&self, act: CaseAction, assignee: Option<&str>) -> bool {
        self.authorize_case(act, assignee).is_ok()
    }

    /// While acting for an organisation: may this member do `act` for it? (The table
    /// is `OrgAction::roles` in `domain::access`.) Refused when not acting for one.
    pub fn authorize_for_org(&self, act: OrgAction) -> Result<&Acting, AppError> {
        let acting = self
            .acting
            .as_ref()
            .ok_or(AppError::Refused("org-not-acting"))?;
        if act.allows(acting.role) {
            Ok(acting)
        } else {
            Err(AppError::Refused("org-role-denied"))
        }
    }
}

/// Starts a session in the caller's transaction; returns the cookie token.
pub(crate) async fn create(
    conn: &mut Conn,
    app: &App,
    ctx: &Ctx,
    account_id: &str,
    user_agent: Option<&str>,
    mfa_pending: bool,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let token = random_token()?;
    let absolute = Duration::hours(i64::from(app.settings.session.absolute_hours));
    sessions::insert(
        conn,
        &sessions::Session {
            id: sha256_hex(&token),
            account_id: account_id.to_owned(),
            csrf_token: random_token()?,
            mfa_pending,
            created_at: now,
            last_seen_at: now,
            expires_at: now + absolute,
            user_agent: user_agent.map(|ua| ua.chars().take(300).collect()),
            address: ctx.source.clone(),
        },
    )
    .await?;
    // Signing in is a password entry (or follows one): sensitive actions may follow.
    sessions::set_reauth(conn, &sha256_hex(&token), now).await?;
    Ok(token)
}

/// The session of a cookie token, if it is alive (not idle too long, not past its
/// absolute end, the account not blocked). Dead sessions are deleted. `with_unread`
/// also counts unread notifications (pages show it; the API does not need it).
pub async fn resolve_session(
    app: &App,
    token: &str,
    with_unread: bool,
) -> Result<Option<SignedIn>, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id = sha256_hex(token);
    let now = app.clock.now();
    // API calls on PostgreSQL: the process's cache, which every process empties of an
    // account the moment anything of it changes (see `sessions::SessionCache`).
    let cache = (!with_unread).then(|| app.store.session_cache()).flatten();
    let generation = cache.map(|c| c.generation());
    let cached = cache.and_then(|c| c.get(&id));
    let resolved = match cached {
        Some(r) => Some(r),
        None => {
            // Every request may come here: a held connection, without the pool's
            // release check. One round trip: the session, its account and whether it
            // has a second factor.
            let (r, _) = app
                .store
                .read(&|conn| {
                    let id = id.clone();
                    Box::pin(async move { sessions::resolve(conn, &id, with_unread).await })
                })
                .await?;
            if let (Some(c), Some(g), Some(r)) = (cache, generation, &r) {
                c.put(&id, r, g);
            }
            r
        }
    };
    let Some(sessions::Resolved {
        session,
        account,
        has_second_factor,
        unread,
        acting,
    }) = resolved
    else {
        return Ok(None);
    };
    let idle = Duration::minutes(i64::from(app.settings.session.idle_minutes));
    let alive = session.expires_at > now && session.last_seen_at + idle > now;
    if !alive || account.status == AccountStatus::Blocked {
        let mut conn = app.store.acquire().await?;
        sessions::delete(&mut conn, &id).await?;
        if let Some(c) = cache {
            c.evict_account(&account.id);
        }
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        let mut conn = app.store.acquire().await?;
        sessions::touch(&mut conn, &id, now).await?;
        if let Some(c) = cache {
            c.evict_account(&account.id);
        }
    }
    let max_age = app.settings.password.max_age_days;
    let password_expired =
        max_age > 0 && account.password_changed_at + Duration::days(i64::from(max_age)) <= now;
    Ok(Some(SignedIn {
        session_id: id,
        account,
        csrf_token: session.csrf_token,
        mfa_pending: session.mfa_pending,
        password_expired,
        has_second_factor,
        unread,
        acting: acting.and_then(|(organization_id, role, name)| {
            Some(Acting {
                organization_id,
                role: OrgRole::parse(&role)?,
                name,
            })
        }),
    }))
}

/// Compares a CSRF token in constant time.
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Ends a session of the signed-in account (its own or another of its sessions).
pub async fn end_session(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    session_id: &str,
) -> Result<(), AppError> {
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let owned = sessions::get(&mut tx, session_id)
        .await?
        .is_some_and(|s| s.account_id == who.account.id);
    if !owned {
        return Err(AppError::NotFound);
    }
    sessions::delete(&mut tx, session_id).await?;
    let action = if session_id == who.session_id {
        "auth.signed_out"
    } else {
        "auth.session_ended"
    };
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        action,
        &format!("account:{}", who.account.id),
        json!({ "session": &session_id[..12] }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every other session of the signed-in account; returns how many.
pub async fn end_other_sessions(app: &App, ctx: &Ctx, who: &SignedIn) -> Result<u64, AppError> {
    who.authorize(Action::ManageOwnSecurity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let n = sessions::delete_for_account(&mut tx, &who.account.id, Some(&who.session_id)).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "auth.other_sessions_ended",
        &format!("account:{}", who.account.id),
        json!({ "ended": n }),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// The account's live sessions, newest activity first.
pub async fn sessions_of(app: &App, who: &SignedIn) -> Result<Vec<sessions::Session>, AppError> {
    let now = app.clock.now();
    let idle = Duration::minutes(i64::from(app.settings.session.idle_minutes));
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(sessions::for_account(&mut conn, &who.account.id)
        .await?
        .into_iter()
        .filter(|s| s.expires_at > now && s.last_seen_at + idle > now)
        .collect())
}

/// True when the account has a confirmed TOTP app.
pub async fn has_second_factor(app: &App, account_id: &str) -> Result<bool, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    super::mfa::has_totp(&mut conn, account_id).await
}

/// `domain::access`'s answer as the use cases' error.
fn answer(decision: Decision) -> Result<(), AppError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Deny(key) => Err(AppError::Refused(key)),
        Decision::Held(key) => Err(AppError::Conflict(key)),
    }
}
