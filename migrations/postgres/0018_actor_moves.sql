-- Moving house (`kentongan actor alias`, `kentongan actor move`): the accounts one of our
-- actors says it also is (`alsoKnownAs`, ids as a JSON list) and, once it has moved, the
-- account it moved to (`movedTo`). Remote actors keep neither: a Move is checked against
-- the target's document fetched at that moment.
ALTER TABLE actors ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]';
ALTER TABLE actors ADD COLUMN moved_to TEXT;
