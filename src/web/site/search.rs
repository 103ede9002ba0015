//! `GET /cari?q=`: a simple search of the village's posts. Every word must appear in the
//! title, summary or text; `%` and `_` mean themselves (the store escapes them).

use super::view::{Site, render};
use crate::{error::AppError, state::AppState};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

const MAX_WORDS: usize = 5;
const MAX_WORD_CHARS: usize = 50;
const RESULTS: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// At most five words of at most fifty characters each.
pub fn words_of(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .take(MAX_WORDS)
        .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
        .collect()
}

pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let words = words_of(query.q.as_deref().unwrap_or_default());
    let results = if words.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .search_posts(site.actor.id, &words, RESULTS)
            .await?
    };
    render(
        StatusCode::OK,
        "site/search.html",
        context! {
            q => words.join(" "),
            searched => !words.is_empty(),
            posts => results.iter().map(|p| site.card(p)).collect::<Vec<_>>(),
            ..site.base(&state, "cari")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_bounded() {
        let words = words_of(&format!("a b c d e f {}", "x".repeat(80)));
        assert_eq!(words, vec!["a", "b", "c", "d", "e"]);
        assert_eq!(words_of(&"y".repeat(80))[0].chars().count(), 50);
        assert!(words_of("   ").is_empty());
    }
}
