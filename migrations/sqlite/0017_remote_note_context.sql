-- The thread (FEP-7888 `context`) a resident's reply or mention named, so that the
-- village's answer to a message not under one of its posts carries the same thread.
ALTER TABLE remote_notes ADD COLUMN context TEXT;
