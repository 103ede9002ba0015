//! Words of `kentongan site import-wordpress`: why an export file is refused, why an item
//! or image was skipped, and the report's lines. `{n}`, `{source}` and `{types}` are put
//! in by the caller.

use super::Text;

pub const WP_FILE_UNREADABLE: Text = Text {
    id: "berkas ekspor tidak dapat dibaca",
    en: "the export file cannot be read",
};
pub const WP_FILE_TOO_LARGE: Text = Text {
    id: "berkas ekspor lebih besar dari 256 MiB; ekspor per rentang tanggal di WordPress (Alat → Ekspor) lalu impor satu per satu",
    en: "the export file is larger than 256 MiB; export it in date ranges in WordPress (Tools → Export) and import each",
};
pub const WP_FILE_NOT_XML: Text = Text {
    id: "berkas ini bukan XML",
    en: "the file is not XML",
};
pub const WP_FILE_TRUNCATED: Text = Text {
    id: "berkas ekspor terpotong (tidak lengkap); ekspor ulang dari WordPress",
    en: "the export file is truncated; export it again from WordPress",
};
pub const WP_FILE_NOT_WXR: Text = Text {
    id: "berkas ini XML tetapi bukan ekspor WordPress (WXR)",
    en: "the file is XML but not a WordPress export (WXR)",
};
pub const WP_NOTHING_WRITTEN: Text = Text {
    id: "tidak ada yang ditulis",
    en: "nothing was written",
};

pub const WP_SKIP_DRAFT: Text = Text {
    id: "draf, belum pernah terbit",
    en: "a draft, never published",
};
pub const WP_SKIP_PENDING: Text = Text {
    id: "menunggu tinjauan, belum terbit",
    en: "pending review, not published",
};
pub const WP_SKIP_PRIVATE: Text = Text {
    id: "privat",
    en: "private",
};
pub const WP_SKIP_SCHEDULED: Text = Text {
    id: "terjadwal, belum terbit",
    en: "scheduled, not yet published",
};
pub const WP_SKIP_TRASH: Text = Text {
    id: "di tempat sampah",
    en: "in the trash",
};
pub const WP_SKIP_NOT_PUBLISHED: Text = Text {
    id: "tidak terbit",
    en: "not published",
};
pub const WP_SKIP_PASSWORD: Text = Text {
    id: "dilindungi kata sandi",
    en: "password-protected",
};
pub const WP_SKIP_EMPTY: Text = Text {
    id: "tanpa isi",
    en: "no content",
};

pub const WP_IMAGE_UNREADABLE: Text = Text {
    id: "gambar tidak dapat dibaca",
    en: "the image cannot be read",
};
pub const WP_IMAGE_UNREACHABLE: Text = Text {
    id: "gambar tidak dapat diambil dari situs lama (alamat lama tetap di tulisan)",
    en: "the image cannot be fetched from the old site (the post keeps its old address)",
};

pub const WP_REPORT_TITLE: Text = Text {
    id: "Impor WordPress dari {source}:",
    en: "WordPress import from {source}:",
};
pub const WP_REPORT_POSTS: Text = Text {
    id: "{n} tulisan diimpor (sebagai berita, tanggal terbit aslinya)",
    en: "{n} posts imported (as news, at their original dates)",
};
pub const WP_REPORT_PAGES: Text = Text {
    id: "{n} halaman diimpor",
    en: "{n} pages imported",
};
pub const WP_REPORT_IMAGES: Text = Text {
    id: "{n} gambar diimpor",
    en: "{n} images imported",
};
pub const WP_REPORT_CATEGORIES: Text = Text {
    id: "{n} kategori baru",
    en: "{n} new categories",
};
pub const WP_REPORT_REDIRECTS: Text = Text {
    id: "{n} alamat lama dialihkan (301) ke alamat barunya",
    en: "{n} old addresses redirected (301) to their new ones",
};
pub const WP_REPORT_ALREADY: Text = Text {
    id: "{n} tulisan/halaman sudah diimpor sebelumnya, dilewati",
    en: "{n} posts/pages imported before, skipped",
};
pub const WP_REPORT_SKIPPED: Text = Text {
    id: "{n} tulisan/halaman dilewati:",
    en: "{n} posts/pages skipped:",
};
pub const WP_REPORT_IMAGES_FAILED: Text = Text {
    id: "{n} gambar gagal, dilewati:",
    en: "{n} images failed, skipped:",
};
pub const WP_REPORT_OTHER: Text = Text {
    id: "{n} butir lain bukan tulisan atau halaman, tidak diimpor: {types}",
    en: "{n} other items are not posts or pages, not imported: {types}",
};
pub const WP_REPORT_NOT_SENT: Text = Text {
    id: "Tulisan lama tidak dikirim ke pengikut sebagai kabar baru.",
    en: "Old posts are not sent to followers as new.",
};
pub const WP_DISK_FULL: Text = Text {
    id: "disk server hampir penuh; kosongkan ruang lalu jalankan impor lagi",
    en: "the server's disk is nearly full; free some space and run the import again",
};
