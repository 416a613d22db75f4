//! Faults through the real binary on an SQLite data folder with local uploads: the database's
//! disk filling up under `import` (a small tmpfs of its own, grown afterwards), and processes
//! killed (SIGKILL, no shutdown) at random moments, again and again, while they import, poll
//! and serve uploads. Nothing acknowledged may be lost, nothing stored twice, the database must
//! stay whole, and the upload folder must hold nothing no update refers to once start-up's
//! sweep has run.
#![expect(clippy::unwrap_used, reason = "test helpers stop the test at the first failure")]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use freewire_core::store::prelude::*;
use freewire_store::testing::{SmallDisk, query_texts};
use rand::{Rng as _, SeedableRng as _};

mod common;
use common::Cli;

const PASSWORD: &str = "a long enough password";

/// Words item bodies are drawn from, so that no two items read alike (near-duplicate
/// detection compares the words).
const WORDS: &[&str] = &[
    "harbour",
    "council",
    "ferry",
    "crews",
    "roster",
    "quay",
    "dredging",
    "lighthouse",
    "tide",
    "pier",
    "budget",
    "vote",
    "mayor",
    "school",
    "bridge",
    "road",
    "rail",
    "station",
    "market",
    "orchard",
    "harvest",
    "storm",
    "flood",
    "warning",
    "festival",
    "museum",
    "library",
    "hospital",
    "clinic",
    "nurses",
    "union",
    "strike",
    "wages",
    "housing",
    "rents",
    "tenants",
    "planning",
    "permit",
    "wind",
    "turbine",
    "solar",
    "grid",
    "water",
    "sewage",
    "beach",
    "fishing",
    "quota",
    "trawler",
    "auction",
    "police",
    "court",
    "trial",
    "verdict",
    "appeal",
    "election",
    "candidate",
    "ballot",
    "turnout",
];

/// A body of some sixty words, different for every `seed`.
fn body(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut words = Vec::with_capacity(60);
    for _ in 0..60 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        words.push(WORDS[usize::try_from(x % WORDS.len() as u64).unwrap()]);
    }
    format!("<p>{}.</p>", words.join(" "))
}

/// An RSS feed of the items `guids` names (`{prefix}-{i}` for each `i`).
fn feed(title: &str, prefix: &str, items: impl Iterator<Item = u64>) -> String {
    let items = items.fold(String::new(), |mut out, i| {
        let _ = write!(
            out,
            "<item><guid>{prefix}-{i}</guid><title>{title} notice {prefix} {i}</title>\
             <link>https://{prefix}.example/notice-{i}</link><pubDate>Tue, 05 Mar 2024 08:30:00 +0000</pubDate>\
             <description><![CDATA[{}]]></description></item>",
            body(i * 7 + prefix.len() as u64)
        );
        out
    });
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
         <link>https://{prefix}.example/</link>{items}</channel></rss>"
    )
}

fn sqlite_url(cli: &Cli) -> String {
    format!("sqlite://{}", cli.dir.path().join("freewire.db").display())
}

/// The first column of `sql`'s one row, as a number.
async fn number(url: &str, sql: &str) -> i64 {
    query_texts(url, sql).await[0].parse().unwrap()
}

/// `PRAGMA integrity_check`, whole.
async fn integrity(url: &str) -> Vec<String> {
    query_texts(url, "PRAGMA integrity_check").await
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_database_disk_full_an_import_stores_nothing_says_why_and_completes_once_space_returns() {
    let cli = Cli::new();
    // The data folder on a disk of its own; declared after `cli`, so it is unmounted first.
    let Some(disk) = SmallDisk::mount(cli.dir.path(), "8m") else { return };
    cli.ok(&[
        "source",
        "add",
        "Harbour Gazette",
        "--homepage",
        "https://harbour.example/",
        "--licence",
        "CC-BY-4.0",
    ]);
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("gazette.xml");
    std::fs::write(&file, feed("Harbour Gazette", "hg", 0..1500)).unwrap();
    let file = file.to_str().unwrap();
    let url = sqlite_url(&cli);

    let filler = disk.fill(256 * 1024);
    let (ok, out, err) = cli.run(&["import", file, "--source", "Harbour Gazette"]);
    assert!(!ok, "the import cannot have succeeded: {out}");
    assert!(
        err.contains("disk is full") && err.contains("nothing was saved") && err.contains("free some space"),
        "the error names the cause and what to do: {err}"
    );
    // Nothing half-stored: the one transaction was rolled back whole.
    assert_eq!(integrity(&url).await, ["ok"]);
    assert_eq!(number(&url, "SELECT COUNT(*) FROM articles").await, 0, "no article stored");
    assert_eq!(number(&url, "SELECT COUNT(*) FROM retrievals").await, 0, "no retrieval stored");

    // Space returns: the same import stores every item, once.
    disk.resize("64m");
    let out = cli.ok(&["import", file, "--source", "Harbour Gazette"]);
    assert!(out.contains("1500 item(s), 1500 new article(s)"), "{out}");
    assert_eq!(integrity(&url).await, ["ok"]);
    assert_eq!(number(&url, "SELECT COUNT(DISTINCT guid) FROM articles").await, 1500);
    assert_eq!(number(&url, "SELECT COUNT(*) FROM articles").await, 1500);
    let bare = "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM retrievals r WHERE r.article_id = a.id)";
    assert_eq!(number(&url, bare).await, 0, "every article has its retrieval record");
    assert!(filler.exists());
}

// ------------------------------------------------------------------------------------------
// Killed at random moments.

/// A 2×2 PNG: posted more than once, it shares one object and gets a preview.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x12\x49\x44\x41\x54\x78\x9c\x63\x38\xa0\xa0\xa0\x90\x70\x80\x01\x42\x01\x00\x1e\xce\x04\x81\x55\x4a\xef\xe2\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/// The file post `n` carries: text of a size between 1 KiB and 1.5 MiB (some above the
/// 1 MiB part size, so they are written in parts), or, every fifth post, the PNG.
fn post_file(n: u64) -> (String, Vec<u8>, &'static str) {
    if n % 5 == 4 {
        return ("photo.png".to_owned(), PNG.to_vec(), "image/png");
    }
    let len = usize::try_from(1024 + (n * 7919 % 1536) * 1024).unwrap();
    let mut out = Vec::with_capacity(len + 64);
    let mut line = 0;
    while out.len() < len {
        out.extend_from_slice(format!("Post {n}, line {line}: the council's minutes.\n").as_bytes());
        line += 1;
    }
    out.truncate(len);
    (format!("minutes-{n}.txt"), out, "text/plain")
}

/// How a run ended.
enum Ended {
    /// It finished by itself: whether it succeeded, and what it printed.
    Finished { ok: bool, stdout: String, stderr: String },
    /// It was killed while running.
    Killed,
}

/// Runs `cmd`, killing it with SIGKILL if it is still running after `delay`.
async fn run_until(mut cmd: Command, delay: Duration) -> (Ended, Duration) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let readers = [child.stdout.take().map(read_all), child.stderr.take().map(read_all)];
    let started = Instant::now();
    let ended = loop {
        if let Some(status) = child.try_wait().unwrap() {
            let [stdout, stderr] = readers.map(|r| r.unwrap().join().unwrap());
            break Ended::Finished { ok: status.success(), stdout, stderr };
        }
        if started.elapsed() >= delay {
            child.kill().unwrap();
            child.wait().unwrap();
            break Ended::Killed;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    (ended, started.elapsed())
}

fn read_all(mut from: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = from.read_to_string(&mut text);
        text
    })
}

/// Feeds on a loopback server that grow by 10 items at every request, up to 300:
/// `/feed/{f}.xml`. Served responses are not logged: what `poll` prints is what it stored.
async fn growing_feeds() -> String {
    let served: Arc<Vec<AtomicU64>> = Arc::new((0..4).map(|_| AtomicU64::new(0)).collect());
    let app = axum::Router::new().route(
        "/feed/{name}",
        axum::routing::get(move |axum::extract::Path(name): axum::extract::Path<String>| {
            let served = served.clone();
            async move {
                let f: usize = name.trim_end_matches(".xml").parse().unwrap_or(0) % 4;
                let requests = served[f].fetch_add(1, Ordering::SeqCst);
                let n = (20 + 10 * requests).min(300);
                let prefix = format!("poll{f}");
                ([("content-type", "application/rss+xml")], feed("Valley Dispatch", &prefix, 0..n))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A user for posting, made through the command line.
fn add_user(cli: &Cli, name: &str) {
    let mut child = cli
        .command(&["user", "add", name, "--role", "contributor"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(PASSWORD.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "user add: {}", String::from_utf8_lossy(&out.stderr));
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn form_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}

/// What the posting clients saw.
#[derive(Default)]
struct Posts {
    /// Acknowledged posts: their number and the update's id.
    acknowledged: Vec<(u64, i64)>,
    /// Answers that must not happen (a 500, a refusal other than the rate limit).
    unexpected: Vec<String>,
}

/// Signs in and posts updates with files to the article at `page` until the server goes away.
/// `posting` is told once the first post is about to go.
async fn keep_posting(
    c: reqwest::Client,
    base: String,
    user: &'static str,
    page: &'static str,
    next: Arc<AtomicU64>,
    posts: Arc<Mutex<Posts>>,
    posting: Arc<tokio::sync::Notify>,
) {
    let Ok(res) = c.get(format!("{base}{page}")).send().await else { return };
    let Ok(mut html) = res.text().await else { return };
    if html.contains("Please log in to upload a file.") {
        let Ok(res) = c.get(format!("{base}/login")).send().await else { return };
        let Ok(login) = res.text().await else { return };
        let Some(token) = form_token(&login) else { return };
        let form = [("username", user), ("password", PASSWORD), ("csrf", token.as_str()), ("next", "/")];
        match c.post(format!("{base}/login")).form(&form).send().await {
            Ok(res) if res.status() == reqwest::StatusCode::SEE_OTHER => {}
            Ok(res) => {
                let what = format!("sign-in answered {}", res.status());
                posts.lock().unwrap().unexpected.push(what);
                return;
            }
            Err(_) => return,
        }
        let Ok(res) = c.get(format!("{base}{page}")).send().await else { return };
        let Ok(page_html) = res.text().await else { return };
        html = page_html;
    }
    // The page's form once: its token stands for the session.
    let Some(token) = form_token(&html) else { return };
    let Some(article) = html.split("/articles/").nth(1).and_then(|s| s.split('/').next()).map(str::to_owned)
    else {
        return;
    };
    posting.notify_one();
    loop {
        let token = token.clone();
        let n = next.fetch_add(1, Ordering::SeqCst);
        let (name, bytes, mime) = post_file(n);
        let form = reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("note", format!("Kill-test post {n}."))
            .part("files", reqwest::multipart::Part::bytes(bytes).file_name(name).mime_str(mime).unwrap());
        let Ok(res) = c.post(format!("{base}/articles/{article}/updates")).multipart(form).send().await
        else {
            return;
        };
        match res.status() {
            reqwest::StatusCode::SEE_OTHER => {
                let location = res.headers()["location"].to_str().unwrap().to_owned();
                let id = location.rsplit("#update-").next().unwrap().parse().unwrap();
                posts.lock().unwrap().acknowledged.push((n, id));
            }
            reqwest::StatusCode::TOO_MANY_REQUESTS => tokio::time::sleep(Duration::from_millis(200)).await,
            other => {
                let body = res.text().await.unwrap_or_default();
                posts.lock().unwrap().unexpected.push(format!("post {n}: {other}: {body}"));
            }
        }
    }
}

/// Starts `serve`; its address once it prints it (`None` if it dies first), read on a thread.
fn spawn_serve(cmd: &mut Command) -> (Child, tokio::sync::oneshot::Receiver<String>) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut tx = Some(tx);
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split(" at ").nth(1)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(rest.trim().trim_end_matches('/').to_owned());
            }
        }
    });
    (child, rx)
}

/// The files under `dir`, as paths relative to it.
fn files_under(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, base, out);
        } else {
            out.push(p.strip_prefix(base).unwrap().to_owned());
        }
    }
}

#[derive(Debug, Default)]
struct Tally {
    kills: BTreeMap<&'static str, usize>,
    finished: BTreeMap<&'static str, usize>,
}

impl Tally {
    fn kills(&self) -> usize {
        self.kills.values().sum()
    }
    fn done(&self, want: usize, each: usize) -> bool {
        self.kills() >= want
            && ["import", "poll", "serve"].iter().all(|k| self.kills.get(k).copied().unwrap_or(0) >= each)
    }
}

#[tokio::test(flavor = "multi_thread")]
#[expect(clippy::too_many_lines, reason = "one story: the runs, the kills, then what must hold")]
async fn killed_at_random_moments_while_importing_polling_and_serving_nothing_acknowledged_is_lost_or_doubled()
 {
    let wall = Instant::now();
    let seed: u64 = std::env::var("FREEWIRE_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("kill test seed {seed} (FREEWIRE_TEST_SEED={seed} repeats this run's moments)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let cli = Cli::new();
    let url = sqlite_url(&cli);
    let env = |mut cmd: Command| {
        cmd.env("FREEWIRE_POLL__ENABLED", "false")
            .env("FREEWIRE_POLL__FULL_TEXT", "false")
            .env("FREEWIRE_POLL__RECHECK_SCHEDULE_SECS", "[]")
            .env("FREEWIRE_DAILY_UPLOAD_QUOTA_BYTES", "100000000000")
            .stdin(Stdio::null());
        cmd
    };

    // An article to post under, two people to post, the feeds to poll.
    let files = tempfile::tempdir().unwrap();
    let first = files.path().join("first.xml");
    std::fs::write(&first, feed("Harbour Gazette", "first", 0..1)).unwrap();
    cli.ok(&["import", first.to_str().unwrap(), "--source", "Harbour Gazette", "--licence", "CC-BY-4.0"]);
    let page: &'static str =
        Box::leak(query_texts(&url, "SELECT permalink FROM articles").await[0].clone().into_boxed_str());
    let page: &'static str = Box::leak(format!("/{}/", page.trim_matches('/')).into_boxed_str());
    add_user(&cli, "ada");
    add_user(&cli, "bea");
    let feeds = growing_feeds().await;
    cli.ok(&[
        "source",
        "add",
        "Valley Dispatch",
        "--homepage",
        "https://valley.example/",
        "--licence",
        "CC-BY-4.0",
    ]);
    for f in 0..4 {
        cli.ok(&["feed", "add", &format!("{feeds}/feed/{f}.xml"), "--source", "Valley Dispatch"]);
    }
    // Import files of 200 items, overlapping by half: each import brings new items and known ones.
    let import_files: Vec<(PathBuf, std::ops::Range<u64>)> = (0..8)
        .map(|j| {
            let range = j * 100..j * 100 + 200;
            let path = files.path().join(format!("batch-{j}.xml"));
            std::fs::write(&path, feed("Harbour Gazette", "imp", range.clone())).unwrap();
            (path, range)
        })
        .collect();

    let mut imported: BTreeSet<String> = BTreeSet::new();
    let mut polled: BTreeSet<String> = BTreeSet::new();
    let posts = Arc::new(Mutex::new(Posts::default()));
    let next_post = Arc::new(AtomicU64::new(0));
    // One browser per person for the whole test: a session lives in the database, so it outlives
    // the restarts (and sign-in attempts are counted across them, as across replicas).
    let (ada, bea) = (client(), client());
    let mut tally = Tally::default();
    // How long each kind of run takes when left alone (the first of each is), so that kill
    // moments fall anywhere in a run: drawn from up to a little past it.
    let mut typical: BTreeMap<&'static str, Duration> = BTreeMap::new();
    let mut round = 0;
    while !tally.done(54, 15) {
        round += 1;
        assert!(round <= 60, "too few kills after {round} rounds: {tally:?}");

        // import
        let (path, range) = &import_files[rng.random_range(0..import_files.len())];
        let delay = typical.get("import").map_or(Duration::MAX, |t| t.mul_f64(rng.random_range(0.0..1.1)));
        let cmd = env(cli.command(&["import", path.to_str().unwrap(), "--source", "Harbour Gazette"]));
        match run_until(cmd, delay).await {
            (Ended::Killed, _) => *tally.kills.entry("import").or_default() += 1,
            (Ended::Finished { ok, stdout, stderr }, took) => {
                assert!(ok, "import failed after earlier kills:\n{stdout}\n{stderr}");
                assert!(stdout.contains("200 item(s)"), "{stdout}");
                imported.extend(range.clone().map(|i| format!("imp-{i}")));
                *tally.finished.entry("import").or_default() += 1;
                typical.entry("import").or_insert(took);
            }
        }

        // poll: every feed made due, as when a killed poller's claims lapse.
        query_texts(&url, "UPDATE feeds SET next_poll_at = '2000-01-01 00:00:00+00:00', leased_until = NULL")
            .await;
        let delay = typical.get("poll").map_or(Duration::MAX, |t| t.mul_f64(rng.random_range(0.0..1.1)));
        match run_until(env(cli.command(&["poll", "--once"])), delay).await {
            (Ended::Killed, _) => *tally.kills.entry("poll").or_default() += 1,
            (Ended::Finished { ok, stdout, stderr }, took) => {
                assert!(ok, "poll failed after earlier kills:\n{stdout}\n{stderr}");
                assert!(!stdout.contains("FAILED"), "{stdout}");
                for line in stdout.lines().filter(|l| l.contains(" item(s):")) {
                    let (address, rest) = line.split_once(": ").unwrap();
                    let f = address.rsplit('/').next().unwrap().trim_end_matches(".xml");
                    let n: u64 = rest.split(' ').next().unwrap().parse().unwrap();
                    polled.extend((0..n).map(|i| format!("poll{f}-{i}")));
                }
                *tally.finished.entry("poll").or_default() += 1;
                typical.entry("poll").or_insert(took);
            }
        }

        // serve: killed while starting (one time in five), or while two people post updates
        // with files.
        let mut cmd = env(cli.command(&["serve", "--listen", "127.0.0.1:0"]));
        let started = Instant::now();
        let (mut child, address) = spawn_serve(&mut cmd);
        let clients = match typical.get("serve start-up") {
            Some(t) if rng.random_bool(0.2) => {
                tokio::time::sleep(t.mul_f64(rng.random_range(0.0..1.0))).await;
                None
            }
            _ => {
                let base = tokio::time::timeout(Duration::from_secs(30), address).await.unwrap().unwrap();
                typical.entry("serve start-up").or_insert(started.elapsed());
                let (posts_a, posts_b, next) = (posts.clone(), posts.clone(), next_post.clone());
                let (ada_c, bea_c) = (ada.clone(), bea.clone());
                let posting = Arc::new(tokio::sync::Notify::new());
                let told = posting.clone();
                let clients = tokio::spawn(async move {
                    tokio::join!(
                        keep_posting(ada_c, base.clone(), "ada", page, next.clone(), posts_a, told.clone()),
                        keep_posting(bea_c, base, "bea", page, next, posts_b, told)
                    );
                });
                // A new start catches up first (stories, the search index) and answers slowly
                // meanwhile; the kill falls while the uploads go on.
                tokio::time::timeout(Duration::from_secs(30), posting.notified()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(rng.random_range(50..2000))).await;
                Some(clients)
            }
        };
        if child.try_wait().unwrap().is_none() {
            *tally.kills.entry("serve").or_default() += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        if let Some(clients) = clients {
            tokio::time::timeout(Duration::from_secs(10), clients).await.unwrap().unwrap();
        }
    }

    // One last start, with no grace period for the sweep, as after a day: it clears what the
    // kills left. A planted orphan and temporary file show that it looks.
    let uploads = cli.dir.path().join("uploads");
    std::fs::create_dir_all(uploads.join("updates")).unwrap();
    std::fs::write(uploads.join("updates/planted-orphan"), b"nobody's").unwrap();
    std::fs::write(uploads.join("updates/planted-unfinished#1"), b"half").unwrap();
    let mut cmd = env(cli.command(&["serve", "--listen", "127.0.0.1:0"]));
    cmd.env("FREEWIRE_STORAGE_SWEEP_GRACE_SECS", "0").env("FREEWIRE_LOG", "warn,freewire_app=info");
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let swept = loop {
        let line = lines.next().expect("serve logs its sweep").unwrap();
        if line.contains("upload storage swept") {
            break line;
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!("start-up sweep: {swept}");

    // Nothing acknowledged lost.
    assert_eq!(integrity(&url).await, ["ok"]);
    let guids: BTreeSet<String> = query_texts(&url, "SELECT guid FROM articles").await.into_iter().collect();
    let lost: Vec<_> = imported.iter().chain(&polled).filter(|g| !guids.contains(*g)).collect();
    assert!(lost.is_empty(), "acknowledged articles lost: {lost:?}");
    // Nothing stored twice, nothing half-stored.
    let twice = "SELECT COUNT(*) - COUNT(DISTINCT source_id || ':' || guid) FROM articles";
    assert_eq!(number(&url, twice).await, 0, "an article stored twice");
    let bare = "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM retrievals r WHERE r.article_id = a.id)";
    assert_eq!(number(&url, bare).await, 0, "an article without its retrieval record");
    let posts = std::mem::take(&mut *posts.lock().unwrap());
    assert!(posts.unexpected.is_empty(), "answers that must not happen: {:?}", posts.unexpected);
    let doubled = "SELECT COUNT(*) - COUNT(DISTINCT body) FROM updates WHERE body LIKE 'Kill-test post %'";
    assert_eq!(number(&url, doubled).await, 0, "an update stored twice");
    let store = cli.store().await;
    for (n, id) in &posts.acknowledged {
        let entry = store
            .update_by_id(freewire_core::UpdateId(*id))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged post {n} (update {id}) lost"));
        assert_eq!(entry.update.body, format!("Kill-test post {n}."));
        let (_, bytes, _) = post_file(*n);
        let [file] = entry.attachments.as_slice() else { panic!("post {n} has its one file") };
        let stored = std::fs::read(uploads.join(&file.object_key)).unwrap_or_default();
        assert!(stored == bytes, "post {n}'s file is whole in the upload folder");
    }
    // No orphan: every file in the upload folder is an attachment's object or preview, and
    // every attachment's object is there.
    let keys: BTreeSet<String> = query_texts(
        &url,
        "SELECT object_key FROM attachments UNION SELECT thumbnail_key FROM attachments WHERE thumbnail_key IS NOT NULL",
    )
    .await
    .into_iter()
    .collect();
    let mut present = Vec::new();
    files_under(&uploads, &uploads, &mut present);
    let present: BTreeSet<String> = present.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let orphans: Vec<_> = present.difference(&keys).collect();
    assert!(orphans.is_empty(), "files no update holds, after the start-up sweep: {orphans:?}");
    let missing: Vec<_> = keys.difference(&present).collect();
    assert!(missing.is_empty(), "attachments whose file is missing: {missing:?}");

    let updates = number(&url, "SELECT COUNT(*) FROM updates").await;
    eprintln!(
        "{} kills ({:?}), {} runs finished ({:?}) in {round} rounds; acknowledged: {} imported and {} polled \
         article(s), {} post(s) of {} tried ({updates} stored); {} file(s) kept; runs left alone took \
         {typical:?}; wall time {:?}",
        tally.kills(),
        tally.kills,
        tally.finished.values().sum::<usize>(),
        tally.finished,
        imported.len(),
        polled.len(),
        posts.acknowledged.len(),
        next_post.load(Ordering::SeqCst),
        present.len(),
        wall.elapsed()
    );
}
