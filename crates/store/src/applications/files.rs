//! Files attached to applications, and the limits checked against them.

use sqlx::Row;
use time::OffsetDateTime;

use super::parts::{Line, append};
use crate::{Conn, StoreError, ts};

/// Links a stored file to an application.
pub async fn add_file(
    conn: &mut Conn,
    application_id: &str,
    file_id: &str,
    kind: &str,
    by_staff: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO application_files (file_id, application_id, kind, by_staff, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(file_id)
        .bind(application_id)
        .bind(kind)
        .bind(i64::from(by_staff))
        .bind(ts::format(now))
        .execute(&mut *conn)
        .await?;
    let file = crate::requests::get_file(conn, file_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("files/{file_id}: no record")))?;
    let line = Line::File {
        file_id: file.id,
        kind: kind.to_owned(),
        by_staff: i64::from(by_staff),
        at: ts::format(now),
        account_id: file.account_id,
        purpose: file.purpose,
        file_name: file.file_name,
        content_type: file.content_type,
        size: file.size,
        sha256: file.sha256,
        created_at: ts::format(file.created_at),
        data_key: file.data_key,
    };
    append(conn, application_id, &line).await
}

/// An application's files: `(file id, kind, by staff)`, oldest first.
pub async fn files(
    conn: &mut Conn,
    application_id: &str,
) -> Result<Vec<(String, String, bool)>, StoreError> {
    let rows = sqlx::query("SELECT file_id, kind, by_staff FROM application_files WHERE application_id = $1 ORDER BY at, file_id")
        .bind(application_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<i64, _>(2)? != 0)))
        .collect()
}

/// Locks an application's row for the rest of the transaction (PostgreSQL; SQLite's
/// write transaction is serial already) and answers how many files its applicant has
/// attached and their total bytes (result documents by staff excepted), so that two
/// parallel uploads cannot both pass a limit checked against them.
pub async fn lock_attachments(
    conn: &mut Conn,
    application_id: &str,
) -> Result<(i64, i64), StoreError> {
    crate::Dialect::lock_row(conn, "applications", "id", application_id).await?;
    let r = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM application_files a \
         JOIN files f ON f.id = a.file_id WHERE a.application_id = $1 AND a.by_staff = 0",
    )
    .bind(application_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// The application a file belongs to, if any.
pub async fn application_of_file(
    conn: &mut Conn,
    file_id: &str,
) -> Result<Option<String>, StoreError> {
    let r = sqlx::query("SELECT application_id FROM application_files WHERE file_id = $1")
        .bind(file_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| r.try_get(0)).transpose()?)
}
