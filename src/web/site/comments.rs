//! The comments under a post: residents' replies an operator approved, each with the
//! village's public answers. What is shown comes from `aspirations::moderation`, already
//! cleaned and with NIK-like numbers masked; this module only lays it out in the
//! village's language and time zone.

use super::view::Site;
use crate::{aspirations::moderation, clock::to_rfc3339, error::AppError, state::AppState};
use minijinja::{Value, context};

/// The comments of post `post_id`, for `site/comments.html`.
pub async fn for_post(state: &AppState, site: &Site, post_id: i64) -> Result<Vec<Value>, AppError> {
    let tz = site.settings.time_zone;
    let lang = site.lang;
    Ok(moderation::comments(&state.store, post_id)
        .await?
        .into_iter()
        .map(|comment| {
            let answers: Vec<Value> = comment
                .answers
                .iter()
                .map(|answer| {
                    context! {
                        content_html => Value::from_safe_string(answer.content_html.clone()),
                        sent => to_rfc3339(answer.sent_at),
                        sent_label => tz.date_time_label(answer.sent_at, lang),
                    }
                })
                .collect();
            context! {
                author_name => comment.author_name,
                handle => comment.handle,
                author_url => comment.author_url,
                note_url => comment.note_url,
                content_html => Value::from_safe_string(comment.content_html),
                published => to_rfc3339(comment.published_at),
                published_label => tz.date_time_label(comment.published_at, lang),
                edited => comment.edited_at.is_some(),
                answers => answers,
            }
        })
        .collect())
}
