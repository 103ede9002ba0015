//! The HTML templates of every area (shared pages, the public site, the admin, the
//! portal) in one minijinja environment, so that all of them can extend `base.html`
//! and read the same strings. Each area lists its own templates.

use crate::error::AppError;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use minijinja::{Environment, Value};
use std::sync::LazyLock;

/// Templates outside the site and admin areas.
const SHARED: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("message.html", include_str!("templates/message.html")),
    ("page.html", include_str!("templates/page.html")),
    ("timeline.html", include_str!("templates/timeline.html")),
    ("monitoring.html", include_str!("templates/monitoring.html")),
    // A post's likes, boosts and replies: on its public page and in the admin.
    ("counts.html", include_str!("templates/counts.html")),
];

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_formatter(html_formatter);
    for (name, source) in SHARED
        .iter()
        .chain(super::site::TEMPLATES)
        .chain(super::admin::TEMPLATES)
        .chain(super::hosting::TEMPLATES)
    {
        if let Err(err) = env.add_template(name, source) {
            tracing::error!(%err, template = name, "a built-in template does not parse");
        }
    }
    env
});

/// Escapes `&`, `<`, `>`, `"` and `'`, which is all HTML text and quoted attribute
/// values need. minijinja's own escaping also turns `/` into `&#x2f;`, which makes every
/// URL in an `href` or `og:image` harder to read for link-preview scrapers and heavier.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_safe() || !matches!(state.auto_escape(), minijinja::AutoEscape::Html) {
        return minijinja::escape_formatter(out, state, value);
    }
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    let escaped = crate::text::escape_markup(&value.to_string());
    out.write_str(&escaped).map_err(minijinja::Error::from)
}

/// Renders one of the templates with `ctx`.
pub fn render(status: StatusCode, name: &str, ctx: Value) -> Result<Response, AppError> {
    let html = render_string(name, ctx)?;
    Ok((status, [("vary", "Accept")], Html(html)).into_response())
}

/// Renders a template to a string (for pages that add their own headers).
pub fn render_string(name: &str, ctx: Value) -> Result<String, AppError> {
    let template = TEMPLATES
        .get_template(name)
        .map_err(|err| AppError::Unavailable(err.into()))?;
    template
        .render(ctx)
        .map_err(|err| AppError::Unavailable(err.into()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_is_escaped_but_urls_keep_their_slashes() {
        let mut env = minijinja::Environment::new();
        env.set_formatter(super::html_formatter);
        env.add_template("t.html", "<a href=\"{{ u }}\">{{ x }}</a>{{ h | safe }}")
            .expect("template");
        let html = env
            .get_template("t.html")
            .and_then(|t| {
                t.render(minijinja::context! {
                    u => "https://desa.example/p/1?a=1&b=\"2\"", x => "<script>'", h => "<b>ok</b>"
                })
            })
            .expect("render");
        assert_eq!(
            html,
            "<a href=\"https://desa.example/p/1?a=1&amp;b=&quot;2&quot;\">&lt;script&gt;&#39;</a><b>ok</b>"
        );
    }

    #[test]
    fn every_template_parses() {
        for (name, _) in super::SHARED
            .iter()
            .chain(super::super::site::TEMPLATES)
            .chain(super::super::admin::TEMPLATES)
        {
            assert!(super::TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }
}
