//! Words of running a node: removing a site from a hosting node (`kentongan site
//! remove`) and what a site being removed answers. `{host}`, `{folder}` (the host as a
//! folder name), `{accounts}`, `{inboxes}`, `{time}`, `{schema}` and `{aside}` are put in
//! by the caller.

use super::Text;

/// What every URL of a site being removed answers (410), but its accounts'.
pub const SITE_LEAVING: Text = Text {
    id: "Situs ini sedang dihapus dari server ini",
    en: "This site is being removed from this server",
};

pub const REMOVE_CONFIRM: Text = Text {
    id: "Situs {host} akan dihapus: akun-akunnya dihapus di fediverse (setiap pengikut menerima Delete), \
         lalu situs berhenti dilayani dan foldernya dipindahkan ke sites/.removed/. \
         Ketik nama situs sekali lagi untuk melanjutkan",
    en: "{host} will be removed: its accounts are deleted on the fediverse (each follower gets a Delete), \
         then the site is no longer served and its folder is moved to sites/.removed/. \
         Type the site's name again to go on",
};

pub const REMOVE_NOT_CONFIRMED: Text = Text {
    id: "nama situs tidak cocok; tidak ada yang dihapus",
    en: "the site's name does not match; nothing was removed",
};

pub const REMOVE_FIRST_SITE: Text = Text {
    id: "{host} adalah situs pertama simpul ini (folder data itu sendiri) dan tidak dapat dihapus selama masih ada situs lain; hapus atau pindahkan situs lain lebih dulu",
    en: "{host} is this node's first site (the data directory itself) and cannot be removed while other sites remain; remove or move the others first",
};

pub const REMOVE_ALREADY: Text = Text {
    id: "{host} sudah dalam proses dihapus; Delete akun-akunnya sudah diantrekan.",
    en: "{host} is already being removed; the Deletes of its accounts are queued.",
};

pub const REMOVE_QUEUED: Text = Text {
    id: "Delete dari {accounts} akun {host} diantrekan ke {inboxes} kotak masuk pengikut.",
    en: "A Delete of each of the {accounts} accounts of {host} is queued to {inboxes} followers' inboxes.",
};

pub const REMOVE_SERVING: Text = Text {
    id: "Server yang berjalan mengirimkannya sekarang dan menjawab alamat situs ini dengan 410 Gone. \
         Setelah semuanya terkirim (atau ditinggalkan setelah batas waktu coba ulang, 96 jam secara bawaan), \
         situs berhenti dilayani dan foldernya dipindahkan ke sites/.removed/{folder}-WAKTU/.",
    en: "The running server sends them now and answers the site's addresses with 410 Gone. \
         Once all are delivered (or given up after the retry window, 96 hours by default), \
         the site is no longer served and its folder is moved to sites/.removed/{folder}-TIME/.",
};

pub const REMOVE_NOT_SERVING: Text = Text {
    id: "`kentongan serve` tidak sedang berjalan: Delete dikirim saat `kentongan serve` berikutnya. \
         Setelah semuanya terkirim (atau ditinggalkan setelah batas waktu coba ulang), \
         situs berhenti dilayani dan foldernya dipindahkan ke sites/.removed/{folder}-WAKTU/.",
    en: "`kentongan serve` is not running: the Deletes go out at the next `kentongan serve`. \
         Once all are delivered (or given up after the retry window), \
         the site is no longer served and its folder is moved to sites/.removed/{folder}-TIME/.",
};

pub const REMOVE_KEEPS_DATA: Text = Text {
    id: "Tidak ada data yang dibuang: hapus folder itu sendiri bila tidak diperlukan lagi.",
    en: "No data is thrown away: delete that folder yourself once it is no longer needed.",
};

pub const REMOVE_SCHEMA: Text = Text {
    id: "Skema PostgreSQL-nya, {schema}, diganti nama menjadi removed_WAKTU_{schema} (datanya tetap ada).",
    en: "Its PostgreSQL schema, {schema}, is renamed to removed_TIME_{schema} (its data is kept).",
};

pub const REMOVE_DATABASE_KEPT: Text = Text {
    id: "Database PostgreSQL-nya tidak disentuh; buang sendiri bila tidak diperlukan lagi.",
    en: "Its PostgreSQL database is left as it is; drop it yourself once it is no longer needed.",
};

/// The note left in a removed site's folder.
pub const REMOVED_NOTE: Text = Text {
    id: "Situs {host} dihapus dari simpul ini pada {time}, setelah Delete akun-akunnya terkirim ke para pengikut.",
    en: "The site {host} was removed from this node at {time}, after the Deletes of its accounts went to its followers.",
};

pub const MOVED_NOTE: Text = Text {
    id: "Situs {host} dilepas dari simpul ini pada {time} karena pindah ke server lain (site remove --moved); tidak ada Delete yang dikirim, akun-akunnya tetap hidup di sana.",
    en: "The site {host} was let go from this node at {time} because it moved to another server (site remove --moved); no Delete was sent, its accounts live on there.",
};

pub const MOVED_DONE: Text = Text {
    id: "Situs {host} dilepas tanpa mengirim Delete; datanya disimpan di {folder}. Pastikan domainnya sudah mengarah ke server barunya.",
    en: "The site {host} was let go without sending a Delete; its data is kept in {folder}. Make sure its domain already points at its new server.",
};

pub const REMOVED_NOTE_SCHEMA: Text = Text {
    id: "Datanya ada di skema PostgreSQL {aside} (dahulu {schema}).",
    en: "Its data is in the PostgreSQL schema {aside} (formerly {schema}).",
};
