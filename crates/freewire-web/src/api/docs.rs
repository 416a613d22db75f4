//! The API's readable page, `/api/v1/docs`, drawn by our own template from the OpenAPI
//! description: every call with its parameters, body, answers and whether it needs a token, and
//! every schema with its fields. Written here because the ready-made viewers run scripts loaded
//! from a CDN (against the site's content security policy, and no use offline).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::error::WebError;
use crate::frame::Frame;
use crate::state::AppState;
use crate::viewer::Viewer;

#[derive(Debug, Serialize)]
struct Param {
    name: String,
    place: String,
    required: bool,
    kind: String,
    description: String,
}

#[derive(Debug, Serialize)]
struct Answer {
    status: String,
    description: String,
    schema: Option<String>,
}

#[derive(Debug, Serialize)]
struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    token: bool,
    params: Vec<Param>,
    body: Option<String>,
    /// The schema the body is, for a link to it.
    body_schema: Option<String>,
    answers: Vec<Answer>,
}

#[derive(Debug, Serialize)]
struct Group {
    name: String,
    description: String,
    operations: Vec<Operation>,
}

#[derive(Debug, Serialize)]
struct Field {
    name: String,
    kind: String,
    required: bool,
    description: String,
}

#[derive(Debug, Serialize)]
struct Schema {
    name: String,
    description: String,
    fields: Vec<Field>,
}

/// What the page shows, read once from the description.
#[derive(Debug, Serialize)]
pub(crate) struct DocsContext {
    title: String,
    description: String,
    server: String,
    groups: Vec<Group>,
    schemas: Vec<Schema>,
}

#[derive(Serialize)]
struct DocsPage<'a> {
    frame: Frame,
    api: &'a DocsContext,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// `Name` for `#/components/schemas/Name`, and a short type for anything else.
fn kind_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if let Some(any) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
        let kinds: Vec<String> = any.iter().map(kind_of).filter(|k| k != "null").collect();
        return format!("{} or null", kinds.join(" or "));
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => {
            kinds.iter().filter_map(Value::as_str).filter(|k| *k != "null").collect::<Vec<_>>().join(" or ")
                + if kinds.iter().any(|k| k == "null") { " or null" } else { "" }
        }
        Some(Value::String(k)) => k.clone(),
        _ => "any".to_owned(),
    };
    match (kind.as_str(), schema.get("items")) {
        (k, Some(items)) if k.starts_with("array") => format!("array of {}", kind_of(items)),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{kind} ({format})"),
            None => kind,
        },
    }
}

fn content_schema(content: Option<&Value>) -> Option<String> {
    let content = content?.as_object()?;
    let (media, body) = content.iter().next()?;
    Some(match body.get("schema") {
        Some(schema) => format!("{} ({media})", kind_of(schema)),
        None => media.clone(),
    })
}

impl DocsContext {
    /// The page's content, from the description as JSON.
    pub(crate) fn new(doc: &Value) -> Self {
        let info = &doc["info"];
        let tags = doc["tags"].as_array().cloned().unwrap_or_default();
        let mut groups: Vec<Group> = tags
            .iter()
            .map(|t| Group {
                name: text(t, "name"),
                description: text(t, "description"),
                operations: Vec::new(),
            })
            .collect();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let operation = Operation {
                    anchor: text(op, "operationId"),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: text(op, "summary"),
                    description: text(op, "description"),
                    token: op.get("security").is_some(),
                    params: op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| Param {
                            name: text(p, "name"),
                            place: text(p, "in"),
                            required: p["required"].as_bool().unwrap_or(false),
                            kind: kind_of(&p["schema"]),
                            description: text(p, "description"),
                        })
                        .collect(),
                    body: content_schema(op.get("requestBody").and_then(|b| b.get("content"))),
                    body_schema: content_schema(op.get("requestBody").and_then(|b| b.get("content")))
                        .and_then(|b| b.split(' ').next().map(str::to_owned)),
                    answers: op["responses"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(status, r)| Answer {
                            status: status.clone(),
                            description: text(r, "description"),
                            schema: content_schema(r.get("content")),
                        })
                        .collect(),
                };
                let tag = op["tags"].get(0).and_then(Value::as_str).unwrap_or_default().to_owned();
                match groups.iter_mut().find(|g| g.name == tag) {
                    Some(g) => g.operations.push(operation),
                    None => groups.push(Group {
                        name: tag,
                        description: String::new(),
                        operations: vec![operation],
                    }),
                }
            }
        }
        let schemas = doc["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, s)| {
                let required: Vec<&str> =
                    s["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                Schema {
                    name: name.clone(),
                    description: text(s, "description"),
                    fields: s["properties"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(field, f)| Field {
                            name: field.clone(),
                            kind: kind_of(f),
                            required: required.contains(&field.as_str()),
                            description: text(f, "description"),
                        })
                        .collect(),
                }
            })
            .collect();
        DocsContext {
            title: text(info, "title"),
            description: text(info, "description"),
            server: doc["servers"][0]["url"].as_str().unwrap_or_default().to_owned(),
            groups,
            schemas,
        }
    }
}

/// GET /api/v1/docs
pub(crate) async fn show(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    axum::Extension(api): axum::Extension<Arc<DocsContext>>,
) -> Result<Response, WebError> {
    let ctx = DocsPage { frame: Frame::new(&state, viewer.as_ref(), "API"), api: &api };
    Ok(Html(state.templates().render("api_docs.html", ctx)?).into_response())
}
