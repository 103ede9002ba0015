//! `GET /arsip`: every month that has posts, with how many, newest first (months as
//! the village counts them, in its time zone); `GET /arsip/YEAR/MONTH`: that month.

use super::view::{Site, message, render};
use crate::{error::AppError, site::dates, state::AppState, strings};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};

/// Posts shown for one month; a village writes far fewer.
const MONTH_LIMIT: i64 = 500;

/// `GET /arsip`
pub async fn archive(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let stamps = state.store.post_stamps(site.actor.id).await?;
    let months = month_counts(
        stamps
            .iter()
            .map(|s| site.settings.time_zone.year_month(s.published_at)),
    );
    let mut years: Vec<(i32, Vec<Value>)> = Vec::new();
    for ((year, month), count) in months {
        let entry = context! {
            label => dates::month(month, site.lang),
            url => format!("/arsip/{year}/{month}"),
            count => count,
        };
        match years.last_mut() {
            Some((y, list)) if *y == year => list.push(entry),
            _ => years.push((year, vec![entry])),
        }
    }
    let years: Vec<Value> = years
        .into_iter()
        .map(|(year, months)| context! { year => year, months => months })
        .collect();
    render(
        StatusCode::OK,
        "site/archive.html",
        context! { years => years, ..site.base(&state, "arsip") },
    )
}

/// (year, month) with their number of posts, in the order met (newest first).
pub fn month_counts(months: impl Iterator<Item = (i32, u32)>) -> Vec<((i32, u32), usize)> {
    let mut counts: Vec<((i32, u32), usize)> = Vec::new();
    for month in months {
        match counts.iter_mut().find(|(m, _)| *m == month) {
            Some((_, count)) => *count += 1,
            None => counts.push((month, 1)),
        }
    }
    counts.sort_by_key(|(month, _)| std::cmp::Reverse(*month));
    counts
}

/// A year and month from the path: 1970–9999 and 1–12 (`05` is fine).
pub fn parse_month(year: &str, month: &str) -> Option<(i32, u32)> {
    let year: i32 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let month: u32 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    Some((year, month))
}

/// `GET /arsip/YEAR/MONTH`
pub async fn month(
    State(state): State<AppState>,
    Path((year, month)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let range = parse_month(&year, &month)
        .and_then(|(y, m)| Some((y, m, site.settings.time_zone.month_range(y, m)?)));
    let Some((year, month, (from, to))) = range else {
        return message(
            &site,
            &state,
            StatusCode::NOT_FOUND,
            strings::SITE_ARCHIVE_BAD_MONTH,
        );
    };
    let posts = state
        .store
        .posts_between(site.actor.id, from, to, MONTH_LIMIT)
        .await?;
    let heading = format!("{} {year}", dates::month(month, site.lang));
    render(
        StatusCode::OK,
        "site/list.html",
        context! {
            heading => heading,
            eyebrow => site.text(strings::SITE_ARCHIVE_MONTH),
            posts => posts.iter().map(|p| site.card(p)).collect::<Vec<_>>(),
            empty => site.text(strings::NO_POSTS),
            back => context! { url => "/arsip", label => site.text(strings::SITE_ARCHIVE_TITLE) },
            ..site.base(&state, "arsip")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_counted_newest_first() {
        let counts = month_counts([(2026, 5), (2026, 5), (2025, 12), (2026, 4)].into_iter());
        assert_eq!(
            counts,
            vec![((2026, 5), 2), ((2026, 4), 1), ((2025, 12), 1)]
        );
    }

    #[test]
    fn only_real_months_parse() {
        assert_eq!(parse_month("2026", "05"), Some((2026, 5)));
        assert_eq!(parse_month("2026", "13"), None);
        assert_eq!(parse_month("2026", "0"), None);
        assert_eq!(parse_month("abc", "1"), None);
        assert_eq!(parse_month("99999", "1"), None);
    }
}
