//! A stored image as a post, a logo or a banner refers to it: its files and its alt text.

use serde::{Deserialize, Serialize};

/// A stored image as something shown refers to it (a post's photo, the site's logo or
/// banner): the content hash naming its files, its type and size, and its alt text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// Content hash naming the files `media/{key}-{variant}.{extension}`.
    pub key: String,
    pub extension: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

impl ImageRef {
    /// An image just stored, with the alt text the operator wrote.
    pub fn from_stored(stored: &super::StoredImage, alt: &str) -> Self {
        Self {
            key: stored.key.clone(),
            extension: stored.extension.to_string(),
            mime: stored.mime.to_string(),
            width: stored.width,
            height: stored.height,
            alt: alt.trim().to_string(),
        }
    }

    pub fn file_name(&self, variant: &str) -> String {
        format!("{}-{variant}.{}", self.key, self.extension)
    }

    /// Names files we could have stored: a 32-digit hex key and a type we produce.
    pub fn is_well_formed(&self) -> bool {
        self.key.len() == 32
            && self
                .key
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && matches!(
                (self.extension.as_str(), self.mime.as_str()),
                ("jpg", "image/jpeg") | ("png", "image/png")
            )
    }
}
