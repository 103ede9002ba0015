-- Public information (PPID): documents with their KIP category (UU 14/2008) and year.
-- A public document is announced by a post that carries it as an attachment
-- (posts.document_json); a "dikecualikan" document has no post and is never public.

CREATE TABLE documents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The random id of its public download address.
    public_id     TEXT    NOT NULL UNIQUE,
    actor_id      BIGINT  NOT NULL REFERENCES actors (id),
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    -- berkala | serta-merta | setiap-saat | dikecualikan
    category      TEXT    NOT NULL,
    year          BIGINT  NOT NULL,
    -- One of the required documents (apbdes, realisasi-apbdes, ...) or '' for another.
    doc_type      TEXT    NOT NULL DEFAULT '',
    -- The file under {data dir}/documents/{file_key}.{file_ext}: its SHA-256 in hex.
    file_key      TEXT    NOT NULL,
    file_ext      TEXT    NOT NULL,
    media_type    TEXT    NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    -- The post announcing it while it is public.
    post_id       BIGINT  REFERENCES posts (id),
    uploaded_by   BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE INDEX documents_by_category_year ON documents (category, year);
CREATE INDEX documents_by_file ON documents (file_key);

ALTER TABLE posts ADD COLUMN document_json TEXT;
