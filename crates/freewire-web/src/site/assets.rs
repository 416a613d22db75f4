//! The site's own static files: the stylesheet and two small scripts, compiled in.

use axum::http::header;
use axum::response::IntoResponse;

const STYLESHEET: &str = include_str!("../../static/style.css");
const UPLOAD_SCRIPT: &str = include_str!("../../static/upload.js");
const SITE_SCRIPT: &str = include_str!("../../static/site.js");

/// GET /static/style.css
pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        STYLESHEET,
    )
}

/// GET /static/upload.js — drag and drop and a progress bar for the update form.
pub async fn upload_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        UPLOAD_SCRIPT,
    )
}

/// GET /static/site.js — copy buttons for citations (the page works without it).
pub async fn site_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SITE_SCRIPT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A colour variable of the stylesheet's `:root`, as linear RGB luminance (WCAG 2.1).
    fn luminance(var: &str) -> f64 {
        let decl = format!("--{var}: #");
        let start = STYLESHEET.find(&decl).unwrap_or_else(|| panic!("no --{var}")) + decl.len();
        let short = STYLESHEET[start..].split(';').next().unwrap();
        // `#555` is `#555555`.
        let hex: String =
            if short.len() == 3 { short.chars().flat_map(|c| [c, c]).collect() } else { short.to_owned() };
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn text_colours_meet_wcag_aa_contrast_on_every_background() {
        for text in ["ink", "muted", "accent", "error"] {
            for background in ["paper", "note"] {
                let ratio = contrast(text, background);
                assert!(ratio >= 4.5, "--{text} on --{background}: {ratio:.2}:1 is below 4.5:1");
            }
        }
        assert!(contrast("accent-ink", "accent") >= 4.5, "button text");
        // The check can fail: the rule colour is decoration, too light for text.
        assert!(contrast("rule", "paper") < 4.5);
    }
}
