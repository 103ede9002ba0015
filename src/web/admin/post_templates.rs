//! `/admin/templates` (editors and admins): the ready starts the editor offers for posts
//! written every week ("Mulai dari templat"). The rules of a template are in
//! `publishing::templates`; this turns its forms into those calls.

use super::{
    fields::Fields,
    session::{Admin, AdminPost},
    view::{self, OkQuery},
};
use crate::{
    publishing::{
        PostKind, PublishError,
        templates::{self, TemplateInput, split_categories},
    },
    refusal::InvalidInput,
    state::AppState,
    store::PostTemplateRecord,
    strings::{self, Text},
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};

fn kinds(admin: &Admin) -> Vec<Value> {
    PostKind::OFFERED
        .iter()
        .map(|kind| context! { value => kind, label => kind.label().get(admin.lang) })
        .collect()
}

fn row(admin: &Admin, template: &PostTemplateRecord) -> Value {
    context! {
        id => template.id,
        name => template.name.clone(),
        kind => template.kind,
        kind_label => template.kind.label().get(admin.lang),
        title => template.title.clone(),
        summary => template.summary.clone(),
        body => template.body.clone(),
        categories => template.categories.clone(),
        event_place => template.event_place.clone(),
        event_organiser => template.event_organiser.clone(),
        position => template.position,
    }
}

/// The form as sent, to show it again with its refusal.
fn typed(fields: &Fields) -> Value {
    context! {
        name => fields.get("name"),
        kind => fields.get("kind"),
        title => fields.get("title"),
        summary => fields.get("summary"),
        body => fields.get("body"),
        categories => fields.get("categories"),
        event_place => fields.get("event_place"),
        event_organiser => fields.get("event_organiser"),
        position => fields.get("position"),
    }
}

async fn show_list(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    error: Option<String>,
    ok: Option<&str>,
    new_template: Value,
) -> Result<Response, Response> {
    let list = state.store.post_templates().await.map_err(view::failure)?;
    let next_position = list.iter().map(|t| t.position + 1).max().unwrap_or(0);
    let new_template = if new_template.is_none() {
        context! { kind => PostKind::default(), position => next_position }
    } else {
        new_template
    };
    Ok(view::page(
        admin,
        status,
        "admin/post_templates.html",
        context! {
            templates => list.iter().map(|t| row(admin, t)).collect::<Vec<_>>(),
            kinds => kinds(admin),
            new_template => new_template,
            error => error,
            flash => view::flash(ok, admin.lang),
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<OkQuery>,
) -> Result<Response, Response> {
    let ok = query.ok.as_deref();
    show_list(&state, &admin, StatusCode::OK, None, ok, Value::from(())).await
}

fn input_of(fields: &Fields) -> Result<TemplateInput, Text> {
    let position = match fields.get("position").trim() {
        "" => 0,
        value => value
            .parse::<i64>()
            .ok()
            .filter(|p| (0..=10_000).contains(p))
            .ok_or(strings::ADMIN_POSITION_INVALID)?,
    };
    Ok(TemplateInput {
        name: fields.get("name").to_string(),
        // A word that is no kind (a hand-edited form) makes a template for news.
        kind: PostKind::parse(fields.get("kind")).unwrap_or_default(),
        title: fields.get("title").to_string(),
        summary: fields.get("summary").to_string(),
        body: fields.get("body").to_string(),
        categories: split_categories(fields.get("categories")),
        event_place: fields.get("event_place").to_string(),
        event_organiser: fields.get("event_organiser").to_string(),
        position,
    })
}

pub async fn add(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let result = match input_of(&fields) {
        Ok(input) => templates::add(&state.store, input).await,
        Err(text) => Err(InvalidInput(text).into()),
    };
    match result {
        Ok(_) => Ok(view::done("/admin/templates", "template_saved")),
        Err(PublishError::Refused(invalid)) => Err(show_list(
            &state,
            &admin,
            StatusCode::BAD_REQUEST,
            Some(invalid.0.get(admin.lang).to_string()),
            None,
            typed(&fields),
        )
        .await?),
        Err(PublishError::Failed(err)) => Err(view::failure(err)),
    }
}

async fn find(state: &AppState, admin: &Admin, id: i64) -> Result<PostTemplateRecord, Response> {
    match state.store.post_template(id).await {
        Ok(Some(template)) => Ok(template),
        Ok(None) => Err(view::message(
            admin,
            StatusCode::NOT_FOUND,
            strings::TEMPLATE_GONE,
        )),
        Err(err) => Err(view::failure(err)),
    }
}

fn show_edit(admin: &Admin, status: StatusCode, editing: Value, error: Option<String>) -> Response {
    view::page(
        admin,
        status,
        "admin/post_templates.html",
        context! { editing => editing, kinds => kinds(admin), error => error },
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let template = find(&state, &admin, id).await?;
    Ok(show_edit(
        &admin,
        StatusCode::OK,
        row(&admin, &template),
        None,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    find(&state, &admin, id).await?;
    let result = match input_of(&fields) {
        Ok(input) => templates::change(&state.store, id, input).await,
        Err(text) => Err(InvalidInput(text).into()),
    };
    match result {
        Ok(_) => Ok(view::done("/admin/templates", "template_saved")),
        Err(PublishError::Refused(invalid)) => {
            let editing = context! { id => id, ..typed(&fields) };
            Err(show_edit(
                &admin,
                StatusCode::BAD_REQUEST,
                editing,
                Some(invalid.0.get(admin.lang).to_string()),
            ))
        }
        Err(PublishError::Failed(err)) => Err(view::failure(err)),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    if !fields.checked("confirm") {
        return Err(view::message(
            &admin,
            StatusCode::BAD_REQUEST,
            strings::ADMIN_FORM_UNREADABLE,
        ));
    }
    match state.store.delete_post_template(id).await {
        Ok(true) => Ok(view::done("/admin/templates", "template_deleted")),
        Ok(false) => Err(view::message(
            &admin,
            StatusCode::NOT_FOUND,
            strings::TEMPLATE_GONE,
        )),
        Err(err) => Err(view::failure(err)),
    }
}
