//! Words of the ticket desk: assignees, internal notes, history, the form's photo, the
//! list's filters.

use super::{Text, texts};

texts! {
    DESK_ASSIGNEE => "Petugas", "Assignee";
    DESK_ASSIGN => "Tugaskan", "Assign";
    DESK_ASSIGN_LABEL => "Tugaskan kepada", "Assign to";
    DESK_NOBODY => "belum ditugaskan", "unassigned";
    DESK_ASSIGNEE_INVALID => "Aspirasi hanya dapat ditugaskan kepada editor atau admin yang aktif.", "A message can only be assigned to an active editor or admin.";
    DESK_NOTES => "Catatan internal", "Internal notes";
    DESK_NOTES_HINT => "Hanya terlihat oleh petugas di admin: tidak pernah tampil di situs, tidak pernah dikirim ke warga atau ke fediverse.", "Seen only by staff in the admin: never shown on the site, never sent to the resident or to the fediverse.";
    DESK_NOTE_LABEL => "Catatan baru", "New note";
    DESK_ADD_NOTE => "Simpan catatan", "Save note";
    DESK_NOTE_EMPTY => "Catatan kosong.", "The note is empty.";
    DESK_NOTE_TOO_LONG => "Catatan terlalu panjang: paling banyak 2.000 karakter.", "The note is too long: at most 2,000 characters.";
    DESK_HISTORY => "Riwayat", "History";
    DESK_SYSTEM => "sistem", "system";
    DESK_EVENT_RECEIVED => "Pesan diterima", "Message received";
    DESK_EVENT_STATUS => "Status", "Status";
    DESK_EVENT_CLASS => "Jenis", "Class";
    DESK_EVENT_EXTENDED => "Tenggat jawaban diperpanjang", "Answer deadline extended";
    DESK_EVENT_NOT_EXTENDED => "Perpanjangan tenggat dibatalkan", "Deadline extension withdrawn";
    DESK_EVENT_ASSIGNEE => "Petugas", "Assignee";
    DESK_EVENT_ANSWER => "Jawaban dikirim", "Answer sent";
    DESK_EVENT_FINAL_ANSWER => "Jawaban akhir dikirim", "Final answer sent";
    DESK_EVENT_APPROVED => "Ditampilkan di bawah kabar", "Shown under the post";
    DESK_EVENT_UNAPPROVED => "Tidak lagi ditampilkan di bawah kabar", "No longer shown under the post";
    DESK_EVENT_EDITED => "Diubah oleh pengirimnya: tidak ditampilkan sampai disetujui lagi", "Edited by its author: hidden until approved again";
    DESK_EVENT_NOTE => "Catatan", "Note";
    DESK_PHOTO => "Foto dari warga", "Photo from the resident";
    DESK_PHOTO_HINT => "Pribadi: hanya terlihat di admin. Data lokasi (GPS) dan data kamera sudah dihapus.", "Private: seen only in the admin. Location (GPS) and camera data were removed.";
    DESK_PHOTO_OPEN => "Buka ukuran penuh", "Open full size";
    DESK_PHOTO_ALT => "Foto yang dilampirkan warga", "Photo attached by the resident";
    DESK_FORM_PHOTO => "Foto (tidak wajib)", "Photo (optional)";
    DESK_FORM_PHOTO_HINT => "JPEG, PNG atau WebP, paling besar 10 MB. Hanya untuk petugas {desa}, tidak ditampilkan di situs. Data lokasi (GPS) di foto dihapus.", "JPEG, PNG or WebP, at most 10 MB. Only for the {village} staff, never shown on the website. Location (GPS) data in the photo is removed.";
    DESK_PHOTO_REFUSED => "Foto tidak dapat diterima", "The photo cannot be accepted";
    DESK_PHOTO_AGAIN => "Pesan Anda belum terkirim dan isiannya masih ada di bawah: pilih foto lain atau kosongkan foto, lalu kirim lagi.", "Your message was not sent and what you wrote is still below: choose another photo or none, then send again.";
    DESK_FORM_UNREADABLE => "Formulir tidak terbaca. Coba kirim lagi.", "The form could not be read. Try sending it again.";
    DESK_FORM_TOO_LARGE => "Kiriman terlalu besar: foto paling besar 10 MB.", "The submission is too large: a photo may be at most 10 MB.";
    DESK_FILTER => "Saring", "Filter";
    DESK_FILTER_ALL => "Semua", "All";
    DESK_FILTER_MINE => "Tugas saya", "Assigned to me";
    DESK_FILTER_UNASSIGNED => "Belum ditugaskan", "Unassigned";
    DESK_FILTER_OPEN => "Semua yang terbuka", "All open";
    DESK_FILTER_OVERDUE => "Hanya yang lewat tenggat", "Overdue only";
    DESK_FILTER_RESET => "Hapus saringan", "Clear filters";
    DESK_FILTER_NONE => "Tidak ada aspirasi yang cocok dengan saringan ini.", "No messages match these filters.";
    DESK_FILTER_INVALID => "Saringan tidak dikenal.", "Unknown filter.";
    DESK_CLOCKS => "Tenggat di {desa} ini: tanggapan pertama {first} hari, jawaban {answer} hari; permintaan informasi {info} hari kerja, dapat diperpanjang {ext} hari kerja.", "Deadlines in this {village}: first response in {first} days, answer in {answer} days; information requests in {info} working days, extendable by {ext} working days.";
    DESK_OK_ASSIGNED => "Petugas disimpan.", "Assignee saved.";
    DESK_OK_NOTED => "Catatan disimpan.", "Note saved.";
}
