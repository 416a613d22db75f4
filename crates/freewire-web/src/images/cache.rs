//! The image proxy's disk cache: one file per image address (named by the address's SHA-256),
//! a total size bound kept by removing the least recently used files, and writes that never
//! show half a file. Written by hand over the standard library: the caches crates offer keep
//! values in memory or bring a database; this needs a folder of files, a bound and an order.
//!
//! - A file is written under a temporary name, flushed, then renamed into place: a reader sees
//!   the whole image or none, whatever happens to the process meanwhile.
//! - Every read stamps the file's modification time, so the files' times are their last use;
//!   when a write takes the total over the bound, the oldest go until it is under nine tenths
//!   of it (the margin spares a full scan for every write at the bound).
//! - Bytes read back are sniffed again, so a damaged file is dropped rather than served.
//!
//! The folder may be shared by several processes: each counts from its own scan, and every
//! eviction scans again.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// Temporary files start with this; finished files are hex names, so the two never meet.
const TMP_PREFIX: &str = "tmp-";

/// A temporary file this old was left by a write that never finished (a crash); scans remove it.
const ABANDONED_AFTER: Duration = Duration::from_hours(1);

/// The raster image types served, by the type their bytes show. SVG never (it is a document
/// that can carry scripts), nor anything else a browser might render as a page. Wider than
/// the uploads' inline types: those must also be decoded for previews, these are only passed on.
const RASTER_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
    "image/vnd.microsoft.icon",
];

/// An image ready to serve.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    /// The bytes, as fetched.
    pub bytes: Bytes,
    /// The type the bytes show (never what a server claimed).
    pub media_type: &'static str,
    /// A strong tag over the bytes, quoted.
    pub etag: String,
}

impl Image {
    /// The image these bytes are, or the type they show instead (`None` when no type is
    /// recognised at all).
    pub(crate) fn from_bytes(bytes: Bytes) -> Result<Image, Option<&'static str>> {
        let kind = infer::get(&bytes).ok_or(None)?;
        let media_type =
            RASTER_TYPES.iter().copied().find(|t| *t == kind.mime_type()).ok_or(Some(kind.mime_type()))?;
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..32]);
        Ok(Image { bytes, media_type, etag })
    }
}

/// The name an address's image is kept under.
pub(crate) fn key_for(address: &str) -> String {
    hex::encode(Sha256::digest(address.as_bytes()))
}

/// A folder of images with a size bound.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    /// Bytes in the folder as last counted, plus what this process wrote since; `None` until
    /// the first write scans.
    total: Arc<Mutex<Option<u64>>>,
}

impl DiskCache {
    /// A cache in `dir` (made on first write) holding at most `max_bytes`.
    pub(crate) fn new(dir: PathBuf, max_bytes: u64) -> Self {
        DiskCache { dir, max_bytes, total: Arc::new(Mutex::new(None)) }
    }

    /// The image kept under `key`, marked as just used. Anything that goes wrong reading it
    /// is logged and counts as a miss: the image is fetched again.
    pub(crate) async fn read(&self, key: &str) -> Option<Image> {
        let path = self.dir.join(key);
        match tokio::task::spawn_blocking(move || read_and_touch(&path)).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, key, dir = %self.dir.display(), "could not read a cached image");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, key, "reading a cached image stopped");
                None
            }
        }
    }

    /// Keeps `bytes` under `key`, then removes the least recently used images if the folder
    /// has grown past its bound. A failure is logged; the image is served all the same.
    pub(crate) async fn write(&self, key: &str, bytes: Bytes) {
        let (dir, key_owned, max, total) =
            (self.dir.clone(), key.to_owned(), self.max_bytes, self.total.clone());
        let done =
            tokio::task::spawn_blocking(move || write_and_bound(&dir, &key_owned, &bytes, max, &total));
        match done.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, key, dir = %self.dir.display(), "could not keep a fetched image");
            }
            Err(e) => tracing::warn!(error = %e, key, "keeping a fetched image stopped"),
        }
    }
}

fn read_and_touch(path: &Path) -> std::io::Result<Option<Image>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Ok(image) = Image::from_bytes(Bytes::from(bytes)) else {
        tracing::warn!(path = %path.display(), "a cached image is damaged; removed");
        remove_if_there(path)?;
        return Ok(None);
    };
    // Its last use, for the eviction order. Removed meanwhile by an eviction: still served.
    match std::fs::File::open(path).and_then(|f| f.set_modified(SystemTime::now())) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    Ok(Some(image))
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn write_and_bound(
    dir: &Path,
    key: &str,
    bytes: &[u8],
    max: u64,
    total: &Mutex<Option<u64>>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{TMP_PREFIX}{}", uuid::Uuid::new_v4().simple()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        // On disk before it gets its name: after a crash the name holds the whole image.
        f.sync_data()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, dir.join(key))) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let mut known = total.lock().unwrap_or_else(PoisonError::into_inner);
    match known.map(|t| t + bytes.len() as u64) {
        Some(t) if t <= max => *known = Some(t),
        _ => *known = Some(evict(dir, max)?),
    }
    Ok(())
}

/// Counts the folder and, when it holds more than `max`, removes the least recently used
/// images until it holds at most nine tenths of it. Returns the bytes left.
fn evict(dir: &Path, max: u64) -> std::io::Result<u64> {
    let mut files = Vec::new();
    let mut total = 0u64;
    let now = SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            if now.duration_since(used).is_ok_and(|age| age > ABANDONED_AFTER) {
                remove_if_there(&entry.path())?;
            }
            continue;
        }
        total += meta.len();
        files.push((used, entry.path(), meta.len()));
    }
    if total <= max {
        return Ok(total);
    }
    files.sort_by_key(|(used, ..)| *used);
    let target = max / 10 * 9;
    let mut removed = 0usize;
    for (_, path, len) in files {
        if total <= target {
            break;
        }
        remove_if_there(&path)?;
        total -= len;
        removed += 1;
    }
    tracing::debug!(removed, left_bytes = total, "image cache trimmed");
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";

    #[test]
    fn only_raster_bytes_are_images_whatever_they_are_called() {
        assert_eq!(Image::from_bytes(Bytes::from_static(PNG)).unwrap().media_type, "image/png");
        let svg = Bytes::from_static(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        assert!(Image::from_bytes(svg).is_err());
        assert_eq!(
            Image::from_bytes(Bytes::from_static(b"<html><script>x</script>")).unwrap_err(),
            Some("text/html")
        );
        assert_eq!(Image::from_bytes(Bytes::from_static(b"\0\0 nothing known")).unwrap_err(), None);
        assert_eq!(
            Image::from_bytes(Bytes::from_static(b"%PDF-1.4\n")).unwrap_err(),
            Some("application/pdf")
        );
    }

    #[tokio::test]
    async fn the_least_recently_used_images_go_when_the_bound_is_passed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(dir.path().join("c"), (PNG.len() * 2 + PNG.len() / 2) as u64);
        for key in ["a", "b"] {
            cache.write(key, Bytes::from_static(PNG)).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(cache.read("a").await.is_some(), "a is now the most recently used");
        tokio::time::sleep(Duration::from_millis(20)).await;
        cache.write("c", Bytes::from_static(PNG)).await;
        assert!(cache.read("b").await.is_none(), "b was used least recently");
        assert!(cache.read("a").await.is_some());
        assert!(cache.read("c").await.is_some());
        std::fs::write(dir.path().join("c").join("d"), b"not an image").unwrap();
        assert!(cache.read("d").await.is_none(), "damaged files are never served");
        assert!(!dir.path().join("c").join("d").exists());
        let names: Vec<String> = std::fs::read_dir(dir.path().join("c"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with(TMP_PREFIX)), "no temporary file is left: {names:?}");
    }
}
