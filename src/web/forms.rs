//! A submitted form as plain name/value pairs plus uploaded files, read the same way
//! from `application/x-www-form-urlencoded` and `multipart/form-data`. Missing fields
//! read as empty, so a tampered form reaches the checks (CSRF first) instead of failing
//! to parse.

use crate::media::MAX_UPLOAD_BYTES;
use axum::{
    Form,
    extract::{FromRequest, Multipart, Request},
};
use std::convert::Infallible;

/// The most of one uploaded file kept: the larger of an image's and a document's
/// limits; each use then checks its own (an image over 10 MB is still refused).
const MAX_FILE_BYTES: usize = if crate::documents::MAX_FILE_BYTES > MAX_UPLOAD_BYTES {
    crate::documents::MAX_FILE_BYTES
} else {
    MAX_UPLOAD_BYTES
};

/// A text field longer than this is cut: every text the admin keeps is far shorter,
/// and the checks then refuse it as too long.
const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// One uploaded file. Bytes beyond the upload limit are not kept; `too_large` says so.
pub struct Upload {
    pub field: String,
    pub bytes: Vec<u8>,
    pub too_large: bool,
}

#[derive(Default)]
pub struct Fields {
    pairs: Vec<(String, String)>,
    pub files: Vec<Upload>,
}

/// Why a form could not be read at all.
pub enum Unreadable {
    TooLarge,
    Malformed,
}

impl Fields {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self {
            pairs,
            files: Vec::new(),
        }
    }

    /// Reads a whole multipart body. Empty file inputs (nothing chosen) are skipped.
    pub async fn from_multipart(mut multipart: Multipart) -> Result<Self, Unreadable> {
        let mut fields = Self::default();
        let unreadable = |err: axum::extract::multipart::MultipartError| {
            if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Unreadable::TooLarge
            } else {
                Unreadable::Malformed
            }
        };
        while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            let is_file = field.file_name().is_some();
            let limit = if is_file {
                MAX_FILE_BYTES
            } else {
                MAX_TEXT_BYTES
            };
            let mut bytes = Vec::new();
            let mut too_large = false;
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                if bytes.len() + chunk.len() > limit {
                    too_large = true;
                    let room = limit.saturating_sub(bytes.len());
                    bytes.extend_from_slice(&chunk[..room.min(chunk.len())]);
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
            if is_file {
                let chosen = !bytes.is_empty() || field.file_name().is_some_and(|n| !n.is_empty());
                if chosen {
                    fields.files.push(Upload {
                        field: name,
                        bytes,
                        too_large,
                    });
                }
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                fields.pairs.push((name, text));
            }
        }
        Ok(fields)
    }

    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    /// Every value of a field (checkboxes sharing a name).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// A checkbox: present means ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.pairs.iter().any(|(key, _)| key == name)
    }

    /// The uploads of one file input.
    pub fn files_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Upload> + 'a {
        self.files.iter().filter(move |file| file.field == name)
    }
}

/// An url-encoded form as [`Fields`]. A body that cannot be read reads as no fields at
/// all, so it meets the CSRF check and its plain 403 instead of a parser's message.
pub struct FormFields(pub Fields);

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Infallible> {
        let pairs = Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map(|Form(pairs)| pairs)
            .unwrap_or_default();
        Ok(Self(Fields::from_pairs(pairs)))
    }
}
