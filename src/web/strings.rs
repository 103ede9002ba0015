//! Every word a person reads, in Bahasa Indonesia first and English second. Templates
//! and messages take their text from here, never inline.

/// A person-facing string in both languages.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Text {
    pub id: &'static str,
    pub en: &'static str,
}

macro_rules! texts {
    ($($key:ident => $id:literal, $en:literal;)*) => {
        $(pub const $key: Text = Text { id: $id, en: $en };)*
        /// All strings by key, for templates.
        pub fn all() -> std::collections::BTreeMap<&'static str, Text> {
            [$((stringify!($key), $key)),*].into_iter().collect()
        }
    };
}

texts! {
    LATEST_POSTS => "Kabar terbaru", "Latest posts";
    NO_POSTS => "Belum ada kabar.", "No posts yet.";
    FOLLOW_HINT => "Ikuti dari Mastodon atau server fediverse lain:", "Follow from Mastodon or another fediverse server:";
    FOLLOWERS => "pengikut", "followers";
    PUBLISHED => "Diterbitkan", "Published";
    UPDATED => "Diperbarui", "Updated";
    CATEGORIES => "Kategori", "Categories";
    POST_DELETED => "Kabar ini sudah dihapus.", "This post was deleted.";
    NOT_FOUND => "Halaman tidak ditemukan.", "Page not found.";
    BACK_HOME => "Kembali ke beranda", "Back to the home page";
    OLDER_POSTS => "Kabar sebelumnya", "Older posts";
    POSTS_TAGGED => "Kabar dengan tagar", "Posts tagged";
    POWERED_BY => "Dibuat dengan Kentongan", "Made with Kentongan";
    NO_ACTOR => "Simpul ini belum punya akun. Jalankan kentongan init.", "This node has no account yet. Run kentongan init.";
}
