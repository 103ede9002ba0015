//! `/admin/pages` (editors and admins): the site's static pages (Profil Desa: sejarah,
//! visi-misi, perangkat, kontak, ...) and the privacy policy (`kebijakan-privasi`,
//! which can be edited but not deleted), written in Markdown and rendered safe.

use super::{
    fields::Fields,
    session::{Admin, AdminPost},
    view::{self, OkQuery},
};
use crate::{
    clock::now_ms,
    publishing::markdown,
    site::profile::PRIVACY_SLUG,
    state::AppState,
    store::PageRecord,
    strings::{self, Text},
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

const MAX_TITLE_CHARS: usize = 200;
const MAX_BODY_BYTES: usize = 200_000;

/// A page's address: 1 to 60 of a-z, 0-9 and `-`.
pub fn parse_slug(input: &str) -> Option<String> {
    let slug = input.trim().to_lowercase();
    let valid = (1..=60).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then_some(slug)
}

#[derive(Clone, Debug, Default, serde::Serialize)]
struct PageForm {
    slug: String,
    title: String,
    body: String,
    position: String,
}

impl PageForm {
    fn of_fields(fields: &Fields) -> Self {
        Self {
            slug: fields.get("slug").trim().to_string(),
            title: fields.get("title").trim().to_string(),
            body: fields.get("body").to_string(),
            position: fields.get("position").trim().to_string(),
        }
    }

    fn check(&self) -> Result<i64, Text> {
        let chars = self.title.chars().count();
        if chars == 0 || chars > MAX_TITLE_CHARS {
            return Err(strings::ADMIN_PAGE_TITLE_INVALID);
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(strings::BODY_TOO_LONG);
        }
        match self.position.as_str() {
            "" => Ok(0),
            position => position
                .parse::<i64>()
                .ok()
                .filter(|p| (0..=10_000).contains(p))
                .ok_or(strings::ADMIN_POSITION_INVALID),
        }
    }
}

fn show(
    admin: &Admin,
    status: StatusCode,
    form: &PageForm,
    is_new: bool,
    error: Option<&str>,
) -> Response {
    view::page(
        admin,
        status,
        "admin/page_edit.html",
        context! {
            form => minijinja::Value::from_serialize(form),
            is_new => is_new,
            error => error,
            preview_html => (!form.body.trim().is_empty()).then(|| markdown::render(&form.body)),
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<OkQuery>,
) -> Result<Response, Response> {
    let pages = state.store.pages().await.map_err(view::failure)?;
    let tz = admin.settings.time_zone;
    let rows: Vec<_> = pages
        .iter()
        .map(|p| {
            context! {
                slug => p.slug.clone(),
                title => p.title.clone(),
                position => p.position,
                updated => tz.date_time_label(p.updated_at, admin.lang),
                deletable => p.slug != PRIVACY_SLUG,
            }
        })
        .collect();
    Ok(view::page(
        &admin,
        StatusCode::OK,
        "admin/pages.html",
        context! { pages => rows, flash => view::flash(query.ok.as_deref(), admin.lang) },
    ))
}

pub async fn new_form(State(_state): State<AppState>, admin: Admin) -> Result<Response, Response> {
    Ok(show(
        &admin,
        StatusCode::OK,
        &PageForm::default(),
        true,
        None,
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> Result<Response, Response> {
    let page = existing(&state, &admin, &slug).await?;
    let form = PageForm {
        slug: page.slug,
        title: page.title,
        body: page.body_markdown,
        position: page.position.to_string(),
    };
    Ok(show(&admin, StatusCode::OK, &form, false, None))
}

async fn existing(state: &AppState, admin: &Admin, slug: &str) -> Result<PageRecord, Response> {
    match state.store.page_by_slug(slug).await {
        Ok(Some(page)) => Ok(page),
        Ok(None) => Err(view::not_found(admin)),
        Err(err) => Err(view::failure(err)),
    }
}

async fn save(
    state: &AppState,
    admin: &Admin,
    slug: Option<String>,
    fields: Fields,
) -> Result<Response, Response> {
    let mut form = PageForm::of_fields(&fields);
    let is_new = slug.is_none();
    if let Some(slug) = slug {
        form.slug = slug;
    }
    let refuse = |text: Text| {
        show(
            admin,
            StatusCode::BAD_REQUEST,
            &form,
            is_new,
            Some(text.get(admin.lang)),
        )
    };
    let Some(slug) = parse_slug(&form.slug) else {
        return Err(refuse(strings::ADMIN_SLUG_INVALID));
    };
    let position = form.check().map_err(refuse)?;
    if is_new {
        let taken = state
            .store
            .page_by_slug(&slug)
            .await
            .map_err(view::failure)?;
        if taken.is_some() {
            return Err(refuse(strings::ADMIN_SLUG_TAKEN));
        }
    }
    let html = markdown::render(&form.body);
    state
        .store
        .save_page(&slug, &form.title, &form.body, &html, position, now_ms())
        .await
        .map_err(view::failure)?;
    Ok(view::done("/admin/pages", "page_saved"))
}

pub async fn new_submit(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    save(&state, &admin, None, fields).await
}

pub async fn edit_submit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let page = existing(&state, &admin, &slug).await?;
    save(&state, &admin, Some(page.slug), fields).await
}

pub async fn delete(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    if slug == PRIVACY_SLUG {
        return Err(view::message(
            &admin,
            StatusCode::BAD_REQUEST,
            strings::PRIVACY_KEPT,
        ));
    }
    if !fields.checked("confirm") {
        let text = strings::ADMIN_CONFIRM_MISSING;
        return Err(view::message(&admin, StatusCode::BAD_REQUEST, text));
    }
    match state.store.delete_page(&slug).await {
        Ok(true) => Ok(view::done("/admin/pages", "page_deleted")),
        Ok(false) => Err(view::not_found(&admin)),
        Err(err) => Err(view::failure(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_slug;

    #[test]
    fn slugs_are_checked() {
        assert_eq!(parse_slug(" Visi-Misi ").as_deref(), Some("visi-misi"));
        for bad in ["", "a b", "sejarah/1", "<x>", &"a".repeat(61)] {
            assert_eq!(parse_slug(bad), None, "{bad}");
        }
    }
}
