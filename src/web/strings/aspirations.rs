//! Words of aspirations: residents' messages as tickets.

use super::{Text, texts};

texts! {
    ASP_TITLE => "Aspirasi warga", "Residents' messages";
    ASP_INTRO => "Balasan, sebutan dan pesan langsung warga dari fediverse. Setiap pesan mendapat nomor registrasi dan tenggat: tanggapan pertama 3 hari, jawaban 5 hari; permintaan informasi 10 hari kerja.", "Replies, mentions and direct messages from residents on the fediverse. Each gets a registration number and deadlines: first response in 3 days, answer in 5; information requests in 10 working days.";
    ASP_NONE => "Belum ada aspirasi warga.", "No messages from residents yet.";
    ASP_OVERDUE_COUNT => "Aspirasi yang melewati tenggat jawaban", "Messages past their answer deadline";
    ASP_OVERDUE => "Lewat tenggat jawaban", "Answer overdue";
    ASP_RESPONSE_OVERDUE => "Lewat tenggat tanggapan pertama", "First response overdue";
    ASP_FIRST_RESPONSE_BY => "Tanggapan pertama paling lambat", "First response by";
    ASP_ANSWER_BY => "Jawaban paling lambat", "Answer by";
    ASP_COL_NUMBER => "Nomor", "Number";
    ASP_COL_FROM => "Dari", "From";
    ASP_COL_MESSAGE => "Pesan", "Message";
    ASP_COL_STATUS => "Status", "Status";
    ASP_COL_DUE => "Tenggat", "Deadlines";
    ASP_PRIVATE => "pribadi, tidak ditampilkan di situs", "private, never shown on the site";
    ASP_ON_POST => "Membalas kabar", "Replying to";
    ASP_ORIGINAL => "Pesan asli", "Original message";
    ASP_WITHDRAWN => "(ditarik oleh pengirimnya)", "(withdrawn by its author)";
    ASP_ANSWER_EMPTY => "Jawaban masih kosong.", "The answer is empty.";
    ASP_ANSWER_TOO_LONG => "Jawaban terlalu panjang: paling banyak 5.000 karakter.", "The answer is too long: at most 5,000 characters.";
    ASP_NO_FEDIVERSE_AUTHOR => "Pesan ini tidak datang dari akun fediverse, jadi tidak bisa dijawab di sana.", "This message did not come from a fediverse account, so it cannot be answered there.";
    ASP_OK_ANSWERED => "Jawaban dikirim ke warga di fediverse.", "The answer was sent to the resident on the fediverse.";
    ASP_TICKET => "Aspirasi", "Message";
    ASP_RECEIVED => "Diterima", "Received";
    ASP_CLASS => "Jenis", "Class";
    ASP_ANSWERS => "Jawaban yang sudah dikirim", "Answers sent";
    ASP_ANSWER_FINAL => "jawaban akhir", "final answer";
    ASP_ANSWER_FIRST => "tanggapan", "response";
    ASP_WRITE_ANSWER => "Tulis jawaban", "Write an answer";
    ASP_ANSWER_LABEL => "Jawaban (Markdown)", "Answer (Markdown)";
    ASP_ANSWER_HINT_PUBLIC => "Jawaban tampil di utas warga di Mastodon dan terlihat oleh publik serta pengikut {desa}.", "The answer appears in the resident's Mastodon thread, visible to everyone and to the {village}'s followers.";
    ASP_ANSWER_HINT_PRIVATE => "Pesan ini pribadi: jawaban dikirim hanya kepada warga ini sebagai pesan langsung.", "This message is private: the answer goes to this resident alone, as a direct message.";
    ASP_FINAL_LABEL => "Ini jawaban akhir: tandai aspirasi selesai", "This is the final answer: mark the message done";
    ASP_SEND => "Kirim jawaban", "Send the answer";
    ASP_BACK_TO_LIST => "Kembali ke daftar aspirasi", "Back to the list of messages";
    ASP_STATUS_NEW => "Baru", "New";
    ASP_STATUS_VERIFIED => "Diverifikasi", "Verified";
    ASP_STATUS_IN_PROGRESS => "Diproses", "In progress";
    ASP_STATUS_DONE => "Selesai", "Done";
    ASP_STATUS_REJECTED => "Ditolak", "Rejected";
    ASP_STATUS_NOT_OURS => "Bukan wewenang {desa}", "Not the {village}'s responsibility";
    ASP_CHANNEL_REPLY => "balasan", "reply";
    ASP_CHANNEL_MENTION => "sebutan", "mention";
    ASP_CHANNEL_DIRECT => "pesan langsung", "direct message";
    ASP_CHANNEL_WEB => "formulir situs", "website form";
    ASP_CLASS_ASPIRATION => "Aspirasi", "Aspiration";
    ASP_CLASS_COMPLAINT => "Pengaduan", "Complaint";
    ASP_CLASS_INFORMATION => "Permintaan informasi", "Information request";
}
