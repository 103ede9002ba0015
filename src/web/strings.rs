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
    TIMELINE_TITLE => "Kabar dari desa-desa", "News from the villages";
    FEATURED => "Sorotan", "Featured";
    FILTER_POSTS => "Saring kabar", "Filter posts";
    FILTER => "Saring", "Filter";
    CLEAR_FILTERS => "Hapus saringan", "Clear filters";
    VILLAGE => "Desa", "Village";
    DISTRICT => "Kecamatan", "District";
    ALL_VILLAGES => "Semua desa", "All villages";
    ALL_DISTRICTS => "Semua kecamatan", "All districts";
    NO_DISTRICT => "Tanpa kecamatan", "No district";
    CATEGORY_OR_TAG => "Kategori atau tagar", "Category or hashtag";
    DATE_FROM => "Dari tanggal", "From date";
    DATE_TO => "Sampai tanggal", "To date";
    TIMES_IN_WIB => "Tanggal dan jam dalam WIB (UTC+7).", "Dates and times in WIB (UTC+7).";
    FROM_FEED => "dari feed situs desa", "from the village website's feed";
    NO_MATCHING_POSTS => "Tidak ada kabar yang cocok dengan saringan ini.", "No posts match these filters.";
    UNTITLED => "Tanpa judul", "Untitled";
    PAGES => "Halaman kabar", "Pages of posts";
    MON_TITLE => "Pemantauan situs desa", "Village site monitoring";
    MON_INTRO => "Keaktifan tiap desa menurut tanggal terbit kabarnya, bukan tanggal diterima portal.", "How active each village is, by the publication date of its posts, not when the portal received them.";
    MON_RULE_ACTIVE => "Aktif: paling sedikit {posts} kabar dalam {days} hari terakhir.", "Active: at least {posts} posts in the last {days} days.";
    MON_RULE_LESS_ACTIVE => "Kurang aktif: paling sedikit satu kabar dalam {days} hari terakhir.", "Less active: at least one post in the last {days} days.";
    MON_RULE_INACTIVE => "Tidak aktif: selain itu, termasuk desa yang belum pernah berkabar.", "Inactive: otherwise, including villages that never posted.";
    MON_VILLAGE => "Desa", "Village";
    MON_DISTRICT => "Kecamatan", "District";
    MON_STATUS => "Status", "Status";
    MON_LAST_POST => "Kabar terakhir", "Last post";
    MON_POSTS_IN_DAYS => "Kabar {days} hari", "Posts, {days} days";
    MON_FOLLOW_STATE => "Status ikuti", "Follow state";
    MON_LAST_CONTACT => "Kontak terakhir", "Last contact";
    MON_ERRORS => "Galat terbaru", "Recent errors";
    MON_WEEKLY => "Kabar per minggu (12 minggu)", "Posts per week (12 weeks)";
    MON_FOLLOW_PENDING => "menunggu", "pending";
    MON_FOLLOW_ACCEPTED => "diikuti", "following";
    MON_FOLLOW_REJECTED => "ditolak", "rejected";
    MON_FOLLOW_UNREACHABLE => "tak terjangkau", "unreachable";
    MON_FOLLOW_FEED => "feed RSS/Atom", "RSS/Atom feed";
    MON_NEVER => "belum pernah", "never";
    MON_NO_ERRORS => "tidak ada", "none";
    MON_ERROR_COUNT => "galat", "errors";
    MON_NO_VILLAGES => "Belum ada desa terdaftar.", "No villages registered yet.";
    MON_DOWNLOADS => "Unduh data", "Download the data";
    MON_CHART => "Grafik kabar per minggu", "Chart of posts per week";
    MON_DATES_IN_WIB => "Tanggal dalam WIB (UTC+7).", "Dates in WIB (UTC+7).";
}
