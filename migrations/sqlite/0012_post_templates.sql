-- Templates for what villages post every week (issue 16 point 4): ready starts offered
-- by the editor ("Mulai dari templat"), editable in /admin/templates. The rows below are
-- the starting set, given to new nodes and to existing ones alike by this migration;
-- an operator's changes and deletions are theirs to keep.
--
-- categories: names separated by commas, as the editor's checkboxes read them.

CREATE TABLE post_templates (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    title           TEXT   NOT NULL DEFAULT '',
    summary         TEXT   NOT NULL DEFAULT '',
    body            TEXT   NOT NULL DEFAULT '',
    categories      TEXT   NOT NULL DEFAULT '',
    event_place     TEXT   NOT NULL DEFAULT '',
    event_organiser TEXT   NOT NULL DEFAULT '',
    position        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

INSERT INTO post_templates
    (name, kind, title, summary, body, categories, event_place, event_organiser, position,
     created_at, updated_at)
VALUES
    ('Pengumuman', 'pengumuman', 'Pengumuman: ', '', 'Diberitahukan kepada seluruh warga bahwa ...

- **Waktu:** ...
- **Tempat:** ...

Atas perhatian dan kerja samanya kami ucapkan terima kasih.', 'Pengumuman', '', 'Pemerintah Desa', 0, 0, 0),
    ('Undangan kerja bakti', 'agenda', 'Kerja bakti ', 'Warga diundang bergotong royong membersihkan lingkungan.', 'Mengundang seluruh warga untuk ikut **kerja bakti** membersihkan ...

Harap membawa:

- cangkul atau sapu lidi;
- karung atau kantong sampah;
- air minum sendiri.

Mari bergotong royong demi lingkungan yang bersih dan sehat.', 'Agenda', '', 'Ketua RT/RW', 1, 0, 0),
    ('Undangan rapat', 'agenda', 'Rapat ', 'Undangan rapat untuk warga dan pengurus.', 'Dengan hormat, mengundang Bapak/Ibu untuk hadir dalam rapat:

**Acara:** ...

Mengingat pentingnya acara ini, dimohon hadir tepat waktu.', 'Agenda', 'Balai Desa', 'Pemerintah Desa', 2, 0, 0),
    ('Jadwal posyandu', 'agenda', 'Posyandu ', 'Penimbangan, imunisasi dan pemeriksaan kesehatan balita dan lansia.', 'Posyandu bulan ini melayani:

- penimbangan dan pengukuran balita;
- imunisasi sesuai jadwal;
- pemberian makanan tambahan;
- cek tekanan darah untuk lansia.

Jangan lupa membawa **buku KIA**.', 'Agenda', '', 'Kader Posyandu', 3, 0, 0),
    ('Penyaluran bantuan', 'pengumuman', 'Penyaluran bantuan ', 'Jadwal dan syarat pengambilan bantuan bagi keluarga penerima.', 'Bantuan ... akan disalurkan kepada keluarga penerima manfaat.

- **Waktu:** ...
- **Tempat:** ...

Syarat pengambilan:

1. membawa KTP dan Kartu Keluarga asli;
2. membawa undangan atau kartu penerima;
3. diambil sendiri atau oleh anggota keluarga yang tercantum di KK.

Daftar penerima dapat dilihat di kantor desa.', 'Pengumuman', '', 'Pemerintah Desa', 4, 0, 0),
    ('Kabar UMKM', 'berita', '', 'Mengenal usaha warga dan produknya.', 'Usaha ... milik ... di Dusun ... memproduksi ...

## Cerita usahanya

...

## Cara memesan

Hubungi ... di nomor ...', 'UMKM', '', '', 5, 0, 0),
    ('Agenda kegiatan', 'agenda', '', '', 'Kegiatan ... akan dilaksanakan pada:

**Acara:** ...

Seluruh warga diundang untuk hadir.', 'Agenda', '', '', 6, 0, 0);
