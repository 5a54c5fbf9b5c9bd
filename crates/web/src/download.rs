//! File downloads: the answer shared by every download, page or API.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kabinet_store::audit::Entry;

/// A download answer.
pub fn file_response(record: &kabinet_store::requests::FileRecord, bytes: Vec<u8>) -> Response {
    let ascii: String = record
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = crate::format::percent_encode(&record.file_name);
    (
        [
            (header::CONTENT_TYPE, record.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

/// «Скачать мои данные»: the ZIP archive, never cached.
pub fn data_archive(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"kabinet-data.zip\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response()
}

/// One CSV field, quoted when needed (RFC 4180); a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so that spreadsheets do not run it as a formula.
pub fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The entries as CSV (a header line, then one line per entry).
pub fn audit_csv(entries: &[Entry]) -> String {
    let mut out = String::from("seq,at,actor,action,object,source,request_id,details,hash\r\n");
    for e in entries {
        let line = [
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.object.clone(),
            e.source.clone().unwrap_or_default(),
            e.request_id.clone().unwrap_or_default(),
            e.details.clone(),
            e.hash.clone(),
        ]
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}

/// A CSV download.
pub fn csv_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
