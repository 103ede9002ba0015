//! Words of moderation: approving residents' replies as comments, blocking accounts and
//! servers.

use super::{Text, texts};

texts! {
    MOD_KIND_ACCOUNT => "akun", "account";
    MOD_KIND_SERVER => "server", "server";
    MOD_CANNOT_APPROVE_PRIVATE => "Pesan pribadi tidak pernah ditampilkan di situs.", "A private message is never shown on the site.";
    MOD_CANNOT_APPROVE_NOT_REPLY => "Hanya balasan publik atas kabar di situs ini yang dapat ditampilkan sebagai komentar.", "Only a public reply to a post of this site can be shown as a comment.";
    MOD_CANNOT_APPROVE_WITHDRAWN => "Pesan ini sudah ditarik oleh pengirimnya.", "Its author withdrew this message.";
    MOD_REASON_TOO_LONG => "Alasan paling panjang 500 karakter.", "The reason is at most 500 characters.";
    MOD_BAD_SERVER => "Tulis nama server, misalnya mastodon.example.", "Write a server's name, such as mastodon.example.";
    MOD_BAD_ACCOUNT => "Tulis alamat akun, misalnya https://mastodon.example/users/nama.", "Write an account's address, such as https://mastodon.example/users/name.";
    MOD_CANNOT_BLOCK_OURSELVES => "Server situs ini sendiri tidak dapat diblokir.", "This site's own server cannot be blocked.";
    MOD_NO_ACCOUNT_TO_BLOCK => "Pesan ini tidak datang dari akun fediverse.", "This message did not come from a fediverse account.";
    MOD_REASON_FROM_TICKET => "Dari aspirasi", "From message";
    MOD_UNKNOWN_KIND => "Pilih akun atau server.", "Choose an account or a server.";
    MOD_SECTION => "Tampil di situs dan blokir", "Shown on the site, and blocking";
    MOD_APPROVED_BY => "Tampil sebagai komentar di bawah kabar sejak", "Shown as a comment under the post since";
    MOD_NOT_APPROVED => "Belum tampil di situs. Balasan warga baru tampil setelah disetujui.", "Not shown on the site. A resident's reply is shown only once approved.";
    MOD_NEVER_PUBLIC => "Pesan ini tidak dapat ditampilkan di situs: hanya balasan publik atas kabar {desa} yang dapat ditampilkan.", "This message cannot be shown on the site: only public replies to a {village} post can.";
    MOD_APPROVE => "Tampilkan sebagai komentar", "Show as a comment";
    MOD_UNAPPROVE => "Sembunyikan dari situs", "Hide from the site";
    MOD_BLOCK_ACCOUNT => "Blokir akun ini", "Block this account";
    MOD_BLOCK_SERVER => "Blokir server ini", "Block this server";
    MOD_ACCOUNT_BLOCKED => "Akun ini diblokir.", "This account is blocked.";
    MOD_SERVER_BLOCKED => "Server ini diblokir.", "This server is blocked.";
    MOD_BLOCK_HINT => "Pesan baru dari yang diblokir tidak membuka aspirasi dan komentarnya hilang dari situs; aspirasi yang sudah ada tetap tercatat.", "New messages from what is blocked open no ticket and its comments disappear from the site; existing tickets are kept.";
    MOD_BLOCKS_TITLE => "Akun dan server yang diblokir", "Blocked accounts and servers";
    MOD_BLOCKS_LINK => "Blokir akun dan server", "Blocked accounts and servers";
    MOD_BLOCKS_NONE => "Belum ada yang diblokir.", "Nothing is blocked.";
    MOD_COL_WHAT => "Yang diblokir", "Blocked";
    MOD_COL_KIND => "Jenis", "Kind";
    MOD_COL_REASON => "Alasan", "Reason";
    MOD_COL_SINCE => "Sejak", "Since";
    MOD_UNBLOCK => "Buka blokir", "Unblock";
    MOD_ADD_BLOCK => "Blokir", "Block";
    MOD_TARGET_LABEL => "Server (mastodon.example) atau alamat akun (https://mastodon.example/users/nama)", "Server (mastodon.example) or account address (https://mastodon.example/users/name)";
    MOD_REASON_LABEL => "Alasan (tidak wajib)", "Reason (optional)";
    MOD_OK_APPROVED => "Balasan ditampilkan di bawah kabar.", "The reply is shown under the post.";
    MOD_OK_UNAPPROVED => "Balasan tidak lagi ditampilkan di situs.", "The reply is no longer shown on the site.";
    MOD_OK_BLOCKED => "Diblokir.", "Blocked.";
    MOD_OK_UNBLOCKED => "Blokir dibuka.", "Unblocked.";
    MOD_COMMENTS => "Tanggapan warga", "Residents' replies";
    MOD_COMMENTS_HINT => "Balasan dari fediverse yang disetujui petugas {desa}.", "Replies from the fediverse approved by the {village} staff.";
    MOD_EDITED => "diubah", "edited";
    MOD_ANSWER_BY_VILLAGE => "Jawaban {desa}", "The {village}'s answer";
}
