//! The kinds of post a village site knows, and their names in both languages.

use crate::strings::{self, Text};
use serde::{Deserialize, Serialize};

/// The three kinds of post a village site knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    /// News: an article.
    #[default]
    Berita,
    /// An announcement: may be pinned, until an end date.
    Pengumuman,
    /// An event: date, time, place and organiser.
    Agenda,
    /// A public-information document announced (written by `documents`, never chosen
    /// in the editor, so it is not in `ALL`).
    Informasi,
}

impl PostKind {
    pub const ALL: [PostKind; 3] = [PostKind::Berita, PostKind::Pengumuman, PostKind::Agenda];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Berita => "berita",
            Self::Pengumuman => "pengumuman",
            Self::Agenda => "agenda",
            Self::Informasi => "informasi",
        }
    }

    /// Unknown values (an older row, a hand-edited form) read as `berita`.
    pub fn parse(value: &str) -> Self {
        match value {
            "pengumuman" => Self::Pengumuman,
            "agenda" => Self::Agenda,
            "informasi" => Self::Informasi,
            _ => Self::Berita,
        }
    }

    pub fn label(self) -> Text {
        match self {
            Self::Berita => strings::KIND_BERITA,
            Self::Pengumuman => strings::KIND_PENGUMUMAN,
            Self::Agenda => strings::KIND_AGENDA,
            Self::Informasi => strings::KIND_INFORMASI,
        }
    }
}
