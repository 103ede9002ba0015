//! Templates for what villages post every week (pengumuman, undangan kerja bakti or
//! rapat, jadwal posyandu, penyaluran bantuan, kabar UMKM, agenda): a name, a kind, the
//! categories, and the start of the title, summary, body and event fields. A template is
//! never published: choosing one fills a new post's form, where everything stays
//! editable and passes the post's own checks. Its own checks are the post's limits.

use super::{
    PostInput, PostKind, PublishError,
    input::{
        MAX_BODY_BYTES, MAX_CATEGORIES, MAX_EVENT_FIELD_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
    },
    parse_category,
};
use crate::refusal::InvalidInput;
use crate::{
    clock::now_ms,
    store::{NewPostTemplate, PostTemplateRecord, Store},
    strings,
};

pub const MAX_NAME_CHARS: usize = 80;

/// A template as the admin writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateInput {
    pub name: String,
    pub kind: PostKind,
    pub title: String,
    pub summary: String,
    pub body: String,
    /// Category names, each checked like a post's.
    pub categories: Vec<String>,
    pub event_place: String,
    pub event_organiser: String,
    pub position: i64,
}

fn refuse<T>(text: strings::Text) -> Result<T, InvalidInput> {
    Err(InvalidInput(text))
}

impl TemplateInput {
    /// Reads the categories from "Agenda, Kesehatan" and checks every field.
    pub fn checked(mut self) -> Result<Self, InvalidInput> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() || self.name.chars().count() > MAX_NAME_CHARS {
            return refuse(strings::TEMPLATE_NAME_INVALID);
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            return refuse(strings::TITLE_TOO_LONG);
        }
        if self.summary.chars().count() > MAX_SUMMARY_CHARS {
            return refuse(strings::SUMMARY_TOO_LONG);
        }
        if self.body.len() > MAX_BODY_BYTES {
            return refuse(strings::BODY_TOO_LONG);
        }
        if self.event_place.chars().count() > MAX_EVENT_FIELD_CHARS
            || self.event_organiser.chars().count() > MAX_EVENT_FIELD_CHARS
        {
            return refuse(strings::EVENT_FIELD_TOO_LONG);
        }
        let mut categories = Vec::new();
        for name in &self.categories {
            if name.trim().is_empty() {
                continue;
            }
            let name = parse_category(name)?;
            if !categories.contains(&name) {
                categories.push(name);
            }
        }
        if categories.len() > MAX_CATEGORIES {
            return refuse(strings::TOO_MANY_CATEGORIES);
        }
        self.categories = categories;
        if self.kind == PostKind::Informasi {
            self.kind = PostKind::Berita;
        }
        Ok(self)
    }
}

/// Categories written "A, B" read as a list.
pub fn split_categories(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(String::from)
        .collect()
}

fn row<'a>(input: &'a TemplateInput, categories: &'a str) -> NewPostTemplate<'a> {
    NewPostTemplate {
        name: &input.name,
        kind: input.kind,
        title: &input.title,
        summary: &input.summary,
        body: &input.body,
        categories,
        event_place: &input.event_place,
        event_organiser: &input.event_organiser,
        position: input.position,
    }
}

pub async fn add(store: &Store, input: TemplateInput) -> Result<PostTemplateRecord, PublishError> {
    let input = input.checked()?;
    let categories = input.categories.join(", ");
    let new = row(&input, &categories);
    Ok(store.insert_post_template(&new, now_ms()).await?)
}

pub async fn change(
    store: &Store,
    id: i64,
    input: TemplateInput,
) -> Result<PostTemplateRecord, PublishError> {
    let input = input.checked()?;
    let categories = input.categories.join(", ");
    let new = row(&input, &categories);
    store
        .update_post_template(id, &new, now_ms())
        .await?
        .ok_or(PublishError::Refused(InvalidInput(strings::TEMPLATE_GONE)))
}

/// What a template puts in a new post's form. An agenda's time is left for the
/// operator to choose: the place and organiser are kept for when they do.
pub fn start_of(template: &PostTemplateRecord) -> (PostInput, String, String) {
    let input = PostInput {
        title: template.title.clone(),
        summary: template.summary.clone(),
        body_markdown: template.body.clone(),
        categories: split_categories(&template.categories),
        kind: template.kind,
        ..Default::default()
    };
    (
        input,
        template.event_place.clone(),
        template.event_organiser.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_needs_a_name_and_the_posts_limits() {
        let ok = TemplateInput {
            name: "  Posyandu ".into(),
            kind: PostKind::Agenda,
            categories: split_categories("Agenda, Kesehatan, Agenda"),
            ..Default::default()
        }
        .checked()
        .expect("a good template");
        assert_eq!(ok.name, "Posyandu");
        assert_eq!(ok.categories, ["Agenda", "Kesehatan"]);
        for bad in [
            TemplateInput::default(),
            TemplateInput {
                name: "x".repeat(81),
                ..Default::default()
            },
            TemplateInput {
                name: "Rapat".into(),
                title: "x".repeat(301),
                ..Default::default()
            },
            TemplateInput {
                name: "Rapat".into(),
                categories: vec!["bukan kategori!".into()],
                ..Default::default()
            },
        ] {
            assert!(bad.checked().is_err());
        }
    }
}
