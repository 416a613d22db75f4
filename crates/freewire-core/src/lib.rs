//! freewire's domain: the types every other crate speaks in, the storage contracts they are
//! written against, and the rules that are part of the product's promise (permalinks,
//! citations, passwords). Nothing here performs I/O.

pub mod address;
pub mod citation;
pub mod cite;
pub mod fingerprint;
pub mod html;
pub mod licence;
pub mod links;
pub mod model;
pub mod password;
pub mod permalink;
pub mod revision;
pub mod store;
pub mod story;
pub mod totp;
pub mod xml;

pub use citation::site_citation;
pub use cite::{CitationRecord, Citations, CitationsHtml, CiteError, Citer, cite};
pub use freewire_facts as facts;
pub use html::{escape_html, push_escaped_html};
pub use licence::{IndexPolicy, Licence};
pub use links::SiteUrl;
pub use model::*;
pub use permalink::{Permalink, slugify};
pub use store::{
    AccountStore, ArticleStore, AuditStore, BlobError, BlobMeta, BlobRead, BlobStore, BlobStream, BlobWriter,
    ChangeStore, CoordinationStore, HealthStore, PoolStatus, SettingStore, SourceStore, Store, StoreError,
    StoryStore, TimelineStore, WebSubStore,
};
