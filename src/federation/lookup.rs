//! Finding a remote account by its handle (`name@host`): WebFinger at the handle's host,
//! then the actor its `self` link names, fetched, checked and stored as any actor is.
//!
//! Ours rather than the library's helper so that it takes the same address checks and
//! TLS settings as every other request and speaks https outside local federation.

use super::{Data, actor::DbActor};
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;
use futures::StreamExt;
use serde::Deserialize;
use url::Url;

/// A WebFinger answer is a few hundred bytes; anything much larger is not one.
const MAX_WEBFINGER_BYTES: usize = 64 * 1024;

#[derive(Deserialize)]
struct Jrd {
    #[serde(default)]
    links: Vec<JrdLink>,
}

#[derive(Deserialize)]
struct JrdLink {
    rel: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    href: Option<String>,
}

/// Splits `@name@host` or `name@host`; the host may carry a port only for local
/// federation.
fn split_handle(handle: &str, insecure_local: bool) -> anyhow::Result<(&str, &str)> {
    let handle = handle.trim().trim_start_matches('@');
    let (name, host) = handle
        .split_once('@')
        .with_context(|| format!("{handle:?} is not an account handle (name@host)"))?;
    let host_ok = !host.is_empty()
        && host.chars().all(|c| {
            c.is_ascii_alphanumeric() || c == '.' || c == '-' || (insecure_local && c == ':')
        });
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-');
    if !host_ok || !name_ok {
        anyhow::bail!("{handle:?} is not an account handle (name@host)");
    }
    Ok((name, host))
}

/// The ActivityPub id of the account `handle`, by WebFinger.
async fn actor_id_of(handle: &str, data: &Data) -> anyhow::Result<Url> {
    let config = &data.config;
    let (name, host) = split_handle(handle, config.insecure_local)?;
    let scheme = if config.insecure_local {
        "http"
    } else {
        "https"
    };
    let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
        .with_context(|| format!("{host:?} is not a host name"))?;
    url.query_pairs_mut()
        .append_pair("resource", &format!("acct:{name}@{host}"));
    super::check_remote_url(&url, config).map_err(|reason| anyhow::anyhow!(reason))?;
    let client = super::http_client(data.app_data())?;
    let response = client
        .get(url.clone())
        .header("accept", "application/jrd+json, application/json")
        .send()
        .await
        .with_context(|| format!("WebFinger at {host}"))?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!("WebFinger at {host} answered HTTP {}", status.as_u16());
    }
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        body.extend_from_slice(&chunk.with_context(|| format!("reading WebFinger at {host}"))?);
        if body.len() > MAX_WEBFINGER_BYTES {
            anyhow::bail!("WebFinger at {host} answered more than 64 KiB");
        }
    }
    let id = actor_link(&body).with_context(|| {
        format!("WebFinger at {host} answered no JRD naming an ActivityPub actor for {handle}")
    })?;
    super::check_remote_url(&id, config).map_err(|reason| anyhow::anyhow!(reason))?;
    Ok(id)
}

/// The `self` link of an ActivityPub type in a JRD document, if it has one and it is a
/// URL.
fn actor_link(body: &[u8]) -> Option<Url> {
    let jrd: Jrd = serde_json::from_slice(body).ok()?;
    let href = jrd
        .links
        .iter()
        .filter(|link| link.rel.as_deref() == Some("self"))
        .filter(|link| {
            link.kind.as_deref().is_some_and(|kind| {
                kind.starts_with(super::ACTIVITY_JSON) || kind.starts_with("application/ld+json")
            })
        })
        .find_map(|link| link.href.as_deref())?;
    Url::parse(href).ok()
}

/// The account `handle`, fetched (or read from the store if fresh) and checked.
pub async fn actor_by_handle(handle: &str, data: &Data) -> anyhow::Result<DbActor> {
    let id = actor_id_of(handle, data).await?;
    ObjectId::<DbActor>::from(id.clone())
        .dereference(data)
        .await
        .map_err(|err| anyhow::anyhow!("fetching {id}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_actor_link_is_the_self_link_of_an_activitypub_type() {
        let jrd = br#"{"subject":"acct:desa@desa.example","links":[
            {"rel":"http://webfinger.net/rel/profile-page","type":"text/html","href":"https://desa.example/"},
            {"rel":"self","type":"application/activity+json","href":"https://desa.example/u/desa"}]}"#;
        assert_eq!(
            actor_link(jrd).map(String::from),
            Some("https://desa.example/u/desa".to_string())
        );
        assert_eq!(
            actor_link(br#"{"links":[{"rel":"self","href":"x"}]}"#),
            None
        );
        assert_eq!(actor_link(b"<html>"), None);
    }

    proptest! {
        #![proptest_config(crate::fuzzing::config(512))]

        /// Whatever a server answers to WebFinger, reading it does not panic.
        #[test]
        fn any_webfinger_answer_is_read_without_panic(body in crate::fuzzing::json_like()) {
            let _ = actor_link(body.as_bytes());
        }

        #[test]
        fn any_handle_is_split_without_panic(handle in ".{0,80}") {
            let _ = split_handle(&handle, false);
            let _ = split_handle(&handle, true);
        }
    }

    #[test]
    fn handles_are_split_and_checked() {
        assert_eq!(
            split_handle("@desa@desa.example", false).expect("ok"),
            ("desa", "desa.example")
        );
        assert_eq!(
            split_handle("desa-a@localhost:8081", true).expect("ok"),
            ("desa-a", "localhost:8081")
        );
        for bad in [
            "desa",
            "desa@",
            "@desa.example",
            "desa@localhost:8081",
            "desa@evil.example/path",
            "desa@evil.example?x",
            "a b@desa.example",
        ] {
            assert!(split_handle(bad, false).is_err(), "{bad}");
        }
    }
}
