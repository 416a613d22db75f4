//! Uploaded files' bytes, through `object_store`: a local folder by default.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use freewire_core::{BlobError, BlobStore};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

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
