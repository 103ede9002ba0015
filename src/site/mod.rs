//! The village website's settings and defaults: the local word for "village", tagline,
//! language, time zone, colours, contact, logo and banner. The village's name and
//! description are its actor's (editing them federates an Update); everything else here
//! is only the website's, kept as key/value rows so that a new setting needs no
//! migration. `profile` is what a fresh node shows before anyone edits anything (a
//! bio, the pictures, the privacy policy). Settings that break a rule are a
//! [`SettingsError`].

pub mod dates;
pub mod profile;

use crate::{
    clock::now_ms,
    media::ImageRef,
    refusal::InvalidInput,
    store::{QuotePolicy, Store},
    strings::{self, Lang},
};

pub use dates::TimeZone;

/// The words Indonesian law and custom use for the lowest administrative unit.
pub const VILLAGE_WORDS: &[&str] = &[
    "desa",
    "kelurahan",
    "nagari",
    "kampung",
    "gampong",
    "pekon",
    "lembang",
    "negeri",
    "marga",
    "banua",
];

/// Default categories of a new village site, in menu order.
pub const DEFAULT_CATEGORIES: &[&str] =
    &["Berita", "Pengumuman", "Agenda", "UMKM", "Wisata", "Pemuda"];

pub const MAX_TAGLINE_CHARS: usize = 160;
pub const MAX_CONTACT_CHARS: usize = 300;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteSettings {
    pub village_word: String,
    pub tagline: String,
    pub language: Lang,
    pub time_zone: TimeZone,
    /// `#rrggbb`: header, buttons.
    pub colour_primary: String,
    /// `#rrggbb`: links.
    pub colour_accent: String,
    pub contact_address: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub logo: Option<ImageRef>,
    pub banner: Option<ImageRef>,
    /// The village lets the regency's hosting staff write and publish posts on its
    /// behalf (`regency_staff`); off until its own admin turns it on.
    pub hosting_may_write: bool,
    /// Who may quote a new post unless its writer chooses (FEP-044f): anyone, as
    /// Mastodon's default is.
    pub quote_policy: QuotePolicy,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            village_word: "desa".into(),
            tagline: String::new(),
            language: Lang::Id,
            time_zone: TimeZone::Wib,
            colour_primary: "#7a3b10".into(),
            colour_accent: "#0b5394".into(),
            contact_address: String::new(),
            contact_phone: String::new(),
            contact_email: String::new(),
            logo: None,
            banner: None,
            hosting_may_write: false,
            quote_policy: QuotePolicy::Public,
        }
    }
}

fn is_colour(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Why settings were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A setting breaks a rule; the sentence says which.
    #[error("{0}")]
    Refused(InvalidInput),
    /// The database failed; trying again may work.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

fn refuse<T>(text: strings::Text) -> Result<T, SettingsError> {
    Err(SettingsError::Refused(InvalidInput(text)))
}

impl SiteSettings {
    /// Reads the stored pairs; a missing or unreadable value keeps its default.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut settings = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "village_word" if VILLAGE_WORDS.contains(&value.as_str()) => {
                    settings.village_word = value.clone()
                }
                "tagline" => settings.tagline = value.clone(),
                "language" => settings.language = Lang::parse(value).unwrap_or_default(),
                "time_zone" => settings.time_zone = TimeZone::parse(value).unwrap_or_default(),
                "colour_primary" if is_colour(value) => settings.colour_primary = value.clone(),
                "colour_accent" if is_colour(value) => settings.colour_accent = value.clone(),
                "contact_address" => settings.contact_address = value.clone(),
                "contact_phone" => settings.contact_phone = value.clone(),
                "contact_email" => settings.contact_email = value.clone(),
                "logo" => settings.logo = serde_json::from_str(value).ok(),
                "banner" => settings.banner = serde_json::from_str(value).ok(),
                "hosting_may_write" => settings.hosting_may_write = value == "true",
                "quote_policy" => {
                    settings.quote_policy = QuotePolicy::parse(value).unwrap_or(QuotePolicy::Public)
                }
                _ => {}
            }
        }
        settings
    }

    fn to_pairs(&self) -> anyhow::Result<Vec<(String, String)>> {
        let image = |image: &Option<ImageRef>| -> anyhow::Result<String> {
            Ok(match image {
                Some(image) => serde_json::to_string(image)?,
                None => String::new(),
            })
        };
        Ok([
            ("village_word", self.village_word.clone()),
            ("tagline", self.tagline.clone()),
            ("language", self.language.code().to_string()),
            ("time_zone", self.time_zone.code().to_string()),
            ("colour_primary", self.colour_primary.clone()),
            ("colour_accent", self.colour_accent.clone()),
            ("contact_address", self.contact_address.clone()),
            ("contact_phone", self.contact_phone.clone()),
            ("contact_email", self.contact_email.clone()),
            ("logo", image(&self.logo)?),
            ("banner", image(&self.banner)?),
            ("hosting_may_write", self.hosting_may_write.to_string()),
            ("quote_policy", self.quote_policy.as_str().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect())
    }

    /// Checks settings an operator submitted.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !VILLAGE_WORDS.contains(&self.village_word.as_str()) {
            return refuse(strings::SETTINGS_VILLAGE_WORD_INVALID);
        }
        if self.tagline.chars().count() > MAX_TAGLINE_CHARS {
            return refuse(strings::SETTINGS_TAGLINE_TOO_LONG);
        }
        if !is_colour(&self.colour_primary) || !is_colour(&self.colour_accent) {
            return refuse(strings::SETTINGS_COLOUR_INVALID);
        }
        if [
            &self.contact_address,
            &self.contact_phone,
            &self.contact_email,
        ]
        .iter()
        .any(|v| v.chars().count() > MAX_CONTACT_CHARS)
        {
            return refuse(strings::SETTINGS_CONTACT_TOO_LONG);
        }
        Ok(())
    }

    /// The texts of a page shown in `lang` (the site's language unless a signed-in
    /// operator chose another).
    pub fn texts(&self, lang: Lang) -> std::sync::Arc<strings::PageTexts> {
        strings::for_page(lang, &self.village_word)
    }
}

pub async fn load(store: &Store) -> anyhow::Result<SiteSettings> {
    Ok(SiteSettings::from_pairs(&store.site_settings().await?))
}

pub async fn save(store: &Store, settings: &SiteSettings) -> Result<(), SettingsError> {
    settings.validate()?;
    Ok(store.save_site_settings(&settings.to_pairs()?).await?)
}

/// Gives a new village site its default categories and profile pages (each only when
/// the site has none yet, so an operator's deletions stick).
pub async fn ensure_defaults(store: &Store) -> anyhow::Result<()> {
    if store.categories().await?.is_empty() {
        for (position, name) in DEFAULT_CATEGORIES.iter().enumerate() {
            store.upsert_category(name, "", position as i64).await?;
        }
    }
    if store.pages().await?.is_empty() {
        let settings = load(store).await?;
        let lang = settings.language;
        let pages = [
            ("sejarah", strings::DEFAULT_PAGE_HISTORY),
            ("visi-misi", strings::DEFAULT_PAGE_VISION),
            ("perangkat", strings::DEFAULT_PAGE_OFFICIALS),
            ("kontak", strings::DEFAULT_PAGE_CONTACT),
        ];
        for (position, (slug, title)) in pages.into_iter().enumerate() {
            let title = strings::with_village_word(title.get(lang), lang, &settings.village_word);
            store
                .save_page(slug, &title, "", "", position as i64, now_ms())
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_their_pairs() {
        let settings = SiteSettings {
            village_word: "nagari".into(),
            tagline: "Adat basandi syarak".into(),
            language: Lang::En,
            time_zone: TimeZone::Wita,
            ..Default::default()
        };
        let pairs = settings.to_pairs().expect("pairs");
        assert_eq!(SiteSettings::from_pairs(&pairs), settings);
    }

    #[test]
    fn bad_stored_values_fall_back_to_defaults() {
        let pairs = vec![
            ("colour_primary".to_string(), "red;}body{".to_string()),
            ("village_word".to_string(), "<script>".to_string()),
        ];
        assert_eq!(SiteSettings::from_pairs(&pairs), SiteSettings::default());
    }
}
