//! File downloads: the answer shared by every download, page or API.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

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
