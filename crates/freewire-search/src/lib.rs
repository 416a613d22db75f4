//! freewire's embedded search: a tantivy index of articles and updates ([`index`]), the query
//! language readers type ([`query`]), and the [`sync::Indexer`] that keeps an index in step
//! with the store's change sequence, crash-safely and on several nodes at once. It depends
//! only on `freewire-core`.

pub mod index;
pub mod query;
pub mod sync;

pub use index::{FacetCount, Hit, HitMeta, IndexDoc, Kind, Results, SearchError, SearchIndex};
pub use sync::{Indexer, SyncError, ToText};
