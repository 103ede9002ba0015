//! The safety headers every response carries, in one layer around the whole router:
//! portal pages, the village site, the admin, feeds, objects and error pages alike. A
//! response that set one of them itself (the admin's stricter policy, the sandbox of a
//! served document) keeps its own.

use axum::{
    http::{HeaderName, HeaderValue, header},
    response::Response,
};

/// No script runs on a page of ours; images from here and from https (Markdown bodies
/// may show remote images); inline styles for the site's colours; no other site may
/// frame a page, and forms post only here.
pub const CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
                       script-src 'none'; object-src 'none'; base-uri 'self'; \
                       frame-ancestors 'none'; form-action 'self'";

/// The admin's pages: the same, except that scripts served by the node itself may run
/// (the editor's own `/admin/static/editor.js`; never inline, never `eval`), and chosen
/// photos may be shown from `blob:` addresses before they are sent. Set by the admin's
/// layer (`web::admin`), so the public site keeps `script-src 'none'`.
pub const ADMIN_CSP: &str = "default-src 'self'; img-src 'self' https: data: blob:; style-src 'self' 'unsafe-inline'; \
                             script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
                             frame-ancestors 'none'; form-action 'self'";

const DEFAULTS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
];

/// Adds each safety header the response does not carry yet.
pub async fn headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in DEFAULTS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
