//! What the editor's script asks of the server while the operator writes, as JSON: a
//! photo stored as soon as it is chosen (`/admin/editor/upload`, the same processing as
//! the form's uploads), the form saved as a server draft every few seconds
//! (`/admin/editor/autosave`), and the post rendered as readers and link cards will show
//! it (`/admin/editor/preview`). Each is a POST through the same gate as every admin
//! form (session, permission of its row, CSRF token, Origin); a refusal is a 4xx with a
//! one-line `error` in the operator's language. The form itself never depends on them.

use super::{
    editor::{
        EditorForm, Target, UploadFailure, actor_of, autosaves, may_edit_draft, media_status,
        store_upload,
    },
    session::{Admin, AdminMultipart, AdminPost},
    view,
};
use crate::{
    media::{MediaError, MediaStore},
    publishing::{
        PublishError,
        drafts::{self, DraftStatus},
        markdown,
    },
    state::AppState,
    strings::{self, Text},
    web::site::view::text_excerpt,
};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// How long the link card's text may be when the post has no summary (as the site's).
const CARD_CHARS: usize = 200;

fn refuse(admin: &Admin, status: StatusCode, text: Text) -> Response {
    refuse_with(status, text.fill(admin.lang, &admin.settings.village_word))
}

fn refuse_with(status: StatusCode, error: String) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// `POST /admin/editor/upload`: one photo (`photo`), processed and stored as the form's
/// uploads are; answers where it is and its size, for the form to refer to it.
pub async fn upload(
    State(state): State<AppState>,
    AdminMultipart(AdminPost { admin, fields }): AdminMultipart,
) -> Response {
    let Some(file) = fields.files_of("photo").next() else {
        return refuse(
            &admin,
            StatusCode::BAD_REQUEST,
            strings::EDITOR_UPLOAD_MISSING,
        );
    };
    let result = if file.too_large {
        Err(UploadFailure::Media(MediaError::TooLarge))
    } else {
        store_upload(&state, file.bytes.clone()).await
    };
    match result {
        Ok(image) => {
            tracing::info!(key = %image.key, "photo stored for the editor");
            Json(json!({
                "key": image.key,
                "extension": image.extension,
                "mime": image.mime,
                "width": image.width,
                "height": image.height,
                "thumb": format!("/media/{}", image.file_name("thumb")),
                "medium": format!("/media/{}", image.file_name("medium")),
            }))
            .into_response()
        }
        Err(UploadFailure::Media(err)) => refuse(&admin, media_status(&err), err.text()),
        Err(UploadFailure::Internal(err)) => view::failure(err),
    }
}

/// The draft named by the form's `draft_id`, or a new one when it is empty.
async fn target_of(state: &AppState, admin: &Admin, draft_id: &str) -> Result<Target, Response> {
    if draft_id.is_empty() {
        return Ok(Target::New);
    }
    let Ok(id) = draft_id.parse::<i64>() else {
        return Err(refuse(
            admin,
            StatusCode::BAD_REQUEST,
            strings::ADMIN_FORM_UNREADABLE,
        ));
    };
    match state.store.draft_by_id(id).await {
        Ok(Some(draft)) if !may_edit_draft(admin, &draft) => Err(refuse(
            admin,
            StatusCode::FORBIDDEN,
            strings::ADMIN_FORBIDDEN,
        )),
        Ok(Some(draft)) => Ok(Target::Draft(draft)),
        Ok(None) => Err(refuse(admin, StatusCode::NOT_FOUND, strings::DRAFT_GONE)),
        Err(err) => Err(view::failure(err)),
    }
}

/// `POST /admin/editor/autosave`: the whole form (text fields, kept images) saved as a
/// draft: a new one the first time, then the same one (`draft_id`). Only a draft still
/// being written is saved this way (409 otherwise): one waiting for approval or
/// scheduled changes only when a button says so.
pub async fn autosave(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Response {
    let target = match target_of(&state, &admin, fields.get("draft_id")).await {
        Ok(target) => target,
        Err(refusal) => return refusal,
    };
    if !autosaves(&admin, &target) {
        return refuse(
            &admin,
            StatusCode::CONFLICT,
            strings::EDITOR_AUTOSAVE_NOT_DRAFT,
        );
    }
    let media = MediaStore::new(&state.config.dir);
    let form = EditorForm::of_fields(&fields, &media);
    let (input, publish_at) = match form.to_input(admin.settings.time_zone) {
        Ok(read) => read,
        Err(text) => return refuse(&admin, StatusCode::BAD_REQUEST, text),
    };
    let existing = match &target {
        Target::Draft(draft) => Some(draft),
        _ => None,
    };
    let author = existing
        .map(|d| d.author_user_id)
        .unwrap_or(Some(admin.user_id()));
    let saved = match actor_of(&state, &admin, &target).await {
        Ok(actor) => {
            drafts::save(
                &state.store,
                &actor,
                author,
                existing,
                DraftStatus::Draft,
                &input,
                publish_at,
            )
            .await
        }
        Err(err) => Err(PublishError::Failed(err)),
    };
    match saved {
        Ok(draft) => {
            tracing::info!(draft = draft.id, "draft saved as typed");
            Json(json!({
                "draft_id": draft.id,
                "edit_url": format!("/admin/drafts/{}/edit", draft.id),
                "saved_at": draft.updated_at,
            }))
            .into_response()
        }
        Err(PublishError::Refused(invalid)) => refuse(&admin, StatusCode::BAD_REQUEST, invalid.0),
        Err(PublishError::Failed(err)) => view::failure(err),
    }
}

/// `POST /admin/editor/preview`: the post as the site will render it (the same safe
/// HTML) and what a link card shows: title, summary (or the body's first words), first
/// image. Stores nothing.
pub async fn preview(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Response {
    let media = MediaStore::new(&state.config.dir);
    let form = EditorForm::of_fields(&fields, &media);
    let (input, _) = match form.to_input(admin.settings.time_zone) {
        Ok(read) => read,
        Err(text) => return refuse(&admin, StatusCode::BAD_REQUEST, text),
    };
    let body_html = markdown::render(&input.body_markdown);
    let card_summary = if input.summary.trim().is_empty() {
        text_excerpt(&markdown::plain_text(&body_html), CARD_CHARS)
    } else {
        input.summary.clone()
    };
    let images: Vec<_> = input
        .images
        .iter()
        .map(|image| json!({ "src": format!("/media/{}", image.file_name("medium")), "alt": image.alt }))
        .collect();
    Json(json!({
        "title": input.title,
        "summary": input.summary,
        "body_html": body_html,
        "card_summary": card_summary,
        "images": images,
    }))
    .into_response()
}
