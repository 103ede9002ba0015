-- Which kind of HTTP signature each server accepted from us last: 'rfc9421' or
-- 'cavage'. A server without a row is sent RFC 9421 first and draft-cavage when it
-- answers 400 or 401 (the "double knock"); the kind that got a 2xx is kept here, so that
-- each later delivery to that server is one request. The words live in the code
-- (store::SignatureScheme).
CREATE TABLE host_signatures (
    host       TEXT   PRIMARY KEY,
    scheme     TEXT   NOT NULL,
    learned_at BIGINT NOT NULL
);
