//! The embedded search index (issue: search across articles and updates). It will depend only
//! on `freewire-core` and keep itself in step with the store through its change sequence; until
//! then the crate holds its place in the workspace so the dependency arrows hold from the start.
