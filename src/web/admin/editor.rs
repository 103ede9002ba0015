//! The post editor: one multipart form for a new post, a draft and a published post.
//!
//! Field names are fixed (the browser test and docs rely on them): `title`, `summary`,
//! `body`, `kind`, `categories` (one checkbox per category), `pinned`, `pinned_until`,
//! `event_starts_at`, `event_ends_at`, `event_place`, `event_organiser`, `cover` and
//! `cover_alt`, `gallery` (several files) and `gallery_alt` (one alt text for every new
//! gallery file; each can be changed afterwards), existing images as `image_key_N`,
//! `image_ext_N`, `image_width_N`, `image_height_N` (hidden), `image_alt_N` and
//! `image_remove_N`, `publish_at`, `csrf`, and the button `action` = `preview`,
//! `save_draft`, `submit_review`, `schedule` or `publish`.
//!
//! Uploads are processed and stored on every submit, previews included, and come back
//! as existing images, so nothing the operator chose is lost on a round trip. Times are
//! local to the village's time zone.

use super::{
    assets,
    fields::Fields,
    session::{Admin, AdminMultipart, AdminPost},
    view,
};
use crate::{
    auth::{Permission, Reach},
    media::{MediaError, MediaStore, process_upload},
    publishing::{
        self, EventDetails, MAX_IMAGES, PostImage, PostInput, PostKind, PublishError,
        drafts::{self, DraftStatus},
        markdown, templates,
    },
    site::TimeZone,
    state::AppState,
    store::{DraftRecord, PostRecord, QuotePolicy},
    strings::{self, Text},
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};

/// Existing-image slots read back from a form: more than a post may hold, so that an
/// over-full form is refused by the post's own check rather than cut silently.
const MAX_IMAGE_SLOTS: usize = MAX_IMAGES * 2;

/// What the editor is working on.
// One per request, on the stack for its length: boxing the post would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Target {
    New,
    Draft(DraftRecord),
    Post(PostRecord),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Preview,
    SaveDraft,
    SubmitReview,
    Schedule,
    Publish,
}

impl Action {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "preview" => Self::Preview,
            "save_draft" => Self::SaveDraft,
            "submit_review" => Self::SubmitReview,
            "schedule" => Self::Schedule,
            "publish" => Self::Publish,
            _ => return None,
        })
    }

    fn value(self) -> &'static str {
        match self {
            Self::Preview => "preview",
            Self::SaveDraft => "save_draft",
            Self::SubmitReview => "submit_review",
            Self::Schedule => "schedule",
            Self::Publish => "publish",
        }
    }
}

/// A contributor may change their own drafts until an editor has scheduled them;
/// editors and admins may change any.
pub fn may_edit_draft(admin: &Admin, draft: &DraftRecord) -> bool {
    admin.reaches(Permission::WriteDrafts, draft.author_user_id)
        && (admin.reach(Permission::WriteDrafts) == Reach::All
            || draft.status != DraftStatus::Scheduled)
}

/// The buttons this account may press on this target, in the order shown.
fn allowed_actions(admin: &Admin, target: &Target) -> Vec<Action> {
    let publishes = admin.may(Permission::PublishPosts);
    match target {
        Target::Post(_) if publishes => vec![Action::Preview, Action::Publish],
        Target::Post(_) => Vec::new(),
        Target::Draft(draft) if !may_edit_draft(admin, draft) => Vec::new(),
        _ if publishes => vec![
            Action::Preview,
            Action::SaveDraft,
            Action::Schedule,
            Action::Publish,
        ],
        _ => vec![Action::Preview, Action::SaveDraft, Action::SubmitReview],
    }
}

fn action_label(action: Action, target: &Target) -> Text {
    match (action, target) {
        (Action::Preview, _) => strings::ADMIN_ACTION_PREVIEW,
        (Action::SaveDraft, _) => strings::ADMIN_ACTION_SAVE_DRAFT,
        (Action::SubmitReview, _) => strings::ADMIN_ACTION_SUBMIT_REVIEW,
        (Action::Schedule, _) => strings::ADMIN_ACTION_SCHEDULE,
        (Action::Publish, Target::Post(_)) => strings::ADMIN_ACTION_SAVE_CHANGES,
        (Action::Publish, _) => strings::ADMIN_ACTION_PUBLISH,
    }
}

/// An image already attached (or uploaded on an earlier round trip).
#[derive(Clone, Debug, serde::Serialize)]
pub(super) struct ImageField {
    key: String,
    extension: String,
    width: u32,
    height: u32,
    alt: String,
    thumb: String,
}

impl ImageField {
    fn of(image: &PostImage) -> Self {
        Self {
            key: image.key.clone(),
            extension: image.extension.clone(),
            width: image.width,
            height: image.height,
            alt: image.alt.clone(),
            thumb: format!("/media/{}", image.file_name("thumb")),
        }
    }

    fn image(&self) -> PostImage {
        let mime = if self.extension == "png" {
            "image/png"
        } else {
            "image/jpeg"
        };
        PostImage {
            key: self.key.clone(),
            extension: self.extension.clone(),
            mime: mime.to_string(),
            width: self.width,
            height: self.height,
            alt: self.alt.clone(),
        }
    }
}

/// The form as the operator typed it: dates stay text until they are read.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub(super) struct EditorForm {
    title: String,
    summary: String,
    body: String,
    kind: PostKind,
    categories: Vec<String>,
    pinned: bool,
    pinned_until: String,
    event_starts_at: String,
    event_ends_at: String,
    event_place: String,
    event_organiser: String,
    publish_at: String,
    cover_alt: String,
    gallery_alt: String,
    images: Vec<ImageField>,
    /// Who may quote it: a `QuotePolicy` word, or empty for the site's setting.
    quote_policy: String,
}

impl EditorForm {
    fn of_input(input: &PostInput, publish_at: Option<i64>, tz: TimeZone) -> Self {
        let local = |ms: Option<i64>| ms.map(|ms| tz.form_value(ms)).unwrap_or_default();
        let event = input.event.clone().unwrap_or_default();
        Self {
            title: input.title.clone(),
            summary: input.summary.clone(),
            body: input.body_markdown.clone(),
            kind: input.kind,
            categories: input.categories.clone(),
            pinned: input.pinned,
            pinned_until: local(input.pinned_until),
            event_starts_at: local(input.event.as_ref().map(|e| e.starts_at)),
            event_ends_at: local(event.ends_at),
            event_place: event.place,
            event_organiser: event.organiser,
            publish_at: local(publish_at),
            cover_alt: String::new(),
            gallery_alt: String::new(),
            images: input.images.iter().map(ImageField::of).collect(),
            quote_policy: input
                .quote_policy
                .map(|policy| policy.as_str().to_string())
                .unwrap_or_default(),
        }
    }

    /// Reads the text fields and the kept images; a kept image must name files the
    /// media store holds, so a forged key cannot point anywhere.
    pub(super) fn of_fields(fields: &Fields, media: &MediaStore) -> Self {
        let mut images = Vec::new();
        for n in 0..MAX_IMAGE_SLOTS {
            let key = fields.get(&format!("image_key_{n}"));
            if key.is_empty() || fields.checked(&format!("image_remove_{n}")) {
                continue;
            }
            let extension = match fields.get(&format!("image_ext_{n}")) {
                "png" => "png",
                _ => "jpg",
            };
            let image = ImageField {
                key: key.to_string(),
                extension: extension.to_string(),
                width: fields.get(&format!("image_width_{n}")).parse().unwrap_or(0),
                height: fields
                    .get(&format!("image_height_{n}"))
                    .parse()
                    .unwrap_or(0),
                alt: fields.get(&format!("image_alt_{n}")).to_string(),
                thumb: String::new(),
            };
            let image = ImageField::of(&image.image());
            let stored = media
                .path_of(&image.image().file_name("large"))
                .is_some_and(|path| path.is_file());
            if stored {
                images.push(image);
            }
        }
        Self {
            title: fields.get("title").to_string(),
            summary: fields.get("summary").to_string(),
            body: fields.get("body").to_string(),
            // A word that is no kind (a hand-edited form) writes news.
            kind: PostKind::parse(fields.get("kind")).unwrap_or_default(),
            categories: fields
                .all("categories")
                .into_iter()
                .map(String::from)
                .collect(),
            pinned: fields.checked("pinned"),
            pinned_until: fields.get("pinned_until").to_string(),
            event_starts_at: fields.get("event_starts_at").to_string(),
            event_ends_at: fields.get("event_ends_at").to_string(),
            event_place: fields.get("event_place").to_string(),
            event_organiser: fields.get("event_organiser").to_string(),
            publish_at: fields.get("publish_at").to_string(),
            cover_alt: fields.get("cover_alt").to_string(),
            gallery_alt: fields.get("gallery_alt").to_string(),
            images,
            quote_policy: fields.get("quote_policy").to_string(),
        }
    }

    /// The post input, and the scheduled time; a date that cannot be read is refused.
    pub(super) fn to_input(&self, tz: TimeZone) -> Result<(PostInput, Option<i64>), Text> {
        let time = |value: &str| -> Result<Option<i64>, Text> {
            if value.trim().is_empty() {
                return Ok(None);
            }
            tz.parse_local(value)
                .map(Some)
                .ok_or(strings::ADMIN_DATE_INVALID)
        };
        let kind = self.kind;
        let event = match (kind, time(&self.event_starts_at)?) {
            (PostKind::Agenda, Some(starts_at)) => Some(EventDetails {
                starts_at,
                ends_at: time(&self.event_ends_at)?,
                place: self.event_place.clone(),
                organiser: self.event_organiser.clone(),
                time_zone: tz,
            }),
            _ => None,
        };
        let pinned = self.pinned && kind == PostKind::Pengumuman;
        let input = PostInput {
            title: self.title.clone(),
            body_markdown: self.body.clone(),
            summary: self.summary.clone(),
            categories: self.categories.clone(),
            kind,
            pinned,
            pinned_until: if pinned {
                time(&self.pinned_until)?
            } else {
                None
            },
            event,
            images: self.images.iter().map(ImageField::image).collect(),
            published_at: None,
            // Any other word (a hand-edited form) leaves it to the site's setting.
            quote_policy: QuotePolicy::parse(&self.quote_policy),
        };
        Ok((input, time(&self.publish_at)?))
    }
}

/// The choices of who may quote a post, `current` selected; with `site_default`, an
/// empty first choice that leaves it to the site's setting (the editor's, not the
/// settings page's).
pub(super) fn quote_policy_choices(
    current: &str,
    site_default: bool,
    lang: strings::Lang,
    village_word: &str,
) -> Vec<Value> {
    let default = site_default.then_some(("", strings::QUOTE_POLICY_SITE_DEFAULT));
    default
        .into_iter()
        .chain([
            (QuotePolicy::Public.as_str(), strings::QUOTE_POLICY_PUBLIC),
            (QuotePolicy::Followers.as_str(), strings::QUOTE_POLICY_FOLLOWERS),
            (QuotePolicy::Nobody.as_str(), strings::QUOTE_POLICY_NOBODY),
        ])
        .map(|(value, label)| {
            context! { value => value, label => label.fill(lang, village_word), selected => value == current }
        })
        .collect()
}

/// Why uploads could not all be kept.
pub(super) enum UploadFailure {
    Media(MediaError),
    Internal(anyhow::Error),
}

pub(super) async fn store_upload(
    state: &AppState,
    bytes: Vec<u8>,
) -> Result<PostImage, UploadFailure> {
    if state.disk.files_may_grow().is_err() {
        return Err(UploadFailure::Media(MediaError::NoSpace));
    }
    let media = MediaStore::new(&state.config.dir);
    let stored = tokio::task::spawn_blocking(move || {
        let processed = process_upload(&bytes).map_err(UploadFailure::Media)?;
        media
            .save(&processed)
            .map_err(|err| UploadFailure::Internal(err.into()))
    })
    .await
    .map_err(|err| UploadFailure::Internal(err.into()))??;
    Ok(PostImage {
        key: stored.key,
        extension: stored.extension.to_string(),
        mime: stored.mime.to_string(),
        width: stored.width,
        height: stored.height,
        alt: String::new(),
    })
}

/// How a refused upload is answered.
pub(super) fn media_status(err: &MediaError) -> StatusCode {
    match err {
        MediaError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        MediaError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        MediaError::NoSpace => StatusCode::INSUFFICIENT_STORAGE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// Processes and stores every new file: the cover goes first, gallery files last.
/// Files that worked are kept in the form even when another failed.
async fn add_uploads(
    state: &AppState,
    fields: &Fields,
    form: &mut EditorForm,
) -> Result<(), UploadFailure> {
    let mut first_failure = None;
    for (input, alt) in [
        ("cover", form.cover_alt.clone()),
        ("gallery", form.gallery_alt.clone()),
    ] {
        for upload in fields.files_of(input) {
            let result = if upload.too_large {
                Err(UploadFailure::Media(MediaError::TooLarge))
            } else {
                store_upload(state, upload.bytes.clone()).await
            };
            match result {
                Ok(mut image) => {
                    image.alt = alt.trim().to_string();
                    let field = ImageField::of(&image);
                    if input == "cover" {
                        form.images.insert(0, field);
                        form.cover_alt.clear();
                    } else {
                        form.images.push(field);
                    }
                }
                Err(failure) => {
                    first_failure.get_or_insert(failure);
                }
            }
        }
        if input == "gallery" && fields.files_of("gallery").next().is_some() {
            form.gallery_alt.clear();
        }
    }
    match first_failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

struct Shown<'a> {
    target: &'a Target,
    form: &'a EditorForm,
    error: Option<String>,
    preview: Option<Value>,
    /// The templates offered ("Mulai dari templat"): only for a new post.
    templates: Vec<Value>,
}

async fn show(state: &AppState, admin: &Admin, status: StatusCode, shown: Shown<'_>) -> Response {
    let lang = admin.lang;
    let mut categories: Vec<(String, bool)> = match state.store.categories().await {
        Ok(list) => list
            .into_iter()
            .map(|c| {
                let checked = shown
                    .form
                    .categories
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&c.name));
                (c.name, checked)
            })
            .collect(),
        Err(err) => return view::failure(err),
    };
    for chosen in &shown.form.categories {
        if !categories
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(chosen))
        {
            categories.push((chosen.clone(), true));
        }
    }
    // A kind the editor does not offer (a document's announcement) stays as it is.
    let current = shown.form.kind;
    let kinds: Vec<Value> = PostKind::OFFERED
        .iter()
        .chain((!PostKind::OFFERED.contains(&current)).then_some(&current))
        .map(|kind| {
            context! {
                value => kind,
                label => kind.label().get(lang),
                selected => *kind == current,
            }
        })
        .collect();
    let actions: Vec<Value> = allowed_actions(admin, shown.target)
        .into_iter()
        .map(|a| context! { value => a.value(), label => action_label(a, shown.target).get(lang) })
        .collect();
    let target_key = match shown.target {
        Target::New => "new".to_string(),
        Target::Draft(d) => format!("draft-{}", d.id),
        Target::Post(p) => format!("post-{}", p.public_id),
    };
    let (heading, action_url, public_url, draft) = match shown.target {
        Target::New => (
            strings::ADMIN_NEW_POST,
            "/admin/posts/new".to_string(),
            None,
            None,
        ),
        Target::Draft(d) => (
            strings::ADMIN_EDIT_DRAFT,
            format!("/admin/drafts/{}/edit", d.id),
            None,
            Some(context! {
                id => d.id,
                status => d.status.label().get(lang),
            }),
        ),
        Target::Post(p) => (
            strings::ADMIN_EDIT_POST,
            format!("/admin/posts/{}/edit", p.public_id),
            Some(format!("/admin/posts/{}", p.public_id)),
            None,
        ),
    };
    view::page(
        admin,
        status,
        "admin/editor.html",
        context! {
            heading => heading.get(lang),
            action_url => action_url,
            admin_post_url => public_url,
            draft => draft,
            is_published => matches!(shown.target, Target::Post(_)),
            form => Value::from_serialize(shown.form),
            kinds => kinds,
            quote_policies => quote_policy_choices(
                &shown.form.quote_policy,
                true,
                lang,
                &admin.settings.village_word,
            ),
            categories => categories
                .into_iter()
                .map(|(name, checked)| context! { name => name, checked => checked })
                .collect::<Vec<_>>(),
            actions => actions,
            error => shown.error,
            preview => shown.preview,
            time_zone => admin.settings.time_zone.code(),
            max_images => MAX_IMAGES,
            target_key => target_key,
            autosave => autosaves(admin, shown.target),
            editor_texts => script_texts(admin),
            editor_css => assets::url("editor.css"),
            templates => shown.templates,
        },
    )
}

/// Whether the script may save this target as a server draft while the operator types:
/// a new post or a draft still being written, never a post already out or a draft
/// waiting for approval or scheduled (those change only when a button says so).
pub(super) fn autosaves(admin: &Admin, target: &Target) -> bool {
    match target {
        Target::New => true,
        Target::Draft(draft) => may_edit_draft(admin, draft) && draft.status == DraftStatus::Draft,
        Target::Post(_) => false,
    }
}

/// The words the script shows (`#editor-texts`), as JSON safe inside a `<script>` block.
fn script_texts(admin: &Admin) -> String {
    let texts: std::collections::BTreeMap<&str, String> = [
        ("saving", strings::EDITOR_SAVING),
        ("savedLocal", strings::EDITOR_SAVED_LOCAL),
        ("savedServer", strings::EDITOR_SAVED_SERVER),
        ("offline", strings::EDITOR_OFFLINE),
        ("sessionExpired", strings::EDITOR_SESSION_EXPIRED),
        ("signInAgain", strings::EDITOR_SIGN_IN_AGAIN),
        ("linkText", strings::EDITOR_LINK_TEXT),
        ("bold", strings::ADMIN_MD_BOLD),
        ("italic", strings::ADMIN_MD_ITALIC),
        ("shrinking", strings::EDITOR_PHOTO_SHRINKING),
        ("uploading", strings::EDITOR_PHOTO_UPLOADING),
        ("retrying", strings::EDITOR_PHOTO_RETRYING),
        ("waiting", strings::EDITOR_PHOTO_WAITING),
        ("uploaded", strings::EDITOR_PHOTO_DONE),
        ("uploadFailed", strings::EDITOR_PHOTO_FAILED),
        ("tooMany", strings::EDITOR_PHOTO_TOO_MANY),
        ("photoKept", strings::EDITOR_PHOTO_KEPT),
        ("photoKeptShort", strings::EDITOR_PHOTO_KEPT_SHORT),
        ("photoKeptOffline", strings::EDITOR_PHOTO_KEPT_OFFLINE),
        ("photosRestored", strings::EDITOR_PHOTO_RESTORED),
        ("alt", strings::ADMIN_FIELD_ALT),
        ("altFirst", strings::ADMIN_FIELD_ALT_FIRST),
        ("remove", strings::ADMIN_REMOVE_IMAGE),
    ]
    .into_iter()
    .map(|(key, text)| (key, text.fill(admin.lang, &admin.settings.village_word)))
    .collect();
    serde_json::to_string(&texts)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
}

async fn show_form(
    state: &AppState,
    admin: &Admin,
    target: Target,
    form: EditorForm,
    templates: Vec<Value>,
) -> Response {
    if allowed_actions(admin, &target).is_empty() {
        return view::forbidden(admin, strings::ADMIN_FORBIDDEN);
    }
    let shown = Shown {
        target: &target,
        form: &form,
        error: None,
        preview: None,
        templates,
    };
    show(state, admin, StatusCode::OK, shown).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewPostQuery {
    /// A template to start from (`publishing::templates`).
    templat: Option<i64>,
}

/// A new post's form: empty, or started from a template (`?templat=ID`); the
/// templates are offered above it.
pub async fn new_form(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<NewPostQuery>,
) -> Response {
    let list = match state.store.post_templates().await {
        Ok(list) => list,
        Err(err) => return view::failure(err),
    };
    let mut form = EditorForm::default();
    if let Some(id) = query.templat {
        let Some(template) = list.iter().find(|t| t.id == id) else {
            return view::message(&admin, StatusCode::NOT_FOUND, strings::TEMPLATE_GONE);
        };
        let (input, place, organiser) = templates::start_of(template);
        form = EditorForm::of_input(&input, None, admin.settings.time_zone);
        form.event_place = place;
        form.event_organiser = organiser;
    }
    let offered = list
        .iter()
        .map(|t| context! { id => t.id, name => t.name.clone() })
        .collect();
    show_form(&state, &admin, Target::New, form, offered).await
}

async fn find_post(state: &AppState, admin: &Admin, id: &str) -> Result<PostRecord, Response> {
    match state.store.post_by_public_id(id).await {
        Ok(Some(post)) if post.deleted_at.is_none() && post.actor_id == admin.actor.id => Ok(post),
        Ok(_) => Err(view::not_found(admin)),
        Err(err) => Err(view::failure(err)),
    }
}

async fn find_draft(state: &AppState, admin: &Admin, id: i64) -> Result<DraftRecord, Response> {
    match state.store.draft_by_id(id).await {
        Ok(Some(draft)) => Ok(draft),
        Ok(None) => Err(view::message(
            admin,
            StatusCode::NOT_FOUND,
            strings::DRAFT_GONE,
        )),
        Err(err) => Err(view::failure(err)),
    }
}

pub async fn post_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let post = find_post(&state, &admin, &id).await?;
    let form = EditorForm::of_input(&PostInput::of_post(&post), None, admin.settings.time_zone);
    Ok(show_form(&state, &admin, Target::Post(post), form, Vec::new()).await)
}

pub async fn draft_form(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let draft = find_draft(&state, &admin, id).await?;
    let form = EditorForm::of_input(
        &drafts::input_of(&draft),
        draft.publish_at,
        admin.settings.time_zone,
    );
    Ok(show_form(&state, &admin, Target::Draft(draft), form, Vec::new()).await)
}

pub async fn new_submit(
    State(state): State<AppState>,
    AdminMultipart(post): AdminMultipart,
) -> Result<Response, Response> {
    submit(&state, post, Target::New).await
}

pub async fn post_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminMultipart(post): AdminMultipart,
) -> Result<Response, Response> {
    let target = Target::Post(find_post(&state, &post.admin, &id).await?);
    submit(&state, post, target).await
}

pub async fn draft_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminMultipart(post): AdminMultipart,
) -> Result<Response, Response> {
    let target = Target::Draft(find_draft(&state, &post.admin, id).await?);
    submit(&state, post, target).await
}

/// The three editor POSTs. Nothing is stored, not even an upload, before the form proves
/// where it came from: `AdminMultipart` checked it before the handler ran.
async fn submit(
    state: &AppState,
    AdminPost { admin, fields }: AdminPost,
    target: Target,
) -> Result<Response, Response> {
    let admin = &admin;
    let Some(action) = Action::parse(fields.get("action")) else {
        let text = strings::ADMIN_FORM_UNREADABLE;
        return Err(view::message(admin, StatusCode::BAD_REQUEST, text));
    };
    if !allowed_actions(admin, &target).contains(&action) {
        return Err(view::forbidden(admin, strings::ADMIN_FORBIDDEN));
    }

    let media = MediaStore::new(&state.config.dir);
    let mut form = EditorForm::of_fields(&fields, &media);
    let refuse = async |status: StatusCode, form: &EditorForm, error: String| {
        let shown = Shown {
            target: &target,
            form,
            error: Some(error),
            preview: None,
            templates: Vec::new(),
        };
        Err(show(state, admin, status, shown).await)
    };
    match add_uploads(state, &fields, &mut form).await {
        Ok(()) => {}
        Err(UploadFailure::Media(err)) => {
            let status = media_status(&err);
            return refuse(status, &form, err.text().get(admin.lang).to_string()).await;
        }
        Err(UploadFailure::Internal(err)) => return Err(view::failure(err)),
    }
    let tz = admin.settings.time_zone;
    let (input, publish_at) = match form.to_input(tz) {
        Ok(read) => read,
        Err(text) => {
            let error = text.get(admin.lang).to_string();
            return refuse(StatusCode::BAD_REQUEST, &form, error).await;
        }
    };

    let outcome = match action {
        Action::Preview => {
            let images: Vec<Value> = input
                .images
                .iter()
                .map(|image| {
                    context! {
                        src => format!("/media/{}", image.file_name("medium")),
                        alt => image.alt.clone(),
                    }
                })
                .collect();
            let preview = context! {
                title => input.title.clone(),
                summary => input.summary.clone(),
                body_html => markdown::render(&input.body_markdown),
                images => images,
            };
            let shown = Shown {
                target: &target,
                form: &form,
                error: None,
                preview: Some(preview),
                templates: Vec::new(),
            };
            return Ok(show(state, admin, StatusCode::OK, shown).await);
        }
        Action::SaveDraft | Action::SubmitReview | Action::Schedule => {
            save_draft(state, admin, &target, action, &input, publish_at).await
        }
        Action::Publish => publish(state, admin, &target, &input).await,
    };
    match outcome {
        Ok(response) => Ok(response),
        Err(PublishError::Refused(invalid)) => {
            let message = invalid.0.get(admin.lang).to_string();
            refuse(StatusCode::BAD_REQUEST, &form, message).await
        }
        Err(PublishError::Failed(err)) => Err(view::failure(err)),
    }
}

pub(super) async fn actor_of(
    state: &AppState,
    admin: &Admin,
    target: &Target,
) -> anyhow::Result<crate::store::ActorRecord> {
    let actor_id = match target {
        Target::Draft(draft) => draft.actor_id,
        Target::Post(post) => post.actor_id,
        Target::New => return Ok(admin.actor.clone()),
    };
    if actor_id == admin.actor.id {
        return Ok(admin.actor.clone());
    }
    state
        .store
        .actor_by_id(actor_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the actor {actor_id} of a post or draft is gone"))
}

async fn save_draft(
    state: &AppState,
    admin: &Admin,
    target: &Target,
    action: Action,
    input: &PostInput,
    publish_at: Option<i64>,
) -> Result<Response, PublishError> {
    if action == Action::Schedule {
        super::on_behalf::may_schedule(admin)?;
    }
    let (status, ok) = match action {
        Action::SubmitReview => (DraftStatus::Review, "submitted"),
        Action::Schedule => (DraftStatus::Scheduled, "scheduled"),
        _ => (DraftStatus::Draft, "saved"),
    };
    let existing = match target {
        Target::Draft(draft) => Some(draft),
        _ => None,
    };
    let author = existing
        .map(|d| d.author_user_id)
        .unwrap_or(Some(admin.user_id()));
    let actor = actor_of(state, admin, target).await?;
    let draft = drafts::save(
        &state.store,
        &actor,
        author,
        existing,
        status,
        input,
        publish_at,
    )
    .await?;
    Ok(match status {
        DraftStatus::Draft => view::done(&format!("/admin/drafts/{}/edit", draft.id), ok),
        DraftStatus::Scheduled => {
            state.wake_scheduler.notify_one();
            view::done("/admin", ok)
        }
        DraftStatus::Review => view::done("/admin", ok),
    })
}

async fn publish(
    state: &AppState,
    admin: &Admin,
    target: &Target,
    input: &PostInput,
) -> Result<Response, PublishError> {
    let actor = actor_of(state, admin, target).await?;
    let (post, ok) = match target {
        Target::Post(post) => (
            publishing::replace(&state.store, &actor, post, input, admin.on_behalf_of()).await?,
            "updated",
        ),
        Target::New => (
            publishing::publish_as(
                &state.store,
                &actor,
                input,
                Some(admin.user_id()),
                None,
                admin.on_behalf_of(),
            )
            .await?,
            "published",
        ),
        Target::Draft(draft) => {
            let author = draft.author_user_id.or(Some(admin.user_id()));
            (
                publishing::publish_as(
                    &state.store,
                    &actor,
                    input,
                    author,
                    Some(draft.id),
                    admin.on_behalf_of(),
                )
                .await?,
                "published",
            )
        }
    };
    state.wake_delivery.notify_one();
    Ok(view::done(&format!("/admin/posts/{}", post.public_id), ok))
}
