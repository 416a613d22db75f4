//! Uploaded files' bytes, through `object_store`: a local folder by default.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use freewire_core::{BlobError, BlobStore};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

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
        Ok(ObjectBlobStore { inner: Arc::new(fs) })
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
            .with_virtual_hosted_style_request(false);
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
        Ok(ObjectBlobStore { inner })
    }

    /// Any other `object_store` backend.
    #[must_use]
    pub fn new(inner: Arc<dyn ObjectStore>) -> Self {
        ObjectBlobStore { inner }
    }
}

fn backend(context: &'static str, err: &object_store::Error) -> BlobError {
    BlobError::Backend { context, message: err.to_string() }
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

    async fn get(&self, key: &str) -> Result<Bytes, BlobError> {
        let path = object_path(key)?;
        match self.inner.get(&path).await {
            Ok(found) => found.bytes().await.map_err(|e| backend("reading a file", &e)),
            Err(object_store::Error::NotFound { .. }) => Err(BlobError::NotFound(key.to_owned())),
            Err(e) => Err(backend("reading a file", &e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.inner.delete(&object_path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend("removing a file", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_folder_round_trips_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = ObjectBlobStore::local(&dir.path().join("uploads")).unwrap();
        blobs.put("ab/cd/file", Bytes::from_static(b"hello")).await.unwrap();
        assert_eq!(blobs.get("ab/cd/file").await.unwrap(), Bytes::from_static(b"hello"));
        blobs.delete("ab/cd/file").await.unwrap();
        assert!(matches!(blobs.get("ab/cd/file").await, Err(BlobError::NotFound(_))));
        blobs.delete("ab/cd/file").await.unwrap();
    }
}
