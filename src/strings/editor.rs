//! Words of the writing aids added over the editor form by its script (toolbar, photos,
//! saving as one types, paste), of the link card in the preview, and of the templates
//! for weekly posts.

use super::{Text, texts};

texts! {
    EDITOR_TOOLBAR => "Alat format", "Formatting tools";
    EDITOR_BOLD => "Tebal", "Bold";
    EDITOR_ITALIC => "Miring", "Italic";
    EDITOR_HEADING => "Judul bagian", "Heading";
    EDITOR_LIST => "Daftar", "List";
    EDITOR_LINK => "Tautan", "Link";
    EDITOR_QUOTE => "Kutipan", "Quote";
    EDITOR_PHOTO => "Foto", "Photo";
    EDITOR_LINK_TEXT => "teks tautan", "link text";
    EDITOR_BODY_LABEL => "Isi kabar", "Body";
    EDITOR_BODY_HINT => "Teks yang ditempel dari WhatsApp (*tebal*, _miring_, ~coret~, daftar) tetap rapi. Tombol di bawah ini menebalkan, memiringkan, atau membuat judul, daftar, tautan dan kutipan.", "Text pasted from WhatsApp (*bold*, _italic_, ~strike~, lists) keeps its formatting. The buttons below make bold, italic, headings, lists, links and quotes.";
    EDITOR_PHOTOS_DROP => "Pilih, tempel atau seret foto ke sini (boleh beberapa sekaligus). Foto diperkecil di ponsel sebelum dikirim.", "Choose, paste or drop photos here (several at once). Photos are made smaller on the phone before they are sent.";
    EDITOR_PHOTO_CHOOSE => "Pilih foto", "Choose photos";
    EDITOR_PHOTO_SHRINKING => "Memperkecil foto…", "Making the photo smaller…";
    EDITOR_PHOTO_UPLOADING => "Mengirim foto…", "Sending the photo…";
    EDITOR_PHOTO_RETRYING => "Gagal mengirim; dicoba lagi sebentar lagi…", "Sending failed; trying again shortly…";
    EDITOR_PHOTO_WAITING => "Tidak ada sambungan; foto dikirim begitu tersambung.", "No connection; the photo is sent as soon as there is one.";
    EDITOR_PHOTO_DONE => "Foto terkirim.", "Photo sent.";
    EDITOR_PHOTO_FAILED => "Foto tidak dapat dikirim.", "The photo could not be sent.";
    EDITOR_PHOTO_KEPT => "Foto yang belum terkirim juga aman di perangkat ini dan dikirim lagi otomatis setelah Anda masuk lagi.", "Photos not sent yet are safe on this device too, and are sent again by themselves once you sign in again.";
    EDITOR_PHOTO_KEPT_SHORT => "Menunggu Anda masuk lagi; foto aman di perangkat ini.", "Waiting for you to sign in again; the photo is safe on this device.";
    EDITOR_PHOTO_KEPT_OFFLINE => "Belum terkirim; foto aman di perangkat ini dan dikirim lagi saat halaman ini dibuka lagi.", "Not sent yet; the photo is safe on this device and is sent again when this page is opened again.";
    EDITOR_PHOTO_RESTORED => "Foto yang belum terkirim dipulihkan dari perangkat ini dan sedang dikirim.", "Photos that had not been sent were brought back from this device and are being sent.";
    EDITOR_PHOTO_TOO_MANY => "Paling banyak 8 gambar per kabar.", "At most 8 images per post.";
    EDITOR_SAVED_LOCAL => "Tersimpan di perangkat ini", "Saved on this device";
    EDITOR_SAVED_SERVER => "Tersimpan sebagai draf", "Saved as a draft";
    EDITOR_SAVING => "Menyimpan…", "Saving…";
    EDITOR_OFFLINE => "Tidak ada sambungan. Tulisan Anda aman di perangkat ini; terbitkan lagi setelah tersambung.", "No connection. Your writing is safe on this device; publish again once connected.";
    EDITOR_SESSION_EXPIRED => "Sesi Anda berakhir. Tulisan Anda aman di perangkat ini: masuk lagi untuk melanjutkan.", "Your session ended. Your writing is safe on this device: sign in again to carry on.";
    EDITOR_SIGN_IN_AGAIN => "Masuk lagi", "Sign in again";
    EDITOR_RESTORED => "Tulisan yang belum terkirim dipulihkan dari perangkat ini.", "Writing that had not been sent was brought back from this device.";
    EDITOR_DISCARD_RESTORED => "Buang dan pakai versi server", "Discard it and use the server's version";
    EDITOR_LIVE_PREVIEW => "Tampilan untuk pembaca", "As readers will see it";
    EDITOR_CARD => "Saat dibagikan di WhatsApp atau Mastodon", "When shared on WhatsApp or Mastodon";
    EDITOR_CARD_NO_IMAGE => "Tanpa gambar", "No image";
    EDITOR_AUTOSAVE_NOT_DRAFT => "Hanya draf yang disimpan otomatis; kabar ini sudah dikirim atau dijadwalkan.", "Only drafts are saved automatically; this one was submitted or scheduled.";
    EDITOR_UPLOAD_MISSING => "Tidak ada foto yang dikirim.", "No photo was sent.";
    EDITOR_START_FROM_TEMPLATE => "Mulai dari templat", "Start from a template";
    EDITOR_START_FROM_TEMPLATE_HINT => "Isian yang sudah disiapkan untuk kabar yang sering ditulis; semuanya bisa diubah.", "Ready starts for posts written often; everything can be changed.";
    TEMPLATES_TITLE => "Templat kabar", "Post templates";
    TEMPLATES_HINT => "Awal tulisan yang siap dipakai di editor (\"Mulai dari templat\").", "Ready starts offered in the editor (\"Start from a template\").";
    TEMPLATES_NONE => "Belum ada templat.", "No templates yet.";
    TEMPLATES_NEW => "Templat baru", "New template";
    TEMPLATES_EDIT => "Ubah templat", "Edit the template";
    TEMPLATES_FIELD_NAME => "Nama templat", "Template name";
    TEMPLATES_FIELD_POSITION => "Urutan", "Order";
    TEMPLATES_FIELD_CATEGORIES => "Kategori (pisahkan dengan koma)", "Categories (separated by commas)";
    TEMPLATES_SAVE => "Simpan templat", "Save the template";
    TEMPLATES_DELETE => "Hapus templat", "Delete the template";
    TEMPLATES_USE => "Pakai", "Use";
    TEMPLATES_OK_SAVED => "Templat disimpan.", "Template saved.";
    TEMPLATES_OK_DELETED => "Templat dihapus.", "Template deleted.";
    TEMPLATE_NAME_INVALID => "Nama templat wajib diisi, paling panjang 80 karakter.", "A template needs a name of at most 80 characters.";
    TEMPLATE_GONE => "Templat ini sudah dihapus.", "This template was deleted.";
    PERM_MANAGE_TEMPLATES => "Templat kabar untuk editor", "Post templates for the editor";
}
