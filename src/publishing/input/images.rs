//! A post's photos: images already stored (`media`), each with the alt text a screen
//! reader reads; and the checks they must pass.

use crate::{refusal::InvalidInput, strings};

pub const MAX_IMAGES: usize = 8;
/// Mastodon's own limit for an attachment's description.
pub const MAX_ALT_CHARS: usize = 1_500;

/// A post's photo: a stored image with its alt text.
pub use crate::media::ImageRef as PostImage;

/// Reads a post's images back (an unreadable list reads as none).
pub fn images_of(images_json: &str) -> Vec<PostImage> {
    serde_json::from_str(images_json).unwrap_or_default()
}

/// The images as kept: at most [`MAX_IMAGES`], each a file the media store could have
/// written, with its alt text trimmed, present and within its limit.
pub(super) fn checked(images: &[PostImage]) -> Result<Vec<PostImage>, InvalidInput> {
    if images.len() > MAX_IMAGES {
        return Err(InvalidInput(strings::TOO_MANY_IMAGES));
    }
    let mut checked = Vec::new();
    for image in images {
        if !image.is_well_formed() {
            return Err(InvalidInput(strings::IMAGE_UNKNOWN));
        }
        let alt = image.alt.trim();
        if alt.is_empty() {
            return Err(InvalidInput(strings::IMAGE_ALT_MISSING));
        }
        if alt.chars().count() > MAX_ALT_CHARS {
            return Err(InvalidInput(strings::IMAGE_ALT_TOO_LONG));
        }
        checked.push(PostImage {
            alt: alt.to_string(),
            ..image.clone()
        });
    }
    Ok(checked)
}
