//! Uploaded files, identity confirmation requests and change requests of confirmed
//! data, as stored. SQL only: the rules live in `kabinet_app::identity`.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// An uploaded file's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// UUIDv7; also the name under `files/`.
    pub id: String,
    /// The owner.
    pub account_id: String,
    /// `identity`, `change_request`, …
    pub purpose: String,
    /// The name it was uploaded with.
    pub file_name: String,
    /// `application/pdf`, `image/jpeg`, `image/png`.
    pub content_type: String,
    /// Bytes (before sealing).
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// The file's own key, sealed with the configured keys (files stored before
    /// per-file keys have none: their content is sealed with the configured keys).
    pub data_key: Option<String>,
}

/// Serialises the uploads of one account for the rest of the transaction (PostgreSQL:
/// a transaction-scoped advisory lock, which nothing else takes; SQLite's write
/// transaction is serial already) and answers how many bytes it has uploaded, result
/// documents attached by staff excepted — so two parallel uploads cannot both pass a
/// limit checked against it.
pub async fn lock_owner_usage(conn: &mut Conn, account_id: &str) -> Result<i64, StoreError> {
    crate::Dialect::lock_name(conn, &format!("kabinet.files:{account_id}")).await?;
    let bytes: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM files \
         WHERE account_id = $1 AND purpose <> 'result'",
    )
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(bytes)
}

/// Records a file.
pub async fn insert_file(conn: &mut Conn, f: &FileRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO files (id, account_id, purpose, file_name, content_type, size, sha256, created_at, data_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&f.id)
    .bind(&f.account_id)
    .bind(&f.purpose)
    .bind(&f.file_name)
    .bind(&f.content_type)
    .bind(f.size)
    .bind(&f.sha256)
    .bind(ts::format(f.created_at))
    .bind(&f.data_key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A file's record.
pub async fn get_file(conn: &mut Conn, id: &str) -> Result<Option<FileRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT id, account_id, purpose, file_name, content_type, size, sha256, created_at, data_key FROM files WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(FileRecord {
            id: r.try_get(0)?,
            account_id: r.try_get(1)?,
            purpose: r.try_get(2)?,
            file_name: r.try_get(3)?,
            content_type: r.try_get(4)?,
            size: r.try_get(5)?,
            sha256: r.try_get(6)?,
            created_at: ts::parse(&r.try_get::<String, _>(7)?)?,
            data_key: r.try_get(8)?,
        })
    })
    .transpose()
}

/// The ids of an account's files (for export and erasure).
pub async fn files_of(conn: &mut Conn, account_id: &str) -> Result<Vec<FileRecord>, StoreError> {
    // An organisation's files (its documents, its applications' attachments) are the
    // organisation's, not the uploader's.
    let ids: Vec<String> = sqlx::query(
        "SELECT id FROM files WHERE account_id = $1 AND id NOT IN (SELECT file_id FROM organization_documents) \
         AND id NOT IN (SELECT af.file_id FROM application_files af JOIN applications a ON a.id = af.application_id \
                        WHERE a.organization_id IS NOT NULL) ORDER BY id",
    )
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(f) = get_file(conn, &id).await? {
            out.push(f);
        }
    }
    Ok(out)
}

/// A request waiting for staff: identity confirmation or a change of confirmed data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// UUIDv7.
    pub id: String,
    /// Whose.
    pub account_id: String,
    /// Identity: `in_person` or `video`. Change: the fields, comma-separated.
    pub what: String,
    /// Change requests: the sealed new values. Identity: empty.
    pub sealed: String,
    /// The person's comment or reason.
    pub text: Option<String>,
    /// The attached file.
    pub file_id: Option<String>,
    /// `pending`, then `confirmed`/`approved` or `refused`.
    pub status: String,
    /// Filed.
    pub created_at: OffsetDateTime,
    /// Decided.
    pub decided_at: Option<OffsetDateTime>,
    /// The staff account that decided.
    pub decided_by: Option<String>,
    /// Staff's reason or comment.
    pub decision: Option<String>,
}

/// Which kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `identity_requests`.
    Identity,
    /// `change_requests`.
    Change,
}

impl Kind {
    fn select(self) -> &'static str {
        match self {
            Kind::Identity => {
                "SELECT id, account_id, method, '', comment, file_id, status, created_at, decided_at, decided_by, decision FROM identity_requests"
            }
            Kind::Change => {
                "SELECT id, account_id, fields, changes_sealed, reason, file_id, status, created_at, decided_at, decided_by, decision FROM change_requests"
            }
        }
    }

    fn table(self) -> &'static str {
        match self {
            Kind::Identity => "identity_requests",
            Kind::Change => "change_requests",
        }
    }
}

fn request(r: &AnyRow) -> Result<Request, StoreError> {
    let at = |i: usize| -> Result<Option<OffsetDateTime>, StoreError> {
        r.try_get::<Option<String>, _>(i)?
            .as_deref()
            .map(ts::parse)
            .transpose()
    };
    Ok(Request {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        what: r.try_get(2)?,
        sealed: r.try_get(3)?,
        text: r.try_get(4)?,
        file_id: r.try_get(5)?,
        status: r.try_get(6)?,
        created_at: ts::parse(&r.try_get::<String, _>(7)?)?,
        decided_at: at(8)?,
        decided_by: r.try_get(9)?,
        decision: r.try_get(10)?,
    })
}

/// Files a request.
pub async fn insert(conn: &mut Conn, kind: Kind, q: &Request) -> Result<(), StoreError> {
    let sql = match kind {
        Kind::Identity => {
            "INSERT INTO identity_requests (id, account_id, method, comment, file_id, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        }
        Kind::Change => {
            "INSERT INTO change_requests (id, account_id, fields, reason, file_id, status, created_at, changes_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        }
    };
    let mut query = sqlx::query(sql)
        .bind(&q.id)
        .bind(&q.account_id)
        .bind(&q.what)
        .bind(&q.text)
        .bind(&q.file_id)
        .bind(&q.status)
        .bind(ts::format(q.created_at));
    if kind == Kind::Change {
        query = query.bind(&q.sealed);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// One request.
pub async fn get(conn: &mut Conn, kind: Kind, id: &str) -> Result<Option<Request>, StoreError> {
    let sql = format!("{} WHERE id = $1", kind.select());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(request).transpose()
}

/// An account's requests, newest first.
pub async fn of_account(
    conn: &mut Conn,
    kind: Kind,
    account_id: &str,
) -> Result<Vec<Request>, StoreError> {
    let sql = format!("{} WHERE account_id = $1 ORDER BY id DESC", kind.select());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(request).collect()
}

/// Requests in a status, oldest first (the staff queue).
pub async fn with_status(
    conn: &mut Conn,
    kind: Kind,
    status: &str,
    limit: i64,
) -> Result<Vec<Request>, StoreError> {
    let sql = format!("{} WHERE status = $1 ORDER BY id LIMIT $2", kind.select());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(status)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(request).collect()
}

/// Decides a pending request; false when it was not pending any more (someone else
/// decided first).
pub async fn decide(
    conn: &mut Conn,
    kind: Kind,
    id: &str,
    status: &str,
    staff_id: &str,
    decision: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE {} SET status = $2, decided_at = $3, decided_by = $4, decision = $5 WHERE id = $1 AND status = 'pending'",
        kind.table()
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(status)
        .bind(ts::format(now))
        .bind(staff_id)
        .bind(decision)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Up to `limit` change requests, after the id `after`, whose sealed values are not
/// under the key `current` (for `kabinet keys rotate`): `(id, sealed)`.
pub async fn stale_change_requests(
    conn: &mut Conn,
    current: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    crate::stale_sealed(
        conn,
        "change_requests",
        "changes_sealed",
        current,
        after,
        limit,
    )
    .await
}

/// Replaces a change request's sealed values.
pub async fn set_change_sealed(conn: &mut Conn, id: &str, sealed: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE change_requests SET changes_sealed = $2 WHERE id = $1")
        .bind(id)
        .bind(sealed)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Up to `limit` file records after the id `after`, in id order.
pub async fn files_after(
    conn: &mut Conn,
    after: &str,
    limit: i64,
) -> Result<Vec<FileRecord>, StoreError> {
    let ids: Vec<String> = sqlx::query("SELECT id FROM files WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(f) = get_file(conn, &id).await? {
            out.push(f);
        }
    }
    Ok(out)
}

/// Replaces a file's sealed data key (key rotation).
pub async fn set_data_key(conn: &mut Conn, id: &str, data_key: &str) -> Result<(), StoreError> {
    // The row is locked while its old key is read (PostgreSQL; SQLite's writers take
    // turns anyway), so two rotations at once cannot replace in the parts a key the
    // other has already replaced.
    let sql = format!(
        "SELECT data_key FROM files WHERE id = $1{}",
        crate::Dialect::of(conn).for_update()
    );
    let old: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    sqlx::query("UPDATE files SET data_key = $2 WHERE id = $1")
        .bind(id)
        .bind(data_key)
        .execute(&mut *conn)
        .await?;
    // An attachment's record is also in its application's parts (ADR 0008).
    if let Some(old) = old {
        crate::applications::replace_data_key(conn, id, &old, data_key).await?;
    }
    Ok(())
}

/// Whether a file is an organisation's: one of its documents or an attachment of one of
/// its applications (reached through the organisation, never as the uploader's own).
pub async fn is_organizations(conn: &mut Conn, file_id: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM organization_documents WHERE file_id = $1) + \
                (SELECT COUNT(*) FROM application_files af JOIN applications a ON a.id = af.application_id \
                 WHERE af.file_id = $1 AND a.organization_id IS NOT NULL)",
    )
    .bind(file_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}
