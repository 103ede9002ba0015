//! The node's URL scheme, in one place. Every id we mint comes from here and is served
//! by a route in `web` or `federation`; ids are never reused.

use url::Url;

/// Username of the instance actor that signs our fetches. Reserved.
pub const INSTANCE_ACTOR_USERNAME: &str = "instance.actor";

#[derive(Clone, Debug)]
pub struct Urls {
    base: Url,
}

impl Urls {
    pub fn new(base: Url) -> Self {
        Self { base }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    fn join(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url
    }

    pub fn actor(&self, username: &str) -> Url {
        self.join(&format!("/u/{username}"))
    }
    pub fn inbox(&self, username: &str) -> Url {
        self.join(&format!("/u/{username}/inbox"))
    }
    pub fn outbox(&self, username: &str) -> Url {
        self.join(&format!("/u/{username}/outbox"))
    }
    pub fn followers(&self, username: &str) -> Url {
        self.join(&format!("/u/{username}/followers"))
    }
    pub fn following(&self, username: &str) -> Url {
        self.join(&format!("/u/{username}/following"))
    }
    pub fn featured(&self, username: &str) -> Url {
        self.join(&format!("/u/{username}/featured"))
    }
    /// The avatar drawn for a local actor without a logo (see `media::avatar`).
    pub fn avatar(&self, username: &str) -> Url {
        self.join(&format!("/u/{username}/avatar.png"))
    }
    pub fn shared_inbox(&self) -> Url {
        self.join("/inbox")
    }
    pub fn instance_actor(&self) -> Url {
        self.join("/actor")
    }
    /// The website's admin, where the operator logs in.
    pub fn admin(&self) -> Url {
        self.join("/admin")
    }
    pub fn post(&self, public_id: &str) -> Url {
        self.join(&format!("/p/{public_id}"))
    }
    /// The approved residents' replies to a post (its `replies` collection).
    pub fn post_replies(&self, public_id: &str) -> Url {
        self.join(&format!("/p/{public_id}/replies"))
    }
    /// A post's thread (FEP-7888 `context`): the post and the replies shown under it.
    pub fn post_context(&self, public_id: &str) -> Url {
        self.join(&format!("/p/{public_id}/context"))
    }
    /// Where a visitor lands from a remote-follow template (Mastodon's path, so that
    /// links written for Mastodon work here too).
    pub fn authorize_interaction(&self) -> Url {
        self.join("/authorize_interaction")
    }
    pub fn post_likes(&self, public_id: &str) -> Url {
        self.join(&format!("/p/{public_id}/likes"))
    }
    pub fn post_shares(&self, public_id: &str) -> Url {
        self.join(&format!("/p/{public_id}/shares"))
    }
    /// The village's answer to a resident's message (a Note).
    pub fn answer(&self, public_id: &str) -> Url {
        self.join(&format!("/jawaban/{public_id}"))
    }
    /// An uploaded image's file (see `media`).
    pub fn media(&self, file_name: &str) -> Url {
        self.join(&format!("/media/{file_name}"))
    }
    /// The privacy policy page.
    pub fn privacy(&self) -> Url {
        self.join("/kebijakan-privasi")
    }
    /// The public information page (documents by KIP category and year).
    pub fn documents(&self) -> Url {
        self.join("/informasi-publik")
    }
    /// A public document's file; answered only while the document is public.
    pub fn document_file(&self, public_id: &str) -> Url {
        self.join(&format!("/informasi-publik/berkas/{public_id}"))
    }
    /// An approval stamp for a quote of one of `username`'s posts (FEP-044f), where
    /// Mastodon serves its own.
    pub fn quote_authorization(&self, username: &str, public_id: &str) -> Url {
        self.join(&format!("/u/{username}/quote_authorizations/{public_id}"))
    }
    pub fn activity(&self, public_id: &str) -> Url {
        self.join(&format!("/a/{public_id}"))
    }
    pub fn tag(&self, name: &str) -> Url {
        let mut url = self.join("/tags");
        url.path_segments_mut()
            .map(|mut s| {
                s.push(name);
            })
            .ok();
        url
    }

    /// The public id of one of our posts, from its URL.
    pub fn post_public_id<'a>(&self, url: &'a str) -> Option<&'a str> {
        let rest = url.strip_prefix(self.base.as_str())?;
        let id = rest.strip_prefix("p/")?;
        (!id.is_empty() && !id.contains('/')).then_some(id)
    }

    /// The username of one of our actors, from its id.
    pub fn actor_username<'a>(&self, url: &'a str) -> Option<&'a str> {
        if url == self.instance_actor().as_str() {
            return Some(INSTANCE_ACTOR_USERNAME);
        }
        let rest = url.strip_prefix(self.base.as_str())?;
        let name = rest.strip_prefix("u/")?;
        (!name.is_empty() && !name.contains('/')).then_some(name)
    }
}
