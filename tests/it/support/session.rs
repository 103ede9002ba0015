//! The admin as a browser drives it: a [`Browser`] that keeps cookies, the [`Page`]s
//! it gets back, multipart [`Part`]s with real images, and staff accounts signed in with
//! one call ([`signed_in`]), so a test starts from a session instead of a login form.

use super::{TestNode, client};
use kentongan::auth::{self, Role};
use std::collections::BTreeMap;

/// The password of every account a test makes.
pub const PASSWORD: &str = "kata-sandi-rahasia-1";

/// What a browser got back.
pub struct Page {
    pub status: u16,
    pub location: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The hidden CSRF field of the page's first form.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a csrf field") + marker.len();
        let len = self.body[start..].find('"').expect("end of the csrf value");
        self.body[start..start + len].to_string()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// One part of a multipart form.
pub enum Part {
    Text(&'static str, String),
    File(&'static str, &'static str, &'static str, Vec<u8>),
}

pub fn text(name: &'static str, value: impl Into<String>) -> Part {
    Part::Text(name, value.into())
}

/// A `multipart/form-data` body of these parts, with its content type.
pub fn multipart_body(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----kentongan-test-boundary-7d93a1";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
            }
            Part::File(name, file_name, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A browser: keeps cookies, follows nothing by itself.
#[derive(Clone)]
pub struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    /// The client address it seems to come from: the test node's peer is loopback, so
    /// it believes `X-Forwarded-For` as it would from its own reverse proxy.
    address: Option<String>,
}

impl Browser {
    pub fn new(node: &TestNode) -> Self {
        Self::at(&node.base)
    }

    /// A browser for a node started some other way (a `kentongan serve` process).
    pub fn at(base: &str) -> Self {
        Self {
            base: base.to_string(),
            client: client(),
            cookies: BTreeMap::new(),
            address: None,
        }
    }

    /// A browser for `base` that reaches it through `client` (one that resolves a hosted
    /// site's name, for instance).
    pub fn with_client(base: &str, client: reqwest::Client) -> Self {
        Self {
            client,
            ..Self::at(base)
        }
    }

    /// The same browser, seeming to come from `address`.
    pub fn coming_from(mut self, address: &str) -> Self {
        self.address = Some(address.to_string());
        self
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = if self.cookies.is_empty() {
            request
        } else {
            request.header("cookie", self.cookie_header())
        };
        let request = match &self.address {
            Some(address) => request.header("x-forwarded-for", address),
            None => request,
        };
        let response = request.send().await.expect("request");
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().expect("ascii cookie");
            let pair = value.split(';').next().expect("a pair");
            let (name, val) = pair.split_once('=').expect("name=value");
            if val.is_empty() || value.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), val.to_string());
            }
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string(),
            headers: response.headers().clone(),
            body: response.text().await.expect("body"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    pub async fn post_multipart(
        &mut self,
        path: &str,
        parts: &[Part],
        origin: Option<&str>,
    ) -> Page {
        let (content_type, body) = multipart_body(parts);
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        self.send(request).await
    }

    pub async fn try_login(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/admin/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        self.post_form(
            "/admin/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", "/admin"),
            ],
        )
        .await
    }

    /// The login form's token, with its cookie, even while signed in (when the form
    /// itself redirects): taken from a visit without cookies.
    pub async fn login_form_token(&mut self) -> String {
        let mut fresh = Browser::at(&self.base);
        let form = fresh.get("/admin/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        if let Some(cookie) = fresh.cookies.remove("kentongan_login") {
            self.cookies.insert("kentongan_login".into(), cookie);
        }
        form.csrf()
    }

    /// A fresh browser on `node`, signed in as the existing account `username`.
    pub async fn signed_in_as(node: &TestNode, username: &str) -> Self {
        let mut browser = Self::new(node);
        browser.login(username, PASSWORD).await;
        browser
    }

    pub async fn login(&mut self, username: &str, password: &str) {
        let page = self.try_login(username, password).await;
        assert_eq!(page.status, 303, "login of {username}: {}", page.body);
        assert_eq!(page.location, "/admin");
    }

    /// The session's CSRF token, as any admin page carries it.
    pub async fn csrf(&mut self) -> String {
        let page = self.get("/admin/account").await;
        assert_eq!(page.status, 200, "{}", page.body);
        page.csrf()
    }

    /// Submits the editor at `path` with these fields plus the session's token.
    pub async fn editor(&mut self, path: &str, action: &str, mut parts: Vec<Part>) -> Page {
        let csrf = self.csrf().await;
        parts.push(text("csrf", csrf));
        parts.push(text("action", action));
        self.post_multipart(path, &parts, None).await
    }
}

/// An account `username` of `role` on `node`, with the test password.
pub async fn user(node: &TestNode, username: &str, role: Role) -> kentongan::store::UserRecord {
    auth::create_user(&node.state().store, username, "", role, PASSWORD)
        .await
        .expect("create user")
}

/// A real PNG image of `width` by `height` pixels, for uploads.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 120])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(pixels)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode png");
    bytes.into_inner()
}

/// A new account `username` of `role` on `node`, signed in from a fresh browser: the
/// browser and the session's CSRF token, as every form wants it.
pub async fn signed_in(node: &TestNode, username: &str, role: Role) -> (Browser, String) {
    user(node, username, role).await;
    let mut browser = Browser::signed_in_as(node, username).await;
    let csrf = browser.csrf().await;
    (browser, csrf)
}
