//! Words of looking after a node: `kentongan backup`, `kentongan restore` and
//! `kentongan doctor`. `{file}`, `{dir}`, `{sites}`, `{bytes}`, `{host}`, `{rows}`,
//! `{files}`, `{count}` and `{reason}` are put in by the caller.

use super::Text;

pub const BACKUP_WRITTEN: Text = Text {
    id: "Cadangan ditulis: {file} ({sites} situs, {bytes} byte). Berkas ini memuat kunci privat dan hash kata sandi setiap situs: simpan sebaik server itu sendiri.",
    en: "Backup written: {file} ({sites} sites, {bytes} bytes). It holds every site's private keys and password hashes: keep it as safe as the server itself.",
};

pub const BACKUP_SITE: Text = Text {
    id: "  {host}: {rows} baris, {files} berkas",
    en: "{rows} rows, {files} files",
};

pub const BACKUP_LEFT_OUT: Text = Text {
    id: "  {host} tidak dicadangkan: {reason}",
    en: "not backed up",
};

pub const BACKUP_HOSTING_STAFF: Text = Text {
    id: "  {count} admin hosting kabupaten (akun dan hash kata sandinya)",
    en: "{count} regency hosting administrators (their accounts and password hashes)",
};

pub const RESTORE_HOSTING_STAFF: Text = Text {
    id: "{count} admin hosting kabupaten dipulihkan: mereka masuk dengan kata sandi yang sama.",
    en: "{count} regency hosting administrators restored: they sign in with the same passwords.",
};

pub const RESTORE_DONE: Text = Text {
    id: "Simpul dipulihkan di {dir} ({sites} situs). Jalankan `kentongan serve --dir {dir}`; periksa dulu dengan `kentongan doctor --dir {dir}`.",
    en: "Node restored in {dir} ({sites} sites). Run `kentongan serve --dir {dir}`; check it first with `kentongan doctor --dir {dir}`.",
};

// `kentongan doctor`: a check's name, what it found and how to fix it. The status words
// start each line.

pub const DOCTOR_OK: Text = Text { id: "ok", en: "ok" };
pub const DOCTOR_WARNING: Text = Text {
    id: "peringatan",
    en: "warning",
};
pub const DOCTOR_FAILED: Text = Text {
    id: "gagal",
    en: "failed",
};
pub const DOCTOR_SKIPPED: Text = Text {
    id: "lewati",
    en: "skipped",
};
pub const DOCTOR_NODE: Text = Text {
    id: "simpul",
    en: "node",
};
pub const DOCTOR_FIX: Text = Text {
    id: "perbaikan",
    en: "fix",
};
pub const DOCTOR_SUMMARY_FAILED: Text = Text {
    id: "{failed} pemeriksaan gagal",
    en: "{failed} checks failed",
};

pub const CHECK_CONFIG: Text = Text {
    id: "konfigurasi",
    en: "config",
};
pub const CONFIG_VALID: Text = Text {
    id: "{file} terbaca dan sah",
    en: "{file} parses and is valid",
};
pub const CONFIG_INVALID: Text = Text {
    id: "{file} tidak sah: {error}",
    en: "{file} is not valid: {error}",
};
pub const CONFIG_INVALID_FIX: Text = Text {
    id: "perbaiki berkas itu (setiap pengaturan dijelaskan di berkas yang ditulis `kentongan init`); pemeriksaan lain situs ini menunggu",
    en: "fix the file (every setting is described in the file `kentongan init` writes); the site's other checks wait for it",
};

pub const CHECK_DATABASE: Text = Text {
    id: "basis data",
    en: "database",
};
pub const DATABASE_CURRENT: Text = Text {
    id: "terjangkau, migrasi terkini (versi {version})",
    en: "reachable, migrations current (version {version})",
};
pub const DATABASE_UNREACHABLE: Text = Text {
    id: "tidak terjangkau: {error}",
    en: "unreachable: {error}",
};
pub const DATABASE_UNREACHABLE_FIX: Text = Text {
    id: "pastikan PostgreSQL berjalan dan database_url benar (host, pengguna, kata sandi, nama basis data); untuk SQLite, pulihkan berkasnya dari cadangan (`kentongan restore`)",
    en: "make sure PostgreSQL runs and database_url is right (host, user, password, database name); for SQLite, bring the file back from a backup (`kentongan restore`)",
};
pub const DATABASE_PENDING: Text = Text {
    id: "terjangkau; {count} migrasi belum dijalankan: {versions}",
    en: "reachable; {count} migrations pending: {versions}",
};
pub const DATABASE_PENDING_FIX: Text = Text {
    id: "cadangkan dulu (`kentongan backup`), lalu mulai ulang `kentongan serve`, yang menjalankan migrasi saat mulai",
    en: "back up first (`kentongan backup`), then restart `kentongan serve`, which runs the migrations as it starts",
};
pub const DATABASE_NEWER: Text = Text {
    id: "basis data ini ditulis Kentongan yang lebih baru (migrasi yang tidak dikenal: {versions})",
    en: "the database was written by a newer Kentongan (migrations unknown here: {versions})",
};
pub const DATABASE_NEWER_FIX: Text = Text {
    id: "pasang lagi versi Kentongan yang lebih baru itu; versi lama tidak boleh melayani basis data ini",
    en: "install that newer Kentongan again; an older one must not serve this database",
};

pub const CHECK_PRIVACY: Text = Text {
    id: "izin baca",
    en: "read permissions",
};
pub const PRIVACY_OK: Text = Text {
    id: "hanya pemilik yang dapat membaca folder data",
    en: "only the owner can read the data directory",
};
pub const PRIVACY_OPEN: Text = Text {
    id: "dapat dibaca orang lain: {paths}",
    en: "others can read: {paths}",
};
pub const PRIVACY_FIX: Text = Text {
    id: "chmod -R go-rwx {dir}",
    en: "chmod -R go-rwx {dir}",
};

pub const CHECK_WRITABLE: Text = Text {
    id: "izin tulis",
    en: "write permissions",
};
pub const WRITABLE_OK: Text = Text {
    id: "folder data, media, dokumen dan private dapat ditulis",
    en: "the data, media, documents and private folders are writable",
};
pub const WRITABLE_NOT: Text = Text {
    id: "tidak dapat ditulis: {paths}",
    en: "not writable: {paths}",
};
pub const WRITABLE_FIX: Text = Text {
    id: "chown -R PENGGUNA {dir}, dengan PENGGUNA yang menjalankan `kentongan serve` (jalankan doctor sebagai pengguna itu)",
    en: "chown -R USER {dir}, USER being who runs `kentongan serve` (run doctor as that user)",
};

pub const CHECK_DISK: Text = Text {
    id: "ruang disk",
    en: "free disk",
};
pub const DISK_OK: Text = Text {
    id: "{free} MiB bebas dari {total} MiB",
    en: "{free} MiB free of {total} MiB",
};
pub const DISK_LOW: Text = Text {
    id: "hanya {free} MiB bebas (peringatan di bawah {threshold} MiB)",
    en: "only {free} MiB free (warning under {threshold} MiB)",
};
pub const DISK_FULL: Text = Text {
    id: "hampir penuh: {free} MiB bebas; simpul menolak kiriman dan unggahan di bawah {minimum} MiB",
    en: "nearly full: {free} MiB free; the node refuses what others send and uploads under {minimum} MiB",
};
pub const DISK_FIX: Text = Text {
    id: "kosongkan ruang (cadangan lama, log: journalctl --vacuum-size=200M) atau perbesar disk",
    en: "free some space (old backups, logs: journalctl --vacuum-size=200M) or grow the disk",
};
pub const DISK_UNREADABLE: Text = Text {
    id: "tidak dapat dibaca: {error}",
    en: "cannot be read: {error}",
};

pub const CHECK_CLOCK: Text = Text {
    id: "jam",
    en: "clock",
};
pub const CLOCK_OK: Text = Text {
    id: "selisih {skew} detik dengan {url}",
    en: "{skew} s off {url}",
};
pub const CLOCK_OFF: Text = Text {
    id: "selisih {skew} detik dengan {url}; server lain menolak tanda tangan yang waktunya meleset lebih dari satu jam, dan tenggat tiket ikut meleset",
    en: "{skew} s off {url}; other servers refuse signatures more than an hour off, and tickets' deadlines drift with it",
};
pub const CLOCK_FIX: Text = Text {
    id: "nyalakan sinkronisasi waktu: timedatectl set-ntp true (systemd-timesyncd atau chrony)",
    en: "turn on time synchronisation: timedatectl set-ntp true (systemd-timesyncd or chrony)",
};
pub const CLOCK_NOT_ASKED: Text = Text {
    id: "tidak diperiksa: beri --time-from https://SERVER-LAIN untuk membandingkan jam",
    en: "not checked: give --time-from https://ANOTHER-SERVER to compare clocks",
};
pub const CLOCK_NO_ANSWER: Text = Text {
    id: "jam {url} tidak terbaca: {error}",
    en: "cannot read the clock of {url}: {error}",
};
pub const CLOCK_NO_ANSWER_FIX: Text = Text {
    id: "periksa jaringan, atau pilih server lain dengan --time-from",
    en: "check the network, or choose another server with --time-from",
};

pub const CHECK_PROXY: Text = Text {
    id: "webfinger lewat proxy",
    en: "webfinger through the proxy",
};
pub const PROXY_OK: Text = Text {
    id: "{url} menjawab dengan akun simpul ini (id dan kunci yang sama)",
    en: "{url} answers with this node's account (the same id and key)",
};
pub const PROXY_LOCAL: Text = Text {
    id: "mode lokal (insecure_local): tidak ada proxy HTTPS untuk diperiksa",
    en: "local mode (insecure_local): no HTTPS proxy to check",
};
pub const PROXY_UNREACHABLE: Text = Text {
    id: "{url} tidak terjangkau: {error}",
    en: "{url} cannot be reached: {error}",
};
pub const PROXY_UNREACHABLE_FIX: Text = Text {
    id: "pastikan nama domain menunjuk ke server ini (DNS A/AAAA), proxy (nginx atau Caddy) berjalan di port 443 dan meneruskan ke alamat listen, dan sertifikatnya sah untuk nama itu (certbot atau TLS on-demand Caddy)",
    en: "make sure the domain points at this server (DNS A/AAAA), the proxy (nginx or Caddy) runs on port 443 and passes to the listen address, and its certificate is valid for the name (certbot or Caddy's on-demand TLS)",
};
pub const PROXY_STATUS: Text = Text {
    id: "{url} menjawab {status}",
    en: "{url} answers {status}",
};
pub const PROXY_STATUS_FIX: Text = Text {
    id: "proxy harus meneruskan Host apa adanya (nginx: proxy_set_header Host $host; Caddy melakukannya sendiri) ke alamat listen simpul ini; 421 berarti simpul tidak mengenal Host yang sampai",
    en: "the proxy must pass the Host as it came (nginx: proxy_set_header Host $host; Caddy does by itself) to this node's listen address; 421 means the node does not know the Host that reached it",
};
pub const PROXY_OTHER_NODE: Text = Text {
    id: "{url} dijawab server lain: {difference}",
    en: "{url} is answered by another server: {difference}",
};
pub const PROXY_OTHER_NODE_FIX: Text = Text {
    id: "arahkan DNS nama ini ke server ini dan proxy ke alamat listen simpul ini, bukan ke salinan lama atau server lain",
    en: "point the name's DNS at this server and the proxy at this node's listen address, not at an old copy or another server",
};
pub const PROXY_WAITS: Text = Text {
    id: "tidak diperiksa: basis data situs ini belum siap (lihat baris basis data)",
    en: "not checked: this site's database is not ready (see the database line)",
};
