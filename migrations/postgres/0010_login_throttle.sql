-- Failed sign-ins counted per account name and client address (scope 'pair') and per
-- client address alone (scope 'address'). They replace the lock of a whole account
-- (users.failed_logins, users.locked_until), which let any stranger lock an operator
-- out. Names are counted as typed (trimmed, lowercased), whether an account has them or
-- not, so a name without an account is answered exactly like one with. The rules (how
-- many failures are free, how long the pauses grow) live in the code (auth::throttle).
CREATE TABLE login_failures (
    scope           TEXT   NOT NULL,
    username        TEXT   NOT NULL,
    address         TEXT   NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    PRIMARY KEY (scope, username, address)
);
CREATE INDEX login_failures_by_time ON login_failures (last_failure_at);

ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
