//! Reads a remote actor's outbox, page by page, with signed GETs, and yields the posts
//! it holds that the actor wrote. Used by the portal to fill what it missed (backfill).
//! Bounded: at most `max_pages` pages and `max_items` posts per read.

use super::{Data, actor::host_of};
use activitypub_federation::fetch::fetch_object_http;
use anyhow::Context;
use serde_json::{Map, Value};
use url::Url;

/// Limits of one read.
#[derive(Clone, Copy, Debug)]
pub struct ReadLimits {
    pub max_pages: usize,
    pub max_items: usize,
}

async fn fetch(data: &Data, url: &Url) -> anyhow::Result<Value> {
    // Each page is its own request budget: the library counts fetches per `Data`.
    let data = data.reset_request_count();
    let response = fetch_object_http::<_, Value>(url, &data)
        .await
        .map_err(|err| anyhow::anyhow!("fetching {url}: {err}"))?;
    Ok(response.object)
}

fn as_url(value: Option<&Value>, base_host: &str) -> anyhow::Result<Option<Url>> {
    let Some(id) = value.and_then(|v| v.as_str().or_else(|| v.get("id").and_then(Value::as_str)))
    else {
        return Ok(None);
    };
    let url = Url::parse(id).with_context(|| format!("{id:?} is not a URL"))?;
    if host_of(&url) != base_host {
        anyhow::bail!("{url} is not on the actor's server");
    }
    Ok(Some(url))
}

fn items(page: &Value) -> Vec<Value> {
    for key in ["orderedItems", "items"] {
        match page.get(key) {
            Some(Value::Array(items)) => return items.clone(),
            Some(single @ Value::Object(_)) => return vec![single.clone()],
            _ => {}
        }
    }
    Vec::new()
}

/// A page as an object: embedded, or fetched from its URL.
async fn page_at(data: &Data, value: Option<&Value>, host: &str) -> anyhow::Result<Option<Value>> {
    match value {
        Some(page @ Value::Object(map))
            if map.contains_key("orderedItems") || map.contains_key("items") =>
        {
            Ok(Some(page.clone()))
        }
        other => match as_url(other, host)? {
            Some(url) => Ok(Some(fetch(data, &url).await?)),
            None => Ok(None),
        },
    }
}

/// The posts in `actor`'s outbox, newest first as the outbox lists them. `known` says
/// whether a post id is stored already; reading stops after a page where every post
/// was known (what is older was read before).
pub async fn read_posts(
    data: &Data,
    actor: &Url,
    limits: ReadLimits,
    known: &(dyn Fn(String) -> futures::future::BoxFuture<'static, bool> + Send + Sync),
) -> anyhow::Result<Vec<Map<String, Value>>> {
    let host = host_of(actor);
    let actor_doc = fetch(data, actor).await?;
    let outbox = as_url(actor_doc.get("outbox"), &host)?.context("the actor has no outbox")?;
    let collection = fetch(data, &outbox).await?;
    let mut page = match page_at(data, collection.get("first"), &host).await? {
        Some(page) => Some(page),
        // A collection without pages holds its items itself.
        None => Some(collection.clone()),
    };
    let mut posts = Vec::new();
    let mut pages = 0;
    while let Some(current) = page.take() {
        pages += 1;
        let mut all_known = true;
        let mut any = false;
        for item in items(&current) {
            let object = match item.get("type").and_then(Value::as_str) {
                Some("Create") => match item.get("object") {
                    Some(Value::Object(object)) => Some(object.clone()),
                    Some(Value::String(id)) => {
                        let url = as_url(Some(&Value::String(id.clone())), &host)?;
                        match url {
                            Some(url) => fetch(data, &url)
                                .await
                                .ok()
                                .and_then(|v| v.as_object().cloned()),
                            None => None,
                        }
                    }
                    _ => None,
                },
                Some(kind) if super::village_post::POST_TYPES.contains(&kind) => {
                    item.as_object().cloned()
                }
                _ => None,
            };
            let Some(object) = object else { continue };
            let Some(id) = object.get("id").and_then(Value::as_str) else {
                continue;
            };
            // Only what the actor wrote, from its own server.
            let same_host = Url::parse(id).is_ok_and(|u| host_of(&u) == host);
            if !same_host || !super::village_post::attributed_to(&object, actor.as_str()) {
                continue;
            }
            any = true;
            if !known(id.to_string()).await {
                all_known = false;
                posts.push(object);
            }
            if posts.len() >= limits.max_items {
                return Ok(posts);
            }
        }
        if (any && all_known) || pages >= limits.max_pages {
            break;
        }
        page = page_at(data, current.get("next"), &host).await?;
    }
    Ok(posts)
}
