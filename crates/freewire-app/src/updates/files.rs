//! Files arriving for an update: streamed into object storage as they arrive, never held
//! whole in memory. The size limit, the type (judged from the first bytes, before anything is
//! stored) and the sha256 are all taken on the way. A received file belongs to no update yet:
//! dropping it, or the request that carries it, removes what was stored.

use std::sync::Arc;

use bytes::Bytes;
use freewire_core::BlobStore;
use futures_util::{Stream, StreamExt as _};
use sha2::{Digest, Sha256};

use crate::AppError;

/// The folder of object storage that updates' files (and their previews) are kept under.
pub const OBJECT_FOLDER: &str = "updates";

/// How much of a file's start its type is judged from.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The kinds of file we take, by the media type their bytes show, with a name for people.
pub const ALLOWED_TYPES: &[(&str, &str)] = &[
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
pub const INLINE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/webp", "image/gif"];

/// Whether files of this media type may be shown inline (raster images).
#[must_use]
pub fn is_inline(media_type: &str) -> bool {
    INLINE_TYPES.contains(&media_type)
}

/// The media type a file's bytes show, if it is one we take; otherwise what to tell the
/// uploader. The name only refines text (a `.csv` is CSV); it never makes bytes acceptable.
pub fn sniff(head: &[u8], file_name: &str) -> Result<&'static str, String> {
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

/// The kinds of file accepted, for messages.
#[must_use]
pub fn accepted_kinds() -> String {
    let mut names: Vec<&str> = ALLOWED_TYPES.iter().map(|(_, n)| *n).collect();
    names.dedup();
    names.join(", ")
}

/// A file name safe to keep as metadata: no path, no control characters (nor anything else XML
/// forbids: the name is shown in `updates.atom`), bounded length.
#[must_use]
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = freewire_core::xml::strip_forbidden_chars(base)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

/// `1536` → `1.5 KiB`.
#[must_use]
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value.fract() < 0.05 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// An object stored for an update that may not happen: removed when dropped unless kept.
/// The removal runs on the runtime even when the future that made the object is dropped
/// (a client that went away mid-request).
pub(crate) struct Provisional {
    blobs: Arc<dyn BlobStore>,
    key: Option<String>,
}

impl Provisional {
    pub(crate) fn new(blobs: Arc<dyn BlobStore>, key: String) -> Self {
        Provisional { blobs, key: Some(key) }
    }

    pub(crate) fn key(&self) -> &str {
        self.key.as_deref().unwrap_or_default()
    }

    /// The object is part of a stored update now: keep it.
    pub(crate) fn keep(mut self) {
        self.key = None;
    }

    /// Removes the object now, and waits for it (dropping it removes it too, but later).
    pub(crate) async fn discard(mut self) {
        if let Some(key) = self.key.take() {
            remove(self.blobs.clone(), key).await;
        }
    }
}

/// Removes the object of an update that was not stored; a failure is logged (the object is
/// unreachable and only costs space).
async fn remove(blobs: Arc<dyn BlobStore>, key: String) {
    if let Err(e) = blobs.delete(&key).await {
        tracing::error!(%key, error = %e, "could not remove the file of an update that was not stored");
    }
}

impl Drop for Provisional {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            drop(runtime.spawn(remove(self.blobs.clone(), key)));
        } else {
            tracing::error!("no runtime to remove the file of an update that was not stored");
        }
    }
}

/// A file stored in object storage for an update that is not posted yet.
pub struct ReceivedFile {
    pub(crate) object: Provisional,
    /// The cleaned file name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// sha256 of its bytes, hex.
    pub sha256: String,
    /// The media type its bytes show.
    pub media_type: &'static str,
}

impl ReceivedFile {
    /// Removes the stored bytes now: the file will not be posted.
    pub async fn discard(self) {
        self.object.discard().await;
    }
}

/// Removes the stored bytes of files that will not be posted, and waits for it.
pub async fn discard_all(files: Vec<ReceivedFile>) {
    for file in files {
        file.discard().await;
    }
}

impl std::fmt::Debug for ReceivedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedFile")
            .field("key", &self.object.key())
            .field("name", &self.name)
            .field("size", &self.size)
            .field("media_type", &self.media_type)
            .finish_non_exhaustive()
    }
}

fn too_large(name: &str, limit: u64) -> AppError {
    AppError::TooLarge(format!(
        "“{name}” is larger than the {} limit for one file. Nothing was saved.",
        human_size(limit)
    ))
}

/// Receives one file: judges its type from its first bytes (refusing before anything is
/// stored), then streams it into object storage under a new key, counting its size against
/// `max_bytes` and hashing it on the way. `None` for an empty file. The body's own errors
/// (a connection cut, a request over the size limit) arrive as [`AppError`]s through `E`.
pub async fn receive_file<S, E>(
    blobs: &Arc<dyn BlobStore>,
    max_bytes: u64,
    raw_name: &str,
    body: S,
) -> Result<Option<ReceivedFile>, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: Into<AppError>,
{
    let name = clean_file_name(raw_name);
    // Fused: asked again after its end, the body keeps saying it ended.
    let mut body = std::pin::pin!(body.fuse());
    // The first bytes, gathered for sniffing before anything is stored.
    let mut head: Vec<Bytes> = Vec::new();
    let mut head_len = 0;
    while head_len < SNIFF_BYTES {
        let Some(chunk) = body.next().await else { break };
        let chunk = chunk.map_err(Into::into)?;
        head_len += chunk.len();
        head.push(chunk);
    }
    if head_len == 0 {
        return Ok(None);
    }
    let sniffed: Vec<u8> = head.iter().flat_map(|c| c.iter().copied()).take(SNIFF_BYTES).collect();
    let media_type = sniff(&sniffed, &name).map_err(|found| {
        AppError::Unsupported(format!(
            "“{name}” was not saved: its contents are {found}, which this site does not accept. Accepted kinds: {}. Nothing was saved.",
            accepted_kinds()
        ))
    })?;
    let key = format!("{OBJECT_FOLDER}/{}", uuid::Uuid::new_v4().simple());
    let mut writer = blobs.writer(&key).await?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut all = futures_util::stream::iter(head.into_iter().map(Ok::<Bytes, E>)).chain(body);
    while let Some(chunk) = all.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                writer.abort().await?;
                return Err(e.into());
            }
        };
        size += chunk.len() as u64;
        if size > max_bytes {
            writer.abort().await?;
            return Err(too_large(&name, max_bytes));
        }
        hasher.update(&chunk);
        if let Err(e) = writer.write(chunk).await {
            // A full disk, say: what was written goes now, not when the writer is dropped.
            if let Err(left) = writer.abort().await {
                tracing::warn!(%key, error = %left, "could not abandon a file whose writing failed");
            }
            return Err(e.into());
        }
    }
    writer.finish().await?;
    Ok(Some(ReceivedFile {
        object: Provisional::new(blobs.clone(), key),
        name,
        size,
        sha256: hex::encode(hasher.finalize()),
        media_type,
    }))
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
        assert_eq!(clean_file_name("a\u{1}b\u{FFFE}c\u{FFFF}.txt"), "abc.txt");
        assert_eq!(clean_file_name(".hidden"), "hidden");
        assert_eq!(clean_file_name(""), "file");
    }
}
