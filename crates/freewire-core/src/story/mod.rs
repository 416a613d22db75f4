//! Stories: the reports of one event by several outlets, gathered as the articles arrive.
//! [`features`] reads an article's terms, [`grouper`] decides the story of each.

pub mod features;
pub mod grouper;

pub use features::{Features, plain_text};
pub use grouper::{Arrival, Grouper, Placement, Rules, StoryKey};
