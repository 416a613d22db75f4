//! The one way addresses on the site are built: from its public address ([`SiteUrl`]). Pages,
//! feeds, sitemaps, citations and the command line all take their links from here, so a site
//! served under a path (`https://example.org/news/`) links correctly everywhere.

use url::Url;

use crate::permalink::Permalink;

/// The site's public address and every address built from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteUrl {
    /// The path the site lives under, without a trailing slash: `""` or `/news`.
    prefix: String,
    /// `https://example.org`
    origin: String,
}

impl SiteUrl {
    /// The addresses of a site reached at `base`.
    #[must_use]
    pub fn new(base: &Url) -> Self {
        SiteUrl {
            prefix: base.path().trim_end_matches('/').to_owned(),
            origin: base.origin().ascii_serialization(),
        }
    }

    /// The path the site lives under: `""` at the root, `/news` for `https://x.org/news`.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `scheme://host[:port]`, as browsers send it in `Origin`.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A link within the site's pages: `/about` → `/news/about`.
    #[must_use]
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// The absolute address of a path on the site: `/about` → `https://x.org/news/about`.
    #[must_use]
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}{path}", self.origin, self.prefix)
    }

    /// An article's address: `https://x.org/news/2021/03/08/slug/`.
    #[must_use]
    pub fn permalink(&self, permalink: &Permalink) -> String {
        self.absolute(&format!("/{}/", permalink.path()))
    }

    /// A story's page: `/story/12-talks-resume/` (a path; see [`SiteUrl::link`]).
    #[must_use]
    pub fn story_path(id: crate::model::StoryId, slug: &str) -> String {
        format!("/story/{id}-{slug}/")
    }

    /// A story's absolute address: `https://x.org/news/story/12-talks-resume/`.
    #[must_use]
    pub fn story(&self, id: crate::model::StoryId, slug: &str) -> String {
        self.absolute(&Self::story_path(id, slug))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(base: &str) -> SiteUrl {
        SiteUrl::new(&Url::parse(base).unwrap())
    }

    #[test]
    fn addresses_follow_the_public_address_and_its_path() {
        let root = site("https://www.radiofree.org");
        let p = Permalink::from_parts(2021, 3, 8, "blinken-plan").unwrap();
        assert_eq!(root.permalink(&p), "https://www.radiofree.org/2021/03/08/blinken-plan/");
        assert_eq!(root.link("/about"), "/about");
        assert_eq!(root.absolute("/feed.xml"), "https://www.radiofree.org/feed.xml");
        assert_eq!(root.origin(), "https://www.radiofree.org");

        let under = site("http://127.0.0.1:8080/news/");
        assert_eq!(under.prefix(), "/news");
        assert_eq!(under.link("/login"), "/news/login");
        assert_eq!(under.absolute("/"), "http://127.0.0.1:8080/news/");
        assert_eq!(under.permalink(&p), "http://127.0.0.1:8080/news/2021/03/08/blinken-plan/");
        assert_eq!(under.origin(), "http://127.0.0.1:8080");
        let story = crate::model::StoryId(12);
        assert_eq!(under.story(story, "talks-resume"), "http://127.0.0.1:8080/news/story/12-talks-resume/");
    }
}
