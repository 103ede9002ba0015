//! Finding a remote account by its handle (`name@host`): WebFinger at the handle's host,
//! then the actor its `self` link names, fetched, checked and stored as any actor is.
//!
//! Ours rather than the library's helper so that it takes the same address checks and
//! TLS settings as every other request and speaks https outside local federation.

use super::{Data, actor::DbActor};
use crate::state::AppState;
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;
use futures::StreamExt;
use serde::Deserialize;
use std::time::Duration;
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
    /// oStatus's remote-follow link carries its URL here.
    template: Option<String>,
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
pub async fn actor_id_of(handle: &str, data: &Data) -> anyhow::Result<Url> {
    let config = &data.config;
    let (name, host) = split_handle(handle, config.insecure_local)?;
    let body = webfinger(data.app_data(), host, &format!("acct:{name}@{host}"), None).await?;
    let id = actor_link(&body).with_context(|| {
        format!("WebFinger at {host} answered no JRD naming an ActivityPub actor for {handle}")
    })?;
    super::check_remote_url(&id, config).map_err(|reason| anyhow::anyhow!(reason))?;
    Ok(id)
}

/// The JRD `host` answers for `resource`, at most 64 KiB, fetched under the address
/// rule of every outgoing request; `timeout` shortens the client's own.
async fn webfinger(
    state: &AppState,
    host: &str,
    resource: &str,
    timeout: Option<Duration>,
) -> anyhow::Result<Vec<u8>> {
    let config = &state.config;
    let scheme = if config.insecure_local {
        "http"
    } else {
        "https"
    };
    let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
        .with_context(|| format!("{host:?} is not a host name"))?;
    url.query_pairs_mut().append_pair("resource", resource);
    super::check_remote_url(&url, config).map_err(|reason| anyhow::anyhow!(reason))?;
    let client = super::http_client(state)?;
    let mut request = client
        .get(url.clone())
        .header("accept", "application/jrd+json, application/json");
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let response = request
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
    Ok(body)
}

/// A visitor waits for this look-up on the follow page: a server that has not answered
/// by then gets Mastodon's path instead.
const FOLLOW_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the visitor's server `host` starts a follow of our `actor_id` (`acct` is the
/// same account as `acct:NAME@HOST`): the FEP-3b86 Follow intent or the oStatus
/// remote-follow template its WebFinger publishes for the visitor's account (`user`),
/// or for the server's own account when they gave no name (Mastodon names that one
/// after the host). `None` when the server publishes neither, cannot be asked, or was
/// asked too often lately.
pub async fn follow_start(
    state: &AppState,
    host: &str,
    user: Option<&str>,
    actor_id: &str,
    acct: &str,
) -> Option<Url> {
    if state.follow_lookup_limiter.check(host).is_err() {
        tracing::info!(host, "remote-follow look-ups at this server are paused");
        return None;
    }
    let resource = format!("acct:{}@{host}", user.unwrap_or(host));
    let body = match webfinger(state, host, &resource, Some(FOLLOW_LOOKUP_TIMEOUT)).await {
        Ok(body) => body,
        Err(err) => {
            tracing::info!(error = %format!("{err:#}"), "no remote-follow template");
            return None;
        }
    };
    let url = follow_link(&body, actor_id, acct)?;
    super::check_remote_url(&url, &state.config).ok()?;
    Some(url)
}

/// The follow URL a JRD document offers for our account: its FEP-3b86 Follow intent
/// with `{object}` (the actor id) or its oStatus template with `{uri}` (the `acct:`),
/// percent-encoded; other placeholders become empty, as FEP-3b86 asks.
fn follow_link(body: &[u8], actor_id: &str, acct: &str) -> Option<Url> {
    let jrd: Jrd = serde_json::from_slice(body).ok()?;
    let link_of = |rel: &str| {
        jrd.links
            .iter()
            .filter(|link| link.rel.as_deref() == Some(rel))
            .find_map(|link| link.href.as_deref().or(link.template.as_deref()))
    };
    let filled = if let Some(intent) = link_of(super::wellknown::FEP_3B86_FOLLOW) {
        fill_template(intent, "object", actor_id)
    } else {
        fill_template(link_of(super::wellknown::OSTATUS_SUBSCRIBE)?, "uri", acct)
    };
    (filled.len() <= super::MAX_ID_BYTES)
        .then(|| Url::parse(&filled).ok())
        .flatten()
}

/// `template` with `{name}` replaced by `value` percent-encoded and any other `{...}`
/// by nothing.
fn fill_template(template: &str, name: &str, value: &str) -> String {
    let mut out = String::with_capacity(template.len() + value.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        if &rest[open + 1..open + close] == name {
            out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
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
    fn the_follow_link_prefers_the_intent_and_fills_only_its_own_placeholder() {
        let both = br#"{"links":[
            {"rel":"http://ostatus.org/schema/1.0/subscribe","template":"https://m.example/authorize_interaction?uri={uri}"},
            {"rel":"https://w3id.org/fep/3b86/Follow","href":"https://m.example/follow?id={object}&back={on-success}"}]}"#;
        assert_eq!(
            follow_link(
                both,
                "https://desa.example/u/desa",
                "acct:desa@desa.example"
            )
            .map(String::from)
            .as_deref(),
            Some("https://m.example/follow?id=https%3A%2F%2Fdesa.example%2Fu%2Fdesa&back=")
        );
        let ostatus = br#"{"links":[
            {"rel":"http://ostatus.org/schema/1.0/subscribe","template":"https://m.example/authorize-follow?acct={uri}"}]}"#;
        assert_eq!(
            follow_link(
                ostatus,
                "https://desa.example/u/desa",
                "acct:desa@desa.example"
            )
            .map(String::from)
            .as_deref(),
            Some("https://m.example/authorize-follow?acct=acct%3Adesa%40desa.example")
        );
        assert_eq!(fill_template("a{b", "b", "x"), "a{b");
        assert_eq!(follow_link(br#"{"links":[]}"#, "x", "y"), None);
    }

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
            let _ = follow_link(body.as_bytes(), "https://desa.example/u/desa", "acct:desa@desa.example");
        }

        #[test]
        fn any_template_is_filled_without_panic(template in ".{0,80}") {
            let _ = fill_template(&template, "uri", "acct:a@b");
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
