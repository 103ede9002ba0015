//! The wire shapes: serde types named after the ActivityStreams vocabulary, for what we
//! send (`objects`, `activities`, `collections`) and what we accept (`incoming`). No
//! behaviour: turning records into these is `render`'s job, acting on what arrives is
//! the handlers' in `activities/`.

pub mod activities;
pub mod collections;
pub mod incoming;
pub mod objects;

use serde_json::{Value, json};

pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
/// The audience "everyone" (`as:Public`).
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The JSON-LD context of actors: Mastodon's extension terms, with `schema` mapped to
/// `http://schema.org#` as Mastodon expects for profile fields.
pub fn actor_context() -> Value {
    json!([
        AS_CONTEXT,
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "movedTo": { "@id": "as:movedTo", "@type": "@id" }
        }
    ])
}

/// The JSON-LD context of objects and activities, with the terms of a Note's
/// `interactionPolicy` (GoToSocial's vocabulary, as FEP-044f and Mastodon 4.5 use it).
pub fn object_context() -> Value {
    json!([AS_CONTEXT, object_terms()])
}

fn object_terms() -> serde_json::Map<String, Value> {
    let terms = json!({
        "Hashtag": "as:Hashtag",
        "sensitive": "as:sensitive",
        "gts": GTS_NAMESPACE,
        "interactionPolicy": { "@id": "gts:interactionPolicy", "@type": "@id" },
        "canQuote": { "@id": "gts:canQuote", "@type": "@id" },
        "automaticApproval": { "@id": "gts:automaticApproval", "@type": "@id" }
    });
    match terms {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// GoToSocial's namespace, whose interaction-policy terms FEP-044f reuses.
pub const GTS_NAMESPACE: &str = "https://gotosocial.org/ns#";

/// The JSON-LD context of what answers a quote (FEP-044f): the object context with the
/// types `QuoteRequest` and `QuoteAuthorization` and the stamp's two links.
pub fn quote_context() -> Value {
    let mut terms = object_terms();
    for (term, definition) in [
        (
            "QuoteRequest",
            json!("https://w3id.org/fep/044f#QuoteRequest"),
        ),
        (
            "QuoteAuthorization",
            json!("https://w3id.org/fep/044f#QuoteAuthorization"),
        ),
        (
            "interactingObject",
            json!({ "@id": "gts:interactingObject", "@type": "@id" }),
        ),
        (
            "interactionTarget",
            json!({ "@id": "gts:interactionTarget", "@type": "@id" }),
        ),
    ] {
        terms.insert(term.to_string(), definition);
    }
    json!([AS_CONTEXT, terms])
}

/// A document with `@context` first, as every top-level document we serve or send.
pub fn with_context(document: impl serde::Serialize, context: Value) -> Value {
    let mut value = serde_json::to_value(document).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        let mut out = serde_json::Map::with_capacity(map.len() + 1);
        out.insert("@context".into(), context);
        out.append(map);
        return Value::Object(out);
    }
    value
}
