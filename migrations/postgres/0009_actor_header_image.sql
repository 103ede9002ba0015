-- A local actor's header picture (ActivityPub `image`): the website's banner, as the
-- logo already is its `icon`. Remote actors leave it empty.

ALTER TABLE actors ADD COLUMN image_url TEXT;
