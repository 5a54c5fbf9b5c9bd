//! `multipart/form-data` bodies (forms with files, API uploads): text fields and
//! files, with the size limit enforced while reading.

use std::collections::HashMap;

use axum::extract::Multipart;
use kabinet_app::files::{MAX_BYTES, Upload};
use kabinet_app::{AppError, FieldError};

use crate::WebError;

/// The body limit of upload routes: the largest file plus the form around it.
pub const BODY_LIMIT: usize = MAX_BYTES + 256 * 1024;

/// What a multipart body held.
#[derive(Debug, Default)]
pub struct Parts {
    /// Text fields.
    pub fields: HashMap<String, String>,
    /// Files by field name (an empty file input is left out).
    pub files: HashMap<String, Upload>,
}

impl Parts {
    /// A text field, or empty.
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// A file that must be there; none is a field error on its name.
    pub fn file(&self, name: &str) -> Result<&Upload, AppError> {
        self.files
            .get(name)
            .ok_or_else(|| AppError::Validation(vec![FieldError::new(name, "file-empty")]))
    }
}

/// Reads a multipart body. A file over the limit is a field error on its name.
pub async fn read(multipart: Multipart) -> Result<Parts, WebError> {
    read_with(multipart, MAX_BYTES, None).await
}

/// Reads a multipart body whose files may be at most `limit` bytes; past that the
/// reading stops at once with `413` (`too_large`) or, without it, a field error.
pub async fn read_with(
    mut multipart: Multipart,
    limit: usize,
    too_large: Option<&'static str>,
) -> Result<Parts, WebError> {
    let mut parts = Parts::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError::BadRequest(format!(
            "Форма с файлом пришла повреждённой: {}",
            e.body_text()
        ))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if bytes.len() + chunk.len() > limit {
                        return Err(match too_large {
                            Some(key) => WebError::TooLarge(key),
                            None => {
                                AppError::Validation(vec![FieldError::new(name, "file-too-big")])
                                    .into()
                            }
                        });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if !(file_name.is_empty() && bytes.is_empty()) {
                    parts.files.insert(name, Upload { file_name, bytes });
                }
            }
            None => {
                let text = field.text().await.map_err(bad)?;
                if !crate::input::acceptable(&name, &text)
                    || name.chars().any(|c| !crate::input::allowed_char(c, false))
                {
                    return Err(crate::input::refused(name.replace(char::is_control, "")));
                }
                parts.fields.insert(name, text);
            }
        }
    }
    Ok(parts)
}
