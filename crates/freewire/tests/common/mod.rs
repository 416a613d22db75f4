//! The command line as the tests run it: the real binary in a data folder of its own.
#![allow(dead_code, reason = "each test binary uses part of the harness")]
#![allow(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use std::process::{Command, Stdio};

/// The binary, run in a fresh data folder: on its SQLite file, or on `database`.
pub struct Cli {
    pub dir: tempfile::TempDir,
    /// A database URL instead of the folder's SQLite file.
    pub database: Option<String>,
    /// The site's public address, when a test reads links.
    pub base_url: Option<String>,
}

impl Cli {
    pub fn new() -> Cli {
        Cli { dir: tempfile::tempdir().unwrap(), database: None, base_url: None }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_freewire"));
        cmd.args(args)
            .env("FREEWIRE_DATA_DIR", self.dir.path())
            .env("FREEWIRE_FETCH__ALLOW_PRIVATE", "true")
            .env("FREEWIRE_LOG", "warn")
            .stdin(Stdio::null());
        match &self.database {
            Some(url) => cmd.env("FREEWIRE_DATABASE_URL", url),
            None => cmd.env_remove("FREEWIRE_DATABASE_URL"),
        };
        if let Some(base) = &self.base_url {
            cmd.env("FREEWIRE_BASE_URL", base);
        }
        cmd
    }

    /// Runs a command; returns (success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.command(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs a command that must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(ok, "freewire {args:?} failed:\n{out}\n{err}");
        out
    }

    /// The store the commands used.
    pub async fn store(&self) -> freewire_store::SqlStore {
        let url = self
            .database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.dir.path().join("freewire.db").display()));
        freewire_store::SqlStore::connect(&url).await.unwrap()
    }

    /// Runs a command that prints JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}
