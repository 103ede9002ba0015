//! A WordPress export (WXR, "WordPress eXtended RSS", versions 1.0 to 1.2) read into
//! plain values with quick-xml: the site's addresses, its categories and tags, and every
//! item (post, page, attachment, menu item, revision …) with the fields an import uses.
//! Nothing here decides what is imported; that is the module above.
//!
//! The `wp:`, `content:`, `excerpt:` and `dc:` prefixes are matched as written: WordPress
//! has written exactly these since WXR 1.0, and its own importer relies on them too.
//! quick-xml expands no entity but XML's five and character references, so a file cannot
//! make the reader grow without bound beyond its own size, which the caller limits.

use quick_xml::{Reader, events::Event};

/// Why a file is not an export we can read. Each is one line for the operator.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WxrError {
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error("the file is not well-formed XML ({0})")]
    NotXml(String),
    #[error("the file ends before the export does (truncated?)")]
    Truncated,
    #[error("the file is XML but not a WordPress export (WXR): {0}")]
    NotWxr(&'static str),
}

/// A category (`wp:category`) or tag (`wp:tag`) of the site.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Term {
    pub id: Option<i64>,
    pub slug: String,
    pub name: String,
    /// The parent category's slug (`wp:category_parent`), empty at the top.
    pub parent: String,
}

/// A category or tag an item is filed under (`<category domain nicename>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemTerm {
    /// `category`, `post_tag`, or a custom taxonomy.
    pub domain: String,
    pub slug: String,
    pub name: String,
}

/// One `<item>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    pub title: String,
    pub link: String,
    pub guid: String,
    pub pub_date: String,
    pub content: String,
    pub excerpt: String,
    pub wp_id: i64,
    pub post_date: String,
    pub post_date_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_type: String,
    pub post_parent: i64,
    pub menu_order: i64,
    pub password: String,
    pub attachment_url: String,
    pub terms: Vec<ItemTerm>,
    pub meta: Vec<(String, String)>,
}

impl Item {
    /// The value of a postmeta key, if the item has it.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A whole export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Export {
    pub title: String,
    /// `<channel><link>`: the blog's address.
    pub link: String,
    pub wxr_version: String,
    pub base_site_url: String,
    pub base_blog_url: String,
    pub categories: Vec<Term>,
    pub tags: Vec<Term>,
    pub items: Vec<Item>,
}

/// Where the reader is, for the parts whose children it collects.
#[derive(Default)]
struct Open {
    item: Option<Item>,
    term: Option<ItemTerm>,
    meta: Option<(String, String)>,
    site_term: Option<Term>,
}

/// Reads an export.
pub fn parse(text: &str) -> Result<Export, WxrError> {
    let mut reader = Reader::from_str(text);
    let mut export = Export::default();
    let mut stack: Vec<String> = Vec::new();
    let mut value = String::new();
    let mut open = Open::default();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|err| match err {
            // Every syntax error but a bad `<!` is the input ending inside something.
            quick_xml::Error::Syntax(syntax)
                if syntax != quick_xml::errors::SyntaxError::InvalidBangMarkup =>
            {
                WxrError::Truncated
            }
            err => WxrError::NotXml(format!("{err}, at byte {}", reader.error_position())),
        })?;
        match event {
            Event::Start(start) => {
                let name = start.name().as_ref().to_string();
                if !seen_root {
                    seen_root = true;
                    if name != "rss" {
                        return Err(WxrError::NotWxr("its root element is not <rss>"));
                    }
                }
                let parent = stack.last().map(String::as_str).unwrap_or("");
                match (parent, name.as_str()) {
                    ("channel", "item") => open.item = Some(Item::default()),
                    ("item", "category") => {
                        let mut term = ItemTerm::default();
                        for attribute in start.attributes().flatten() {
                            let attribute_value = attribute
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map(|v| v.into_owned())
                                .unwrap_or_default();
                            match attribute.key.as_ref() {
                                "domain" => term.domain = attribute_value,
                                "nicename" => term.slug = attribute_value,
                                _ => {}
                            }
                        }
                        open.term = Some(term);
                    }
                    ("item", "wp:postmeta") => open.meta = Some(Default::default()),
                    ("channel", "wp:category") | ("channel", "wp:tag") => {
                        open.site_term = Some(Term::default())
                    }
                    _ => {}
                }
                stack.push(name);
                value.clear();
            }
            Event::Empty(empty) => {
                if !seen_root {
                    return Err(WxrError::NotWxr("its root element is not <rss>"));
                }
                let name = empty.name().as_ref().to_string();
                let parent = stack.last().cloned().unwrap_or_default();
                close(&mut export, &mut open, &parent, &name, String::new());
            }
            Event::Text(text) => value.push_str(&text.xml10_content()),
            Event::CData(data) => value.push_str(&data),
            Event::GeneralRef(reference) => {
                match reference
                    .resolve_char_ref()
                    .map_err(|err| WxrError::NotXml(err.to_string()))?
                {
                    Some(c) => value.push(c),
                    None => match &*reference {
                        "amp" => value.push('&'),
                        "lt" => value.push('<'),
                        "gt" => value.push('>'),
                        "quot" => value.push('"'),
                        "apos" => value.push('\''),
                        // An entity XML does not define: kept as written, never expanded.
                        other => {
                            value.push('&');
                            value.push_str(other);
                            value.push(';');
                        }
                    },
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let parent = stack.last().cloned().unwrap_or_default();
                close(
                    &mut export,
                    &mut open,
                    &parent,
                    &name,
                    std::mem::take(&mut value),
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err(WxrError::NotXml("there is no element in it".into()));
    }
    if !stack.is_empty() {
        return Err(WxrError::Truncated);
    }
    if export.wxr_version.is_empty() {
        return Err(WxrError::NotWxr("it has no <wp:wxr_version>"));
    }
    if export.base_site_url.is_empty() && export.link.is_empty() {
        return Err(WxrError::NotWxr("it names no site (<wp:base_site_url>)"));
    }
    Ok(export)
}

/// An element `name` inside `parent` ended with the text `value`: put it where it goes.
fn close(export: &mut Export, open: &mut Open, parent: &str, name: &str, value: String) {
    let number = |v: &str| v.trim().parse::<i64>().unwrap_or(0);
    if let Some(meta) = open.meta.as_mut()
        && parent == "wp:postmeta"
    {
        match name {
            "wp:meta_key" => meta.0 = value,
            "wp:meta_value" => meta.1 = value,
            _ => {}
        }
        return;
    }
    if let Some(term) = open.site_term.as_mut()
        && (parent == "wp:category" || parent == "wp:tag")
    {
        match name {
            "wp:term_id" => term.id = value.trim().parse().ok(),
            "wp:category_nicename" | "wp:tag_slug" => term.slug = value.trim().to_string(),
            "wp:cat_name" | "wp:tag_name" => term.name = value.trim().to_string(),
            "wp:category_parent" => term.parent = value.trim().to_string(),
            _ => {}
        }
        return;
    }
    match (parent, name) {
        ("channel", "wp:category") => {
            if let Some(term) = open.site_term.take() {
                export.categories.push(term);
            }
        }
        ("channel", "wp:tag") => {
            if let Some(term) = open.site_term.take() {
                export.tags.push(term);
            }
        }
        ("channel", "item") => {
            if let Some(item) = open.item.take() {
                export.items.push(item);
            }
        }
        ("channel", "title") => export.title = value.trim().to_string(),
        ("channel", "link") => export.link = value.trim().to_string(),
        ("channel", "wp:wxr_version") => export.wxr_version = value.trim().to_string(),
        ("channel", "wp:base_site_url") => export.base_site_url = value.trim().to_string(),
        ("channel", "wp:base_blog_url") => export.base_blog_url = value.trim().to_string(),
        ("item", _) => {
            let Some(item) = open.item.as_mut() else {
                return;
            };
            match name {
                "title" => item.title = value,
                "link" => item.link = value.trim().to_string(),
                "guid" => item.guid = value.trim().to_string(),
                "pubDate" => item.pub_date = value.trim().to_string(),
                "content:encoded" => item.content = value,
                "excerpt:encoded" => item.excerpt = value,
                "wp:post_id" => item.wp_id = number(&value),
                "wp:post_date" => item.post_date = value.trim().to_string(),
                "wp:post_date_gmt" => item.post_date_gmt = value.trim().to_string(),
                "wp:post_name" => item.post_name = value.trim().to_string(),
                "wp:status" => item.status = value.trim().to_string(),
                "wp:post_type" => item.post_type = value.trim().to_string(),
                "wp:post_parent" => item.post_parent = number(&value),
                "wp:menu_order" => item.menu_order = number(&value),
                "wp:post_password" => item.password = value,
                "wp:attachment_url" => item.attachment_url = value.trim().to_string(),
                "category" => {
                    if let Some(mut term) = open.term.take() {
                        term.name = value.trim().to_string();
                        item.terms.push(term);
                    }
                }
                "wp:postmeta" => {
                    if let Some(meta) = open.meta.take() {
                        item.meta.push(meta);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Desa Contoh</title>
  <link>https://contoh.desa.id</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://contoh.desa.id</wp:base_site_url>
  <wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[kegiatan]]></wp:category_nicename><wp:cat_name><![CDATA[Kegiatan &amp; Acara]]></wp:cat_name></wp:category>
  <wp:category><wp:term_id>4</wp:term_id><wp:category_nicename><![CDATA[rapat]]></wp:category_nicename><wp:category_parent><![CDATA[kegiatan]]></wp:category_parent><wp:cat_name><![CDATA[Rapat]]></wp:cat_name></wp:category>
  <item>
    <title>Kopi &amp; teh &#8211; murah</title>
    <link>https://contoh.desa.id/kopi/</link>
    <content:encoded><![CDATA[<p>Isi & lain</p>]]></content:encoded>
    <wp:post_id>12</wp:post_id>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <category domain="category" nicename="kegiatan"><![CDATA[Kegiatan]]></category>
    <wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[15]]></wp:meta_value></wp:postmeta>
    <wp:post_password></wp:post_password>
  </item>
</channel>
</rss>"#;

    #[test]
    fn an_item_is_read_with_its_terms_and_meta() {
        let export = parse(SMALL).expect("parsed");
        assert_eq!(export.base_site_url, "https://contoh.desa.id");
        assert_eq!(export.categories[0].id, Some(3));
        assert_eq!(export.categories[0].name, "Kegiatan &amp; Acara");
        assert_eq!(export.categories[0].parent, "");
        assert_eq!(export.categories[1].parent, "kegiatan");
        let item = &export.items[0];
        assert_eq!(item.title, "Kopi & teh \u{2013} murah");
        assert_eq!(item.content, "<p>Isi & lain</p>");
        assert_eq!(item.wp_id, 12);
        assert_eq!(item.terms[0].slug, "kegiatan");
        assert_eq!(item.meta("_thumbnail_id"), Some("15"));
    }

    #[test]
    fn entities_a_file_declares_are_never_expanded() {
        let bomb = SMALL
            .replace(
                "<rss version",
                "<!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>\n<rss version",
            )
            .replace("Kopi &amp; teh", "Kopi &b; teh");
        let export = parse(&bomb).expect("parsed");
        assert_eq!(export.items[0].title, "Kopi &b; teh \u{2013} murah");
    }

    #[test]
    fn files_that_are_not_exports_are_told_apart() {
        assert!(matches!(
            parse("just words"),
            Err(WxrError::NotXml(_) | WxrError::NotWxr(_))
        ));
        assert!(matches!(
            parse("<html><body>x</body></html>"),
            Err(WxrError::NotWxr(_))
        ));
        assert!(matches!(
            parse("<rss><channel><title>t</title></channel></rss>"),
            Err(WxrError::NotWxr(_))
        ));
        let cut = &SMALL[..SMALL.len() / 2];
        assert_eq!(parse(cut), Err(WxrError::Truncated));
        assert!(matches!(
            parse("<rss><channel></item></channel></rss>"),
            Err(WxrError::NotXml(_))
        ));
    }
}
