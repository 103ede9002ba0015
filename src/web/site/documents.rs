//! `GET /informasi-publik`: the village's public documents grouped by KIP category, then
//! by year (newest first); `GET /informasi-publik/berkas/{id}`: a public document's file.
//! A "dikecualikan" document is on neither: the list never reads one and the file
//! address answers 404 for it exactly as for an id that never existed.

use super::view::{Site, render};
use crate::{
    documents::{self, DocumentFiles, KipCategory},
    error::AppError,
    state::AppState,
    store::DocumentRecord,
    strings::{self, NOT_FOUND},
};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use minijinja::{Value, context};

/// No script, no plugin, no form, no navigation: a PDF or picture shown (or saved) as
/// itself, whatever it carries. Reading it in the browser's own viewer still works.
const FILE_CSP: &str = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// `GET /informasi-publik`
pub async fn page(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let lang = site.lang;
    let tz = site.settings.time_zone;
    let all = state.store.public_documents().await?;
    let groups: Vec<Value> = KipCategory::ALL
        .iter()
        .copied()
        .filter(|c| c.is_public())
        .map(|category| {
            let mut years: Vec<(i64, Vec<Value>)> = Vec::new();
            // Listed newest year first by the store; the category's own are kept.
            for document in all.iter().filter(|d| d.category == category) {
                let item = context! {
                    title => document.title,
                    description => document.description,
                    doc_type => documents::doc_type(&document.doc_type).map(|t| t.label.get(lang)),
                    format => documents::format_label(&document.media_type),
                    size => documents::size_label(document.size_bytes),
                    date => crate::clock::to_rfc3339(document.created_at),
                    date_label => tz.date_label(document.created_at, lang),
                    url => state.urls.document_file(&document.public_id).path().to_string(),
                };
                match years.last_mut() {
                    Some((year, items)) if *year == document.year => items.push(item),
                    _ => years.push((document.year, vec![item])),
                }
            }
            context! {
                code => category,
                label => category.label().get(lang),
                hint => category.explanation().get(lang),
                years => years
                    .into_iter()
                    .map(|(year, items)| context! { year => year, documents => items })
                    .collect::<Vec<_>>(),
            }
        })
        .collect();
    render(
        StatusCode::OK,
        "site/documents.html",
        context! {
            intro => site.text(strings::DOC_SITE_INTRO),
            groups => groups,
            ..site.base(&state, "informasi-publik")
        },
    )
}

/// `GET /informasi-publik/berkas/{id}`
pub async fn file(State(state): State<AppState>, Path(public_id): Path<String>) -> Response {
    match documents::public_document(&state.store, &public_id).await {
        Ok(Some(document)) => document_file_response(&state, &document).await,
        Ok(None) => not_found(),
        Err(err) => AppError::from(err).into_response(),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{} / {}\n", NOT_FOUND.id, NOT_FOUND.en),
    )
        .into_response()
}

/// A document's file, whoever may see it (the caller decided): its own type, a file
/// name, `nosniff` and a sandbox. A PDF is offered as a download (a browser's PDF viewer
/// refuses to run sandboxed); a picture is shown.
pub async fn document_file_response(state: &AppState, document: &DocumentRecord) -> Response {
    let files = DocumentFiles::new(&state.config.dir);
    let Some(path) = files.path_of(&document.file_key, &document.file_ext) else {
        return not_found();
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return not_found(),
        Err(err) => {
            return AppError::from(
                anyhow::Error::new(err).context(format!("reading {}", path.display())),
            )
            .into_response();
        }
    };
    let content_type = match document.file_ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        _ => "image/jpeg",
    };
    let disposition = if document.file_ext == "pdf" {
        "attachment"
    } else {
        "inline"
    };
    // The name is ASCII letters, digits, `-` and `_` only: always a valid header.
    let disposition = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"{}\"",
        document.download_name()
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(FILE_CSP),
            ),
            // A document may be withdrawn (made dikecualikan or deleted) at any time:
            // caches must ask again every time rather than keep serving it.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, no-cache"),
            ),
        ],
        bytes,
    )
        .into_response()
}
