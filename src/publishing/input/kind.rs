//! The kinds of post a village site knows (kept by the store as `store::PostKind`), the
//! ones the editor offers, and their names in both languages.

use crate::strings::{self, Text};

/// The kinds of post a village site knows (kept with the post).
pub use crate::store::PostKind;

impl PostKind {
    /// The kinds an operator chooses from in the editor and the templates: every kind but
    /// `Informasi`, which only `documents` writes.
    pub const OFFERED: [PostKind; 3] = [PostKind::Berita, PostKind::Pengumuman, PostKind::Agenda];

    pub fn label(self) -> Text {
        match self {
            Self::Berita => strings::KIND_BERITA,
            Self::Pengumuman => strings::KIND_PENGUMUMAN,
            Self::Agenda => strings::KIND_AGENDA,
            Self::Informasi => strings::KIND_INFORMASI,
        }
    }
}

/// A new post is news unless the operator says otherwise.
impl Default for PostKind {
    fn default() -> Self {
        Self::Berita
    }
}
