-- A WordPress site brought in (`kentongan site import-wordpress`, issue 13 point 5): which
-- WordPress item became which post or page, so that importing the same export again adds
-- nothing twice; and the old site's addresses, each answered 301 to its new page.
--
-- source: the WordPress site the export came from (its wp:base_site_url), so that two
--   sites' item 12 are two items.
-- post_id / page_id: what the item became; a page deleted since leaves NULL, and the item
--   stays known, so a second import does not bring back what the operator removed.
CREATE TABLE wordpress_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT   NOT NULL,
    wp_id       BIGINT NOT NULL,
    post_id     BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    page_id     BIGINT REFERENCES pages (id) ON DELETE SET NULL,
    imported_at BIGINT NOT NULL,
    UNIQUE (source, wp_id)
);

-- path: an old address as the site is asked for it, percent-decoded, without a trailing
--   slash (`/2023/05/17/kerja-bakti`), or a query form (`/?p=12`, `/?page_id=7`,
--   `/?cat=3`, `/?tag=gotong-royong`).
-- target: the new address on this site (`/p/ID`, `/halaman/SLUG`, `/kategori/NAME`).
CREATE TABLE old_addresses (
    path       TEXT   PRIMARY KEY,
    target     TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
