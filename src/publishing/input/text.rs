//! The written parts of a post: title, summary, body and categories, each within its
//! limit. A category is a hashtag too, so its name is one a hashtag can be.

use crate::{refusal::InvalidInput, strings};

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 1_000;
pub const MAX_BODY_BYTES: usize = 200_000;
pub const MAX_CATEGORIES: usize = 10;

/// A category name usable as a hashtag: letters, digits and `_`, at most 50.
pub fn parse_category(input: &str) -> Result<String, InvalidInput> {
    let name = input.trim().trim_start_matches('#');
    if name.is_empty()
        || name.chars().count() > 50
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(InvalidInput(strings::CATEGORY_INVALID));
    }
    Ok(name.to_string())
}

/// The title, trimmed: present and within its limit.
pub(super) fn title(title: &str) -> Result<&str, InvalidInput> {
    let title = title.trim();
    if title.is_empty() {
        return Err(InvalidInput(strings::TITLE_EMPTY));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(InvalidInput(strings::TITLE_TOO_LONG));
    }
    Ok(title)
}

/// The summary, trimmed: within its limit (it may be empty).
pub(super) fn summary(summary: &str) -> Result<&str, InvalidInput> {
    let summary = summary.trim();
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        return Err(InvalidInput(strings::SUMMARY_TOO_LONG));
    }
    Ok(summary)
}

/// The body's Markdown: present and within its limit.
pub(super) fn body(markdown: &str) -> Result<(), InvalidInput> {
    if markdown.trim().is_empty() {
        return Err(InvalidInput(strings::BODY_EMPTY));
    }
    if markdown.len() > MAX_BODY_BYTES {
        return Err(InvalidInput(strings::BODY_TOO_LONG));
    }
    Ok(())
}

/// The categories as kept: at most [`MAX_CATEGORIES`], each a hashtag, the first of
/// names that differ only in case.
pub(super) fn categories(names: &[String]) -> Result<Vec<String>, InvalidInput> {
    if names.len() > MAX_CATEGORIES {
        return Err(InvalidInput(strings::TOO_MANY_CATEGORIES));
    }
    let mut categories: Vec<String> = Vec::new();
    for name in names {
        let category = parse_category(name)?;
        if !categories.iter().any(|c| c.eq_ignore_ascii_case(&category)) {
            categories.push(category);
        }
    }
    Ok(categories)
}
