//! Words of looking after a node: `kentongan backup`, `kentongan restore` and
//! `kentongan doctor`. `{file}`, `{dir}`, `{sites}`, `{bytes}`, `{host}`, `{rows}`,
//! `{files}` and `{reason}` are put in by the caller.

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

pub const RESTORE_DONE: Text = Text {
    id: "Simpul dipulihkan di {dir} ({sites} situs). Jalankan `kentongan serve --dir {dir}`; periksa dulu dengan `kentongan doctor --dir {dir}`.",
    en: "Node restored in {dir} ({sites} sites). Run `kentongan serve --dir {dir}`; check it first with `kentongan doctor --dir {dir}`.",
};
