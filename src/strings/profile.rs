//! What a fresh node says about itself before anyone edits anything: the account's
//! default bio and the default privacy policy. `{name}` is the account's display name,
//! `{url}` the website, `{session_days}` how long a staff session lasts unused,
//! `{login_forget_hours}` how long failed sign-ins are counted; the village word is put
//! in as everywhere else.
//!
//! The privacy policy must stay true to the code: every retention it states is what
//! the code does (the inbox purge in `federation::process`, the session lifetime in
//! `auth`, the forgetting of failed sign-ins in `auth::throttle`; no automatic deletion of tickets, photos, followers' records or deliveries).
//! Change it together with the behaviour. Its section on children under 13 is there because
//! Threads blocks servers without a public policy restricting them (Instagram Help Center,
//! "When Threads blocks communication with other servers").

use super::{Text, texts};

texts! {
    DEFAULT_BIO => "Akun resmi {name} di fediverse: kabar, pengumuman dan agenda {desa}. Situs web: {url}", "The official fediverse account of {name}: news, announcements and events of the {village}. Website: {url}";
    PORTAL_DEFAULT_BIO => "{name}: kabar dari {desa}-{desa} dalam satu linimasa, dan seberapa aktif situs setiap {desa}. Situs web: {url}", "{name}: news from the villages in one timeline, and how active each village's site is. Website: {url}";
    PRIVACY_TITLE => "Kebijakan Privasi", "Privacy Policy";
    PRIVACY_LINK => "Kebijakan privasi", "Privacy policy";
    PRIVACY_KEPT => "Kebijakan privasi tidak dapat dihapus karena server lain (misalnya Threads) memintanya. Ubah isinya saja.", "The privacy policy cannot be deleted: other servers (Threads, for one) require it. Edit it instead.";
    PRIVACY_POLICY => r#"Halaman ini menjelaskan data apa yang disimpan situs web dan akun fediverse **{name}**, untuk apa, dan berapa lama. Situs ini berjalan dengan perangkat lunak Kentongan di server yang dikelola pemerintah {desa} (atau kabupaten atas namanya). Data tidak dijual dan tidak dibagikan kepada pihak lain selain yang disebut di bawah.

### Pengunjung situs

- Situs ini tidak memasang kuki (cookie) pada pengunjung, kecuali satu yang Anda minta sendiri: di halaman Ikuti, server fediverse yang Anda tulis diingat oleh peramban Anda (kuki `ikuti_server`, setahun, hanya dikirim ke halaman itu, dapat dilupakan dengan satu tautan di sana). Situs ini tidak memakai penghitung kunjungan, iklan, atau skrip dan huruf dari pihak lain, dan tidak mencatat halaman yang Anda buka.
- Alamat IP Anda dipakai di memori untuk membatasi pengiriman formulir aspirasi dan pencarian nomor tiket yang berlebihan. Alamat itu tidak ditulis ke disk dan terlupa saat program dimulai ulang.
- Catatan kejadian (log) program tidak memuat alamat IP pengunjung. Server web di depan Kentongan (misalnya nginx) dapat mencatat alamat IP pengunjung; lama penyimpanannya mengikuti pengaturan pengelola server.
- Kata yang Anda cari tidak disimpan.
- Sebagian kabar memuat gambar dari situs lain; peramban Anda mengambilnya langsung dari situs itu.

### Pengikut di fediverse (Mastodon dan lainnya)

- Bila Anda mengikuti akun ini, kami menyimpan data publik akun Anda: alamatnya, nama tampilan, bio, alamat gambar profil, kolom profil, alamat kotak masuk dan kunci publiknya. Data itu diperbarui saat server Anda mengabarkan perubahan, atau saat kami mengambilnya lagi untuk memeriksa tanda tangan kiriman Anda.
- Hubungan mengikuti dihapus saat Anda berhenti mengikuti atau memblokir akun ini. Catatan akun Anda sendiri disimpan selama Anda mengikuti atau pesan Anda disimpan di sini, sampai server Anda mengabarkan bahwa akun itu dihapus; saat itu catatannya dihapus, kecuali bila akun itu pernah mengirim pesan yang menjadi tiket (lihat di bawah). Catatan akun yang tidak lagi mengikuti dan tidak punya pesan di sini dihapus 90 hari setelah terakhir diambil.
- Jumlah pengikut tampil untuk umum; daftar pengikut hanya dilihat petugas.

### Aspirasi, pengaduan dan pesan warga

- Balasan, sebutan (mention) dan pesan langsung kepada akun ini disimpan beserta isinya, alamat akun pengirim, waktunya dan kabar yang dibalas, lalu menjadi tiket bernomor dengan status, tenggat, jawaban, catatan internal petugas dan riwayat perubahannya.
- Pesan dari formulir aspirasi di situs ini disimpan dengan nama, kontak (bila diisi), jenis dan isi pesan, serta foto bila dilampirkan. Foto disimpan ulang tanpa metadata (termasuk lokasi GPS) di folder tertutup yang hanya dibuka petugas. Kontak tidak pernah ditampilkan untuk umum dan tidak pernah dikirim ke server lain.
- Tiket, pesan, foto, jawaban dan catatan disimpan **tanpa batas waktu**: Kentongan tidak menghapusnya secara otomatis.
- Bila Anda menyunting pesan fediverse Anda, salinannya di sini ikut berubah. Bila Anda menghapus pesan itu (atau akun Anda), isinya dihapus dari sini; tiketnya (nomor, jenis, status, jawaban petugas) tetap disimpan sebagai catatan layanan.
- Balasan publik tampil di bawah kabarnya hanya setelah disetujui petugas, dengan angka yang mirip NIK disamarkan. Pesan langsung dan pesan formulir tidak pernah tampil untuk umum; halaman status tiket hanya menunjukkan status, jenis, tenggat dan jawaban, tidak pernah isi pesan atau kontak.
- Jawaban atas pesan fediverse dikirim ke server Anda (publik bila pesan Anda publik, hanya kepada Anda bila pesan Anda langsung) dan disimpan di sini.
- Akun atau server yang diblokir dicatat bersama alasannya sampai blokirnya dicabut.
- Portal kabupaten hanya membaca angka gabungan (jumlah pesan dan lama tanggapan), tanpa nama, kontak atau isi pesan.

### Lalu lintas antarserver

- Kegiatan yang diterima dari server lain (mengikuti, balasan, suntingan) disimpan apa adanya untuk diproses, lalu dihapus **7 hari** setelah diterima bila sudah selesai diproses. Kegiatan yang ditolak di pintu masuk tidak disimpan.
- Kabar, jawaban dan kegiatan yang dikirim akun ini disimpan tanpa batas waktu. Catatan pengiriman ke setiap server (alamat kotak masuk, waktu, hasil, pesan kesalahan) disimpan 90 hari setelah pengiriman selesai; sesudahnya hanya jumlahnya (terkirim, gagal) yang disimpan. Catatan server yang gagal dihubungi dihapus setelah 90 hari tanpa kabar darinya. Kabar yang dihapus hanya menyisakan tanda bahwa ia pernah ada.

### Petugas

- Akun petugas menyimpan nama pengguna, nama tampilan, kata sandi dalam bentuk hash argon2id, peran dan bahasa.
- Masuk ke halaman admin memakai kuki sesi (HttpOnly) yang berlaku {session_days} hari sejak terakhir dipakai, dan kuki formulir masuk yang berlaku satu jam. Sesi yang berakhir tidak dapat dipakai lagi; barisnya tidak dihapus otomatis.
- Percobaan masuk yang gagal dihitung bersama nama yang diketik dan alamat IP asalnya, untuk memperlambat penebakan kata sandi. Hitungan itu dilupakan {login_forget_hours} jam setelah kegagalan terakhirnya (barisnya dihapus pada percobaan masuk berikutnya), dan hitungan sebuah nama dari sebuah alamat dihapus begitu masuk berhasil dari sana.
- Foto yang diunggah petugas disimpan ulang tanpa metadata dan tetap tersimpan walaupun kabarnya dihapus.

### Anak di bawah 13 tahun

Situs ini tidak membuka pendaftaran akun: akun petugas dibuat oleh pengelola situs untuk petugas {desa} saja, dan tidak ada akun untuk anak. Anak di bawah 13 tahun hendaknya tidak mengirim pesan lewat formulir aspirasi atau dari akun fediverse tanpa orang tua atau wali. Orang tua atau wali dapat meminta pesan seorang anak dihapus, seperti dijelaskan di bawah.

### Hak Anda

Untuk menanyakan data Anda, meminta salinannya, membetulkan atau menghapusnya, hubungi kantor {desa} (kontaknya ada di bagian bawah halaman). Pesan dan akun fediverse Anda dapat Anda sunting atau hapus sendiri kapan saja; perubahannya sampai ke sini seperti dijelaskan di atas. Salinan cadangan yang dibuat pengelola server mengikuti jadwal cadangannya."#, r#"This page says what the website and the fediverse account of **{name}** keep, what for, and for how long. The site runs the Kentongan software on a server run by the {village} government (or by the regency on its behalf). No data is sold or shared with anyone other than as described below.

### Visitors

- This site sets no cookies on visitors, except one you ask for yourself: on the Follow page, the fediverse server you type is remembered by your browser (the `ikuti_server` cookie, for a year, sent to that page only, forgotten with one link there). It uses no visitor counter, advertising, or scripts and fonts from elsewhere, and keeps no record of the pages you read.
- Your IP address is held in memory to limit floods of the message form and of ticket-number look-ups. It is never written to disk and is forgotten when the program restarts.
- The program's log holds no visitor's IP address. The web server in front of Kentongan (nginx, for example) may log visitors' IP addresses; for how long depends on how its operator set it up.
- What you search for is not stored.
- Some posts show pictures from other sites; your browser fetches those from those sites directly.

### Followers on the fediverse (Mastodon and others)

- When you follow this account we keep your account's public data: its address, display name, bio, avatar address, profile fields, inbox addresses and public key. It is refreshed when your server announces a change, or when we fetch it again to check the signature of something you sent.
- The follow is deleted when you unfollow or block this account. The record of your account is kept while you follow or a message of yours is kept here, until your server reports that the account was deleted; the record is then deleted, unless the account sent a message that became a ticket (below). The record of an account that no longer follows and has no message here is deleted 90 days after it was last fetched.
- The number of followers is public; the list of followers is seen by staff only.

### Residents' messages, complaints and requests

- Replies, mentions and direct messages to this account are kept with their content, the sender's address, the time and the post replied to, and become numbered tickets with a status, deadlines, answers, staff's internal notes and a history of changes.
- Messages from this site's message form are kept with the name, the contact (when given), the kind and the text, and the photo when one is attached. Photos are re-encoded without metadata (GPS position included) into a closed folder only staff can open. The contact is never shown publicly and never sent to another server.
- Tickets, messages, photos, answers and notes are kept **with no time limit**: Kentongan deletes none of them by itself.
- When you edit your fediverse message, the copy here changes too. When you delete it (or your account), its text is deleted here; the ticket (number, kind, status, staff's answers) is kept as a record of the service.
- A public reply is shown under its post only once staff approve it, with NIK-like numbers masked. Direct messages and form messages are never shown publicly; a ticket's status page shows its status, kind, deadline and answers, never the message or the contact.
- Answers to fediverse messages are sent to your server (publicly when your message was public, to you alone when it was direct) and kept here.
- Blocked accounts and servers are recorded with the reason until they are unblocked.
- The regency portal reads aggregate figures only (numbers of messages, response times), with no name, contact or message.

### Traffic between servers

- Activities received from other servers (follows, replies, edits) are stored as received to be processed, and deleted **7 days** after they arrived once processed. Activities refused at the door are not stored.
- The posts, answers and other activities this account sends are kept with no time limit. The record of each delivery to each server (inbox address, time, outcome, error message) is kept for 90 days after the delivery ended; after that only its counts (delivered, failed) are kept. The record of a server that could not be reached is deleted after 90 days without news of it. A deleted post leaves only a mark that it existed.

### Staff

- Staff accounts hold a username, a display name, the password as an argon2id hash, a role and a language.
- Signing in to the admin uses a session cookie (HttpOnly) that lasts {session_days} days from its last use, and a login-form cookie that lasts an hour. An ended session cannot be used again; its row is not deleted automatically.
- Failed sign-in attempts are counted with the name typed and the IP address they came from, to slow down password guessing. A count is forgotten {login_forget_hours} hours after its last failure (its row is deleted at the next sign-in attempt), and the count of a name from an address is deleted as soon as a sign-in from there succeeds.
- Photos uploaded by staff are re-encoded without metadata and stay stored even when their post is deleted.

### Children under 13

This site has no sign-up: staff accounts are made by the site's administrators for the {village}'s staff only, and there are no accounts for children. Children under 13 should not send messages through the message form or from a fediverse account without a parent or guardian. A parent or guardian can ask for a child's message to be deleted, as described below.

### Your rights

To ask about your data, for a copy, or to have it corrected or deleted, contact the {village} office (the contact details are at the bottom of the page). You can edit or delete your fediverse messages and account yourself at any time; the changes reach this site as described above. Backups made by the server's operator follow their own schedule."#;
    PRIVACY_POLICY_PORTAL => "### Portal kabupaten\n\nPortal ini menyimpan salinan kabar publik {desa}-{desa} yang diikutinya (judul, ringkasan, isi, gambar, tagar, tautan) sampai {desa} itu menghapusnya atau dikeluarkan dari daftar portal, serta angka gabungan aspirasi setiap {desa}.", "### The regency portal\n\nThis portal keeps copies of the public posts of the villages it follows (title, summary, content, picture, hashtags, link) until the village deletes them or is removed from the portal's list, and each village's aggregate figures on residents' messages.";
}
