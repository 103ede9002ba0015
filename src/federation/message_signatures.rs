//! RFC 9421 HTTP message signatures (`Signature-Input` and `Signature`, with the body in
//! `Content-Digest`, RFC 9530), as Mastodon 4.5 and Fedify speak them: one signature,
//! `rsa-v1_5-sha256`, the key named by `keyid`. Only what federation needs, read and
//! written with the structured-field rules of RFC 8941 (the `sfv` crate), so that the
//! `@signature-params` line we sign or check is exactly the serialisation the other side
//! made.
//!
//! It knows nothing of actors or of the database: [`super::signature_policy`] decides what
//! a signature must cover and whose key checks it; [`super::signing`] puts the headers on
//! outgoing requests. Components with parameters (`;sf`, `;key`, `;req`, `;bs`) and other
//! algorithms are refused with a reason rather than guessed at.

use super::signing::SigningKey;
use super::verifying::VerifyingKey;
use axum::http::HeaderMap;
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use sfv::{BareItem, Dictionary, InnerList, Item, ListEntry, Parser};
use sha2::{Digest, Sha256};

/// The one algorithm we sign and verify with (RSASSA-PKCS1-v1_5 using SHA-256).
pub const ALGORITHM: &str = "rsa-v1_5-sha256";

/// What we cover in an outgoing POST: the method, the whole target, the authority (the
/// host, signed without sending a `host` header next to HTTP/2's `:authority`), the body
/// through its digest, and the date we send anyway.
pub const POST_COMPONENTS: [&str; 5] = [
    "@method",
    "@target-uri",
    "@authority",
    "content-digest",
    "date",
];

/// One RFC 9421 signature of a request, as read from its headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageSignature {
    pub label: String,
    /// Component identifiers, lowercased as the RFC requires (`@method`, `date`).
    pub components: Vec<String>,
    pub key_id: String,
    /// Unix seconds.
    pub created: i64,
    pub expires: Option<i64>,
    /// The `@signature-params` value: the inner list with its parameters, serialised.
    params_line: String,
    signature: Vec<u8>,
}

impl MessageSignature {
    pub fn covers(&self, component: &str) -> bool {
        self.components.iter().any(|c| c == component)
    }
}

/// Whether the request carries an RFC 9421 signature rather than a draft-cavage one.
pub fn is_present(headers: &HeaderMap) -> bool {
    headers.contains_key("signature-input")
}

/// A header's field lines joined as RFC 9110 combines them (`, `), each trimmed; `None`
/// when absent or not text.
fn field_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut lines = headers.get_all(name).iter().peekable();
    lines.peek()?;
    let mut joined = Vec::new();
    for line in lines {
        joined.push(line.to_str().ok()?.trim().to_string());
    }
    Some(joined.join(", "))
}

fn dictionary(headers: &HeaderMap, name: &str) -> Result<Dictionary, String> {
    let value =
        field_value(headers, name).ok_or_else(|| format!("the {name} header is missing"))?;
    Parser::new(value.as_bytes())
        .parse::<Dictionary>()
        .map_err(|err| format!("the {name} header is not a structured-field dictionary: {err}"))
}

fn string_param(list: &InnerList, name: &str) -> Result<Option<String>, String> {
    match list.params.get(name) {
        None => Ok(None),
        Some(BareItem::String(value)) => Ok(Some(value.as_str().to_string())),
        Some(_) => Err(format!("the signature's {name} parameter is not a string")),
    }
}

fn integer_param(list: &InnerList, name: &str) -> Result<Option<i64>, String> {
    match list.params.get(name) {
        None => Ok(None),
        Some(BareItem::Integer(value)) => Ok(Some(i64::from(*value))),
        Some(_) => Err(format!(
            "the signature's {name} parameter is not an integer"
        )),
    }
}

/// Reads the first signature of `Signature-Input` and its value in `Signature`. The
/// reason, when it cannot be used, is one line.
pub fn read(headers: &HeaderMap) -> Result<MessageSignature, String> {
    let inputs = dictionary(headers, "signature-input")?;
    let signatures = dictionary(headers, "signature")?;
    let (label, list) = inputs
        .iter()
        .find_map(|(label, entry)| match entry {
            ListEntry::InnerList(list) => Some((label, list)),
            ListEntry::Item(_) => None,
        })
        .ok_or_else(|| "the Signature-Input header names no signature".to_string())?;
    let signature = match signatures.get(label.as_str()) {
        Some(ListEntry::Item(Item {
            bare_item: BareItem::ByteSequence(bytes),
            ..
        })) => bytes.clone(),
        _ => {
            return Err(format!(
                "the Signature header has no byte sequence labelled {}",
                label.as_str()
            ));
        }
    };
    let mut components = Vec::with_capacity(list.items.len());
    for item in &list.items {
        let BareItem::String(name) = &item.bare_item else {
            return Err("a covered component of the signature is not a string".into());
        };
        if !item.params.is_empty() {
            return Err(format!(
                "the covered component {:?} has parameters, which this node does not support",
                name.as_str()
            ));
        }
        components.push(name.as_str().to_ascii_lowercase());
    }
    if let Some(alg) = string_param(list, "alg")?
        && alg != ALGORITHM
    {
        return Err(format!(
            "the signature algorithm {alg:?} is not supported (only {ALGORITHM})"
        ));
    }
    let key_id = string_param(list, "keyid")?
        .ok_or_else(|| "the signature has no keyid parameter".to_string())?;
    let created = integer_param(list, "created")?
        .ok_or_else(|| "the signature has no created parameter".to_string())?;
    let expires = integer_param(list, "expires")?;
    Ok(MessageSignature {
        label: label.as_str().to_string(),
        components,
        key_id,
        created,
        expires,
        params_line: serialise_inner_list(list)?,
        signature,
    })
}

fn serialise_inner_list(list: &InnerList) -> Result<String, String> {
    let mut out = sfv::ListSerializer::new();
    out.members([&ListEntry::InnerList(list.clone())]);
    out.finish()
        .ok_or_else(|| "the signature's parameters cannot be serialised".to_string())
}

/// The request a signature base is made from, as this node sees it: `target` is the
/// whole URI the sender addressed (our scheme and authority, the path and query it
/// asked for), `authority` is ours (`host[:port]`), used for `host` too when an HTTP/2
/// proxy left the header out.
pub struct Request<'a> {
    pub method: &'a str,
    pub target: &'a url::Url,
    pub headers: &'a HeaderMap,
}

fn authority(target: &url::Url) -> String {
    let host = target.host_str().unwrap_or_default().to_ascii_lowercase();
    match target.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

fn component_value(name: &str, request: &Request<'_>) -> Result<String, String> {
    let target = request.target;
    Ok(match name {
        "@method" => request.method.to_ascii_uppercase(),
        "@target-uri" => target.as_str().to_string(),
        "@authority" => authority(target),
        "@scheme" => target.scheme().to_string(),
        "@path" => target.path().to_string(),
        "@query" => format!("?{}", target.query().unwrap_or_default()),
        "@request-target" => match target.query() {
            Some(query) => format!("{}?{query}", target.path()),
            None => target.path().to_string(),
        },
        derived if derived.starts_with('@') => {
            return Err(format!(
                "the covered component {derived:?} is not supported for requests"
            ));
        }
        "host" => field_value(request.headers, "host").unwrap_or_else(|| authority(target)),
        header => field_value(request.headers, header)
            .ok_or_else(|| format!("the covered header {header} is missing"))?,
    })
}

/// The signature base of RFC 9421 section 2.5.
fn signature_base(
    components: &[String],
    params_line: &str,
    request: &Request<'_>,
) -> Result<String, String> {
    let mut base = String::new();
    for name in components {
        let value = component_value(name, request)?;
        if value.contains(['\n', '\r']) {
            return Err(format!("the covered component {name} holds a line break"));
        }
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params_line}"));
    Ok(base)
}

/// Whether `signature` verifies over `request` with the RSA key in `public_key_pem`.
pub fn verifies(
    signature: &MessageSignature,
    request: &Request<'_>,
    public_key_pem: &str,
) -> Result<bool, String> {
    let base = signature_base(&signature.components, &signature.params_line, request)?;
    let key = VerifyingKey::from_pem(public_key_pem).map_err(|err| err.to_string())?;
    Ok(key.verifies_sha256(base.as_bytes(), &signature.signature))
}

/// `sha-256=:…:` for `body`.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", BASE64.encode(Sha256::digest(body)))
}

/// Checks `Content-Digest` (RFC 9530): it must hold a `sha-256` member equal to the
/// body's; members of other algorithms are allowed beside it and not checked.
pub fn content_digest_matches(headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let digests = dictionary(headers, "content-digest")?;
    match digests.get("sha-256") {
        Some(ListEntry::Item(Item {
            bare_item: BareItem::ByteSequence(given),
            ..
        })) if given.as_slice() == Sha256::digest(body).as_slice() => Ok(()),
        Some(_) => Err("the Content-Digest sha-256 does not match the body".into()),
        None => Err("the Content-Digest header has no sha-256 member".into()),
    }
}

/// Signs `request` now: returns the `Signature-Input` and `Signature` values, labelled
/// `sig1`, covering [`POST_COMPONENTS`] (whose headers `request` must already carry).
pub fn sign(
    request: &Request<'_>,
    components: &[&str],
    key_id: &str,
    created: i64,
    key: &SigningKey,
) -> Result<(String, String), String> {
    let items = components
        .iter()
        .map(|name| {
            sfv::String::from_string((*name).to_string())
                .map(|name| Item::new(BareItem::String(name)))
                .map_err(|_| format!("{name:?} is not a component name"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut params = sfv::Parameters::new();
    let key_id = sfv::String::from_string(key_id.to_string())
        .map_err(|_| "the key id is not a structured-field string".to_string())?;
    params.insert(
        sfv::key_ref("created").to_owned(),
        BareItem::Integer(int(created)?),
    );
    params.insert(sfv::key_ref("keyid").to_owned(), BareItem::String(key_id));
    params.insert(
        sfv::key_ref("alg").to_owned(),
        BareItem::String(sfv::string_ref(ALGORITHM).to_owned()),
    );
    let list = InnerList::with_params(items, params);
    let params_line = serialise_inner_list(&list)?;
    let names: Vec<String> = components.iter().map(|c| (*c).to_string()).collect();
    let base = signature_base(&names, &params_line, request)?;
    let signature = key
        .sign_sha256(base.as_bytes())
        .map_err(|err| format!("signing failed: {err}"))?;
    Ok((
        format!("sig1={params_line}"),
        format!("sig1=:{}:", BASE64.encode(signature)),
    ))
}

fn int(value: i64) -> Result<sfv::Integer, String> {
    sfv::Integer::try_from(value).map_err(|_| "the time is out of range".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::fuzzing::config(512))]

        /// Whatever a stranger puts in the three headers, reading them answers a
        /// signature or a reason; it never panics.
        #[test]
        fn any_signature_headers_are_read_without_panic(
            input in prop_oneof![
                "[ -~]{0,200}",
                crate::fuzzing::mutated(r#"sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="https://m.example/users/a#main-key";alg="rsa-v1_5-sha256""#),
            ],
            signature in prop_oneof!["[ -~]{0,120}", Just("sig1=:AAEC:".to_string())],
            digest in "[ -~]{0,80}",
        ) {
            let mut headers = HeaderMap::new();
            for (name, value) in [("signature-input", &input), ("signature", &signature), ("content-digest", &digest)] {
                if let Ok(value) = value.parse() {
                    headers.insert(name, value);
                }
            }
            let _ = content_digest_matches(&headers, b"{}");
            if let Ok(read) = read(&headers) {
                let target = url::Url::parse("https://desa.example/inbox").expect("url");
                let request = Request { method: "POST", target: &target, headers: &headers };
                let _ = signature_base(&read.components, &read.params_line, &request);
            }
        }
    }

    #[test]
    fn content_digest_accepts_other_algorithms_beside_a_matching_sha256() {
        let body = b"{\"type\":\"Follow\"}";
        let mut headers = HeaderMap::new();
        let both = format!("sha-512=:AAAA:, {}", content_digest(body));
        headers.insert("content-digest", both.parse().expect("header"));
        assert_eq!(content_digest_matches(&headers, body), Ok(()));
        assert!(content_digest_matches(&headers, b"{}").is_err());
        headers.insert("content-digest", "sha-512=:AAAA:".parse().expect("header"));
        assert!(content_digest_matches(&headers, body).is_err());
    }

    /// The signature base of RFC 9421's own example B.2.5 shape: quoted component
    /// names, one per line, and the parameters last as the sender serialised them.
    #[test]
    fn the_signature_base_follows_the_rfc() {
        let mut headers = HeaderMap::new();
        headers.insert("date", "Tue, 20 Apr 2021 02:07:55 GMT".parse().expect("h"));
        headers.insert(
            "signature-input",
            r#"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#
                .parse()
                .expect("h"),
        );
        headers.insert("signature", "sig-b25=:AAAA:".parse().expect("h"));
        headers.insert("content-type", "application/json".parse().expect("h"));
        let read = read(&headers).expect("read");
        let target = url::Url::parse("https://example.com/foo?param=Value&Pet=dog").expect("url");
        let request = Request {
            method: "POST",
            target: &target,
            headers: &headers,
        };
        let base = signature_base(&read.components, &read.params_line, &request).expect("base");
        assert_eq!(
            base,
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@authority\": example.com\n\"content-type\": application/json\n\"@signature-params\": (\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\""
        );
    }
}
