//! The command line as the tests run it: the real binary in a data folder of its own.
#![allow(dead_code, reason = "each test binary uses part of the harness")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers stop the test at the first failure"
)]

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

/// A long-running `freewire` process (`serve`, `worker`), killed when dropped.
pub struct Running {
    pub child: std::process::Child,
    /// The address it serves at (`serve`), or empty.
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts `cmd` (whose data folder is `dir`, kept as long as the process) and waits for the
    /// line holding `ready`; the address after " at " on that line, if any, is its base.
    pub fn start(mut cmd: Command, dir: tempfile::TempDir, ready: &str) -> Running {
        use std::io::BufRead;
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).spawn().unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = loop {
            let line = lines.next().expect("the process says it is up").unwrap();
            if line.contains(ready) {
                break line;
            }
        };
        // Keep reading so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let base = first.split(" at ").nth(1).map(|rest| rest.trim().trim_end_matches('/').to_owned());
        Running { child, base: base.unwrap_or_default(), _dir: dir }
    }

    /// An address on it.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Kills it with SIGKILL, at once.
    pub fn sigkill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A browser: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The form token on a page.
pub fn form_token(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}
