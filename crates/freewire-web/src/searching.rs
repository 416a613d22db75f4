//! Running a search on the process's own index, with the bounds every way in shares: the
//! search page, `/api/search` and the REST API.

use freewire_search::Results;

use crate::error::WebError;
use crate::state::AppState;

/// The longest query accepted, in characters.
pub(crate) const MAX_QUERY_CHARS: usize = 500;
/// The deepest page served: ranking more than this many results helps nobody.
pub(crate) const MAX_PAGE: usize = 50;

/// Page `page` (from 1) of `size` results for `text`; 503 where search is not enabled.
pub(crate) async fn run(state: &AppState, text: &str, page: usize, size: usize) -> Result<Results, WebError> {
    let Some(search) = state.search() else {
        return Err(WebError::Unavailable("Search is not enabled on this site.".into()));
    };
    search.search(text.to_owned(), page, size).await.map_err(|e| WebError::Internal(e.to_string()))
}
