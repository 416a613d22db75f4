//! The updates timeline under each article: signed-in readers post a note and files; anyone
//! reads them and downloads the files.
//!
//! An upload is checked whole before anything is stored: the form token first (no file is
//! even spooled without it), then each file's size as it arrives (spooled to an anonymous
//! temporary file that the system removes whatever happens), then its type from its bytes.
//! Only then do the files go to object storage and the update to the database; if the
//! database refuses, the stored files are removed again, so no half-update remains.

pub mod moderation;
mod thumbnail;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use freewire_core::{ArticleId, Attachment, AttachmentId, BlobError, NewAttachment, NewUpdate};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::account::{SignedIn, Viewer};
use crate::error::WebError;
use crate::security::{same_origin, tokens_match};
use crate::site::{article_page, human_size};
use crate::state::AppState;

/// Files one update may carry.
pub const MAX_FILES_PER_UPDATE: usize = 10;
/// The longest note, in characters.
pub(crate) const MAX_NOTE_CHARS: usize = 20_000;
/// How much of a file's start its type is judged from.
const SNIFF_BYTES: usize = 64 * 1024;

/// The kinds of file we take, by the media type their bytes show, with a name for people.
const ALLOWED_TYPES: &[(&str, &str)] = &[
    ("application/pdf", "PDF"),
    ("image/png", "PNG"),
    ("image/jpeg", "JPEG"),
    ("image/webp", "WebP"),
    ("image/gif", "GIF"),
    ("text/plain", "plain text"),
    ("text/csv", "CSV"),
    ("audio/mpeg", "MP3"),
    ("audio/ogg", "Ogg"),
    ("video/mp4", "MP4"),
    ("application/vnd.oasis.opendocument.text", "OpenDocument text"),
    ("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet"),
    ("application/vnd.oasis.opendocument.presentation", "OpenDocument presentation"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint"),
];

/// Raster images, the only files a browser is allowed to show inline.
const INLINE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/webp", "image/gif"];

/// A file on the timeline, as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AttachmentView {
    pub url: String,
    /// The preview to show in the page, when there is one.
    pub thumbnail_url: Option<String>,
    pub file_name: String,
    pub media_type: String,
    pub size: String,
    pub is_image: bool,
}

impl AttachmentView {
    pub(crate) fn new(state: &AppState, a: &Attachment) -> Self {
        AttachmentView {
            url: state.link(&format!("/files/{}/{}", a.id, crate::account::url_encode(&a.file_name))),
            thumbnail_url: a.thumbnail_key.as_ref().map(|_| state.link(&format!("/thumbnails/{}", a.id))),
            file_name: a.file_name.clone(),
            media_type: a.media_type.clone(),
            size: human_size(u64::try_from(a.size).unwrap_or(0)),
            is_image: INLINE_TYPES.contains(&a.media_type.as_str()),
        }
    }
}

/// An update's Markdown as safe HTML.
pub(crate) fn render_markdown(text: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES));
    freewire_ingest::sanitize_html(&out, None)
}

/// The media type a file's bytes show, if it is one we take; otherwise what to tell the
/// uploader. The name only refines text (a `.csv` is CSV); it never makes bytes acceptable.
pub(crate) fn sniff(head: &[u8], file_name: &str) -> Result<&'static str, String> {
    let allowed = |mime: &str| ALLOWED_TYPES.iter().find(|(m, _)| *m == mime).map(|(m, _)| *m);
    if let Some(kind) = infer::get(head) {
        return allowed(kind.mime_type()).ok_or_else(|| kind.mime_type().to_owned());
    }
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut by the sniff window is still text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Err("binary data of an unknown kind".to_owned()),
    };
    let start = text.trim_start_matches('\u{feff}').trim_start().to_ascii_lowercase();
    let markup = ["<!doctype", "<html", "<svg", "<?xml", "<script", "<head", "<body", "<iframe"];
    if text.contains('\0') {
        return Err("binary data of an unknown kind".to_owned());
    }
    if markup.iter().any(|m| start.starts_with(m)) || start.contains("<script") {
        return Err("HTML, SVG or XML markup".to_owned());
    }
    if file_name.to_ascii_lowercase().ends_with(".csv") { Ok("text/csv") } else { Ok("text/plain") }
}

fn accepted_kinds() -> String {
    let mut names: Vec<&str> = ALLOWED_TYPES.iter().map(|(_, n)| *n).collect();
    names.dedup();
    names.join(", ")
}

/// A file name safe to keep as metadata: no path, no control characters, bounded length.
pub(crate) fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

/// An uploaded file waiting in an anonymous temporary file.
struct Spooled {
    file: tokio::fs::File,
    name: String,
    size: u64,
    sha256: String,
    head: Vec<u8>,
}

/// Why an upload was turned away before anything was stored.
enum Refusal {
    Status(StatusCode, String),
    Error(WebError),
}

impl From<WebError> for Refusal {
    fn from(e: WebError) -> Self {
        Refusal::Error(e)
    }
}

fn multipart_refusal(e: &MultipartError, limit: u64) -> Refusal {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Refusal::Status(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The upload is larger than this site accepts ({} per file, {MAX_FILES_PER_UPDATE} files at most). Nothing was saved.",
                human_size(limit)
            ),
        )
    } else {
        Refusal::Status(
            StatusCode::BAD_REQUEST,
            format!("The upload did not arrive whole ({e}). Nothing was saved."),
        )
    }
}

/// The note, read in chunks and refused once it is longer than any note may be (a character
/// is at most four bytes), before it can fill memory.
async fn read_note(mut field: Field<'_>, limit: u64) -> Result<String, Refusal> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_refusal(&e, limit))? {
        if bytes.len() + chunk.len() > MAX_NOTE_CHARS * 4 {
            return Err(Refusal::Status(
                StatusCode::BAD_REQUEST,
                format!("The note is longer than {MAX_NOTE_CHARS} characters. Nothing was saved."),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| {
        Refusal::Status(StatusCode::BAD_REQUEST, "The note is not valid text. Nothing was saved.".into())
    })
}

async fn spool(state: &AppState, mut field: Field<'_>, name: String) -> Result<Spooled, Refusal> {
    let limit = state.config().max_upload_bytes;
    let io = |e: std::io::Error| Refusal::Error(WebError::Internal(format!("spooling an upload: {e}")));
    let std_file = tempfile::tempfile_in(&state.config().spool_dir).map_err(io)?;
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_refusal(&e, limit))? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(Refusal::Status(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "“{name}” is larger than the {} limit for one file. Nothing was saved.",
                    human_size(limit)
                ),
            ));
        }
        hasher.update(&chunk);
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    Ok(Spooled { file, name, size, sha256: hex::encode(hasher.finalize()), head })
}

/// What a valid form carried.
struct Submission {
    note: String,
    files: Vec<Spooled>,
}

async fn read_form(state: &AppState, who: &SignedIn, mut form: Multipart) -> Result<Submission, Refusal> {
    let limit = state.config().max_upload_bytes;
    let forbidden = || {
        Refusal::Error(WebError::Forbidden(
            "This form had expired. Please reload the page and try again.".into(),
        ))
    };
    let mut token_ok = false;
    let mut note = String::new();
    let mut files = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| multipart_refusal(&e, limit))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf" {
            let value = field.text().await.map_err(|e| multipart_refusal(&e, limit))?;
            token_ok = tokens_match(&who.session.csrf_token, &value);
            if !token_ok {
                return Err(forbidden());
            }
            continue;
        }
        // Nothing is read, let alone spooled, before the form token has been checked.
        if !token_ok {
            return Err(forbidden());
        }
        match name.as_str() {
            "note" => note = read_note(field, limit).await?,
            "files" => {
                let file_name = field.file_name().map(clean_file_name);
                let Some(file_name) = file_name.filter(|_| field.file_name().is_some_and(|n| !n.is_empty()))
                else {
                    continue; // the empty file input of a form sent without files
                };
                if files.len() == MAX_FILES_PER_UPDATE {
                    return Err(Refusal::Status(
                        StatusCode::BAD_REQUEST,
                        format!(
                            "An update can carry at most {MAX_FILES_PER_UPDATE} files. Nothing was saved."
                        ),
                    ));
                }
                let spooled = spool(state, field, file_name).await?;
                if spooled.size > 0 {
                    files.push(spooled);
                }
            }
            _ => {}
        }
    }
    if !token_ok {
        return Err(forbidden());
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Refusal::Status(
            StatusCode::BAD_REQUEST,
            format!("The note is longer than {MAX_NOTE_CHARS} characters. Nothing was saved."),
        ));
    }
    if note.trim().is_empty() && files.is_empty() {
        return Err(Refusal::Status(
            StatusCode::BAD_REQUEST,
            "Write a note or choose a file to upload.".into(),
        ));
    }
    Ok(Submission { note: note.trim().to_owned(), files })
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
    let article = state
        .store()
        .article_by_id(ArticleId(id))
        .await?
        .filter(|a| a.article.status == freewire_core::ArticleStatus::Published)
        .ok_or(WebError::NotFound)?;
    if let Err(wait) = state.limits().upload(who.user.id.0) {
        let message = format!(
            "You have uploaded a lot in a short time. Please wait {} seconds and try again. Nothing was saved.",
            wait.0.as_secs().max(1)
        );
        return article_page(&state, Some(&who), article, StatusCode::TOO_MANY_REQUESTS, Some(&message), "")
            .await;
    }
    if !same_origin(&state, &headers) {
        return Err(WebError::Forbidden("This form was sent from another site and was refused.".into()));
    }
    let submission = match read_form(&state, &who, form).await {
        Ok(s) => s,
        Err(Refusal::Error(e)) => return Err(e),
        Err(Refusal::Status(status, message)) => {
            tracing::info!(user = %who.user.username, %status, %message, "upload refused");
            return article_page(&state, Some(&who), article, status, Some(&message), "").await;
        }
    };
    let incoming: u64 = submission.files.iter().map(|f| f.size).sum();
    if incoming > 0 {
        let since = chrono::Utc::now() - chrono::Duration::hours(24);
        let used = u64::try_from(state.store().upload_bytes_since(who.user.id, since).await?).unwrap_or(0);
        let quota = state.config().daily_upload_quota_bytes;
        if used + incoming > quota {
            let message = format!(
                "These files would take you past your upload allowance of {} a day ({} used in the last 24 hours). Nothing was saved.",
                human_size(quota),
                human_size(used)
            );
            return article_page(
                &state,
                Some(&who),
                article,
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(&message),
                &submission.note,
            )
            .await;
        }
    }
    let mut typed = Vec::with_capacity(submission.files.len());
    for file in submission.files {
        match sniff(&file.head, &file.name) {
            Ok(media_type) => typed.push((file, media_type)),
            Err(found) => {
                let message = format!(
                    "“{}” was not saved: its contents are {found}, which this site does not accept. Accepted kinds: {}. Nothing was saved.",
                    file.name,
                    accepted_kinds()
                );
                return article_page(
                    &state,
                    Some(&who),
                    article,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    Some(&message),
                    &submission.note,
                )
                .await;
            }
        }
    }
    let permalink = article.article.permalink.path();
    let update_id = store_update(&state, &who, article.article.id, submission.note, typed).await?;
    Ok(Redirect::to(&state.link(&format!("/{permalink}/#update-{update_id}"))).into_response())
}

/// Puts the files in object storage, then the update in the database; undoes the first if
/// the second fails.
async fn store_update(
    state: &AppState,
    who: &SignedIn,
    article_id: ArticleId,
    note: String,
    files: Vec<(Spooled, &'static str)>,
) -> Result<i64, WebError> {
    let mut stored_keys = Vec::with_capacity(files.len());
    let mut attachments = Vec::with_capacity(files.len());
    let mut result = Ok(());
    for (mut file, media_type) in files {
        // Identical bytes are stored once: a file someone uploaded before shares its object.
        let existing = match state.store().attachment_by_sha256(&file.sha256).await {
            Ok(found) => found,
            Err(e) => {
                result = Err(e.into());
                break;
            }
        };
        if let Some(same) = existing {
            attachments.push(NewAttachment {
                object_key: same.object_key,
                file_name: file.name,
                media_type: media_type.to_owned(),
                size: i64::try_from(file.size).unwrap_or(i64::MAX),
                sha256: file.sha256,
                thumbnail_key: same.thumbnail_key,
            });
            continue;
        }
        let key = format!("updates/{}", uuid::Uuid::new_v4().simple());
        let bytes = match read_spooled(&mut file).await {
            Ok(b) => b,
            Err(e) => {
                result = Err(WebError::Internal(format!("reading a spooled upload: {e}")));
                break;
            }
        };
        let preview = if INLINE_TYPES.contains(&media_type) {
            let source = bytes.clone();
            tokio::task::spawn_blocking(move || thumbnail::make_thumbnail(&source)).await.ok().flatten()
        } else {
            None
        };
        if let Err(e) = state.blobs().put(&key, bytes).await {
            result = Err(e.into());
            break;
        }
        stored_keys.push(key.clone());
        let mut thumbnail_key = None;
        if let Some(jpeg) = preview {
            let thumb = format!("{key}.thumb.jpg");
            if let Err(e) = state.blobs().put(&thumb, Bytes::from(jpeg)).await {
                result = Err(e.into());
                break;
            }
            stored_keys.push(thumb.clone());
            thumbnail_key = Some(thumb);
        }
        attachments.push(NewAttachment {
            object_key: key,
            file_name: file.name,
            media_type: media_type.to_owned(),
            size: i64::try_from(file.size).unwrap_or(i64::MAX),
            sha256: file.sha256,
            thumbnail_key,
        });
    }
    let outcome = match result {
        Ok(()) => state
            .store()
            .insert_update_with_attachments(
                NewUpdate { article_id, author_id: who.user.id, body: note },
                attachments,
            )
            .await
            .map(|(update, _)| update.id.0)
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        for key in &stored_keys {
            if let Err(e) = state.blobs().delete(key).await {
                tracing::error!(%key, error = %e, "could not remove the file of a failed update");
            }
        }
    }
    outcome
}

async fn read_spooled(file: &mut Spooled) -> std::io::Result<Bytes> {
    file.file.seek(std::io::SeekFrom::Start(0)).await?;
    let mut buf = Vec::with_capacity(usize::try_from(file.size).unwrap_or(0));
    file.file.read_to_end(&mut buf).await?;
    Ok(Bytes::from(buf))
}

/// GET /files/{id}/{name} — an attachment, never as active content: raster images inline,
/// everything else as a download, always with `nosniff` and a sandboxing policy.
pub async fn download_attachment(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path((id, _name)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let attachment = visible_attachment(&state, viewer.as_ref(), id).await?;
    let bytes = match state.blobs().get(&attachment.object_key).await {
        Ok(b) => b,
        Err(BlobError::NotFound(key)) => {
            tracing::error!(%key, "an attachment's file is missing from storage");
            return Err(WebError::NotFound);
        }
        Err(e) => return Err(e.into()),
    };
    let inline = INLINE_TYPES.contains(&attachment.media_type.as_str());
    let content_type = if attachment.media_type.starts_with("text/") {
        format!("{}; charset=utf-8", attachment.media_type)
    } else {
        attachment.media_type.clone()
    };
    let disposition = content_disposition(inline, &attachment.file_name);
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    let value =
        |s: &str| HeaderValue::from_str(s).map_err(|e| WebError::Internal(format!("header value: {e}")));
    h.insert(header::CONTENT_TYPE, value(&content_type)?);
    h.insert(header::CONTENT_DISPOSITION, value(&disposition)?);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    // Revalidated on every use, and never kept by shared caches: an update can be hidden or
    // deleted after the file was first fetched. The ETag keeps revalidation cheap.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    h.insert(header::ETAG, value(&format!("\"{}\"", attachment.sha256))?);
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
    if !moderation::is_editor(viewer) {
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
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"thumbnail.jpg\""));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
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
        crate::account::url_encode(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";

    #[test]
    fn types_are_judged_by_bytes_not_names() {
        assert_eq!(sniff(PNG, "photo.pdf"), Ok("image/png"));
        assert_eq!(sniff(PDF, "letter.txt"), Ok("application/pdf"));
        assert_eq!(sniff("Transcript — “quoted”".as_bytes(), "t.txt"), Ok("text/plain"));
        assert_eq!(sniff(b"a,b\n1,2\n", "data.csv"), Ok("text/csv"));
    }

    #[test]
    fn markup_and_executables_are_refused_whatever_their_name() {
        assert!(sniff(b"<!DOCTYPE html><html><script>alert(1)</script>", "letter.pdf").is_err());
        assert!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "pic.png").is_err()
        );
        assert!(sniff(b"<?xml version=\"1.0\"?><svg/>", "x.txt").is_err());
        assert!(sniff(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff", "setup.pdf").is_err());
        assert!(sniff(b"\0\x01\x02binary", "x.txt").is_err());
    }

    #[test]
    fn file_names_lose_paths_and_controls() {
        assert_eq!(clean_file_name("C:\\Users\\x\\letter.pdf"), "letter.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\u{7}b\n.txt"), "ab.txt");
        assert_eq!(clean_file_name(".hidden"), "hidden");
        assert_eq!(clean_file_name(""), "file");
    }

    #[test]
    fn downloads_name_their_file_safely() {
        assert_eq!(
            content_disposition(false, "lettre “é”.pdf"),
            "attachment; filename=\"lettre ___.pdf\"; filename*=UTF-8''lettre%20%E2%80%9C%C3%A9%E2%80%9D%2Epdf"
        );
        assert!(content_disposition(true, "a.png").starts_with("inline;"));
    }

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render_markdown("**Bold** and <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>Bold</strong>"), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
