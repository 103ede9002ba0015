-- Aspirations: residents' messages as tickets with public-service clocks, and the
-- village's holiday calendar for working-day clocks.

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Registration number shown to the resident, e.g. ASP-2026-000042-K7QX.
    number             TEXT    NOT NULL UNIQUE,
    local_actor_id     BIGINT  NOT NULL REFERENCES actors (id),
    -- reply | mention | direct | web
    channel            TEXT    NOT NULL,
    -- aspirasi | pengaduan | permintaan_informasi
    class              TEXT    NOT NULL,
    -- baru | diverifikasi | diproses | selesai | ditolak | bukan_wewenang
    status             TEXT    NOT NULL,
    is_private         BOOLEAN NOT NULL,
    -- The fediverse message it came from (its author, content, edits and withdrawal).
    remote_note_id     BIGINT  UNIQUE REFERENCES remote_notes (id),
    source_post_id     BIGINT  REFERENCES posts (id),
    assignee_user_id   BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    extended           BOOLEAN NOT NULL DEFAULT FALSE,
    first_response_due BIGINT  NOT NULL,
    answer_due         BIGINT  NOT NULL,
    first_response_at  BIGINT,
    answered_at        BIGINT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE INDEX tickets_by_status ON tickets (status, answer_due);

CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT ''
);
