//! Helpers for test suites that need a real database: a fresh SQLite file or a fresh
//! PostgreSQL database per test, so tests never see each other's rows.
//!
//! PostgreSQL tests read `FREEWIRE_TEST_POSTGRES_URL` (an administrative URL such as
//! `postgres://postgres@127.0.0.1:5432/test`). Without it they skip on a developer's machine,
//! and fail under `CI=true`, where a skipped database test would hide a broken backend.

#![expect(clippy::expect_used, reason = "test support: a test should stop at the first failure")]

use sea_orm::{ConnectionTrait, Database};

/// The environment variable that names the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "FREEWIRE_TEST_POSTGRES_URL";

/// The administrative PostgreSQL URL for tests, or `None` when tests should skip.
///
/// # Panics
/// Under `CI=true` when the variable is unset: CI must never count a skipped database test
/// as a pass.
#[must_use]
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if is_ci() => {
            panic!("{POSTGRES_URL_VAR} is not set, and CI=true forbids skipping PostgreSQL tests")
        }
        _ => {
            eprintln!("skipping PostgreSQL case: set {POSTGRES_URL_VAR} to run it");
            None
        }
    }
}

/// Whether we run under CI (`CI=true`), where nothing may be skipped.
#[must_use]
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Creates an empty database on the server behind `admin_url` and returns its URL.
///
/// # Panics
/// When the server refuses; tests want to stop there.
pub async fn create_postgres_database(admin_url: &str) -> String {
    let name = format!("freewire_test_{}", uuid_like());
    let admin = Database::connect(admin_url).await.expect("connect to the PostgreSQL test server");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
    admin.close().await.expect("close the admin connection");
    let mut url = url::Url::parse(admin_url).expect("FREEWIRE_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

/// Drops a database made by [`create_postgres_database`], ending its connections first.
pub async fn drop_postgres_database(admin_url: &str, database_url: &str) {
    let Ok(url) = url::Url::parse(database_url) else { return };
    let name = url.path().trim_start_matches('/');
    if !name.starts_with("freewire_test_") {
        return;
    }
    if let Ok(admin) = Database::connect(admin_url).await {
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        let _ = admin.close().await;
    }
}

/// A name part unique to this process and moment.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{}_{}_{}", std::process::id(), nanos, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The S3-compatible server tests may use, named by `FREEWIRE_TEST_S3_ENDPOINT`,
/// `FREEWIRE_TEST_S3_BUCKET`, `FREEWIRE_TEST_S3_ACCESS_KEY` and `FREEWIRE_TEST_S3_SECRET_KEY`
/// (`.ci/run` starts one on loopback): the bucket and the settings to reach it, or `None` when
/// tests should skip.
///
/// # Panics
/// Under `CI=true` when the variables are unset.
#[must_use]
pub fn s3_test_server() -> Option<(String, crate::S3Settings)> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    if let (Some(endpoint), Some(bucket), Some(key), Some(secret)) = (
        var("FREEWIRE_TEST_S3_ENDPOINT"),
        var("FREEWIRE_TEST_S3_BUCKET"),
        var("FREEWIRE_TEST_S3_ACCESS_KEY"),
        var("FREEWIRE_TEST_S3_SECRET_KEY"),
    ) {
        let settings = crate::S3Settings {
            access_key_id: Some(key),
            secret_access_key: Some(secret),
            region: "us-east-1".into(),
            endpoint: Some(endpoint),
        };
        return Some((bucket, settings));
    }
    assert!(!is_ci(), "FREEWIRE_TEST_S3_* are not set, and CI=true forbids skipping the S3 tests");
    eprintln!(
        "skipping S3 case: set FREEWIRE_TEST_S3_ENDPOINT, _BUCKET, _ACCESS_KEY and _SECRET_KEY to run it"
    );
    None
}

/// A unique key prefix, so tests sharing one bucket never see each other's objects.
#[must_use]
pub fn unique_prefix() -> String {
    format!("test-{}", uuid_like())
}

/// The retrieval record of a fixture article: read from a local file, now, with a placeholder
/// checksum (tests that check retrievals write their own).
#[must_use]
pub fn fixture_retrieval() -> freewire_core::NewRetrieval {
    freewire_core::NewRetrieval {
        location: "file:///fixture.xml".into(),
        retrieved_at: chrono::Utc::now(),
        http_status: None,
        sha256: "00".repeat(32),
    }
}

/// The first column of every row `sql` returns, as text (`PRAGMA integrity_check`, say), read
/// through a connection of its own to the database at `url`.
///
/// # Panics
/// When the database cannot be opened or the statement fails.
pub async fn query_texts(url: &str, sql: &str) -> Vec<String> {
    let db = Database::connect(url).await.expect("open the database to inspect it");
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("run the inspecting statement");
    let texts = rows
        .iter()
        .map(|row| {
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .or_else(|_| row.try_get_by_index::<Option<String>>(0).map(Option::unwrap_or_default))
                .expect("a text or number in the first column")
        })
        .collect();
    db.close().await.expect("close the inspecting connection");
    texts
}

/// A small disk of its own (a tmpfs) mounted on a folder, for tests that fill it up: a full
/// disk under the data folder. Unmounted when dropped, also when the test panics; declare it
/// after the temporary folder it is mounted in, so it goes first.
#[derive(Debug)]
pub struct SmallDisk {
    path: std::path::PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (`2m`, as `mount` takes it) on the empty folder `path`; `None`
    /// (after saying so) when this process may not mount (not root, no `CAP_SYS_ADMIN`).
    ///
    /// # Panics
    /// Under `CI=true` when mounting is impossible: CI runs as root, and a skipped fault test
    /// must not count as a pass.
    #[must_use]
    pub fn mount(path: &std::path::Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(path).expect("create the mount point");
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(SmallDisk { path: path.to_owned() }),
            other => {
                let why = match other {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                    Err(e) => e.to_string(),
                };
                assert!(
                    !is_ci(),
                    "cannot mount a small disk for the full-disk tests ({why}); CI=true forbids skipping them: run as root"
                );
                eprintln!(
                    "skipping full-disk case: cannot mount a tmpfs here ({why}); run as root to include it"
                );
                None
            }
        }
    }

    /// The folder the disk is mounted on.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Changes the disk's size in place (what is on it stays): an operator adding space.
    ///
    /// # Panics
    /// When `mount -o remount` fails.
    pub fn resize(&self, size: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.path)
            .status()
            .expect("run mount");
        assert!(status.success(), "remounting {} with size={size} failed", self.path.display());
    }

    /// Fills the disk with a file of its own until the system refuses (`ENOSPC`), then gives
    /// back `spare` bytes; returns the file.
    ///
    /// # Panics
    /// When writing fails otherwise.
    #[must_use]
    pub fn fill(&self, spare: u64) -> std::path::PathBuf {
        use std::io::Write as _;
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).expect("create the filler");
        let chunk = vec![0x5a_u8; 64 * 1024];
        loop {
            match file.write_all(&chunk) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling the small disk: {e}"),
            }
        }
        let _ = file.flush();
        let len = file.metadata().expect("the filler's size").len();
        file.set_len(len.saturating_sub(spare)).expect("give back some space");
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let unmounted =
            std::process::Command::new("umount").arg(&self.path).status().is_ok_and(|s| s.success());
        if !unmounted {
            // Still busy (a process the test started holds a file): detach it now; the kernel
            // frees it when the last file closes.
            let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
        }
    }
}
