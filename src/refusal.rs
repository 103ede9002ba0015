//! A refusal of what a person asked for, in their words. A domain rule that refuses
//! returns one inside its room's error enum (`publishing::PublishError::Refused`,
//! `auth::AuthError::Refused`, ...), never inside `anyhow`: the web matches on that
//! enum, shows the text on an admin page in the reader's language, and `AppError`
//! answers it `400` with both languages. Near the bottom of the house, beside `strings`,
//! so that every room can refuse without importing another room.

use crate::strings::Text;

/// A refusal of a person's input, in Bahasa Indonesia and English.
///
/// Deliberately not a `std::error::Error`: it cannot be put inside `anyhow`, where an
/// edge would have to fish for it and a forgotten fish would answer a person's mistake
/// with "temporarily unavailable". A room carries it in its own error enum.
#[derive(Clone, Copy, Debug)]
pub struct InvalidInput(pub Text);

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.0.id, self.0.en)
    }
}
