//! How the web answers a domain room's error: its refusal is the person's to fix
//! (`AppError::Invalid`: 400 with its words, which an admin page shows in the reader's
//! language), its failure is ours (`AppError::Unavailable`: 503, logged). Rooms whose
//! edges tell more cases apart (documents, the website's form, the inbox) are matched
//! where they are answered instead.

use crate::{aspirations::ActionError, auth::AuthError, error::AppError, publishing::PublishError};

impl From<PublishError> for AppError {
    fn from(err: PublishError) -> Self {
        match err {
            PublishError::Refused(refusal) => Self::Invalid(refusal),
            PublishError::Failed(err) => Self::Unavailable(err),
        }
    }
}

impl From<AuthError> for AppError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Refused(refusal) => Self::Invalid(refusal),
            AuthError::Failed(err) => Self::Unavailable(err),
        }
    }
}

impl From<ActionError> for AppError {
    fn from(err: ActionError) -> Self {
        match err {
            ActionError::Refused(refusal) => Self::Invalid(refusal),
            ActionError::Failed(err) => Self::Unavailable(err),
        }
    }
}
