//! The frame around every page: site name, navigation, who is signed in, and the form token
//! for the sign-out button.

use freewire_core::Role;
use serde::Serialize;

use crate::state::AppState;
use crate::viewer::SignedIn;

/// What every template receives as `frame`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Frame {
    pub site_name: String,
    /// The page's own title (the `<title>` adds the site name).
    pub title: String,
    /// Prefix for site-relative links.
    pub root: String,
    pub lang: String,
    pub user: Option<FrameUser>,
    /// The signed-in session's form token.
    pub csrf: Option<String>,
    /// Whether to offer "Create an account" (registration is open).
    pub open_registration: bool,
    /// Feeds announced in the head for autodiscovery: the site's, then the page's own.
    pub alternates: Vec<Alternate>,
    /// The page's `rel=canonical` address, absolute.
    pub canonical: Option<String>,
    /// `noindex` where the source's terms keep our copy out of search engines.
    pub noindex: bool,
}

/// One of the three formats every feed of the site comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Format {
    pub name: &'static str,
    pub extension: &'static str,
    pub media_type: &'static str,
}

pub(crate) const RSS: Format = Format { name: "RSS", extension: "xml", media_type: "application/rss+xml" };
pub(crate) const ATOM: Format =
    Format { name: "Atom", extension: "atom", media_type: "application/atom+xml" };
pub(crate) const JSON: Format =
    Format { name: "JSON Feed", extension: "json", media_type: "application/feed+json" };
pub(crate) const FORMATS: [Format; 3] = [RSS, ATOM, JSON];

/// A feed of the page, for `<link rel=alternate>` and for links in the page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Alternate {
    pub title: String,
    pub href: String,
    pub media_type: &'static str,
    /// The format's name for readers ("RSS").
    pub format: &'static str,
}

impl Alternate {
    /// The three feeds under `base` (`/feed` → `/feed.xml`, `/feed.atom`, `/feed.json`).
    pub(crate) fn feeds(title: &str, base: &str) -> Vec<Alternate> {
        FORMATS
            .iter()
            .map(|f| Alternate {
                title: format!("{title} ({})", f.name),
                href: format!("{base}.{}", f.extension),
                media_type: f.media_type,
                format: f.name,
            })
            .collect()
    }
}

/// The signed-in user, as the frame shows them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FrameUser {
    pub username: String,
    pub role: Role,
}

impl Frame {
    pub(crate) fn new(state: &AppState, viewer: Option<&SignedIn>, title: &str) -> Self {
        Frame {
            site_name: state.config().site_name.clone(),
            title: title.to_owned(),
            root: state.urls().prefix().to_owned(),
            lang: state.config().language.clone(),
            user: viewer.map(|v| FrameUser { username: v.user.username.clone(), role: v.user.role }),
            csrf: viewer.map(|v| v.session.csrf_token.clone()),
            open_registration: state.config().registration == freewire_core::Registration::Open,
            alternates: Alternate::feeds(&state.config().site_name, &state.link("/feed")),
            canonical: None,
            noindex: false,
        }
    }
}
