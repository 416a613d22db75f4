//! How pages show things: times, sizes, excerpts under a licence, attachments, notes, and the
//! 410 notice of a withdrawn article. Every page module takes its formatting from here.

use chrono::{DateTime, SecondsFormat, Utc};
use freewire_core::{Article, Attachment, EXCERPT_ONLY_WORDS};
use freewire_ingest::sanitize::text_of_sanitised;
use serde::Serialize;

pub(crate) use freewire_app::updates::human_size;

use crate::error::WebError;
use crate::state::AppState;

/// Words in a list's excerpt.
pub(crate) const EXCERPT_WORDS: usize = 45;

/// A time as pages show it, with its machine-readable form for `<time datetime>`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TimeView {
    pub iso: String,
    pub human: String,
}

impl TimeView {
    pub(crate) fn new(t: DateTime<Utc>) -> Self {
        TimeView {
            iso: t.to_rfc3339_opts(SecondsFormat::Secs, true),
            human: t.format("%-d %B %Y, %H:%M UTC").to_string(),
        }
    }
}

/// An article's text as its licence lets us show it (DESIGN: licences).
pub(crate) fn excerpt_of(a: &Article, words: usize) -> String {
    let text = a
        .summary
        .as_deref()
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| text_of_sanitised(&a.body_html));
    freewire_core::first_words(&text, words)
}

/// The body a page or feed may carry: the sanitised HTML where the licence allows the full
/// text, with its images linked as `images` says, otherwise an excerpt as HTML text. Every
/// public surface takes its text from here.
pub(crate) fn public_body_html(a: &Article, images: &crate::images::ImageLinks) -> String {
    if a.licence.allows_full_text() {
        images.body(&a.body_html)
    } else {
        format!("<p>{}</p>", crate::templates::escape_html(&excerpt_of(a, EXCERPT_ONLY_WORDS)))
    }
}

/// The 410 answer for a withdrawn article, with the editor's notice.
pub(crate) fn withdrawn(a: &Article) -> WebError {
    WebError::Gone(match &a.withdrawn {
        Some(w) if !w.reason.is_empty() => {
            format!("This article was withdrawn on {}. {}", w.at.format("%-d %B %Y"), w.reason)
        }
        Some(w) => format!("This article was withdrawn on {}.", w.at.format("%-d %B %Y")),
        None => "This article has been withdrawn and is no longer published here.".to_owned(),
    })
}

/// Percent-encodes everything but ASCII letters and digits: safe in a query or a path segment.
pub(crate) fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A file on the timeline, as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AttachmentView {
    pub url: String,
    /// The preview to show in the page, when there is one.
    pub thumbnail_url: Option<String>,
    pub file_name: String,
    pub media_type: String,
    pub size: String,
    pub is_image: bool,
}

impl AttachmentView {
    /// Where a file is downloaded, below the site root.
    pub(crate) fn path(a: &Attachment) -> String {
        format!("/files/{}/{}", a.id, url_encode(&a.file_name))
    }

    pub(crate) fn new(state: &AppState, a: &Attachment) -> Self {
        AttachmentView {
            url: state.link(&Self::path(a)),
            thumbnail_url: a.thumbnail_key.as_ref().map(|_| state.link(&format!("/thumbnails/{}", a.id))),
            file_name: a.file_name.clone(),
            media_type: a.media_type.clone(),
            size: human_size(u64::try_from(a.size).unwrap_or(0)),
            is_image: freewire_app::updates::files::is_inline(&a.media_type),
        }
    }
}

/// An update's Markdown as safe HTML.
pub(crate) fn render_markdown(text: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES));
    freewire_ingest::sanitize_html(&out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(12), "12 bytes");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(25 * 1024 * 1024), "25 MiB");
    }

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render_markdown("**Bold** and <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>Bold</strong>"), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
