//! The page templates, compiled into the binary and loaded once at start-up. HTML templates
//! auto-escape everything; only stored, already sanitised article and update HTML is marked
//! safe, in the templates themselves where a reviewer sees it.

use minijinja::Environment;
use serde::Serialize;

/// Every template, by name. One test renders each of them.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("about.html", include_str!("../templates/about.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("admin_sources.html", include_str!("../templates/admin_sources.html")),
    ("admin_withdrawn.html", include_str!("../templates/admin_withdrawn.html")),
    ("article.html", include_str!("../templates/article.html")),
    ("article_head.html", include_str!("../templates/article_head.html")),
    ("article_content.html", include_str!("../templates/article_content.html")),
    ("story.html", include_str!("../templates/story.html")),
    ("revisions.html", include_str!("../templates/revisions.html")),
    ("facts.html", include_str!("../templates/facts.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("admin_feeds.html", include_str!("../templates/admin_feeds.html")),
    ("admin_audit.html", include_str!("../templates/admin_audit.html")),
    ("account.html", include_str!("../templates/account.html")),
    ("second_factor.html", include_str!("../templates/second_factor.html")),
    ("totp_setup.html", include_str!("../templates/totp_setup.html")),
    ("register.html", include_str!("../templates/register.html")),
    ("admin_invites.html", include_str!("../templates/admin_invites.html")),
    ("api_docs.html", include_str!("../templates/api_docs.html")),
];

/// HTML escaping of the five characters that matter (`& < > " '`). minijinja's own escaping
/// also rewrites `/` as `&#x2f;`, which is harmless in a browser but leaves addresses unreadable
/// in the page source and to every tool that reads our pages as text (citations above all).
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if value.is_safe() || !matches!(state.auto_escape(), minijinja::AutoEscape::Html) {
        return minijinja::escape_formatter(out, state, value);
    }
    if value.is_undefined() || value.is_none() {
        return Ok(());
    }
    let escaped = escape_html(&value.to_string());
    out.write_str(&escaped).map_err(minijinja::Error::from)
}

pub(crate) use freewire_core::escape_html;

/// The loaded templates.
pub(crate) struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads the built-in templates.
    ///
    /// # Panics
    /// When a built-in template does not compile, which the test suite rules out.
    pub(crate) fn new() -> Self {
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        for (name, source) in TEMPLATES {
            #[expect(clippy::expect_used, reason = "start-up: built-in templates are checked by tests")]
            env.add_template(name, source).expect("built-in template compiles");
        }
        Templates { env }
    }

    /// Renders a template with a context.
    pub(crate) fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(minijinja::value::Serde(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_template_compiles_and_escapes_markup_but_not_slashes() {
        let t = Templates::new();
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        env.add_template("x.html", "{{ v }}|{{ n }}").unwrap();
        let out = env
            .get_template("x.html")
            .unwrap()
            .render(minijinja::context!(v => "<a href=\"x\">'&' https://a.example/b/</a>", n => minijinja::Value::from(())))
            .unwrap();
        assert_eq!(out, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39; https://a.example/b/&lt;/a&gt;|");
        assert_eq!(TEMPLATES.len(), 22);
        for (name, _) in TEMPLATES {
            assert!(t.env.get_template(name).is_ok(), "{name}");
        }
        assert!(t.env.get_template("api_docs.html").is_ok());
        assert!(t.env.get_template("story.html").is_ok());
        assert!(t.env.get_template("article.html").is_ok());
    }
}
