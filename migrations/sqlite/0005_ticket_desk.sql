-- The ticket desk: the photo a resident attached to a website message (private: kept
-- outside the public media folder, shown only in the admin), the staff's internal notes,
-- and the history of each ticket (status, class, extension and assignee changes).

CREATE TABLE ticket_photos (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  BIGINT  NOT NULL REFERENCES tickets (id),
    -- Content-addressed name in DIR/private/ticket-photos/: {file_key}-{variant}.{extension}
    file_key   TEXT    NOT NULL,
    extension  TEXT    NOT NULL,
    mime       TEXT    NOT NULL,
    width      BIGINT  NOT NULL,
    height     BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX ticket_photos_by_ticket ON ticket_photos (ticket_id, id);

-- Notes the staff write to each other about a ticket: never public, never federated.
CREATE TABLE ticket_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  BIGINT  NOT NULL REFERENCES tickets (id),
    user_id    BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX ticket_notes_by_ticket ON ticket_notes (ticket_id, id);

-- One line per change: kind is status | class | extended | assignee; from/to are status
-- or class codes, '0'/'1' for extended, the staff member's name for assignee ('' = none).
CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  BIGINT  NOT NULL REFERENCES tickets (id),
    user_id    BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT    NOT NULL,
    from_value TEXT    NOT NULL DEFAULT '',
    to_value   TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_user_id, status);
