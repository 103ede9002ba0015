//! `GET /sitemap.xml` (home, profile pages and the privacy policy, categories, archive
//! months, every live post with its last change) and `GET /robots.txt` (where the
//! sitemap is; the admin is not for crawlers).

use super::view::{Site, category_path, page_path};
use crate::{clock::to_rfc3339, error::AppError, state::AppState, web::syndication::escape};
use axum::{
    extract::State,
    http::header::{CACHE_CONTROL, CONTENT_TYPE},
    response::{IntoResponse, Response},
};
use std::fmt::Write;

/// `GET /sitemap.xml`
pub async fn sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let stamps = state.store.post_stamps(site.actor.id).await?;
    let base = state.urls.base();
    let absolute = |path: &str| base.join(path).map(|u| u.to_string()).unwrap_or_default();
    let newest = stamps
        .iter()
        .map(|s| s.updated_at.unwrap_or(s.published_at).max(s.published_at))
        .max();
    let mut urls: Vec<(String, Option<i64>)> = vec![(absolute("/"), newest)];
    urls.push((absolute("/profil"), None));
    urls.push((state.urls.documents().to_string(), None));
    for page in &site.pages {
        urls.push((absolute(&page_path(&page.slug)), Some(page.updated_at)));
    }
    for category in &site.categories {
        urls.push((absolute(&category_path(&category.name)), None));
    }
    urls.push((absolute("/arsip"), newest));
    let months = super::archive::month_counts(
        stamps
            .iter()
            .map(|s| site.settings.time_zone.year_month(s.published_at)),
    );
    for ((year, month), _) in months {
        urls.push((absolute(&format!("/arsip/{year}/{month}")), None));
    }
    for stamp in &stamps {
        let changed = stamp
            .updated_at
            .unwrap_or(stamp.published_at)
            .max(stamp.published_at);
        urls.push((state.urls.post(&stamp.public_id).to_string(), Some(changed)));
    }
    let mut xml = String::with_capacity(256 + urls.len() * 120);
    xml.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#,
        "\n"
    ));
    for (url, lastmod) in urls {
        let _ = write!(xml, "<url><loc>{}</loc>", escape(&url));
        if let Some(at) = lastmod {
            let _ = write!(xml, "<lastmod>{}</lastmod>", to_rfc3339(at));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    Ok((
        [
            (CONTENT_TYPE, "application/xml; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        xml,
    )
        .into_response())
}

/// `GET /robots.txt`
pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin\nSitemap: {}sitemap.xml\n",
        state.urls.base()
    );
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
