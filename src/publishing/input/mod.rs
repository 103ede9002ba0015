//! What an operator writes ([`PostInput`]), and the checks it must pass before it
//! becomes a post, one file per part: `kind` (berita, pengumuman, agenda, informasi),
//! `text` (title, summary, body, categories), `event` (an agenda's time and place) and
//! `images` (photos and their alt text). Every check refuses with an [`InvalidInput`]
//! carrying its sentence in both languages, so the admin shows it in the reader's
//! language and the command line prints both.

mod event;
mod images;
mod kind;
mod text;

pub use event::{EventDetails, MAX_EVENT_FIELD_CHARS, event_of};
pub use images::{MAX_ALT_CHARS, MAX_IMAGES, PostImage, images_of};
pub use kind::PostKind;
pub use text::{
    MAX_BODY_BYTES, MAX_CATEGORIES, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, parse_category,
};

use super::{PublishError, markdown};
use crate::{
    refusal::InvalidInput,
    store::{PostContent, QuotePolicy},
    strings,
};
use anyhow::Context;
use serde::{Deserialize, Serialize};

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
    /// Who may quote it (FEP-044f); `None` takes the site's setting when it is
    /// published, and anyone where no site setting applies (an import).
    pub quote_policy: Option<QuotePolicy>,
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
            kind: post.kind,
            pinned: post.pinned,
            pinned_until: post.pinned_until,
            event: event_of(post.event_json.as_deref()),
            images: images_of(&post.images_json),
            published_at: None,
            quote_policy: Some(post.quote_policy),
        }
    }
}

/// Checks everything but the body: what a draft must satisfy to be saved at all.
pub fn validate_title(input: &PostInput) -> Result<(), InvalidInput> {
    text::title(&input.title).map(|_| ())
}

/// Checks the input against every rule and renders it into what the store keeps. The
/// checks run in the order the form reads, so the first refusal is the topmost field's.
pub fn validate(input: &PostInput, now: i64) -> Result<PostContent, PublishError> {
    if input.published_at.is_some_and(|at| at > now + 60_000) {
        return Err(InvalidInput(strings::PUBLISHED_IN_FUTURE).into());
    }
    let title = text::title(&input.title)?;
    let summary = text::summary(&input.summary)?;
    text::body(&input.body_markdown)?;
    let categories = text::categories(&input.categories)?;
    let event = match input.kind {
        PostKind::Agenda => Some(event::checked(input.event.as_ref())?),
        _ => None,
    };
    let pinned_until = input.pinned_until.filter(|_| input.pinned);
    if pinned_until.is_some_and(|until| until <= now) {
        return Err(InvalidInput(strings::PIN_END_PASSED).into());
    }
    let images = images::checked(&input.images)?;
    Ok(PostContent {
        title: title.to_string(),
        summary: summary.to_string(),
        body_markdown: input.body_markdown.clone(),
        body_html: markdown::render(&input.body_markdown),
        categories,
        language: "id".to_string(),
        pinned: input.pinned,
        published_at: input.published_at,
        kind: input.kind,
        pinned_until,
        event_window: event.as_ref().map(EventDetails::window),
        event_json: event
            .map(|e| serde_json::to_string(&e))
            .transpose()
            .context("writing an agenda's details")?,
        images_json: serde_json::to_string(&images).context("writing a post's images")?,
        author_user_id: None,
        on_behalf_of: None,
        document_json: None,
        quote_policy: input.quote_policy.unwrap_or(QuotePolicy::Public),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(result: Result<PostContent, PublishError>) -> Option<&'static str> {
        match result {
            Err(PublishError::Refused(invalid)) => Some(invalid.0.en),
            _ => None,
        }
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
