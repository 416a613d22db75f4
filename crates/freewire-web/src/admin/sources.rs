//! Editors set each source's name and terms: homepage, credit line, licence (which decides whether its
//! articles are republished in full or as an excerpt) and what search engines are told.
//! A changed licence applies to the source's stored articles at once; a renamed source's old
//! address sends visitors on; every change is audited.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use freewire_app::Actor;
use freewire_app::sources::SourceEdit;
use freewire_core::{IndexPolicy, Licence, SourceId};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::frame::Frame;
use crate::state::AppState;
use crate::viewer::Viewer;

#[derive(Serialize)]
struct Choice {
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
struct SourceRow {
    id: i64,
    name: String,
    homepage: String,
    credit: String,
    licence: &'static str,
    index_policy: &'static str,
}

#[derive(Serialize)]
struct SourcesPage {
    frame: Frame,
    sources: Vec<SourceRow>,
    licences: Vec<Choice>,
    policies: Vec<Choice>,
}

/// GET /admin/sources
pub async fn list_sources(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
) -> Result<Response, WebError> {
    let who = crate::guard::editor(viewer, "Only editors can manage sources.")?;
    let ctx = SourcesPage {
        frame: Frame::new(&state, Some(&who), "Sources"),
        sources: state
            .store()
            .list_sources()
            .await?
            .into_iter()
            .map(|s| SourceRow {
                id: s.id.0,
                name: s.name,
                homepage: s.homepage.unwrap_or_default(),
                credit: s.credit.unwrap_or_default(),
                licence: s.licence.id(),
                index_policy: s.index_policy.id(),
            })
            .collect(),
        licences: Licence::ALL.into_iter().map(|l| Choice { id: l.id(), title: l.title() }).collect(),
        policies: IndexPolicy::ALL.into_iter().map(|p| Choice { id: p.id(), title: p.title() }).collect(),
    };
    Ok(Html(state.templates().render("admin_sources.html", ctx)?).into_response())
}

/// A source's terms as submitted.
#[derive(Debug, Deserialize)]
pub struct TermsForm {
    csrf: String,
    name: String,
    #[serde(default)]
    homepage: String,
    #[serde(default)]
    credit: String,
    licence: String,
    index_policy: String,
}

/// POST /admin/sources/{id}
pub async fn update_source(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TermsForm>,
) -> Result<Response, WebError> {
    let who =
        crate::guard::editor_form(&state, viewer, &headers, &form.csrf, "Only editors can manage sources.")?;
    let licence: Licence = form
        .licence
        .parse()
        .map_err(|e: freewire_core::licence::UnknownLicence| WebError::BadRequest(e.to_string()))?;
    let index_policy: IndexPolicy = form.index_policy.parse().map_err(WebError::BadRequest)?;
    let edit = SourceEdit {
        name: Some(form.name),
        homepage: Some(form.homepage),
        credit: Some(form.credit),
        licence: Some(licence),
        index_policy: Some(index_policy),
    };
    freewire_app::sources::edit_source(state.store(), Actor::User(&who.user), SourceId(id), edit).await?;
    Ok(Redirect::to(&state.link("/admin/sources")).into_response())
}
