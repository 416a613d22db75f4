//! Citations of an article in the styles people use (APA, MLA, Chicago) and the formats
//! reference managers import (BibTeX, RIS, CSL-JSON), made by `freewire_core::cite` from the
//! same record as the site citation; and their downloads at `/cite/{id}.bib|.ris|.json`.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use freewire_core::cite::Citations;
use freewire_core::{ArticleId, ArticleStatus};
use serde::Serialize;

pub(crate) use crate::citing::citations;
use crate::error::WebError;
use crate::state::AppState;

/// One style as the article page lists it.
#[derive(Debug, Serialize)]
pub(crate) struct StyleView {
    /// For element ids and the copy button (`cite-apa`).
    pub id: &'static str,
    pub name: &'static str,
    /// Plain text, for copying.
    pub text: String,
    /// The same with the container title in italics (escaped HTML from the citation library).
    pub html: String,
    /// A download, for the machine-readable formats.
    pub download: Option<String>,
}

/// The styles in the order the page lists them.
pub(crate) fn style_views(state: &AppState, id: ArticleId, c: Citations) -> Vec<StyleView> {
    let file = |ext: &str| Some(state.link(&format!("/cite/{}.{ext}", id.0)));
    let text = |id, name, text: String, html: String| StyleView { id, name, text, html, download: None };
    let code = |id, name, text: String, download| StyleView {
        id,
        name,
        html: crate::templates::escape_html(&text),
        text,
        download,
    };
    vec![
        text("cite-apa", "APA (7th edition)", c.apa, c.html.apa),
        text("cite-mla", "MLA (9th edition)", c.mla, c.html.mla),
        text("cite-chicago-note", "Chicago (note)", c.chicago_note, c.html.chicago_note),
        text(
            "cite-chicago-bib",
            "Chicago (bibliography)",
            c.chicago_bibliography,
            c.html.chicago_bibliography,
        ),
        code("cite-bibtex", "BibTeX", c.bibtex, file("bib")),
        code("cite-ris", "RIS", c.ris, file("ris")),
        code("cite-csl", "CSL-JSON", c.csl_json, file("json")),
    ]
}

/// GET /cite/{id}.bib, .ris or .json — a citation to import into a reference manager.
pub async fn download(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let (id, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    let id = ArticleId(id.parse().map_err(|_| WebError::NotFound)?);
    let found = state.store().article_by_id(id).await?.ok_or(WebError::NotFound)?;
    match found.article.status {
        ArticleStatus::Published => {}
        ArticleStatus::Withdrawn => return Err(crate::views::withdrawn(&found.article)),
        ArticleStatus::Duplicate => return Err(WebError::NotFound),
    }
    let c = citations(&state, &found).await?;
    let (body, media_type) = match ext {
        "bib" => (c.bibtex.clone(), "application/x-bibtex; charset=utf-8"),
        "ris" => (c.ris.clone(), "application/x-research-info-systems; charset=utf-8"),
        "json" => (c.csl_json.clone(), "application/vnd.citationstyles.csl+json; charset=utf-8"),
        _ => return Err(WebError::NotFound),
    };
    let disposition = format!("attachment; filename=\"{}.{ext}\"", found.article.permalink.slug());
    Ok(([(header::CONTENT_TYPE, media_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}
