//! What an operator writes, and the checks it must pass before it becomes a post. Every
//! refusal is an [`InvalidInput`] carrying its sentence in both languages, so the admin
//! shows it in the reader's language and the command line prints both.

use super::markdown;
use crate::refusal::InvalidInput;
use crate::{
    store::PostContent,
    strings::{self, Text},
};
use serde::{Deserialize, Serialize};

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 1_000;
pub const MAX_BODY_BYTES: usize = 200_000;
pub const MAX_CATEGORIES: usize = 10;
pub const MAX_IMAGES: usize = 8;
/// Mastodon's own limit for an attachment's description.
pub const MAX_ALT_CHARS: usize = 1_500;
pub const MAX_EVENT_FIELD_CHARS: usize = 200;

fn refuse<T>(text: Text) -> anyhow::Result<T> {
    Err(InvalidInput(text).into())
}

/// The three kinds of post a village site knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    /// News: an article.
    #[default]
    Berita,
    /// An announcement: may be pinned, until an end date.
    Pengumuman,
    /// An event: date, time, place and organiser.
    Agenda,
    /// A public-information document announced (written by `documents`, never chosen
    /// in the editor, so it is not in `ALL`).
    Informasi,
}

impl PostKind {
    pub const ALL: [PostKind; 3] = [PostKind::Berita, PostKind::Pengumuman, PostKind::Agenda];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Berita => "berita",
            Self::Pengumuman => "pengumuman",
            Self::Agenda => "agenda",
            Self::Informasi => "informasi",
        }
    }

    /// Unknown values (an older row, a hand-edited form) read as `berita`.
    pub fn parse(value: &str) -> Self {
        match value {
            "pengumuman" => Self::Pengumuman,
            "agenda" => Self::Agenda,
            "informasi" => Self::Informasi,
            _ => Self::Berita,
        }
    }

    pub fn label(self) -> Text {
        match self {
            Self::Berita => strings::KIND_BERITA,
            Self::Pengumuman => strings::KIND_PENGUMUMAN,
            Self::Agenda => strings::KIND_AGENDA,
            Self::Informasi => strings::KIND_INFORMASI,
        }
    }
}

/// When and where an agenda happens. Times are Unix ms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetails {
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub place: String,
    pub organiser: String,
    /// The village's time zone when it was written: the event happens at "08.00 WIB"
    /// wherever it is read. Set by publishing from the site settings.
    #[serde(default)]
    pub time_zone: crate::site::TimeZone,
}

/// A post's photo: a stored image with its alt text.
pub use crate::media::ImageRef as PostImage;

/// Reads a post's images back (an unreadable list reads as none).
pub fn images_of(images_json: &str) -> Vec<PostImage> {
    serde_json::from_str(images_json).unwrap_or_default()
}

/// Reads an agenda's details back.
pub fn event_of(event_json: Option<&str>) -> Option<EventDetails> {
    event_json.and_then(|json| serde_json::from_str(json).ok())
}

/// What an operator writes. Kept as JSON while it is a draft.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PostInput {
    pub title: String,
    pub body_markdown: String,
    pub summary: String,
    pub categories: Vec<String>,
    pub kind: PostKind,
    pub pinned: bool,
    /// A pinned announcement is unpinned at this time (Unix ms).
    pub pinned_until: Option<i64>,
    /// Required for an agenda, ignored otherwise.
    pub event: Option<EventDetails>,
    /// The cover first, then the gallery.
    pub images: Vec<PostImage>,
    /// Publication time in Unix ms when not now: for posts brought over from an old site.
    pub published_at: Option<i64>,
}

/// Changes to a post from the command line or the API; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct PostChanges {
    pub title: Option<String>,
    pub body_markdown: Option<String>,
    pub summary: Option<String>,
    pub categories: Option<Vec<String>>,
    pub pinned: Option<bool>,
}

impl PostInput {
    /// The input that would write `post` as it is now (to edit a published post).
    pub fn of_post(post: &crate::store::PostRecord) -> Self {
        Self {
            title: post.title.clone(),
            body_markdown: post.body_markdown.clone(),
            summary: post.summary.clone(),
            categories: post.category_list(),
            kind: PostKind::parse(&post.kind),
            pinned: post.pinned,
            pinned_until: post.pinned_until,
            event: event_of(post.event_json.as_deref()),
            images: images_of(&post.images_json),
            published_at: None,
        }
    }
}

/// A category name usable as a hashtag: letters, digits and `_`, at most 50.
pub fn parse_category(input: &str) -> anyhow::Result<String> {
    let name = input.trim().trim_start_matches('#');
    if name.is_empty()
        || name.chars().count() > 50
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return refuse(strings::CATEGORY_INVALID);
    }
    Ok(name.to_string())
}

fn validate_event(event: Option<&EventDetails>) -> anyhow::Result<EventDetails> {
    let Some(event) = event.filter(|e| e.starts_at > 0) else {
        return refuse(strings::EVENT_MISSING);
    };
    if event.ends_at.is_some_and(|end| end < event.starts_at) {
        return refuse(strings::EVENT_ENDS_BEFORE_START);
    }
    let place = event.place.trim();
    let organiser = event.organiser.trim();
    if place.chars().count() > MAX_EVENT_FIELD_CHARS
        || organiser.chars().count() > MAX_EVENT_FIELD_CHARS
    {
        return refuse(strings::EVENT_FIELD_TOO_LONG);
    }
    Ok(EventDetails {
        place: place.to_string(),
        organiser: organiser.to_string(),
        ..event.clone()
    })
}

fn validate_images(images: &[PostImage]) -> anyhow::Result<Vec<PostImage>> {
    if images.len() > MAX_IMAGES {
        return refuse(strings::TOO_MANY_IMAGES);
    }
    let mut checked = Vec::new();
    for image in images {
        if !image.is_well_formed() {
            return refuse(strings::IMAGE_UNKNOWN);
        }
        let alt = image.alt.trim();
        if alt.is_empty() {
            return refuse(strings::IMAGE_ALT_MISSING);
        }
        if alt.chars().count() > MAX_ALT_CHARS {
            return refuse(strings::IMAGE_ALT_TOO_LONG);
        }
        checked.push(PostImage {
            alt: alt.to_string(),
            ..image.clone()
        });
    }
    Ok(checked)
}

/// Checks everything but the body: what a draft must satisfy to be saved at all.
pub fn validate_title(input: &PostInput) -> anyhow::Result<()> {
    let title = input.title.trim();
    if title.is_empty() {
        return refuse(strings::TITLE_EMPTY);
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return refuse(strings::TITLE_TOO_LONG);
    }
    Ok(())
}

/// Checks the input against every rule and renders it into what the store keeps.
pub fn validate(input: &PostInput, now: i64) -> anyhow::Result<PostContent> {
    if input.published_at.is_some_and(|at| at > now + 60_000) {
        return refuse(strings::PUBLISHED_IN_FUTURE);
    }
    validate_title(input)?;
    let summary = input.summary.trim();
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        return refuse(strings::SUMMARY_TOO_LONG);
    }
    if input.body_markdown.trim().is_empty() {
        return refuse(strings::BODY_EMPTY);
    }
    if input.body_markdown.len() > MAX_BODY_BYTES {
        return refuse(strings::BODY_TOO_LONG);
    }
    if input.categories.len() > MAX_CATEGORIES {
        return refuse(strings::TOO_MANY_CATEGORIES);
    }
    let mut categories = Vec::new();
    for category in &input.categories {
        let category = parse_category(category)?;
        if !categories
            .iter()
            .any(|c: &String| c.eq_ignore_ascii_case(&category))
        {
            categories.push(category);
        }
    }
    let event = match input.kind {
        PostKind::Agenda => Some(validate_event(input.event.as_ref())?),
        _ => None,
    };
    let pinned_until = input.pinned_until.filter(|_| input.pinned);
    if pinned_until.is_some_and(|until| until <= now) {
        return refuse(strings::PIN_END_PASSED);
    }
    let images = validate_images(&input.images)?;
    Ok(PostContent {
        title: input.title.trim().to_string(),
        summary: summary.to_string(),
        body_markdown: input.body_markdown.clone(),
        body_html: markdown::render(&input.body_markdown),
        categories,
        language: "id".to_string(),
        pinned: input.pinned,
        published_at: input.published_at,
        kind: input.kind.as_str().to_string(),
        pinned_until,
        event_json: event.map(|e| serde_json::to_string(&e)).transpose()?,
        images_json: serde_json::to_string(&images)?,
        author_user_id: None,
        document_json: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(result: anyhow::Result<PostContent>) -> Option<&'static str> {
        result
            .err()
            .and_then(|e| e.downcast_ref::<InvalidInput>().map(|i| i.0.en))
    }

    fn base() -> PostInput {
        PostInput {
            title: "Judul".into(),
            body_markdown: "isi".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_ten_thousand_character_title_is_refused() {
        let input = PostInput {
            title: "a".repeat(10_000),
            ..base()
        };
        assert_eq!(
            text_of(validate(&input, 0)),
            Some(strings::TITLE_TOO_LONG.en)
        );
    }

    #[test]
    fn categories_are_deduplicated_and_checked() {
        let input = PostInput {
            categories: vec!["Berita".into(), "#berita".into()],
            ..base()
        };
        assert_eq!(
            validate(&input, 0).map(|c| c.categories).ok(),
            Some(vec!["Berita".to_string()])
        );
        assert!(parse_category("bad tag!").is_err());
    }

    #[test]
    fn an_agenda_needs_its_start_and_ends_after_it() {
        let agenda = PostInput {
            kind: PostKind::Agenda,
            ..base()
        };
        assert_eq!(
            text_of(validate(&agenda, 0)),
            Some(strings::EVENT_MISSING.en)
        );
        let backwards = PostInput {
            event: Some(EventDetails {
                starts_at: 2_000,
                ends_at: Some(1_000),
                ..Default::default()
            }),
            ..agenda.clone()
        };
        assert_eq!(
            text_of(validate(&backwards, 0)),
            Some(strings::EVENT_ENDS_BEFORE_START.en)
        );
        let good = PostInput {
            event: Some(EventDetails {
                starts_at: 2_000,
                ends_at: None,
                place: " Balai Desa ".into(),
                ..Default::default()
            }),
            ..agenda
        };
        let content = validate(&good, 0).expect("valid agenda");
        assert_eq!(
            event_of(content.event_json.as_deref()).map(|e| e.place),
            Some("Balai Desa".to_string())
        );
    }

    #[test]
    fn a_news_post_carries_no_event_and_a_pin_end_needs_a_pin() {
        let input = PostInput {
            event: Some(EventDetails {
                starts_at: 5,
                ..Default::default()
            }),
            pinned_until: Some(10_000),
            ..base()
        };
        let content = validate(&input, 0).expect("valid");
        assert_eq!(content.event_json, None);
        assert_eq!(content.pinned_until, None);
    }

    #[test]
    fn images_need_alt_text_and_known_files() {
        let image = PostImage {
            key: "0123456789abcdef0123456789abcdef".into(),
            extension: "jpg".into(),
            mime: "image/jpeg".into(),
            width: 10,
            height: 10,
            alt: "  ".into(),
        };
        let input = PostInput {
            images: vec![image.clone()],
            ..base()
        };
        assert_eq!(
            text_of(validate(&input, 0)),
            Some(strings::IMAGE_ALT_MISSING.en)
        );
        let forged = PostInput {
            images: vec![PostImage {
                key: "../../etc/passwd".into(),
                alt: "x".into(),
                ..image
            }],
            ..base()
        };
        assert_eq!(
            text_of(validate(&forged, 0)),
            Some(strings::IMAGE_UNKNOWN.en)
        );
    }
}
