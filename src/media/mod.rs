//! Uploaded photos: turning untrusted bytes into safe web images (`process`) and
//! keeping them on disk under content-addressed names (`storage`); and the avatar drawn
//! for an account that has no logo yet (`avatar`). It owns the limits
//! on what an upload may cost (bytes, pixels, memory) and the promise that nothing a
//! phone wrote into the file (EXIF with GPS, XMP, ICC) reaches the public: images are
//! decoded to pixels and encoded anew, never copied.
//!
//! It must not know about HTTP, the database or posts: `web::media` serves the files,
//! and whoever shows an image (a post, the site's logo) keeps an `ImageRef` to it.
//! Processing is CPU-heavy and synchronous; callers run it in `spawn_blocking`.

pub mod avatar;
mod image_ref;
mod process;
mod storage;

pub use image_ref::ImageRef;
pub use process::{MAX_UPLOAD_BYTES, ProcessedImage, Variant, process_upload};
pub use storage::{MediaStore, StoredImage, is_valid_file_name, write_atomically};

use crate::strings::{
    Text, UPLOAD_CORRUPT, UPLOAD_EMPTY, UPLOAD_NO_SPACE, UPLOAD_NOT_IMAGE, UPLOAD_TOO_LARGE,
    UPLOAD_TOO_MANY_PIXELS,
};

/// Why an upload was refused. Each one is the uploader's to fix, so each has a
/// sentence for them (`text`); the English `Display` is for logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the upload is empty")]
    Empty,
    #[error("the upload is larger than {MAX_UPLOAD_BYTES} bytes")]
    TooLarge,
    #[error("the upload is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is truncated or corrupt")]
    Corrupt,
    #[error("the image has too many pixels")]
    TooManyPixels,
    /// Not the upload's fault: the disk holding the data directory is nearly full
    /// (`crate::disk`), so nothing more is written to it.
    #[error("the server's disk is nearly full")]
    NoSpace,
}

impl MediaError {
    /// What the uploader reads, in Bahasa Indonesia and English.
    pub fn text(&self) -> Text {
        match self {
            Self::Empty => UPLOAD_EMPTY,
            Self::TooLarge => UPLOAD_TOO_LARGE,
            Self::NotAnImage => UPLOAD_NOT_IMAGE,
            Self::Corrupt => UPLOAD_CORRUPT,
            Self::TooManyPixels => UPLOAD_TOO_MANY_PIXELS,
            Self::NoSpace => UPLOAD_NO_SPACE,
        }
    }
}
