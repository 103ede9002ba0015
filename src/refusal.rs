//! A refusal of what a person asked for, in their words: a domain rule returns one
//! (inside `anyhow`) when input breaks it; the admin shows its text on the page, and
//! `AppError` answers it `400` with both languages. Near the bottom of the house, beside
//! `strings`, so that every room can refuse without importing another room.

use crate::strings::Text;

/// A refusal of a person's input, in Bahasa Indonesia and English.
#[derive(Clone, Copy, Debug)]
pub struct InvalidInput(pub Text);

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.0.id, self.0.en)
    }
}

impl std::error::Error for InvalidInput {}
