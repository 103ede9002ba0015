//! Words of a hosting node (many sites in one process).

use super::Text;

pub const UNKNOWN_SITE: Text = Text {
    id: "Situs ini tidak dilayani server ini",
    en: "This server does not serve this site",
};
