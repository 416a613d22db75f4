//! freewire's way in: feeds parsed into a normalised shape ([`parse`]), third-party HTML
//! made safe ([`sanitize`]), and items turned into stored articles ([`import`]).
//! Fetching and polling arrive with the ingestion issue; this crate knows nothing of HTTP
//! requests made to us, only of the documents we take in.

pub mod agreement;
pub mod decode;
pub mod extract;
pub mod facts;
pub mod fetch;
pub mod import;
pub mod parse;
pub mod poll;
pub mod recheck;
pub mod sanitize;
pub mod websub;

/// Addresses compared across sources: kept in the domain, where revisions also read them.
pub use freewire_core::address as dedupe;
pub use import::{ImportError, ImportReport, SourceSpec, import_bytes, import_file};
pub use parse::{FeedItem, ParseError, ParsedFeed, parse_feed};
pub use sanitize::{html_to_text, rewrite_images, sanitize_html};
