//! Escaping text for HTML, once for every layer that writes HTML by hand (citations, search
//! snippets, templates, feeds).

/// Appends `text` to `out` with the five characters that matter in HTML text and attributes
/// escaped.
pub fn push_escaped_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `text` with the five characters that matter in HTML text and attributes escaped.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped_html(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped_and_the_rest_kept() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry' — “ok”</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39; — “ok”&lt;/a&gt;"
        );
    }
}
