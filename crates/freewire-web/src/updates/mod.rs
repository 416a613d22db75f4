//! The updates timeline under each article: signed-in readers post a note and files; anyone
//! reads them and downloads the files.
//!
//! Posting reads the form as it arrives: the form token first (no file is read without it),
//! then each file is streamed into object storage by the use case
//! ([`freewire_app::updates::receive_file`]: type from the first bytes, size and sha256 on the
//! way), then [`freewire_app::updates::post_update`] stores the update. Anything refused or
//! cut off on the way leaves nothing stored. Downloads stream from storage and answer byte
//! ranges, so audio and video seek.

pub mod moderation;

use axum::body::Body;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use freewire_app::AppError;
use freewire_app::updates::{MAX_FILES_PER_UPDATE, MAX_NOTE_CHARS, NewPost, ReceivedFile, files};
use freewire_core::{ArticleId, Attachment, AttachmentId, BlobError, BlobRead};
use futures_util::StreamExt as _;

use crate::error::WebError;
use crate::guard::is_editor;
use crate::security::{same_origin, tokens_match};
use crate::site::article::article_page;
use crate::state::AppState;
use crate::viewer::{SignedIn, Viewer};
use crate::views::human_size;

/// A multipart error as the use cases see it: a request over the size limit, or one cut off.
fn multipart_error(e: &MultipartError, limit: u64) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!(
            "The upload is larger than this site accepts ({} per file, {MAX_FILES_PER_UPDATE} files at most). Nothing was saved.",
            human_size(limit)
        ))
    } else {
        AppError::Invalid(format!("The upload did not arrive whole ({e}). Nothing was saved."))
    }
}

fn expired_form() -> AppError {
    AppError::Forbidden("This form had expired. Please reload the page and try again.".into())
}

/// The note, read in chunks and refused once it is longer than any note may be (a character
/// is at most four bytes), before it can fill memory.
async fn read_note(field: axum::extract::multipart::Field<'_>, limit: u64) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    let mut field = std::pin::pin!(field);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| multipart_error(&e, limit))?;
        if bytes.len() + chunk.len() > MAX_NOTE_CHARS * 4 {
            return Err(AppError::Invalid(format!(
                "The note is longer than {MAX_NOTE_CHARS} characters. Nothing was saved."
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| AppError::Invalid("The note is not valid text. Nothing was saved.".into()))
}

/// Reads the form as it arrives, streaming each file into storage; `note` keeps what was
/// written so a refusal can give it back. With `csrf` (a browser's form), nothing is read
/// before a field `csrf` with that token; the API, which a browser's cookies cannot reach,
/// passes `None`.
pub(crate) async fn read_form(
    state: &AppState,
    csrf: Option<&str>,
    mut form: Multipart,
    note: &mut String,
    files: &mut Vec<ReceivedFile>,
) -> Result<(), AppError> {
    let limit = state.config().updates.max_upload_bytes;
    let mut token_ok = csrf.is_none();
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e, limit))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf"
            && let Some(expected) = csrf
        {
            let sent = field.text().await.map_err(|e| multipart_error(&e, limit))?;
            token_ok = tokens_match(expected, &sent);
            continue;
        }
        if !token_ok {
            // Nothing is read, let alone stored, before the form token has been checked.
            return Err(expired_form());
        }
        match name.as_str() {
            "note" => *note = read_note(field, limit).await?,
            "files" => {
                let Some(raw_name) = field.file_name().filter(|n| !n.is_empty()).map(str::to_owned) else {
                    continue; // the empty file input of a form sent without files
                };
                if files.len() == MAX_FILES_PER_UPDATE {
                    return Err(AppError::Invalid(format!(
                        "An update can carry at most {MAX_FILES_PER_UPDATE} files. Nothing was saved."
                    )));
                }
                let body = field.map(|chunk| chunk.map_err(|e| multipart_error(&e, limit)));
                if let Some(received) =
                    freewire_app::updates::receive_file(state.blobs(), limit, &raw_name, body).await?
                {
                    files.push(received);
                }
            }
            _ => {}
        }
    }
    if !token_ok {
        return Err(expired_form());
    }
    Ok(())
}

/// POST /articles/{id}/updates — a note and files from a signed-in reader.
pub async fn create_update(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(id): Path<i64>,
    headers: HeaderMap,
    form: Multipart,
) -> Result<Response, WebError> {
    let Some(who) = viewer else {
        return Err(WebError::Forbidden("Please log in to upload a file.".into()));
    };
    let article = freewire_app::updates::postable_article(state.store(), ArticleId(id)).await?;
    if let Err(wait) = state.limits().upload(state.store(), who.user.id.0).await? {
        let message = format!(
            "You have uploaded a lot in a short time. Please wait {} seconds and try again. Nothing was saved.",
            wait.0.as_secs().max(1)
        );
        let article = article.into_inner();
        return article_page(&state, Some(&who), article, StatusCode::TOO_MANY_REQUESTS, Some(&message), "")
            .await;
    }
    if !same_origin(&state, &headers) {
        return Err(WebError::Forbidden("This form was sent from another site and was refused.".into()));
    }
    let (mut note, mut files) = (String::new(), Vec::new());
    let posted = match read_form(&state, Some(&who.session.csrf_token), form, &mut note, &mut files).await {
        Ok(()) => {
            let post = NewPost { note: note.clone(), files };
            let rules = &state.config().updates;
            freewire_app::updates::post_update(state.store(), state.blobs(), rules, &who.user, &article, post)
                .await
        }
        Err(e) => {
            // What arrived before the refusal is removed before the answer goes out.
            freewire_app::updates::discard_all(files).await;
            Err(e)
        }
    };
    match posted {
        Ok(update) => {
            let permalink = article.article.permalink.path();
            let back = Redirect::to(&state.link(&format!("/{permalink}/#update-{}", update.id)));
            // Only this article's timeline changed: other articles' kept pages stay.
            let changed = vec![crate::page_cache::Changed::Article(article.article.id.0)];
            Ok(crate::page_cache::ChangedOnly::mark(changed, back.into_response()))
        }
        Err(e @ (AppError::Invalid(_) | AppError::TooLarge(_) | AppError::Unsupported(_))) => {
            let refusal = WebError::from(e);
            let status = refusal.status();
            let message = refusal.to_string();
            tracing::info!(user = %who.user.username, %status, %message, "upload refused");
            article_page(&state, Some(&who), article.into_inner(), status, Some(&message), note.trim()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The part of a file a request asks for: all of it, one byte range, or none that exists.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    Range(std::ops::Range<u64>),
    Unsatisfiable,
}

/// Reads `Range` (RFC 9110 §14) against a file of `size` bytes with entity tag `etag`. A
/// `Range` that does not parse, names several ranges, or comes with an `If-Range` for another
/// version is answered with the whole file, as the RFC allows.
fn wanted(headers: &HeaderMap, size: u64, etag: &str) -> Wanted {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else { return Wanted::Whole };
    if let Some(if_range) = headers.get(header::IF_RANGE)
        && if_range.as_bytes() != etag.as_bytes()
    {
        return Wanted::Whole;
    }
    let Ok(parsed) = http_range_header::parse_range_header(range) else { return Wanted::Whole };
    match parsed.validate(size) {
        Err(http_range_header::RangeUnsatisfiableError::Unsatisfiable) => Wanted::Unsatisfiable,
        Ok(ranges) if ranges.len() == 1 => {
            let r = &ranges[0];
            Wanted::Range(*r.start()..r.end() + 1)
        }
        Ok(_) | Err(_) => Wanted::Whole,
    }
}

/// A stored file as a response: streamed, whole or the range asked for.
async fn stream_file(
    state: &AppState,
    key: &str,
    size: u64,
    etag: &str,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    let range = match wanted(headers, size, etag) {
        Wanted::Whole => None,
        Wanted::Range(r) => Some(r),
        Wanted::Unsatisfiable => return Ok(unsatisfiable(size)),
    };
    let partial = range.is_some();
    let read: BlobRead = match state.blobs().read(key, range).await {
        Ok(r) => r,
        Err(BlobError::NotFound(key)) => {
            tracing::error!(%key, "an attachment's file is missing from storage");
            return Err(WebError::NotFound);
        }
        Err(BlobError::BadRange { size, .. }) => return Ok(unsatisfiable(size)),
        Err(e) => return Err(e.into()),
    };
    let length = read.range.end - read.range.start;
    let mut response = Response::new(Body::from_stream(read.body));
    let h = response.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if partial {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        let content_range =
            format!("bytes {}-{}/{}", read.range.start, read.range.end.saturating_sub(1), read.size);
        response.headers_mut().insert(header::CONTENT_RANGE, header_value(&content_range)?);
    }
    Ok(response)
}

/// 416 with the size, so the client can ask again.
fn unsatisfiable(size: u64) -> Response {
    let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
        response.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    response.headers_mut().insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response
}

fn header_value(s: &str) -> Result<HeaderValue, WebError> {
    HeaderValue::from_str(s).map_err(|e| WebError::Internal(format!("header value: {e}")))
}

/// What every stored file is served with: never as active content, revalidated on every use
/// and never kept by shared caches (an update can be hidden or deleted after the file was
/// first fetched).
fn protect(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
}

/// GET /files/{id}/{name} — an attachment, never as active content: raster images inline,
/// everything else as a download, always with `nosniff` and a sandboxing policy. Streams from
/// storage and answers `Range`.
pub async fn download_attachment(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path((id, _name)): Path<(i64, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let attachment = visible_attachment(&state, viewer.as_ref(), id).await?;
    let etag = format!("\"{}\"", attachment.sha256);
    let size = u64::try_from(attachment.size).unwrap_or(0);
    let mut response = stream_file(&state, &attachment.object_key, size, &etag, &headers).await?;
    let inline = files::is_inline(&attachment.media_type);
    let content_type = if attachment.media_type.starts_with("text/") {
        format!("{}; charset=utf-8", attachment.media_type)
    } else {
        attachment.media_type.clone()
    };
    let disposition = content_disposition(inline, &attachment.file_name);
    protect(&mut response);
    let served = !response.status().is_client_error();
    let h = response.headers_mut();
    if served {
        h.insert(header::CONTENT_TYPE, header_value(&content_type)?);
        h.insert(header::CONTENT_DISPOSITION, header_value(&disposition)?);
    }
    h.insert(header::ETAG, header_value(&etag)?);
    Ok(response)
}

/// An attachment the viewer may fetch: a hidden update's files are withheld from everyone
/// but editors, like its text.
async fn visible_attachment(
    state: &AppState,
    viewer: Option<&SignedIn>,
    id: i64,
) -> Result<Attachment, WebError> {
    let attachment = state.store().attachment_by_id(AttachmentId(id)).await?.ok_or(WebError::NotFound)?;
    if !is_editor(viewer) {
        let owner = state.store().update_by_id(attachment.update_id).await?;
        if owner.is_none_or(|e| e.update.hidden.is_some()) {
            return Err(WebError::NotFound);
        }
    }
    Ok(attachment)
}

/// GET /thumbnails/{id} — an image attachment's preview, under the same rules as the file.
pub async fn download_thumbnail(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let attachment = visible_attachment(&state, viewer.as_ref(), id).await?;
    let key = attachment.thumbnail_key.ok_or(WebError::NotFound)?;
    let bytes = match state.blobs().get(&key).await {
        Ok(b) => b,
        Err(BlobError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let mut response = bytes.into_response();
    protect(&mut response);
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"thumbnail.jpg\""));
    Ok(response)
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn content_disposition(inline: bool, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        crate::views::url_encode(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_name_their_file_safely() {
        assert_eq!(
            content_disposition(false, "lettre “é”.pdf"),
            "attachment; filename=\"lettre ___.pdf\"; filename*=UTF-8''lettre%20%E2%80%9C%C3%A9%E2%80%9D%2Epdf"
        );
        assert!(content_disposition(true, "a.png").starts_with("inline;"));
    }

    fn asking(range: &str, if_range: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
        if let Some(v) = if_range {
            h.insert(header::IF_RANGE, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn byte_ranges_are_read_as_the_rfc_says() {
        let tag = "\"abc\"";
        assert_eq!(wanted(&HeaderMap::new(), 1000, tag), Wanted::Whole);
        assert_eq!(wanted(&asking("bytes=0-99", None), 1000, tag), Wanted::Range(0..100));
        assert_eq!(wanted(&asking("bytes=900-", None), 1000, tag), Wanted::Range(900..1000));
        assert_eq!(wanted(&asking("bytes=-100", None), 1000, tag), Wanted::Range(900..1000));
        assert_eq!(wanted(&asking("bytes=990-2000", None), 1000, tag), Wanted::Range(990..1000));
        assert_eq!(wanted(&asking("bytes=1000-", None), 1000, tag), Wanted::Unsatisfiable);
        assert_eq!(wanted(&asking("bytes=0-1,5-6", None), 1000, tag), Wanted::Whole, "several ranges: whole");
        assert_eq!(wanted(&asking("lines=1-2", None), 1000, tag), Wanted::Whole, "another unit: whole");
        assert_eq!(wanted(&asking("bytes=0-99", Some(tag)), 1000, tag), Wanted::Range(0..100));
        assert_eq!(wanted(&asking("bytes=0-99", Some("\"old\"")), 1000, tag), Wanted::Whole, "changed since");
    }
}
