//! Uploaded files' bytes, through `object_store`: a local folder by default.
//!
//! Files are written as they arrive ([`BlobStore::writer`]): the first part is held until it
//! fills, so a small file is one plain write; a larger one becomes a multipart upload whose
//! parts go out one at a time, so memory per upload stays near two parts whatever the file's
//! size. Reads stream, whole or by byte range.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use freewire_core::{BlobError, BlobMeta, BlobRead, BlobStore, BlobWriter};
use futures_util::StreamExt as _;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

/// Tries of one storage request before it fails.
const S3_RETRIES: usize = 3;
/// The longest a storage request is retried.
const S3_RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(10);
/// The longest a connection to the storage server may take to open.
const S3_CONNECT_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// The part size for S3-compatible storage: S3 refuses smaller parts (except the last).
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// The part size for a local folder, which takes parts of any size.
const LOCAL_PART_BYTES: usize = 1024 * 1024;

/// How to reach S3-compatible storage; read from the usual AWS variables by the binary's
/// configuration.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `AWS_ACCESS_KEY_ID`
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`
    pub secret_access_key: Option<String>,
    /// `AWS_REGION` / `AWS_DEFAULT_REGION` (default `us-east-1`).
    pub region: String,
    /// `AWS_ENDPOINT_URL`: another S3-compatible server than AWS.
    pub endpoint: Option<String>,
}

/// A [`BlobStore`] over any `object_store` backend.
#[derive(Clone)]
pub struct ObjectBlobStore {
    inner: Arc<dyn ObjectStore>,
    /// How many bytes a writer gathers before it sends them as one part.
    part_bytes: usize,
    /// The folder, for a local one: where writes cut short leave temporary files.
    local_root: Option<PathBuf>,
}

impl std::fmt::Debug for ObjectBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObjectBlobStore({})", self.inner)
    }
}

impl ObjectBlobStore {
    /// Files kept under a local folder, created if missing.
    pub fn local(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(|e| BlobError::Backend {
            context: "creating the upload folder",
            message: format!("{}: {e}", root.display()),
        })?;
        let fs =
            LocalFileSystem::new_with_prefix(root).map_err(|e| backend("opening the upload folder", &e))?;
        Ok(ObjectBlobStore {
            inner: Arc::new(fs),
            part_bytes: LOCAL_PART_BYTES,
            local_root: Some(root.to_owned()),
        })
    }

    /// S3-compatible storage at `s3://bucket/prefix` (AWS S3, MinIO, Garage, Ceph …).
    pub fn s3(url: &str, settings: &S3Settings) -> Result<Self, BlobError> {
        let parsed = url::Url::parse(url)
            .map_err(|e| BlobError::Backend { context: "storage URL", message: e.to_string() })?;
        let bucket = parsed.host_str().filter(|b| !b.is_empty()).ok_or_else(|| BlobError::Backend {
            context: "storage URL",
            message: format!("{url} names no bucket; expected s3://BUCKET/PREFIX"),
        })?;
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(settings.region.clone())
            // Path-style addressing works with every S3-compatible server.
            .with_virtual_hosted_style_request(false)
            // A storage server that is down must not hold a reader's upload or download for the
            // library's default three minutes of retries: a few quick tries, then a refusal the
            // reader sees (and can repeat), while pages go on being served.
            .with_retry(object_store::RetryConfig {
                max_retries: S3_RETRIES,
                retry_timeout: S3_RETRY_FOR,
                ..object_store::RetryConfig::default()
            })
            .with_client_options(object_store::ClientOptions::new().with_connect_timeout(S3_CONNECT_WITHIN));
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret);
        }
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        let s3 = builder.build().map_err(|e| backend("configuring S3 storage", &e))?;
        let prefix = parsed.path().trim_matches('/');
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
        };
        Ok(ObjectBlobStore { inner, part_bytes: S3_PART_BYTES, local_root: None })
    }

    /// Any other `object_store` backend, written in parts of S3's minimum size.
    #[must_use]
    pub fn new(inner: Arc<dyn ObjectStore>) -> Self {
        ObjectBlobStore { inner, part_bytes: S3_PART_BYTES, local_root: None }
    }
}

fn backend(context: &'static str, err: &object_store::Error) -> BlobError {
    if caused_by_full_disk(err) {
        return BlobError::Full { context, message: err.to_string() };
    }
    BlobError::Backend { context, message: err.to_string() }
}

/// Whether an error, or one of its causes, is the system saying the disk is full.
fn caused_by_full_disk(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && is_disk_full(io)
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Whether the system said the disk (or the user's quota on it) is full.
pub(crate) fn is_disk_full(err: &std::io::Error) -> bool {
    matches!(err.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
}

/// Whether a file name is one of `object_store`'s temporary files for a local write in
/// progress: `{name}#{digits}`, renamed to `{name}` when the write completes.
fn is_temporary_name(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(_, suffix)| !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()))
}

/// The temporary files under `dir` last written before `before`, removed; their paths.
fn remove_temporary_files(dir: &Path, before: std::time::SystemTime) -> Result<Vec<PathBuf>, BlobError> {
    let io_err = |context: &'static str, path: &Path, e: &std::io::Error| BlobError::Backend {
        context,
        message: format!("{}: {e}", path.display()),
    };
    let mut removed = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err("listing the upload folder", &folder, &e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| io_err("listing the upload folder", &folder, &e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| io_err("listing the upload folder", &path, &e))?;
            if kind.is_dir() {
                folders.push(path);
                continue;
            }
            if !entry.file_name().to_str().is_some_and(is_temporary_name) {
                continue;
            }
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .map_err(|e| io_err("reading a temporary file's age", &path, &e))?;
            if modified >= before {
                continue; // perhaps a write in progress
            }
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("removing a temporary file", &path, &e)),
            }
        }
    }
    Ok(removed)
}

fn object_path(key: &str) -> Result<ObjectPath, BlobError> {
    ObjectPath::parse(key).map_err(|e| BlobError::Backend { context: "object key", message: e.to_string() })
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.inner
            .put(&object_path(key)?, bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| backend("storing a file", &e))
    }

    async fn writer(&self, key: &str) -> Result<Box<dyn BlobWriter>, BlobError> {
        Ok(Box::new(ObjectWriter {
            store: self.inner.clone(),
            path: object_path(key)?,
            part_bytes: self.part_bytes,
            pending: Vec::new(),
            pending_len: 0,
            upload: None,
        }))
    }

    async fn get(&self, key: &str) -> Result<Bytes, BlobError> {
        let path = object_path(key)?;
        match self.inner.get(&path).await {
            Ok(found) => found.bytes().await.map_err(|e| backend("reading a file", &e)),
            Err(e) => Err(read_error(key, &e)),
        }
    }

    async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<BlobRead, BlobError> {
        let path = object_path(key)?;
        let options = GetOptions { range: range.clone().map(GetRange::Bounded), ..GetOptions::default() };
        match self.inner.get_opts(&path, options).await {
            Ok(found) => {
                let (size, range) = (found.meta.size, found.range.clone());
                let body =
                    found.into_stream().map(|chunk| chunk.map_err(|e| backend("reading a file", &e))).boxed();
                Ok(BlobRead { size, range, body })
            }
            Err(e) => {
                // An empty range, or one starting past the end: say so with the object's size,
                // as a 416 needs it.
                if let Some(r) = range
                    && !matches!(e, object_store::Error::NotFound { .. })
                    && let Ok(meta) = self.inner.head(&path).await
                    && (r.start >= r.end || r.start >= meta.size)
                {
                    return Err(BlobError::BadRange { start: r.start, end: r.end, size: meta.size });
                }
                Err(read_error(key, &e))
            }
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.inner.delete(&object_path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend("removing a file", &e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
        let prefix = object_path(prefix)?;
        let mut listed = self.inner.list(Some(&prefix));
        let mut found = Vec::new();
        while let Some(meta) = listed.next().await {
            let meta = match meta {
                Ok(meta) => meta,
                // Removed between being listed and being read (a concurrent delete).
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(backend("listing stored files", &e)),
            };
            found.push(BlobMeta {
                key: meta.location.to_string(),
                size: meta.size,
                modified: meta.last_modified,
            });
        }
        Ok(found)
    }

    async fn remove_unfinished(&self, before: DateTime<Utc>) -> Result<Vec<String>, BlobError> {
        let Some(root) = self.local_root.clone() else { return Ok(Vec::new()) };
        let before = std::time::SystemTime::from(before);
        let removed =
            tokio::task::spawn_blocking(move || remove_temporary_files(&root, before)).await.map_err(
                |e| BlobError::Backend { context: "removing temporary files", message: e.to_string() },
            )??;
        Ok(removed.into_iter().map(|p| p.display().to_string()).collect())
    }
}

fn read_error(key: &str, e: &object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_owned()),
        e => backend("reading a file", e),
    }
}

/// Writes one object: the first part is gathered in memory; if the bytes end before it
/// fills, they go up in one request, otherwise a multipart upload takes them part by part.
struct ObjectWriter {
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
    part_bytes: usize,
    /// Bytes not yet handed to an upload (only before the first part is sent).
    pending: Vec<Bytes>,
    pending_len: usize,
    /// The multipart upload, once the object has outgrown one part.
    upload: Option<WriteMultipart>,
}

impl ObjectWriter {
    /// Parts in flight at once: one, so an upload holds at most the part being sent and the
    /// part being gathered.
    const PARTS_IN_FLIGHT: usize = 1;
}

#[async_trait]
impl BlobWriter for ObjectWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        if let Some(upload) = self.upload.as_mut() {
            upload
                .wait_for_capacity(Self::PARTS_IN_FLIGHT)
                .await
                .map_err(|e| backend("storing a file", &e))?;
            upload.put(chunk);
            return Ok(());
        }
        self.pending_len += chunk.len();
        self.pending.push(chunk);
        if self.pending_len >= self.part_bytes {
            let started = self
                .store
                .put_multipart(&self.path)
                .await
                .map_err(|e| backend("starting a file upload", &e))?;
            let mut upload = WriteMultipart::new_with_chunk_size(started, self.part_bytes);
            for piece in self.pending.drain(..) {
                upload.put(piece);
            }
            self.pending_len = 0;
            self.upload = Some(upload);
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<(), BlobError> {
        if let Some(upload) = self.upload.take() {
            upload.finish().await.map(|_| ()).map_err(|e| backend("completing a file upload", &e))
        } else {
            let payload: PutPayload = std::mem::take(&mut self.pending).into_iter().collect();
            self.store.put(&self.path, payload).await.map(|_| ()).map_err(|e| backend("storing a file", &e))
        }
    }

    async fn abort(mut self: Box<Self>) -> Result<(), BlobError> {
        match self.upload.take() {
            Some(upload) => upload.abort().await.map_err(|e| backend("abandoning a file upload", &e)),
            None => Ok(()),
        }
    }
}

impl Drop for ObjectWriter {
    /// A writer dropped mid-upload (the client went away and the request was cancelled)
    /// abandons its parts, so nothing half-written stays in storage.
    fn drop(&mut self) {
        if let Some(upload) = self.upload.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let path = self.path.to_string();
            runtime.spawn(async move {
                if let Err(e) = upload.abort().await {
                    tracing::warn!(%path, error = %e, "could not abandon an unfinished upload");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_object_stores_staging_names_count_as_temporary() {
        assert!(is_temporary_name("0f3a9c#1"));
        assert!(is_temporary_name("0f3a9c.thumb.jpg#12"));
        assert!(!is_temporary_name("0f3a9c"));
        assert!(!is_temporary_name("notes#draft"));
        assert!(!is_temporary_name("trailing#"));
    }

    #[test]
    fn a_full_disk_is_told_apart_from_other_failures_through_the_cause_chain() {
        let full = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(std::io::Error::from(std::io::ErrorKind::StorageFull)),
        };
        assert!(matches!(
            backend("storing a file", &full),
            BlobError::Full { context: "storing a file", .. }
        ));
        let denied = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        };
        assert!(matches!(backend("storing a file", &denied), BlobError::Backend { .. }));
    }
}
