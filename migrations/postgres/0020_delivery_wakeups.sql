-- Every process's delivery worker hears of new deliveries at once (issue 15): a
-- statement that queues deliveries notifies `kentongan_deliveries` with its schema (a
-- hosted site's own, or public) when its transaction commits (one notification per
-- statement, folded per transaction), whichever process or command wrote it. The
-- workers LISTEN and keep their schema's (Store::listen_for_deliveries).
CREATE FUNCTION notify_deliveries_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kentongan_deliveries', TG_TABLE_SCHEMA);
    RETURN NULL;
END;
$$;

CREATE TRIGGER deliveries_queued AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_deliveries_queued();
