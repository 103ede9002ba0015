//! Every word a person reads, in Bahasa Indonesia first and English second. Templates
//! and messages take their text from here, never inline. The texts are split by area
//! (`common`, `site`, `admin`, `editor`, `aspirations`, …) only to keep each file readable; every constant is
//! re-exported here, and keys are unique across the areas (a test checks).
//!
//! The local word for "village" is a site setting (desa, kelurahan, nagari, ...):
//! texts write it as `{desa}`/`{Desa}` (Bahasa Indonesia) and `{village}`/`{Village}`
//! (English), and [`for_page`] puts the setting in.

mod admin;
mod aspirations;
mod common;
mod documents;
mod editor;
mod hosting;
mod maintenance;
mod moderation;
mod operations;
mod profile;
mod quotes;
mod site;
mod ticket_desk;
mod wordpress;

pub use admin::*;
pub use aspirations::*;
pub use common::*;
pub use documents::*;
pub use editor::*;
pub use hosting::*;
pub use maintenance::*;
pub use moderation::*;
pub use operations::*;
pub use profile::*;
pub use quotes::*;
pub use site::*;
pub use ticket_desk::*;
pub use wordpress::*;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, LazyLock, Mutex},
};

/// A person-facing string in both languages.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Text {
    pub id: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => self.id,
            Lang::En => self.en,
        }
    }

    /// The text in `lang` with the village word put in: what code outside templates
    /// uses for a text that may name the village (templates get it from [`for_page`]).
    pub fn fill(self, lang: Lang, village_word: &str) -> String {
        with_village_word(self.get(lang), lang, village_word)
    }
}

/// Declares texts and an `all()` listing them by key, for templates.
macro_rules! texts {
    ($($key:ident => $id:literal, $en:literal;)*) => {
        $(pub const $key: Text = Text { id: $id, en: $en };)*
        /// All strings of this area by key.
        pub fn all() -> Vec<(&'static str, Text)> {
            vec![$((stringify!($key), $key)),*]
        }
    };
}
pub(crate) use texts;

/// The language a page is shown in.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    #[serde(rename = "id")]
    Id,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// `id` or `en`; anything else is `None`.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "id" => Some(Self::Id),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// Every text of every area, by key.
pub fn all() -> BTreeMap<&'static str, Text> {
    common::all()
        .into_iter()
        .chain(site::all())
        .chain(admin::all())
        .chain(aspirations::all())
        .chain(ticket_desk::all())
        .chain(documents::all())
        .chain(editor::all())
        .chain(moderation::all())
        .chain(profile::all())
        .chain(quotes::all())
        .chain(hosting::all())
        .collect()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Puts the local word for "village" into a text.
pub fn with_village_word(text: &str, lang: Lang, word: &str) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let english = if word == "desa" { "village" } else { word };
    let (lower, upper) = match lang {
        Lang::Id => (word.to_string(), capitalised(word)),
        Lang::En => (english.to_string(), capitalised(english)),
    };
    text.replace("{desa}", &lower)
        .replace("{Desa}", &upper)
        .replace("{village}", &lower)
        .replace("{Village}", &upper)
}

/// The texts of one page: one language, the village word put in. A template reads
/// `{{ t.KEY }}`.
#[derive(Debug)]
pub struct PageTexts {
    texts: BTreeMap<&'static str, String>,
}

impl PageTexts {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.texts.get(key).map(String::as_str)
    }
}

impl minijinja::value::Object for PageTexts {
    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        key.as_str()
            .and_then(|key| self.texts.get(key))
            .map(|text| minijinja::Value::from(text.as_str()))
    }
}

/// Built page texts by language and village word.
type TextsCache = Mutex<HashMap<(Lang, String), Arc<PageTexts>>>;

/// The texts for a language and village word, built once and shared.
pub fn for_page(lang: Lang, village_word: &str) -> Arc<PageTexts> {
    static CACHE: LazyLock<TextsCache> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = (lang, village_word.to_string());
    let mut cache = match CACHE.lock() {
        Ok(cache) => cache,
        Err(poisoned) => poisoned.into_inner(),
    };
    cache
        .entry(key)
        .or_insert_with(|| {
            Arc::new(PageTexts {
                texts: all()
                    .into_iter()
                    .map(|(key, text)| (key, with_village_word(text.get(lang), lang, village_word)))
                    .collect(),
            })
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_across_areas() {
        let listed = common::all().len()
            + site::all().len()
            + admin::all().len()
            + aspirations::all().len()
            + ticket_desk::all().len()
            + documents::all().len()
            + editor::all().len()
            + moderation::all().len()
            + profile::all().len()
            + quotes::all().len()
            + hosting::all().len();
        assert_eq!(all().len(), listed);
    }

    #[test]
    fn every_text_has_both_languages() {
        for (key, text) in all() {
            assert!(
                !text.id.trim().is_empty() && !text.en.trim().is_empty(),
                "{key}"
            );
        }
    }

    /// The `{name}` placeholders of a text, e.g. `["desa", "days"]`.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut found = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else { break };
            let name = &after[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                found.push(name);
            }
            rest = &after[end..];
        }
        found
    }

    /// Every `.rs` and `.html` file under `dir`, with its text.
    fn sources(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push((path, text));
            }
        }
    }

    /// `key` as a whole word in `text` (so `ASP_DAYS` is not found in `ASP_DAYS_LEFT`).
    fn mentions(text: &str, key: &str) -> bool {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        text.match_indices(key).any(|(at, _)| {
            !text[..at].chars().next_back().is_some_and(word)
                && !text[at + key.len()..].chars().next().is_some_and(word)
        })
    }

    /// Regression: a ticket status read "Bukan wewenang {desa}". Every placeholder a text
    /// has must be filled wherever the text is used: the village word by [`for_page`]
    /// (every template's `t`), or in code by [`Text::fill`], [`with_village_word`] or the
    /// site view's `text(…)`; any other (`{days}`, `{until}`, …) by a `replace("{name}", …)`
    /// next to the use. This reads the sources, so a text given a placeholder that its
    /// callers do not fill fails here rather than on a page. A refusal (`InvalidInput`)
    /// travels to many pages, not all of which know the village word: its texts name no
    /// village.
    #[test]
    fn every_placeholder_is_filled_where_the_text_is_used() {
        const VILLAGE: [&str; 4] = ["desa", "Desa", "village", "Village"];
        // Texts carried as values to the one place that fills them.
        const CARRIED: [(&str, &str); 2] = [
            // A checklist item's title, filled by the admin's documents page.
            ("DOC_PAGE_OFFICIALS", "checklist.rs"),
            // Read, not shown, by a test that the retention it states is the real one.
            ("PRIVACY_POLICY", "retention.rs"),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let strings_dir = root.join("strings");
        let mut files = Vec::new();
        sources(&root, &mut files);
        files.retain(|(path, _)| !path.starts_with(&strings_dir));
        assert!(
            files.len() > 50,
            "the sources were not found under {root:?}"
        );
        let mut unfilled = Vec::new();
        for (key, text) in all() {
            let mut wanted: Vec<&str> = placeholders(text.id);
            wanted.extend(placeholders(text.en));
            wanted.sort_unstable();
            wanted.dedup();
            if wanted.is_empty() {
                continue;
            }
            for (path, source) in files.iter().filter(|(_, source)| mentions(source, key)) {
                let template = path.extension().is_some_and(|e| e == "html");
                let carried = CARRIED
                    .iter()
                    .any(|(k, file)| *k == key && path.ends_with(file));
                for name in &wanted {
                    let filled = if carried {
                        true
                    } else if VILLAGE.contains(name) {
                        template
                            || source.contains("with_village_word")
                            || source.contains(".fill(")
                            || source.contains("for_page")
                            || source.contains(&format!("text(strings::{key})"))
                    } else {
                        source.contains(&format!("\"{{{name}}}\""))
                    };
                    if !filled {
                        unfilled.push(format!("{key} {{{name}}} in {}", path.display()));
                    }
                }
            }
        }
        assert!(
            unfilled.is_empty(),
            "placeholders used but never filled:\n{}",
            unfilled.join("\n")
        );
    }

    #[test]
    fn the_village_word_is_put_in() {
        assert_eq!(
            with_village_word("Profil {Desa} dan kantor {desa}", Lang::Id, "nagari"),
            "Profil Nagari dan kantor nagari"
        );
        assert_eq!(
            with_village_word("{Village} profile", Lang::En, "desa"),
            "Village profile"
        );
        assert_eq!(
            with_village_word("{Village} profile", Lang::En, "kelurahan"),
            "Kelurahan profile"
        );
    }
}
