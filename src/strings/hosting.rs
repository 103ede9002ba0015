//! Words of a hosting node (many sites in one process): the regency's hosting pages, and
//! what a village sees of the regency writing on its behalf.

use super::{Text, texts};

texts! {
    UNKNOWN_SITE => "Situs ini tidak dilayani server ini", "This server does not serve this site";
    STAFF_TITLE => "Hosting kabupaten", "Regency hosting";
    STAFF_LOGIN => "Masuk ke hosting kabupaten", "Sign in to regency hosting";
    STAFF_LOGIN_HINT => "Halaman ini hanya untuk admin hosting kabupaten (akun dibuat dengan kentongan admin add --hosting). Admin {desa} masuk di alamat {desa}nya sendiri.", "This page is for the regency's hosting administrators only (accounts are made with kentongan admin add --hosting). A {village}'s admin signs in at the {village}'s own address.";
    STAFF_LOGOUT => "Keluar", "Sign out";
    STAFF_SITES => "Semua situs", "Every site";
    STAFF_SITES_HINT => "Keadaan setiap situs di server ini. Situs yang tidur dibaca tanpa dibangunkan.", "The health of every site on this server. Sleeping sites are read without waking them.";
    STAFF_COL_HOST => "Alamat", "Host";
    STAFF_COL_NAME => "Nama", "Name";
    STAFF_COL_ROLE => "Peran", "Role";
    STAFF_COL_STATE => "Keadaan", "State";
    STAFF_COL_LAST_POST => "Kabar terakhir", "Last post";
    STAFF_COL_DELIVERIES => "Pengiriman tertunda / gagal (7 hari)", "Deliveries pending / failed (7 days)";
    STAFF_COL_TICKETS => "Aspirasi terbuka / terlambat", "Tickets open / overdue";
    STAFF_COL_DISK => "Ruang disk", "Disk use";
    STAFF_COL_ACTIONS => "Tindakan", "Actions";
    STAFF_NEVER_POSTED => "belum ada", "none yet";
    STAFF_STATE_OPEN => "aktif", "open";
    STAFF_STATE_CLOSED => "tidur (dibuka saat diminta)", "closed (opens when asked)";
    STAFF_STATE_LEAVING => "sedang dihapus", "being removed";
    STAFF_ROLE_VILLAGE => "{desa}", "{village}";
    STAFF_ROLE_PORTAL => "portal", "portal";
    STAFF_UNREADABLE => "tidak terbaca (lihat log)", "unreadable (see the log)";
    STAFF_MAY_WRITE => "mengizinkan kabupaten menulis", "lets the regency write";
    STAFF_NEW_SITE => "Tambah situs", "Add a site";
    STAFF_NEW_SITE_HINT => "Sama dengan kentongan site add: situs baru dengan domain, akun fediverse, admin dan basis datanya sendiri, dilayani dalam beberapa detik.", "The same as kentongan site add: a new site with its own domain, fediverse account, admin and database, served within seconds.";
    STAFF_SITE_DOMAIN => "Nama domain (misalnya jangkarasam.desa.id)", "Domain name (for example jangkarasam.desa.id)";
    STAFF_SITE_USERNAME => "Nama akun fediverse (misalnya jangkarasam)", "Fediverse account name (for example jangkarasam)";
    STAFF_SITE_NAME => "Nama tampilan (misalnya Desa Jangkarasam)", "Display name (for example Desa Jangkarasam)";
    STAFF_SITE_ROLE => "Peran situs", "The site's role";
    STAFF_SITE_ADMIN => "Nama akun admin pertama", "The first admin's account name";
    STAFF_CREATE_BUTTON => "Buat situs", "Create the site";
    STAFF_SITE_CREATED => "Situs dibuat. Berikan kata sandi ini kepada admin {desa}; kata sandi hanya ditampilkan sekali.", "The site is created. Give this password to the {village}'s admin; it is shown only once.";
    STAFF_SIGN_IN_AT => "Masuk di", "Sign in at";
    STAFF_RESET_PASSWORD => "Atur ulang kata sandi", "Reset a password";
    STAFF_RESET_HINT => "Kata sandi baru dibuat dan ditampilkan sekali; semua sesi akun itu berakhir.", "A new password is made and shown once; every session of that account ends.";
    STAFF_RESET_BUTTON => "Buat kata sandi baru", "Make a new password";
    STAFF_PASSWORD_RESET_DONE => "Kata sandi baru (hanya ditampilkan sekali). Sesi lama akun ini sudah berakhir.", "New password (shown only once). The account's earlier sessions have ended.";
    STAFF_ACCOUNT => "Akun", "Account";
    STAFF_WRITE => "Tulis atas nama {desa} ini", "Write for this {village}";
    STAFF_WRITE_NOT_ALLOWED => "Situs ini belum mengizinkan kabupaten menulis atas namanya (admin situs dapat mengizinkannya di Pengaturan).", "This site has not allowed the regency to write on its behalf (its admin can allow it in Settings).";
    STAFF_WRITE_NO_ADMIN => "Situs ini tidak punya akun admin aktif untuk ditulisi atas namanya.", "This site has no active admin account to write on behalf of.";
    STAFF_SITE_LEAVING => "Situs ini sedang dihapus.", "This site is being removed.";
    STAFF_SITE_DOMAIN_INVALID => "Nama domain tidak sah: tulis nama host saja, misalnya jangkarasam.desa.id (tanpa http:// atau garis miring).", "The domain name is not valid: write the host name only, for example jangkarasam.desa.id (no http:// or slash).";
    STAFF_SITE_TAKEN => "Server ini sudah punya situs dengan domain itu.", "This server already has a site with that domain.";
    STAFF_SITE_USERNAME_INVALID => "Nama akun fediverse tidak sah: 1 sampai 30 huruf a-z, angka, _ dan, di tengah, - atau titik.", "The fediverse account name is not valid: 1 to 30 letters a-z, digits, _ and, inside, - or a dot.";
    STAFF_SITE_NAME_INVALID => "Nama tampilan harus diisi, paling banyak 100 karakter.", "The display name is required, at most 100 characters.";
    STAFF_SITE_ROLE_INVALID => "Peran situs harus desa atau portal.", "The site's role must be village or portal.";
    STAFF_NOT_FOUND => "Situs atau akun itu tidak ada di server ini.", "There is no such site or account on this server.";
    STAFF_BACK => "Kembali ke daftar situs", "Back to the sites";
    STAFF_ON_BEHALF_BANNER => "Anda menulis atas nama {desa} ini sebagai kabupaten ({name}). Setiap kabar yang Anda terbitkan, ubah atau hapus dicatat dalam riwayat {desa}.", "You are writing on this {village}'s behalf as the regency ({name}). Every post you publish, edit or delete is recorded in the {village}'s history.";
    ON_BEHALF_SIGN_IN_INVALID => "Tautan masuk ini tidak berlaku lagi (sudah dipakai atau kedaluwarsa). Minta tautan baru dari halaman hosting kabupaten.", "This sign-in link is no longer valid (used or expired). Ask for a new one from the regency's hosting pages.";
    ON_BEHALF_NOT_THE_ACCOUNT => "Akun ini milik admin situs; kabupaten hanya menulis kabar atas namanya.", "This account is the site admin's; the regency only writes posts on its behalf.";
    ON_BEHALF_NO_SCHEDULE => "Kabar yang ditulis kabupaten atas nama situs ini diterbitkan langsung agar tercatat; penjadwalan tidak tersedia.", "Posts the regency writes on this site's behalf are published at once, so that they are recorded; scheduling is not available.";
    SETTINGS_HOSTING => "Hosting kabupaten", "Regency hosting";
    SETTINGS_HOSTING_MAY_WRITE => "Izinkan admin hosting kabupaten menulis dan menerbitkan kabar atas nama {desa} ini", "Let the regency's hosting administrators write and publish posts on this {village}'s behalf";
    SETTINGS_HOSTING_MAY_WRITE_HINT => "Mereka masuk ke editor {desa} ini dengan tautan sekali pakai; setiap kabar yang mereka terbitkan, ubah atau hapus dicatat di bawah Riwayat di Dasbor.", "They reach this {village}'s editor through a one-time link; every post they publish, edit or delete is listed under History on the Dashboard.";
    HISTORY_ON_BEHALF => "Ditulis kabupaten atas nama {desa}", "Written by the regency on the {village}'s behalf";
    HISTORY_ACTION_PUBLISHED => "diterbitkan", "published";
    HISTORY_ACTION_UPDATED => "diubah", "edited";
    HISTORY_ACTION_DELETED => "dihapus", "deleted";
    HISTORY_BY => "oleh kabupaten", "by the regency";
}
