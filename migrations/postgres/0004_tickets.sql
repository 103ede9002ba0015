-- Aspirations: residents' messages as tickets with public-service clocks, the village's
-- answers to them, and the holiday calendar for working-day clocks.

CREATE TABLE tickets (
    id                 BIGSERIAL PRIMARY KEY,
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
    -- A message from the website's form: the name the resident gave, their contact
    -- (private: never shown publicly, never federated) and the message as HTML.
    author_name        TEXT    NOT NULL DEFAULT '',
    contact            TEXT    NOT NULL DEFAULT '',
    message_html       TEXT    NOT NULL DEFAULT '',
    -- The fediverse message it came from (its author, content, edits and withdrawal).
    remote_note_id     BIGINT  UNIQUE REFERENCES remote_notes (id),
    source_post_id     BIGINT  REFERENCES posts (id),
    assignee_user_id   BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    -- Why it was refused (ditolak), or where it was forwarded (bukan_wewenang).
    resolution         TEXT    NOT NULL DEFAULT '',
    -- An information request whose answer time was extended by 7 working days.
    extended           BOOLEAN NOT NULL DEFAULT FALSE,
    first_response_due BIGINT  NOT NULL,
    answer_due         BIGINT  NOT NULL,
    first_response_at  BIGINT,
    answered_at        BIGINT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE INDEX tickets_by_status ON tickets (status, answer_due);

-- What the village answered, as sent to the resident (a Note in reply to theirs).
CREATE TABLE ticket_replies (
    id          BIGSERIAL PRIMARY KEY,
    public_id   TEXT    NOT NULL UNIQUE,
    ticket_id   BIGINT  NOT NULL REFERENCES tickets (id),
    user_id     BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    -- The answer (the ticket is done) rather than a first response.
    is_final    BOOLEAN NOT NULL,
    object_json TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX ticket_replies_by_ticket ON ticket_replies (ticket_id, id);

CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT ''
);
