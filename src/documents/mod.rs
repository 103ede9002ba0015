//! Public information (PPID, UU 14/2008 on Keterbukaan Informasi Publik): documents the
//! village publishes, each with its KIP category, year and (optionally) which required
//! document it is, so that the checklist can tell what is still missing.
//!
//! A public document (berkala, serta-merta, setiap saat) is announced by a post of kind
//! `informasi` that carries it as an attachment, written in the same transaction as the
//! document and its deliveries. A "dikecualikan" document is kept for the operators but
//! has no post, no public page and no public file address; turning a public document
//! into one (or deleting it) turns its post into a tombstone and federates the Delete.
//!
//! It must not know about HTTP: `web::admin::documents` and `web::site::documents` turn
//! forms and requests into these calls, and a [`DocumentError`] into a status and
//! words. Files live in [`files`]; SQL in the store.

pub mod checklist;
pub mod files;

pub use files::DocumentFiles;

use crate::{
    clock::now_ms,
    media::{MediaError, process_upload},
    publishing::{self, PostInput, PostKind, PublishError},
    refusal::InvalidInput,
    store::{
        ActivityKind, ActorRecord, DocumentChange, DocumentPost, DocumentRecord, NewActivity,
        NewDocument, PostChange, PostContent, Store,
    },
    strings::{self, Text},
    urls::Urls,
};
use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The largest document file accepted (a scanned APBDes runs to a few MB).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_TITLE_CHARS: usize = publishing::input::MAX_TITLE_CHARS;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// The oldest year a document may carry: the Republic's first.
pub const MIN_YEAR: i64 = 1945;

/// Why a document was not kept, changed or deleted.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// What the operator typed about it breaks a rule; the sentence says which.
    #[error("{0}")]
    Refused(InvalidInput),
    /// Its file was refused; the problem decides the status the web answers.
    #[error(transparent)]
    File(#[from] FileRefused),
    /// The document is no longer there (deleted meanwhile, in another tab).
    #[error("{}", InvalidInput(strings::DOC_GONE))]
    Gone,
    /// The database or the disk failed; trying again may work.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<PublishError> for DocumentError {
    fn from(err: PublishError) -> Self {
        match err {
            PublishError::Refused(refusal) => Self::Refused(refusal),
            PublishError::Failed(err) => Self::Failed(err),
        }
    }
}

fn refuse<T>(text: Text) -> Result<T, DocumentError> {
    Err(DocumentError::Refused(InvalidInput(text)))
}

/// The four categories of UU 14/2008 (Pasal 9, 10, 11 and 17), kept with a document.
pub use crate::store::KipCategory;

impl KipCategory {
    pub fn label(self) -> Text {
        match self {
            Self::Berkala => strings::DOC_CAT_BERKALA,
            Self::SertaMerta => strings::DOC_CAT_SERTA_MERTA,
            Self::SetiapSaat => strings::DOC_CAT_SETIAP_SAAT,
            Self::Dikecualikan => strings::DOC_CAT_DIKECUALIKAN,
        }
    }

    pub fn explanation(self) -> Text {
        match self {
            Self::Berkala => strings::DOC_CAT_BERKALA_HINT,
            Self::SertaMerta => strings::DOC_CAT_SERTA_MERTA_HINT,
            Self::SetiapSaat => strings::DOC_CAT_SETIAP_SAAT_HINT,
            Self::Dikecualikan => strings::DOC_CAT_DIKECUALIKAN_HINT,
        }
    }

    pub fn is_public(self) -> bool {
        self != Self::Dikecualikan
    }
}

/// Whether (and how often) a village must publish a kind of document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// One per year. `lag` 0: the year's own plan or budget, published in that year;
    /// `lag` 1: a report on a year, published once that year is over.
    Yearly { lag: i32 },
    /// One for a term of this many years (RPJMDes follows the village head's term,
    /// 8 years since UU 3/2024).
    Term { years: i32 },
    /// Published when there is one; nothing is missing without it.
    WhenAny,
}

/// A kind of document from the village's publication duties.
#[derive(Clone, Copy, Debug)]
pub struct DocType {
    pub code: &'static str,
    pub label: Text,
    pub need: Need,
}

pub const DOC_TYPES: &[DocType] = &[
    DocType {
        code: "apbdes",
        label: strings::DOC_TYPE_APBDES,
        need: Need::Yearly { lag: 0 },
    },
    DocType {
        code: "perubahan-apbdes",
        label: strings::DOC_TYPE_PERUBAHAN_APBDES,
        need: Need::WhenAny,
    },
    DocType {
        code: "realisasi-apbdes",
        label: strings::DOC_TYPE_REALISASI_APBDES,
        need: Need::Yearly { lag: 1 },
    },
    DocType {
        code: "rkpdes",
        label: strings::DOC_TYPE_RKPDES,
        need: Need::Yearly { lag: 0 },
    },
    DocType {
        code: "rpjmdes",
        label: strings::DOC_TYPE_RPJMDES,
        need: Need::Term { years: 8 },
    },
    DocType {
        code: "lppdes",
        label: strings::DOC_TYPE_LPPDES,
        need: Need::Yearly { lag: 1 },
    },
    DocType {
        code: "perdes",
        label: strings::DOC_TYPE_PERDES,
        need: Need::WhenAny,
    },
    DocType {
        code: "sk-kades",
        label: strings::DOC_TYPE_SK_KADES,
        need: Need::WhenAny,
    },
];

/// The kind of document of that code; `None` for "another document" or an unknown code.
pub fn doc_type(code: &str) -> Option<&'static DocType> {
    DOC_TYPES.iter().find(|t| t.code == code)
}

/// What an operator typed about a document.
#[derive(Clone, Debug, Default)]
pub struct DocumentInput {
    pub title: String,
    pub description: String,
    pub category: String,
    pub year: String,
    pub doc_type: String,
}

/// A document's details after every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentFields {
    pub title: String,
    pub description: String,
    pub category: KipCategory,
    pub year: i64,
    /// A code of [`DOC_TYPES`] or empty.
    pub doc_type: String,
}

/// Checks what the operator typed; `current_year` is the village's.
pub fn validate(input: &DocumentInput, current_year: i64) -> Result<DocumentFields, DocumentError> {
    let title = input.title.trim();
    if title.is_empty() {
        return refuse(strings::DOC_TITLE_MISSING);
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return refuse(strings::TITLE_TOO_LONG);
    }
    let description = input.description.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return refuse(strings::DOC_DESCRIPTION_TOO_LONG);
    }
    let Some(category) = KipCategory::parse(input.category.trim()) else {
        return refuse(strings::DOC_CATEGORY_UNKNOWN);
    };
    let year = match input.year.trim().parse::<i64>() {
        Ok(year) if (MIN_YEAR..=current_year + 1).contains(&year) => year,
        _ => return refuse(strings::DOC_YEAR_INVALID),
    };
    let doc_type = input.doc_type.trim();
    if !doc_type.is_empty() && self::doc_type(doc_type).is_none() {
        return refuse(strings::DOC_TYPE_UNKNOWN);
    }
    Ok(DocumentFields {
        title: title.to_string(),
        description: description.to_string(),
        category,
        year,
        doc_type: doc_type.to_string(),
    })
}

/// An uploaded file made ready to keep: a PDF as it came, an image re-encoded.
#[derive(Clone)]
pub struct AcceptedFile {
    pub bytes: Vec<u8>,
    pub ext: &'static str,
    pub media_type: &'static str,
}

/// Accepts a PDF (by its `%PDF-` signature, kept byte for byte) or a JPEG, PNG or WebP
/// image (through the media pipeline: decoded and re-encoded, so no EXIF or GPS
/// position survives; the `large` variant is kept). `cut` says the upload was longer
/// than the form reader keeps. CPU-heavy for images: run it in `spawn_blocking`.
pub fn accept_file(bytes: &[u8], cut: bool) -> Result<AcceptedFile, FileRefused> {
    if bytes.is_empty() {
        return refuse_file(FileProblem::Missing, strings::DOC_FILE_MISSING);
    }
    if cut || bytes.len() > MAX_FILE_BYTES {
        return refuse_file(FileProblem::TooLarge, strings::DOC_FILE_TOO_LARGE);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(AcceptedFile {
            bytes: bytes.to_vec(),
            ext: "pdf",
            media_type: "application/pdf",
        });
    }
    match process_upload(bytes) {
        Ok(image) => match image.variant("large") {
            Some(large) => Ok(AcceptedFile {
                bytes: large.bytes.clone(),
                ext: large.extension,
                media_type: large.mime,
            }),
            None => refuse_file(FileProblem::Damaged, strings::UPLOAD_CORRUPT),
        },
        Err(MediaError::NotAnImage) => {
            refuse_file(FileProblem::NotAccepted, strings::DOC_FILE_NOT_ACCEPTED)
        }
        Err(MediaError::TooLarge) => {
            refuse_file(FileProblem::TooLarge, MediaError::TooLarge.text())
        }
        Err(err) => refuse_file(FileProblem::Damaged, err.text()),
    }
}

/// What is wrong with an uploaded document file, for the status the web answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileProblem {
    /// The disk holding the data directory is nearly full: not the file's fault.
    NoSpace,
    Missing,
    TooLarge,
    NotAccepted,
    Damaged,
}

/// A file refused, with the sentence the operator reads.
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("{}", .reason.en)]
pub struct FileRefused {
    pub problem: FileProblem,
    pub reason: Text,
}

fn refuse_file<T>(problem: FileProblem, reason: Text) -> Result<T, FileRefused> {
    Err(FileRefused { problem, reason })
}

/// What a post says about the document it announces (kept as `posts.document_json`);
/// the address is built from `public_id` when the post is rendered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDocument {
    pub public_id: String,
    pub media_type: String,
    pub name: String,
    pub size_bytes: i64,
}

impl PostDocument {
    /// `Document`, or `Image` for a picture: the ActivityStreams type of the attachment.
    pub fn attachment_type(&self) -> &'static str {
        if self.media_type.starts_with("image/") {
            "Image"
        } else {
            "Document"
        }
    }
}

/// The document a post announces, if any (an unreadable value reads as none).
pub fn post_document_of(json: Option<&str>) -> Option<PostDocument> {
    json.and_then(|json| serde_json::from_str(json).ok())
}

/// "PDF" or "JPG": what a reader is about to download.
pub fn format_label(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "PDF",
        "image/png" => "PNG",
        _ => "JPG",
    }
}

/// "1,2 MB", "350 KB": sizes as Indonesian readers write them.
pub fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        format!("{},{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// The year of `ms` in the village's time zone.
pub fn year_of(store_tz: crate::site::TimeZone, ms: i64) -> i64 {
    i64::from(store_tz.year_month(ms).0)
}

fn activity(actor: &ActorRecord, kind: ActivityKind) -> NewActivity {
    NewActivity {
        public_id: publishing::new_public_id(),
        actor_id: actor.id,
        kind,
        post_id: None,
        object_json: None,
    }
}

/// The post announcing a public document: its title, the description, the category,
/// year and kind, and the download address written out, so that Mastodon (which shows
/// a PDF attachment only as a link, if at all) still gives readers a way to the file.
fn post_content(
    fields: &DocumentFields,
    file: &PostDocument,
    urls: &Urls,
) -> Result<PostContent, DocumentError> {
    let mut body = String::new();
    if !fields.description.is_empty() {
        body.push_str(&fields.description);
        body.push_str("\n\n");
    }
    let mut facts = vec![
        format!("**{}**", fields.category.label().id),
        format!("{} {}", strings::DOC_YEAR.id, fields.year),
    ];
    if let Some(kind) = doc_type(&fields.doc_type) {
        facts.push(kind.label.id.to_string());
    }
    body.push_str(&facts.join(" · "));
    body.push_str(&format!(
        "\n\n📄 {} ({}, {}): <{}>\n",
        strings::DOC_DOWNLOAD.id,
        format_label(&file.media_type),
        size_label(file.size_bytes),
        urls.document_file(&file.public_id)
    ));
    let input = PostInput {
        title: fields.title.clone(),
        body_markdown: body,
        kind: PostKind::Informasi,
        ..Default::default()
    };
    let mut content = publishing::input::validate(&input, now_ms())?;
    content.document_json = Some(serde_json::to_string(file).context("writing a post's document")?);
    Ok(content)
}

fn announcement(
    fields: &DocumentFields,
    file: &PostDocument,
    actor: &ActorRecord,
    urls: &Urls,
    author_user_id: Option<i64>,
) -> Result<DocumentPost, DocumentError> {
    let mut content = post_content(fields, file, urls)?;
    content.author_user_id = author_user_id;
    Ok(DocumentPost {
        public_id: publishing::new_public_id(),
        content,
        create: activity(actor, ActivityKind::Create),
    })
}

/// Keeps a new document: its file (already on disk), its row and, when it is public,
/// the post announcing it with its deliveries, in one transaction.
#[tracing::instrument(skip_all, fields(actor = %actor.username))]
pub async fn upload(
    store: &Store,
    urls: &Urls,
    actor: &ActorRecord,
    user_id: Option<i64>,
    fields: &DocumentFields,
    file: &AcceptedFile,
    file_key: &str,
) -> Result<DocumentRecord, DocumentError> {
    let public_id = publishing::new_public_id();
    let size_bytes = i64::try_from(file.bytes.len()).context("a document's size")?;
    let attachment = PostDocument {
        public_id: public_id.clone(),
        media_type: file.media_type.to_string(),
        name: fields.title.clone(),
        size_bytes,
    };
    let post = if fields.category.is_public() {
        Some(announcement(fields, &attachment, actor, urls, user_id)?)
    } else {
        None
    };
    let new = NewDocument {
        public_id: &public_id,
        actor_id: actor.id,
        title: &fields.title,
        description: &fields.description,
        category: fields.category,
        year: fields.year,
        doc_type: &fields.doc_type,
        file_key,
        file_ext: file.ext,
        media_type: file.media_type,
        size_bytes,
        uploaded_by: user_id,
    };
    let document = store.insert_document(&new, post.as_ref(), now_ms()).await?;
    tracing::info!(document = %document.public_id, public = fields.category.is_public(), "document kept");
    Ok(document)
}

/// The live post announcing a document, if it still has one (an editor may have
/// deleted the post itself).
async fn live_post(store: &Store, document: &DocumentRecord) -> anyhow::Result<Option<i64>> {
    let Some(post_id) = document.post_id else {
        return Ok(None);
    };
    Ok(store
        .post_by_id(post_id)
        .await?
        .filter(|post| post.deleted_at.is_none())
        .map(|post| post.id))
}

/// Changes a document's details. Public to public updates its post (an Update);
/// public to dikecualikan takes the post down (a Delete); dikecualikan to public
/// announces it anew under a new post id (a deleted id is never reused).
#[tracing::instrument(skip_all, fields(document = %document.public_id))]
pub async fn change(
    store: &Store,
    urls: &Urls,
    actor: &ActorRecord,
    user_id: Option<i64>,
    document: &DocumentRecord,
    fields: &DocumentFields,
) -> Result<DocumentRecord, DocumentError> {
    let attachment = PostDocument {
        public_id: document.public_id.clone(),
        media_type: document.media_type.clone(),
        name: fields.title.clone(),
        size_bytes: document.size_bytes,
    };
    let post = live_post(store, document).await?;
    let change = match (post, fields.category.is_public()) {
        (Some(post_id), true) => PostChange::Update {
            post_id,
            content: post_content(fields, &attachment, urls)?,
            update: activity(actor, ActivityKind::Update),
        },
        (Some(post_id), false) => PostChange::TakeDown {
            post_id,
            delete: activity(actor, ActivityKind::Delete),
        },
        (None, true) => {
            PostChange::Publish(announcement(fields, &attachment, actor, urls, user_id)?)
        }
        (None, false) => PostChange::Keep,
    };
    let details = DocumentChange {
        title: &fields.title,
        description: &fields.description,
        category: fields.category,
        year: fields.year,
        doc_type: &fields.doc_type,
    };
    store
        .change_document(document.id, &details, change, now_ms())
        .await?
        .ok_or(DocumentError::Gone)
}

/// Deletes a document: its post becomes a tombstone (federating a Delete), its row goes,
/// and its file too unless another document holds the same bytes.
#[tracing::instrument(skip_all, fields(document = %document.public_id))]
pub async fn delete(
    store: &Store,
    files: &DocumentFiles,
    actor: &ActorRecord,
    document: &DocumentRecord,
) -> Result<(), DocumentError> {
    let takedown = live_post(store, document)
        .await?
        .map(|post_id| (post_id, activity(actor, ActivityKind::Delete)));
    if !store
        .delete_document(document.id, takedown, now_ms())
        .await?
    {
        return Err(DocumentError::Gone);
    }
    if !store.document_file_in_use(&document.file_key).await? {
        let files = files.clone();
        let (key, ext) = (document.file_key.clone(), document.file_ext.clone());
        tokio::task::spawn_blocking(move || files.remove(&key, &ext))
            .await
            .context("removing a document's file")?
            .context("removing a document's file")?;
    }
    Ok(())
}

/// A public document by its public id; a dikecualikan one is not found, exactly as one
/// that never existed.
pub async fn public_document(
    store: &Store,
    public_id: &str,
) -> anyhow::Result<Option<DocumentRecord>> {
    Ok(store
        .document_by_public_id(public_id)
        .await?
        .filter(DocumentRecord::is_public))
}

impl DocumentRecord {
    pub fn is_public(&self) -> bool {
        self.category.is_public()
    }

    /// The name a download is saved under: the title made safe for a file name.
    pub fn download_name(&self) -> String {
        let mut name: String = self
            .title
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        while name.contains("--") {
            name = name.replace("--", "-");
        }
        let name = name.trim_matches('-');
        let name: String = name.chars().take(80).collect();
        let name = if name.is_empty() { "dokumen" } else { &name };
        format!("{name}-{}.{}", self.year, self.file_ext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DocumentInput {
        DocumentInput {
            title: "APBDes 2026".into(),
            description: String::new(),
            category: "berkala".into(),
            year: "2026".into(),
            doc_type: "apbdes".into(),
        }
    }

    fn refusal(result: Result<DocumentFields, DocumentError>) -> Option<&'static str> {
        match result {
            Err(DocumentError::Refused(invalid)) => Some(invalid.0.en),
            _ => None,
        }
    }

    #[test]
    fn good_input_passes_and_bad_input_says_why() {
        let fields = validate(&input(), 2026).expect("valid");
        assert_eq!(fields.category, KipCategory::Berkala);
        assert_eq!(fields.year, 2026);
        for (bad, text) in [
            (
                DocumentInput {
                    title: "  ".into(),
                    ..input()
                },
                strings::DOC_TITLE_MISSING,
            ),
            (
                DocumentInput {
                    year: "1800".into(),
                    ..input()
                },
                strings::DOC_YEAR_INVALID,
            ),
            (
                DocumentInput {
                    year: "2028".into(),
                    ..input()
                },
                strings::DOC_YEAR_INVALID,
            ),
            (
                DocumentInput {
                    year: "dua ribu".into(),
                    ..input()
                },
                strings::DOC_YEAR_INVALID,
            ),
            (
                DocumentInput {
                    category: "rahasia".into(),
                    ..input()
                },
                strings::DOC_CATEGORY_UNKNOWN,
            ),
            (
                DocumentInput {
                    doc_type: "x".into(),
                    ..input()
                },
                strings::DOC_TYPE_UNKNOWN,
            ),
        ] {
            assert_eq!(refusal(validate(&bad, 2026)), Some(text.en));
        }
    }

    #[test]
    fn only_pdfs_and_images_are_accepted() {
        let pdf = accept_file(b"%PDF-1.7\n...", false).expect("a PDF");
        assert_eq!((pdf.ext, pdf.media_type), ("pdf", "application/pdf"));
        let refusal =
            |r: Result<AcceptedFile, FileRefused>| r.err().map(|f| (f.problem, f.reason.en));
        assert_eq!(
            refusal(accept_file(b"<html>not a pdf</html>", false)),
            Some((FileProblem::NotAccepted, strings::DOC_FILE_NOT_ACCEPTED.en))
        );
        assert_eq!(
            refusal(accept_file(b"%PDF-1.7", true)),
            Some((FileProblem::TooLarge, strings::DOC_FILE_TOO_LARGE.en))
        );
        assert_eq!(
            refusal(accept_file(b"", false)),
            Some((FileProblem::Missing, strings::DOC_FILE_MISSING.en))
        );
    }

    #[test]
    fn sizes_and_names_read_well() {
        assert_eq!(size_label(1_258_291), "1,2 MB");
        assert_eq!(size_label(2048), "2 KB");
        let record = DocumentRecord {
            id: 1,
            public_id: "x".into(),
            actor_id: 1,
            title: "APBDes 2026 (final)/../".into(),
            description: String::new(),
            category: KipCategory::Berkala,
            year: 2026,
            doc_type: String::new(),
            file_key: String::new(),
            file_ext: "pdf".into(),
            media_type: "application/pdf".into(),
            size_bytes: 1,
            post_id: None,
            uploaded_by: None,
            created_at: 0,
            updated_at: 0,
        };
        assert_eq!(record.download_name(), "APBDes-2026-final-2026.pdf");
        // A stored word that is no category never makes a record (the read fails), so
        // it cannot make a document public.
        assert!(KipCategory::try_from("???".to_string()).is_err());
        let withheld = DocumentRecord {
            category: KipCategory::Dikecualikan,
            ..record
        };
        assert!(!withheld.is_public());
    }
}
