//! The public pages: the article page ([`article`]) with its credit, citations and updates
//! timeline, the lists, outgoing feeds, citations, search, what search engines read, and the
//! static files.

pub mod article;
pub mod assets;
pub mod cite;
pub mod feeds;
pub mod lists;
pub mod revisions;
pub mod search;
pub mod seo;
pub mod story;

use crate::error::WebError;

/// Anything else: the 404 page.
pub async fn not_found() -> WebError {
    WebError::NotFound
}
