//! The `BlobStore` behaviour suite: plain `async fn(&dyn BlobStore)` cases, each run against a
//! local folder and against S3-compatible storage (a real S3-protocol server on loopback,
//! named by `FREEWIRE_TEST_S3_*`; without it the S3 cases skip, and fail under `CI=true`).

#![expect(clippy::unwrap_used, reason = "test support: a test stops at its first failure")]

use bytes::Bytes;
use freewire_core::{BlobError, BlobStore};
use freewire_store::ObjectBlobStore;
use freewire_store::testing::{s3_test_server, unique_prefix};
use futures_util::TryStreamExt as _;

/// Bytes that differ at every offset, so a misplaced range shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ ((i / 251) % 256) as u8).collect()
}

async fn read_all(blobs: &dyn BlobStore, key: &str, range: Option<std::ops::Range<u64>>) -> (u64, Vec<u8>) {
    let read = blobs.read(key, range).await.unwrap();
    let size = read.size;
    let expected_len = read.range.end - read.range.start;
    let chunks: Vec<Bytes> = read.body.try_collect().await.unwrap();
    let bytes = chunks.concat();
    assert_eq!(bytes.len() as u64, expected_len, "the stream carries exactly the announced range");
    (size, bytes)
}

async fn write_in_pieces(blobs: &dyn BlobStore, key: &str, bytes: &[u8], piece: usize) {
    let mut writer = blobs.writer(key).await.unwrap();
    for chunk in bytes.chunks(piece) {
        writer.write(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    writer.finish().await.unwrap();
}

async fn put_then_get_round_trips_and_replaces(blobs: &dyn BlobStore) {
    blobs.put("a/b/small", Bytes::from_static(b"first")).await.unwrap();
    assert_eq!(blobs.get("a/b/small").await.unwrap(), Bytes::from_static(b"first"));
    blobs.put("a/b/small", Bytes::from_static(b"second")).await.unwrap();
    assert_eq!(blobs.get("a/b/small").await.unwrap(), Bytes::from_static(b"second"));
}

async fn a_small_streamed_object_reads_back_whole(blobs: &dyn BlobStore) {
    let bytes = pattern(70_000);
    write_in_pieces(blobs, "stream/small", &bytes, 8 * 1024).await;
    let (size, read) = read_all(blobs, "stream/small", None).await;
    assert_eq!(size, 70_000);
    assert_eq!(read, bytes);
}

async fn a_large_object_goes_up_in_parts_and_reads_back_whole(blobs: &dyn BlobStore) {
    // Larger than two parts on either backend (S3's parts are 5 MiB).
    let bytes = pattern(12 * 1024 * 1024 + 12_345);
    write_in_pieces(blobs, "stream/large", &bytes, 64 * 1024).await;
    let (size, read) = read_all(blobs, "stream/large", None).await;
    assert_eq!(size, bytes.len() as u64);
    assert!(read == bytes, "the large object reads back byte for byte");
}

async fn byte_ranges_read_exactly_what_was_asked(blobs: &dyn BlobStore) {
    let bytes = pattern(300_000);
    write_in_pieces(blobs, "ranges/file", &bytes, 32 * 1024).await;
    let (size, head) = read_all(blobs, "ranges/file", Some(0..100)).await;
    assert_eq!(size, 300_000, "a range read still tells the whole size");
    assert_eq!(head, bytes[..100]);
    let (_, middle) = read_all(blobs, "ranges/file", Some(123_456..200_001)).await;
    assert_eq!(middle, bytes[123_456..200_001]);
    let (_, tail) = read_all(blobs, "ranges/file", Some(299_990..400_000)).await;
    assert_eq!(tail, bytes[299_990..], "a range past the end is cut at the end");
    match blobs.read("ranges/file", Some(300_000..300_010)).await {
        Err(BlobError::BadRange { size, .. }) => assert_eq!(size, 300_000),
        other => panic!("a range starting at the end is refused with the size, got {other:?}"),
    }
    match blobs.read("ranges/file", Some(10..10)).await {
        Err(BlobError::BadRange { size, .. }) => assert_eq!(size, 300_000),
        other => panic!("an empty range is refused with the size, got {other:?}"),
    }
}

async fn missing_objects_are_not_found_and_delete_is_idempotent(blobs: &dyn BlobStore) {
    assert!(matches!(blobs.get("nowhere").await, Err(BlobError::NotFound(_))));
    assert!(matches!(blobs.read("nowhere", None).await, Err(BlobError::NotFound(_))));
    assert!(matches!(blobs.read("nowhere", Some(0..10)).await, Err(BlobError::NotFound(_))));
    blobs.put("gone/soon", Bytes::from_static(b"x")).await.unwrap();
    blobs.delete("gone/soon").await.unwrap();
    assert!(matches!(blobs.get("gone/soon").await, Err(BlobError::NotFound(_))));
    blobs.delete("gone/soon").await.unwrap();
}

async fn nothing_is_stored_before_finish_nor_after_abort_or_drop(blobs: &dyn BlobStore) {
    let big = Bytes::from(pattern(6 * 1024 * 1024));
    let mut writer = blobs.writer("unfinished/a").await.unwrap();
    writer.write(big.clone()).await.unwrap();
    assert!(matches!(blobs.get("unfinished/a").await, Err(BlobError::NotFound(_))), "not before finish");
    writer.abort().await.unwrap();
    assert!(matches!(blobs.get("unfinished/a").await, Err(BlobError::NotFound(_))), "not after abort");

    let mut writer = blobs.writer("unfinished/b").await.unwrap();
    writer.write(big).await.unwrap();
    drop(writer);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(matches!(blobs.get("unfinished/b").await, Err(BlobError::NotFound(_))), "not after a drop");
}

macro_rules! blob_suite {
    ($($case:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let blobs = super::ObjectBlobStore::local(&dir.path().join("uploads")).unwrap();
                    super::$case(&blobs).await;
                    if stringify!($case) == "nothing_is_stored_before_finish_nor_after_abort_or_drop" {
                        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                        let left: Vec<_> = walk(&dir.path().join("uploads"));
                        assert!(left.is_empty(), "no staging files remain: {left:?}");
                    }
                }
            )*

            fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
                let mut out = Vec::new();
                for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() { out.extend(walk(&path)); } else { out.push(path); }
                }
                out
            }
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    let Some((bucket, settings)) = super::s3_test_server() else { return };
                    let _ = rustls::crypto::ring::default_provider().install_default();
                    let url = format!("s3://{bucket}/{}", super::unique_prefix());
                    let blobs = super::ObjectBlobStore::s3(&url, &settings).unwrap();
                    super::$case(&blobs).await;
                }
            )*
        }
    };
}

blob_suite!(
    put_then_get_round_trips_and_replaces,
    a_small_streamed_object_reads_back_whole,
    a_large_object_goes_up_in_parts_and_reads_back_whole,
    byte_ranges_read_exactly_what_was_asked,
    missing_objects_are_not_found_and_delete_is_idempotent,
    nothing_is_stored_before_finish_nor_after_abort_or_drop,
);
