//! The dashboard (`/admin`): counts, drafts waiting for review, scheduled posts, the
//! account's own drafts and the latest published posts; a post's own admin page with
//! its delivery report; deleting posts (which federates a Delete) and drafts.

use super::{
    editor::may_edit_draft,
    session::{Admin, AdminPost},
    view::{self, OkQuery},
};
use crate::{
    auth::{Permission, Reach},
    publishing::{self, PublishError, drafts},
    state::AppState,
    store::{
        ActivityKind, DeliveryReportRow, DeliveryState, DraftRecord, FoldedDeliveries, PostRecord,
    },
    strings,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 20;

#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    ok: Option<String>,
    /// Keyset cursor `published_at.id` of the last post on the previous page.
    before: Option<String>,
}

fn parse_cursor(value: &str) -> Option<(i64, i64)> {
    let (at, id) = value.split_once('.')?;
    Some((at.parse().ok()?, id.parse().ok()?))
}

fn post_row(admin: &Admin, state: &AppState, post: &PostRecord) -> Value {
    context! {
        public_id => post.public_id.clone(),
        title => post.title.clone(),
        kind => post.kind.label().get(admin.lang),
        status => strings::STATUS_PUBLISHED.get(admin.lang),
        date => admin.settings.time_zone.date_time_label(post.published_at, admin.lang),
        public_url => state.urls.post(&post.public_id).to_string(),
        pinned => post.is_pinned_at(crate::clock::now_ms()),
        can_open => admin.reaches(Permission::ViewPosts, post.author_user_id),
    }
}

fn draft_row(admin: &Admin, draft: &DraftRecord, authors: &HashMap<i64, String>) -> Value {
    let input = drafts::input_of(draft);
    let status = draft.status;
    let tz = admin.settings.time_zone;
    context! {
        id => draft.id,
        title => draft.title.clone(),
        kind => input.kind.label().get(admin.lang),
        status => status.label().get(admin.lang),
        date => tz.date_time_label(draft.updated_at, admin.lang),
        publish_at => draft.publish_at.map(|at| tz.date_time_label(at, admin.lang)),
        author => draft.author_user_id.and_then(|id| authors.get(&id).cloned()),
        can_edit => may_edit_draft(admin, draft),
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<DashboardQuery>,
) -> Response {
    match dashboard_page(&state, &admin, &query).await {
        Ok(response) => response,
        Err(err) => view::failure(err),
    }
}

async fn dashboard_page(
    state: &AppState,
    admin: &Admin,
    query: &DashboardQuery,
) -> anyhow::Result<Response> {
    let store = &state.store;
    let actor_id = admin.actor.id;
    let before = query.before.as_deref().and_then(parse_cursor);
    let posts = store.posts_page(actor_id, before, PAGE_SIZE).await?;
    let next_page = (posts.len() as i64 == PAGE_SIZE)
        .then(|| posts.last().map(|p| format!("{}.{}", p.published_at, p.id)))
        .flatten();
    let authors: HashMap<i64, String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let all_drafts = store.drafts().await?;
    let me = admin.user_id();
    let rows = |status: drafts::DraftStatus, mine_only: bool| -> Vec<Value> {
        all_drafts
            .iter()
            .filter(|d| d.status == status && (!mine_only || d.author_user_id == Some(me)))
            .map(|d| draft_row(admin, d, &authors))
            .collect()
    };
    // Others' drafts are listed to those who may work on them.
    let only_mine = admin.reach(Permission::WriteDrafts) != Reach::All;
    let review = rows(drafts::DraftStatus::Review, only_mine);
    let scheduled = rows(drafts::DraftStatus::Scheduled, only_mine);
    let mine = rows(drafts::DraftStatus::Draft, true);
    let counts = context! {
        posts => store.count_live_posts(actor_id).await?,
        followers => store.count_followers(actor_id).await?,
        drafts => all_drafts.len(),
    };
    Ok(view::page(
        admin,
        StatusCode::OK,
        "admin/dashboard.html",
        context! {
            flash => view::flash(query.ok.as_deref(), admin.lang),
            counts => counts,
            review => review,
            scheduled => scheduled,
            mine => mine,
            posts => posts.iter().map(|p| post_row(admin, state, p)).collect::<Vec<_>>(),
            next_page => next_page,
            first_page => before.is_none(),
            on_behalf_history => super::on_behalf::history(admin, store).await?,
        },
    ))
}

/// Per activity: how many servers have it, are still being tried, or gave up. `folded`
/// are the counts of rows the retention worker forgot (finished 90 days ago or more):
/// they add to the totals, and their servers are no longer listed.
fn report(admin: &Admin, rows: &[DeliveryReportRow], folded: &[FoldedDeliveries]) -> Vec<Value> {
    let mut kinds: Vec<ActivityKind> = Vec::new();
    let found = folded
        .iter()
        .map(|f| f.activity_kind)
        .chain(rows.iter().map(|r| r.activity_kind));
    for kind in found {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let tz = admin.settings.time_zone;
    kinds
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<&DeliveryReportRow> =
                rows.iter().filter(|r| r.activity_kind == kind).collect();
            let count =
                |f: &dyn Fn(&DeliveryReportRow) -> bool| of_kind.iter().filter(|r| f(r)).count();
            let failing: Vec<Value> = of_kind
                .iter()
                .filter(|r| {
                    r.state == DeliveryState::Failed
                        || (r.state == DeliveryState::Pending && r.attempts > 0)
                })
                .map(|r| {
                    context! {
                        host => r.host.clone(),
                        attempts => r.attempts,
                        last_status => r.last_status,
                        last_error => r.last_error.as_deref().map(|e| crate::text::cut(e, 200)),
                        gave_up => r.state == DeliveryState::Failed,
                        next_attempt => (r.state == DeliveryState::Pending)
                            .then(|| tz.date_time_label(r.next_attempt_at, admin.lang)),
                    }
                })
                .collect();
            let (old_delivered, old_failed) = folded
                .iter()
                .filter(|f| f.activity_kind == kind)
                .fold((0, 0), |(d, f), old| (d + old.delivered, f + old.failed));
            let as_count = |n: i64| usize::try_from(n).unwrap_or(0);
            let (old_delivered, old_failed) = (as_count(old_delivered), as_count(old_failed));
            let label = match kind {
                ActivityKind::Create => strings::ADMIN_ACTIVITY_CREATE,
                ActivityKind::Update => strings::ADMIN_ACTIVITY_UPDATE,
                ActivityKind::Delete => strings::ADMIN_ACTIVITY_DELETE,
                _ => strings::ADMIN_ACTIVITY_OTHER,
            };
            context! {
                kind => kind,
                label => label.get(admin.lang),
                total => of_kind.len() + old_delivered + old_failed,
                delivered => count(&|r| r.state == DeliveryState::Delivered) + old_delivered,
                pending => count(&|r| r.state == DeliveryState::Pending && r.attempts == 0),
                retrying => count(&|r| r.state == DeliveryState::Pending && r.attempts > 0),
                failed => count(&|r| r.state == DeliveryState::Failed) + old_failed,
                failing => failing,
            }
        })
        .collect()
}

async fn live_post(state: &AppState, admin: &Admin, id: &str) -> Result<PostRecord, Response> {
    match state.store.post_by_public_id(id).await {
        Ok(Some(post)) if post.deleted_at.is_none() && post.actor_id == admin.actor.id => Ok(post),
        Ok(_) => Err(view::not_found(admin)),
        Err(err) => Err(view::failure(err)),
    }
}

pub async fn post_page(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(query): Query<OkQuery>,
) -> Result<Response, Response> {
    let post = live_post(&state, &admin, &id).await?;
    if !admin.reaches(Permission::ViewPosts, post.author_user_id) {
        return Err(view::forbidden(&admin, strings::ADMIN_FORBIDDEN));
    }
    // Which servers have the post, and their errors, are for those who may see reports.
    let (rows, folded) = if admin.may(Permission::ViewDeliveryReports) {
        (
            state
                .store
                .delivery_report(post.id)
                .await
                .map_err(view::failure)?,
            state
                .store
                .folded_deliveries(post.id)
                .await
                .map_err(view::failure)?,
        )
    } else {
        (Vec::new(), Default::default())
    };
    let tz = admin.settings.time_zone;
    let images: Vec<Value> = publishing::images_of(&post.images_json)
        .iter()
        .map(|image| context! { thumb => format!("/media/{}", image.file_name("thumb")), alt => image.alt.clone() })
        .collect();
    Ok(view::page(
        &admin,
        StatusCode::OK,
        "admin/post.html",
        context! {
            flash => view::flash(query.ok.as_deref(), admin.lang),
            post => post_row(&admin, &state, &post),
            summary => post.summary.clone(),
            categories => post.category_list(),
            updated => post.updated_at.map(|at| tz.date_time_label(at, admin.lang)),
            images => images,
            report => report(&admin, &rows, &folded),
            counts => crate::web::site::view::counts_view(&post),
            on_behalf_history => super::on_behalf::post_history(&admin, &state.store, post.id)
                .await
                .map_err(view::failure)?,
        },
    ))
}

pub async fn delete_confirm(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let post = live_post(&state, &admin, &id).await?;
    Ok(view::page(
        &admin,
        StatusCode::OK,
        "admin/confirm.html",
        context! {
            title => post.title,
            question => strings::ADMIN_DELETE_POST_QUESTION.get(admin.lang),
            action => format!("/admin/posts/{}/delete", post.public_id),
            back => format!("/admin/posts/{}", post.public_id),
        },
    ))
}

pub async fn delete_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, Response> {
    let post = live_post(&state, &admin, &id).await?;
    match publishing::delete(&state.store, &admin.actor, &post, admin.on_behalf_of()).await {
        Ok(()) => {
            state.wake_delivery.notify_one();
            Ok(view::done("/admin", "deleted"))
        }
        // Deleting refuses only a post already deleted (in another tab).
        Err(PublishError::Refused(_)) => Err(view::message(
            &admin,
            StatusCode::BAD_REQUEST,
            strings::POST_DELETED,
        )),
        Err(PublishError::Failed(err)) => Err(view::failure(err)),
    }
}

async fn own_draft(state: &AppState, admin: &Admin, id: i64) -> Result<DraftRecord, Response> {
    match state.store.draft_by_id(id).await {
        Ok(Some(draft)) if may_edit_draft(admin, &draft) => Ok(draft),
        Ok(Some(_)) => Err(view::forbidden(admin, strings::ADMIN_FORBIDDEN)),
        Ok(None) => Err(view::message(
            admin,
            StatusCode::NOT_FOUND,
            strings::DRAFT_GONE,
        )),
        Err(err) => Err(view::failure(err)),
    }
}

pub async fn draft_delete_confirm(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let draft = own_draft(&state, &admin, id).await?;
    Ok(view::page(
        &admin,
        StatusCode::OK,
        "admin/confirm.html",
        context! {
            title => draft.title,
            question => strings::ADMIN_DELETE_DRAFT_QUESTION.get(admin.lang),
            action => format!("/admin/drafts/{}/delete", draft.id),
            back => format!("/admin/drafts/{}/edit", draft.id),
        },
    ))
}

pub async fn delete_draft(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, Response> {
    let draft = own_draft(&state, &admin, id).await?;
    state
        .store
        .delete_draft(draft.id)
        .await
        .map_err(view::failure)?;
    Ok(view::done("/admin", "draft_deleted"))
}
