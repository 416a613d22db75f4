//! What "no active content" means for the output of `sanitize_html`, checked the way a browser
//! would see it: the output is parsed again with html5ever (through `dom_query`) and every node
//! is looked at. Shared by the sanitiser's property tests, the fuzz findings' tests and the
//! `sanitize` fuzz target (which includes this file by path), so all three judge alike.
//!
//! The rules follow the policy of `src/sanitize.rs`: only HTML elements, no element that runs,
//! loads or submits anything, no comment, no event handler or `style` attribute, and every
//! URL-valued attribute either relative or with one of the schemes the policy allows (`http`,
//! `https`, `mailto`); no `data:` URL of any kind is allowed there.

use dom_query::Document;

/// Elements that run, load, embed or submit something, or that change how the rest of the
/// page is parsed or resolved. None of them is in the news policy.
pub const ACTIVE_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "param",
    "base",
    "meta",
    "link",
    "form",
    "button",
    "input",
    "select",
    "option",
    "textarea",
    "keygen",
    "isindex",
    "svg",
    "math",
    "animate",
    "set",
    "handler",
    "xml",
    "import",
    "template",
    "noscript",
    "noembed",
    "noframes",
    "plaintext",
    "xmp",
    "listing",
    "video",
    "audio",
    "source",
    "track",
    "portal",
    "marquee",
    "dialog",
    "slot",
    "canvas",
    "map",
    "area",
];

/// Attributes whose value a browser fetches, follows or runs as a URL.
pub const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "background",
    "xlink:href",
    "srcdoc",
    "data",
    "cite",
    "ping",
    "manifest",
    "codebase",
    "dynsrc",
    "lowsrc",
    "longdesc",
    "usemap",
    "archive",
    "classid",
];

/// The schemes the news policy lets through.
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

const HTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";

/// The scheme a browser's URL parser would read from an attribute value (entities are already
/// decoded by the HTML parser): leading and trailing C0 controls and spaces trimmed, tabs and
/// newlines removed anywhere, lower-cased. `None` for a relative reference.
#[must_use]
pub fn scheme_of(value: &str) -> Option<String> {
    let trimmed = value.trim_matches(|c: char| c <= ' ');
    let cleaned: String = trimmed.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let (scheme, _) = cleaned.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let well_formed = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    well_formed.then(|| scheme.to_ascii_lowercase())
}

/// Every way `html` (the output of `sanitize_html`) could still run, load or submit something,
/// as one line each; empty when it is inert.
#[must_use]
pub fn active_content(html: &str) -> Vec<String> {
    let doc = Document::fragment(html);
    let mut problems = Vec::new();
    for node in doc.root().descendants_it() {
        if node.is_comment() {
            problems.push(format!("a comment survived: {:.80}", node.html()));
            continue;
        }
        if !node.is_element() {
            continue;
        }
        let Some(qual) = node.qual_name_ref() else { continue };
        let tag = qual.local.to_string().to_ascii_lowercase();
        if &*qual.ns != HTML_NAMESPACE {
            problems.push(format!("<{tag}> is foreign content ({})", &*qual.ns));
        }
        drop(qual);
        if ACTIVE_ELEMENTS.contains(&tag.as_str()) {
            problems.push(format!("<{tag}> survived"));
        }
        for attr in node.attrs() {
            let local = attr.name.local.to_string().to_ascii_lowercase();
            let name = match &attr.name.prefix {
                Some(prefix) => format!("{}:{local}", prefix.to_string().to_ascii_lowercase()),
                None => local.clone(),
            };
            let value = attr.value.to_string();
            if local.starts_with("on") {
                problems.push(format!("<{tag}> has the event handler {name}={value:?}"));
            }
            if local == "style" {
                problems.push(format!("<{tag}> has a style attribute {value:?}"));
            }
            if URL_ATTRIBUTES.contains(&name.as_str()) || URL_ATTRIBUTES.contains(&local.as_str()) {
                let urls: Vec<&str> = if local == "srcset" {
                    value.split(',').filter_map(|c| c.split_whitespace().next()).collect()
                } else {
                    vec![value.as_str()]
                };
                for url in urls {
                    if let Some(scheme) = scheme_of(url)
                        && !ALLOWED_SCHEMES.contains(&scheme.as_str())
                    {
                        problems.push(format!("<{tag} {name}={value:?}> has the scheme {scheme:?}"));
                    }
                }
            }
        }
    }
    problems
}
