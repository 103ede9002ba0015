//! `/admin/dokumen` (editors and admins): public-information documents. The list with
//! the upload form, one document's details (category, year, type; changing the category
//! to dikecualikan takes it off the site and the fediverse), deleting, the private file
//! of any document, and the checklist of required pages and yearly documents.
//!
//! Field names: `title`, `description`, `category`, `year`, `doc_type`, `file`, `csrf`;
//! deleting needs the `confirm` box ticked.

use super::{
    fields::Fields,
    session::{Admin, AdminMultipart, AdminPost},
    view,
};
use crate::{
    documents::{
        self, AcceptedFile, DOC_TYPES, DocumentError, DocumentFiles, DocumentInput, FileProblem,
        FileRefused, KipCategory, checklist,
    },
    state::AppState,
    store::DocumentRecord,
    strings::{self, Lang},
};
use anyhow::Context;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};

#[derive(Clone, Debug, Default, serde::Serialize)]
struct DocumentForm {
    title: String,
    description: String,
    category: String,
    year: String,
    doc_type: String,
}

impl DocumentForm {
    fn of_fields(fields: &Fields) -> Self {
        Self {
            title: fields.get("title").to_string(),
            description: fields.get("description").to_string(),
            category: fields.get("category").to_string(),
            year: fields.get("year").trim().to_string(),
            doc_type: fields.get("doc_type").to_string(),
        }
    }

    fn of_document(document: &DocumentRecord) -> Self {
        Self {
            title: document.title.clone(),
            description: document.description.clone(),
            category: document.category.as_str().to_string(),
            year: document.year.to_string(),
            doc_type: document.doc_type.clone(),
        }
    }

    fn input(&self) -> DocumentInput {
        DocumentInput {
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            year: self.year.clone(),
            doc_type: self.doc_type.clone(),
        }
    }
}

fn current_year(admin: &Admin) -> i64 {
    documents::year_of(admin.settings.time_zone, crate::clock::now_ms())
}

/// The choices of the form's two lists.
fn choices(admin: &Admin) -> Value {
    let lang = admin.lang;
    let categories: Vec<Value> = KipCategory::ALL
        .iter()
        .map(|c| context! { value => c, label => c.label().get(lang), hint => c.explanation().get(lang) })
        .collect();
    let mut types = vec![context! { value => "", label => strings::DOC_TYPE_OTHER.get(lang) }];
    types.extend(
        DOC_TYPES
            .iter()
            .map(|t| context! { value => t.code, label => t.label.get(lang) }),
    );
    context! { categories => categories, types => types, max_year => current_year(admin) + 1 }
}

fn type_label(code: &str, lang: Lang) -> &'static str {
    documents::doc_type(code)
        .map(|t| t.label)
        .unwrap_or(strings::DOC_TYPE_OTHER)
        .get(lang)
}

fn row(admin: &Admin, state: &AppState, document: &DocumentRecord) -> Value {
    let lang = admin.lang;
    let category = document.category;
    context! {
        id => document.id,
        title => document.title,
        year => document.year,
        category => category.label().get(lang),
        is_public => category.is_public(),
        doc_type => type_label(&document.doc_type, lang),
        format => documents::format_label(&document.media_type),
        size => documents::size_label(document.size_bytes),
        uploaded => admin.settings.time_zone.date_label(document.created_at, lang),
        public_url => category.is_public().then(|| state.urls.document_file(&document.public_id).to_string()),
    }
}

async fn show_list(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    form: &DocumentForm,
    error: Option<String>,
    ok: Option<&str>,
) -> Response {
    let list = match state.store.documents().await {
        Ok(list) => list,
        Err(err) => return view::failure(err),
    };
    let missing = match checklist::checklist(&state.store, current_year(admin)).await {
        Ok(checklist) => checklist.missing(),
        Err(err) => return view::failure(err),
    };
    let rows: Vec<Value> = list.iter().map(|d| row(admin, state, d)).collect();
    view::page(
        admin,
        status,
        "admin/documents.html",
        context! {
            documents => rows,
            form => Value::from_serialize(form),
            choices => choices(admin),
            error => error,
            flash => view::flash(ok, admin.lang),
            missing => missing,
        },
    )
}

/// `GET /admin/dokumen`
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<view::OkQuery>,
) -> Result<Response, Response> {
    let form = DocumentForm {
        category: KipCategory::Berkala.as_str().into(),
        year: current_year(&admin).to_string(),
        ..Default::default()
    };
    Ok(show_list(
        &state,
        &admin,
        StatusCode::OK,
        &form,
        None,
        query.ok.as_deref(),
    )
    .await)
}

fn refusal_status(problem: FileProblem) -> StatusCode {
    match problem {
        FileProblem::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        FileProblem::NoSpace => StatusCode::INSUFFICIENT_STORAGE,
        FileProblem::NotAccepted => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        FileProblem::Missing | FileProblem::Damaged => StatusCode::BAD_REQUEST,
    }
}

/// Checks the file (a PDF as it is, an image through the media pipeline) and keeps it.
async fn keep_file(
    state: &AppState,
    bytes: Vec<u8>,
    cut: bool,
) -> Result<(AcceptedFile, String), DocumentError> {
    if state.disk.files_may_grow().is_err() {
        let refused = FileRefused {
            problem: FileProblem::NoSpace,
            reason: strings::UPLOAD_NO_SPACE,
        };
        return Err(refused.into());
    }
    let files = DocumentFiles::new(&state.config.dir);
    tokio::task::spawn_blocking(move || {
        let file = documents::accept_file(&bytes, cut)?;
        let key = files
            .save(&file.bytes, file.ext)
            .context("keeping a document's file")?;
        Ok((file, key))
    })
    .await
    .context("keeping a document's file")?
}

/// `POST /admin/dokumen` (multipart): a new document.
pub async fn upload(
    State(state): State<AppState>,
    AdminMultipart(AdminPost { admin, fields }): AdminMultipart,
) -> Result<Response, Response> {
    let form = DocumentForm::of_fields(&fields);
    let refuse = async |err: DocumentError| -> Response {
        let (status, reason) = match err {
            DocumentError::File(file) => (refusal_status(file.problem), file.reason),
            DocumentError::Refused(invalid) => (StatusCode::BAD_REQUEST, invalid.0),
            DocumentError::Gone => (StatusCode::BAD_REQUEST, strings::DOC_GONE),
            DocumentError::Failed(err) => return view::failure(err),
        };
        let message = reason.get(admin.lang).to_string();
        show_list(&state, &admin, status, &form, Some(message), None).await
    };
    // The details first: a form without a title is refused before any file is kept.
    let details = match documents::validate(&form.input(), current_year(&admin)) {
        Ok(details) => details,
        Err(err) => return Err(refuse(err).await),
    };
    let Some(upload) = fields.files_of("file").next() else {
        let err = FileRefused {
            problem: FileProblem::Missing,
            reason: strings::DOC_FILE_MISSING,
        };
        return Err(refuse(err.into()).await);
    };
    let (file, key) = match keep_file(&state, upload.bytes.clone(), upload.too_large).await {
        Ok(kept) => kept,
        Err(err) => return Err(refuse(err).await),
    };
    let kept = documents::upload(
        &state.store,
        &state.urls,
        &admin.actor,
        Some(admin.user_id()),
        &details,
        &file,
        &key,
    )
    .await;
    match kept {
        Ok(_) => {
            state.wake_delivery.notify_one();
            Ok(view::done("/admin/dokumen", "document_uploaded"))
        }
        Err(err) => Err(refuse(err).await),
    }
}

/// The document, for an editor or admin.
async fn find(state: &AppState, admin: &Admin, id: i64) -> Result<DocumentRecord, Response> {
    match state.store.document_by_id(id).await {
        Ok(Some(document)) => Ok(document),
        Ok(None) => Err(view::not_found(admin)),
        Err(err) => Err(view::failure(err)),
    }
}

fn show_edit(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    document: &DocumentRecord,
    form: &DocumentForm,
    error: Option<String>,
) -> Response {
    view::page(
        admin,
        status,
        "admin/document_edit.html",
        context! {
            document => row(admin, state, document),
            form => Value::from_serialize(form),
            choices => choices(admin),
            error => error,
        },
    )
}

/// `GET /admin/dokumen/{id}`
pub async fn edit_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let document = find(&state, &admin, id).await?;
    let form = DocumentForm::of_document(&document);
    Ok(show_edit(
        &state,
        &admin,
        StatusCode::OK,
        &document,
        &form,
        None,
    ))
}

/// `POST /admin/dokumen/{id}`: new details; the file stays.
pub async fn edit_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let document = find(&state, &admin, id).await?;
    let form = DocumentForm::of_fields(&fields);
    let changed = match documents::validate(&form.input(), current_year(&admin)) {
        Ok(details) => {
            documents::change(
                &state.store,
                &state.urls,
                &admin.actor,
                Some(admin.user_id()),
                &document,
                &details,
            )
            .await
        }
        Err(err) => Err(err),
    };
    match changed {
        Ok(_) => {
            state.wake_delivery.notify_one();
            Ok(view::done("/admin/dokumen", "document_saved"))
        }
        Err(err) => {
            let reason = match err {
                DocumentError::Refused(invalid) => invalid.0,
                DocumentError::Gone => strings::DOC_GONE,
                // No file is sent with new details.
                DocumentError::File(file) => file.reason,
                DocumentError::Failed(err) => return Err(view::failure(err)),
            };
            Err(show_edit(
                &state,
                &admin,
                StatusCode::BAD_REQUEST,
                &document,
                &form,
                Some(reason.get(admin.lang).to_string()),
            ))
        }
    }
}

/// `POST /admin/dokumen/{id}/hapus` with `confirm` ticked.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let document = find(&state, &admin, id).await?;
    if !fields.checked("confirm") {
        let text = strings::ADMIN_CONFIRM_MISSING;
        return Err(view::message(&admin, StatusCode::BAD_REQUEST, text));
    }
    let files = DocumentFiles::new(&state.config.dir);
    match documents::delete(&state.store, &files, &admin.actor, &document).await {
        Ok(()) => {
            state.wake_delivery.notify_one();
            Ok(view::done("/admin/dokumen", "document_deleted"))
        }
        Err(DocumentError::Failed(err)) => Err(view::failure(err)),
        // Deleting refuses only a document that is gone (deleted meanwhile, in another tab).
        Err(DocumentError::Gone | DocumentError::Refused(_) | DocumentError::File(_)) => {
            Err(view::not_found(&admin))
        }
    }
}

/// `GET /admin/dokumen/{id}/berkas`: any document's file, dikecualikan ones included,
/// for a signed-in editor or admin only.
pub async fn file(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let document = find(&state, &admin, id).await?;
    Ok(crate::web::site::document_file_response(&state, &document).await)
}

/// `GET /admin/dokumen/kelengkapan`: the checklist.
pub async fn checklist_page(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<Response, Response> {
    let lang = admin.lang;
    let village_word = admin.settings.village_word.clone();
    let checklist = checklist::checklist(&state.store, current_year(&admin))
        .await
        .map_err(view::failure)?;
    let pages: Vec<Value> = checklist
        .pages
        .iter()
        .map(|item| {
            context! {
                title => strings::with_village_word(item.page.title.get(lang), lang, &village_word),
                slug => item.page.slug,
                found => item.found,
                done => item.done,
            }
        })
        .collect();
    let documents: Vec<Value> = checklist
        .documents
        .iter()
        .map(|item| {
            context! {
                label => item.doc_type.label.get(lang),
                year => item.year,
                is_term => matches!(item.doc_type.need, documents::Need::Term { .. }),
                done => item.done,
            }
        })
        .collect();
    Ok(view::page(
        &admin,
        StatusCode::OK,
        "admin/documents_checklist.html",
        context! {
            pages => pages,
            documents => documents,
            missing => checklist.missing(),
        },
    ))
}
