//! The append-only, hash-chained audit log (AUD-1).
//!
//! Every entry stores the previous entry's hash and its own: SHA-256 over a canonical,
//! length-prefixed encoding of its fields. Entries are appended inside the caller's
//! transaction, so a change and its audit entry commit together or not at all. The chain
//! stays linear with many writers because an appender first updates the single
//! `audit_head` row: on PostgreSQL the row lock makes other appenders wait until commit
//! (and then they read the new head); on SQLite the write lock does the same.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Conn, Store, StoreError, ts};

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append.
#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    /// When it happened (UTC in storage).
    pub at: OffsetDateTime,
    /// Who: `system`, `cli`, `account:<id>`, `staff:<id>`.
    pub actor: &'a str,
    /// What: a dotted action name such as `notify.test_sent`.
    pub action: &'a str,
    /// The object acted on, such as `account:<id>` or `outbox:<id>`.
    pub object: &'a str,
    /// The client address, when the action came over the network.
    pub source: Option<&'a str>,
    /// The request id, when the action came over HTTP.
    pub request_id: Option<&'a str>,
    /// Further details as JSON (never secrets or codes).
    pub details: serde_json::Value,
}

/// An entry as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// UUIDv7 of the entry.
    pub id: String,
    /// Stored timestamp text (UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub object: String,
    /// From where.
    pub source: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Details, JSON text exactly as stored and hashed.
    pub details: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

impl Entry {
    /// Computes the hash this entry should have from its fields and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"kabinet-audit-v1");
        for field in [
            self.seq.to_string().as_str(),
            &self.id,
            &self.at,
            &self.actor,
            &self.action,
            &self.object,
            self.source.as_deref().unwrap_or("\u{0}"),
            self.request_id.as_deref().unwrap_or("\u{0}"),
            &self.details,
            &self.prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Appends an entry inside the caller's transaction and returns it.
pub async fn append(conn: &mut Conn, entry: &NewEntry<'_>) -> Result<Entry, StoreError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get(0)?;
    let prev_hash: String = head.try_get(1)?;
    let mut stored = Entry {
        seq,
        id: Uuid::now_v7().to_string(),
        at: ts::format(entry.at),
        actor: entry.actor.to_owned(),
        action: entry.action.to_owned(),
        object: entry.object.to_owned(),
        source: entry.source.map(str::to_owned),
        request_id: entry.request_id.map(str::to_owned),
        details: entry.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    stored.hash = stored.compute_hash();
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at, actor, action, object, source, request_id, \
         details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(stored.seq)
    .bind(&stored.id)
    .bind(&stored.at)
    .bind(&stored.actor)
    .bind(&stored.action)
    .bind(&stored.object)
    .bind(&stored.source)
    .bind(&stored.request_id)
    .bind(&stored.details)
    .bind(&stored.prev_hash)
    .bind(&stored.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&stored.hash)
        .execute(&mut *conn)
        .await?;
    Ok(stored)
}

macro_rules! select_entries {
    ($rest:literal) => {
        concat!(
            "SELECT seq, id, at, actor, action, object, source, request_id, details, ",
            "prev_hash, hash FROM audit_log ",
            $rest
        )
    };
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<Entry, StoreError> {
    Ok(Entry {
        seq: row.try_get(0)?,
        id: row.try_get(1)?,
        at: row.try_get(2)?,
        actor: row.try_get(3)?,
        action: row.try_get(4)?,
        object: row.try_get(5)?,
        source: row.try_get(6)?,
        request_id: row.try_get(7)?,
        details: row.try_get(8)?,
        prev_hash: row.try_get(9)?,
        hash: row.try_get(10)?,
    })
}

/// The newest entries first, at most `limit`.
pub async fn latest(store: &Store, limit: i64) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(select_entries!("ORDER BY seq DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(entry_from_row).collect()
}

/// How many entries the log holds and its newest entry (`None` when empty).
pub async fn tail(store: &Store) -> Result<(i64, Option<Entry>), StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(store.pool())
        .await?;
    let newest = sqlx::query(select_entries!("ORDER BY seq DESC LIMIT 1"))
        .fetch_optional(store.pool())
        .await?;
    Ok((count, newest.as_ref().map(entry_from_row).transpose()?))
}

/// The entry at a sequence number, if there is one.
pub async fn entry(store: &Store, seq: i64) -> Result<Option<Entry>, StoreError> {
    let row = sqlx::query(select_entries!("WHERE seq = $1"))
        .bind(seq)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// What an auditor looks for (AUD-2); every part is optional.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// The actor exactly (`account:<id>`, `system`, `cli`).
    pub actor: Option<String>,
    /// The object exactly, or every object under a prefix ending with `:`
    /// (`application:` finds all applications).
    pub object: Option<String>,
    /// The action exactly, or a family ending with `.` (`auth.`).
    pub action: Option<String>,
    /// On or after (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// On or before (`YYYY-MM-DD`, UTC).
    pub to: Option<String>,
}

/// Entries that match, newest first: `limit` after skipping `offset` (`before_seq`
/// pages without counting), and whether more follow.
pub async fn search(
    conn: &mut Conn,
    s: &Search,
    limit: i64,
    before_seq: Option<i64>,
) -> Result<(Vec<Entry>, bool), StoreError> {
    let mut clauses: Vec<String> = vec!["1 = 1".into()];
    let mut binds: Vec<String> = Vec::new();
    let mut add = |clause: &str, value: String| {
        binds.push(value);
        clauses.push(clause.replace('?', &format!("${}", binds.len())));
    };
    if let Some(a) = &s.actor {
        add("actor = ?", a.clone());
    }
    let prefix = |v: &str, end: char| {
        v.ends_with(end)
            .then(|| format!("{}%", crate::like_escape(v)))
    };
    if let Some(o) = &s.object {
        match prefix(o, ':') {
            Some(p) => add("object LIKE ? ESCAPE '\\'", p),
            None => add("object = ?", o.clone()),
        }
    }
    if let Some(a) = &s.action {
        match prefix(a, '.') {
            Some(p) => add("action LIKE ? ESCAPE '\\'", p),
            None => add("action = ?", a.clone()),
        }
    }
    if let Some(d) = &s.from {
        add("at >= ?", d.clone());
    }
    if let Some(d) = &s.to {
        add("at < ?", format!("{d}T99"));
    }
    let mut sql = format!(
        "SELECT seq, id, at, actor, action, object, source, request_id, details, prev_hash, hash \
         FROM audit_log WHERE {}",
        clauses.join(" AND ")
    );
    if let Some(before) = before_seq {
        sql.push_str(&format!(" AND seq < {before}"));
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", limit + 1));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut entries = rows
        .iter()
        .map(entry_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = entries.len() as i64 > limit;
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((entries, more))
}

/// Why the chain is broken at an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// A sequence number is missing or out of place (an entry was deleted or inserted).
    Gap {
        /// The sequence number expected here.
        expected: i64,
    },
    /// The entry does not point at the previous entry's hash.
    PrevHash,
    /// The entry's fields do not produce its stored hash (it was edited).
    Hash,
    /// The head row does not match the last entry (entries were cut off the end).
    Head {
        /// The sequence number the head records.
        head_seq: i64,
    },
}

/// The result of walking the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Entries checked and found sound before the first break (or all of them).
    pub verified: i64,
    /// The first broken entry's sequence number and the reason, if any.
    pub first_break: Option<(i64, Break)>,
}

/// Walks the whole chain in order and reports the first broken entry.
pub async fn verify(store: &Store) -> Result<Verification, StoreError> {
    const PAGE: i64 = 1000;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected = 1_i64;
    loop {
        let rows = sqlx::query(select_entries!("WHERE seq > $1 ORDER BY seq LIMIT $2"))
            .bind(expected - 1)
            .bind(PAGE)
            .fetch_all(store.pool())
            .await?;
        let page_len = rows.len();
        for row in &rows {
            let e = entry_from_row(row)?;
            let verified = expected - 1;
            let broken = if e.seq != expected {
                Some(Break::Gap { expected })
            } else if e.prev_hash != prev_hash {
                Some(Break::PrevHash)
            } else if e.compute_hash() != e.hash {
                Some(Break::Hash)
            } else {
                None
            };
            if let Some(reason) = broken {
                return Ok(Verification {
                    verified,
                    first_break: Some((e.seq, reason)),
                });
            }
            prev_hash = e.hash;
            expected += 1;
        }
        if (page_len as i64) < PAGE {
            break;
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?;
    let head_seq: i64 = head.try_get(0)?;
    let head_hash: String = head.try_get(1)?;
    let verified = expected - 1;
    if head_seq != verified || head_hash != prev_hash {
        return Ok(Verification {
            verified,
            first_break: Some((verified + 1, Break::Head { head_seq })),
        });
    }
    Ok(Verification {
        verified,
        first_break: None,
    })
}
