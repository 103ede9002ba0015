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
