//! A mixed load on a running site (`freewire serve`), as readers and contributors make it:
//! 80 % anonymous page views, 15 % page views by signed-in readers (rendered for them, never
//! a kept page), 5 % updates posted with a small file through the article's update form.
//!
//! Two modes: closed loop (`--connections` requests at a time, each sent when the last one
//! answered: the most the site serves) and a fixed rate (`--rate` requests a second, each
//! timed from when it was due, so a slow answer delays no later request's clock). With
//! `--pid` the server's resident memory and open file descriptors are sampled and their drift
//! reported: the mean of the last tenth of the samples against the mean of the first tenth
//! after the warm-up.
//!
//! Accounts sign in through the real sign-in form (its double-submit token, the session
//! cookie kept), each from a loopback address of its own, as separate people would. Uploads
//! are limited per account; an answer `429` is counted as refused by the rate limit, apart
//! from errors.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt as _;
use rand::Rng as _;
use serde_json::{Value, json};

/// Shares of the mix, in per cent: anonymous, signed in, updates.
const ANONYMOUS: u32 = 80;
const SIGNED_IN: u32 = 15;

/// Weights of the page kinds within the page views.
const KIND_WEIGHTS: [(&str, u32); 4] = [("article", 70), ("front", 10), ("tag", 10), ("search", 10)];

/// Requests in flight at most at a fixed rate; one due beyond that is counted as an error
/// ("the load fell behind") rather than queued without end.
const MAX_IN_FLIGHT: usize = 2048;

/// How long one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_mins(1);

/// What `freewire-bench load` is asked to do.
#[derive(Debug)]
pub struct Options {
    /// The site's address, `http://HOST:PORT` (its base URL).
    pub url: String,
    /// Lines `article PATH ID`, `front PATH`, `tag PATH`, `search PATH`.
    pub paths: PathBuf,
    /// Accounts `PREFIX1` … `PREFIXn`, all with `password`.
    pub accounts: usize,
    pub account_prefix: String,
    pub password: String,
    pub duration: Duration,
    /// Closed loop: this many requests at a time.
    pub connections: usize,
    /// Fixed rate: this many requests a second (instead of the closed loop).
    pub rate: Option<f64>,
    pub sample_every: Duration,
    /// Samples before this are left out of the drift (default: a tenth of the run).
    pub warm_up: Option<Duration>,
    /// The server's process, for resident memory and open files.
    pub pid: Option<u32>,
    /// A JSON line per sample is appended here as the run goes.
    pub progress: Option<PathBuf>,
    /// `/metrics` is read before and after with this token, for what the poller ingested.
    pub metrics_token: Option<String>,
    /// The Markdown summary is written here (otherwise to standard error).
    pub summary: Option<PathBuf>,
}

/// A duration as `90`, `90s`, `15m`, `1h` or `500ms`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "s"), |at| (&text[..at], &text[at..]));
    let value: f64 = number.parse().map_err(|_| format!("not a duration: {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("not a duration: {text:?} (use ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("not a duration: {text:?} ({e})"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Anonymous,
    SignedIn,
    Update,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Anonymous => "anonymous",
            Class::SignedIn => "signed_in",
            Class::Update => "update",
        }
    }
}

/// The pages to ask for, by kind, and the articles updates are posted under.
struct Paths {
    kinds: Vec<(&'static str, u32, Vec<String>)>,
    /// Article ids with their pages.
    articles: Vec<(i64, String)>,
}

impl Paths {
    fn read(file: &Path) -> anyhow::Result<Paths> {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let mut by_kind: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        let mut articles = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let mut words = line.split_whitespace();
            let Some(kind) = words.next() else { continue };
            let Some(path) = words.next() else {
                bail!("{}:{}: a kind without a path", file.display(), n + 1)
            };
            let Some(&(kind, _)) = KIND_WEIGHTS.iter().find(|(k, _)| *k == kind) else {
                bail!("{}:{}: unknown kind {kind:?}", file.display(), n + 1)
            };
            if kind == "article" {
                let id = words
                    .next()
                    .and_then(|id| id.parse::<i64>().ok())
                    .with_context(|| format!("{}:{}: an article line needs its id", file.display(), n + 1))?;
                articles.push((id, path.to_owned()));
            }
            by_kind.entry(kind).or_default().push(path.to_owned());
        }
        if articles.is_empty() {
            bail!("{} names no article (lines `article PATH ID`)", file.display());
        }
        let kinds = KIND_WEIGHTS
            .iter()
            .filter_map(|&(kind, weight)| by_kind.remove(kind).map(|paths| (kind, weight, paths)))
            .collect();
        Ok(Paths { kinds, articles })
    }

    /// A page at random: its kind by weight, then a path of that kind.
    fn pick(&self, rng: &mut impl rand::Rng) -> (&'static str, &str) {
        let total: u32 = self.kinds.iter().map(|(_, w, _)| w).sum();
        let mut roll = rng.random_range(0..total.max(1));
        for (kind, weight, paths) in &self.kinds {
            if roll < *weight {
                return (kind, &paths[rng.random_range(0..paths.len())]);
            }
            roll -= weight;
        }
        ("article", &self.articles[0].1)
    }
}

/// A signed-in account: its own client (cookies kept) and the session's form token.
struct Account {
    name: String,
    client: reqwest::Client,
    csrf: String,
}

/// The value of the first `<input name="NAME" value="…">` at or after `from`.
fn hidden_value(html: &str, name: &str, from: usize) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.get(from..)?.find(&needle)? + from + needle.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

fn client(local: Option<IpAddr>, cookies: bool, pool: usize) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(pool)
        .local_address(local)
        .build()
        .context("building an HTTP client")
}

/// Signs `name` in through the sign-in form and reads the session's form token from an
/// article's update form.
async fn sign_in(
    base: &str,
    origin: &str,
    name: &str,
    password: &str,
    local: Option<IpAddr>,
    article: &str,
) -> anyhow::Result<Account> {
    let client = client(local, true, 8)?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("asking for the sign-in page")?
        .text()
        .await
        .context("reading the sign-in page")?;
    let token = hidden_value(&page, "csrf", 0).context("no form token on the sign-in page")?;
    let answer = client
        .post(format!("{base}/login"))
        .header(reqwest::header::ORIGIN, origin)
        .form(&[("username", name), ("password", password), ("csrf", &token), ("next", "/")])
        .send()
        .await
        .with_context(|| format!("signing in as {name}"))?;
    if !answer.status().is_redirection() {
        bail!(
            "signing in as {name}: answered {} (is the account there, with this password?)",
            answer.status()
        );
    }
    let page = client
        .get(format!("{base}{article}"))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("asking for {article} as {name}"))?
        .text()
        .await
        .with_context(|| format!("reading {article} as {name}"))?;
    let form = page
        .find("class=\"upload\"")
        .with_context(|| format!("{article} shows {name} no update form: not signed in"))?;
    let csrf = hidden_value(&page, "csrf", form).context("no form token in the update form")?;
    Ok(Account { name: name.to_owned(), client, csrf })
}

/// What one request came to.
enum Outcome {
    Done(u16),
    /// `429` to an upload: the per-account upload limit.
    Refused,
    Failed(String),
}

/// One request planned: chosen before anything is awaited.
struct Plan {
    class: Class,
    kind: &'static str,
    /// The path asked for, or the article an update is posted under.
    path: String,
    account: usize,
    article: i64,
}

#[derive(Default)]
struct Tally {
    /// Successful answers' latencies in microseconds, by class and page kind.
    latencies: BTreeMap<(Class, &'static str), Vec<u32>>,
    errors: BTreeMap<(Class, &'static str), u64>,
    refused: BTreeMap<(Class, &'static str), u64>,
    statuses: BTreeMap<u16, u64>,
    /// Distinct error descriptions (the first few) with their counts.
    error_kinds: BTreeMap<String, u64>,
    /// Latencies since the last sample, by class (anonymous, signed in, update).
    window: [Vec<u32>; 3],
}

/// Distinct error descriptions kept.
const ERROR_KINDS: usize = 20;

struct Shared {
    base: String,
    origin: String,
    paths: Paths,
    anonymous: reqwest::Client,
    accounts: Vec<Account>,
    next_account: AtomicUsize,
    uploads: AtomicU64,
    tally: Mutex<Tally>,
    requests: AtomicU64,
    errors: AtomicU64,
    refused: AtomicU64,
}

impl Shared {
    fn plan(&self) -> Plan {
        let mut rng = rand::rng();
        let roll = rng.random_range(0..100);
        let class = if roll < ANONYMOUS {
            Class::Anonymous
        } else if roll < ANONYMOUS + SIGNED_IN {
            Class::SignedIn
        } else {
            Class::Update
        };
        if class == Class::Update {
            // Round robin, so every account's upload allowance is spent evenly.
            let account = self.next_account.fetch_add(1, Ordering::Relaxed) % self.accounts.len();
            let (article, path) = &self.paths.articles[rng.random_range(0..self.paths.articles.len())];
            return Plan { class, kind: "update", path: path.clone(), account, article: *article };
        }
        let (kind, path) = self.paths.pick(&mut rng);
        let account = rng.random_range(0..self.accounts.len());
        Plan { class, kind, path: path.to_owned(), account, article: 0 }
    }

    async fn run(&self, plan: &Plan) -> Outcome {
        let url = format!("{}{}", self.base, plan.path);
        let answer = match plan.class {
            Class::Anonymous => self.anonymous.get(&url).send().await,
            Class::SignedIn => self.accounts[plan.account].client.get(&url).send().await,
            Class::Update => {
                let account = &self.accounts[plan.account];
                let n = self.uploads.fetch_add(1, Ordering::Relaxed);
                let text = format!(
                    "Load-run upload {n} by {}: the harbour board's notice, transcribed.\n{}",
                    account.name,
                    "The ferry timetable changes on Monday; the council meets on Thursday.\n".repeat(12)
                );
                let file = match reqwest::multipart::Part::bytes(text.into_bytes())
                    .file_name(format!("notice-{n}.txt"))
                    .mime_str("text/plain")
                {
                    Ok(part) => part,
                    Err(e) => return Outcome::Failed(format!("building the upload: {e}")),
                };
                // The form token first: the server reads nothing before it.
                let form = reqwest::multipart::Form::new()
                    .text("csrf", account.csrf.clone())
                    .text("note", format!("Notice {n}, as posted at the harbour office."))
                    .part("files", file);
                account
                    .client
                    .post(format!("{}/articles/{}/updates", self.base, plan.article))
                    .header(reqwest::header::ORIGIN, &self.origin)
                    .multipart(form)
                    .send()
                    .await
            }
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => return Outcome::Failed(describe(&e)),
        };
        let status = answer.status();
        // The whole body, as a browser reads it.
        if let Err(e) = answer.bytes().await {
            return Outcome::Failed(format!("reading the answer: {}", describe(&e)));
        }
        if plan.class == Class::Update && status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Outcome::Refused;
        }
        let expected = match plan.class {
            Class::Update => status.is_redirection(),
            _ => status.is_success() || status.is_redirection(),
        };
        if expected {
            Outcome::Done(status.as_u16())
        } else {
            Outcome::Failed(format!("{} {}", status.as_u16(), plan.kind))
        }
    }

    fn record(&self, plan: &Plan, outcome: Outcome, took: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let key = (plan.class, plan.kind);
        let Ok(mut tally) = self.tally.lock() else { return };
        match outcome {
            Outcome::Done(status) => {
                *tally.statuses.entry(status).or_default() += 1;
                let micros = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
                tally.latencies.entry(key).or_default().push(micros);
                tally.window[plan.class as usize].push(micros);
            }
            Outcome::Refused => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                *tally.statuses.entry(429).or_default() += 1;
                *tally.refused.entry(key).or_default() += 1;
            }
            Outcome::Failed(what) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                *tally.errors.entry(key).or_default() += 1;
                let what = format!("{}: {what}", plan.class.name());
                if tally.error_kinds.len() < ERROR_KINDS || tally.error_kinds.contains_key(&what) {
                    *tally.error_kinds.entry(what).or_default() += 1;
                }
            }
        }
    }

    fn fell_behind(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut tally) = self.tally.lock() {
            *tally
                .error_kinds
                .entry("the load fell behind its rate (too many in flight)".into())
                .or_default() += 1;
        }
    }
}

/// An HTTP client error with its causes (reqwest's own text leaves them out).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// One sample of the server process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    seconds: f64,
    requests: u64,
    errors: u64,
    refused: u64,
    rss_kib: Option<u64>,
    anon_kib: Option<u64>,
    fds: Option<u64>,
    /// p50 and p99 in ms and the count of answers since the last sample, by class.
    window: [(f64, f64, usize); 3],
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

fn open_files(pid: u32) -> Option<u64> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64)
}

fn sample(shared: &Shared, pid: Option<u32>, started: Instant) -> Sample {
    let mut window = [(f64::NAN, f64::NAN, 0); 3];
    if let Ok(mut tally) = shared.tally.lock() {
        for (figures, latencies) in window.iter_mut().zip(tally.window.iter_mut()) {
            latencies.sort_unstable();
            *figures = (percentile_ms(latencies, 50.0), percentile_ms(latencies, 99.0), latencies.len());
            latencies.clear();
        }
    }
    Sample {
        window,
        seconds: started.elapsed().as_secs_f64(),
        requests: shared.requests.load(Ordering::Relaxed),
        errors: shared.errors.load(Ordering::Relaxed),
        refused: shared.refused.load(Ordering::Relaxed),
        rss_kib: pid.and_then(|p| status_kib(p, "VmRSS:")),
        anon_kib: pid.and_then(|p| status_kib(p, "RssAnon:")),
        fds: pid.and_then(open_files),
    }
}

fn sample_json(s: &Sample) -> Value {
    let window = |(p50, p99, n): (f64, f64, usize)| {
        let round = |ms: f64| if ms.is_finite() { json!((ms * 10.0).round() / 10.0) } else { Value::Null };
        json!({"n": n, "p50_ms": round(p50), "p99_ms": round(p99)})
    };
    json!({"seconds": (s.seconds * 10.0).round() / 10.0, "requests": s.requests, "errors": s.errors,
           "refused": s.refused, "rss_kib": s.rss_kib, "anon_kib": s.anon_kib, "fds": s.fds,
           "since_last": {"anonymous": window(s.window[0]), "signed_in": window(s.window[1]),
                          "update": window(s.window[2])}})
}

/// Samples every `every` into `samples` until aborted, appending each to `progress` as a JSON
/// line.
async fn sampler(
    shared: Arc<Shared>,
    pid: Option<u32>,
    every: Duration,
    progress: Option<PathBuf>,
    started: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let s = sample(&shared, pid, started);
        if let Some(file) = &progress {
            append_line(file, &s);
        }
        if let Ok(mut samples) = samples.lock() {
            samples.push(s);
        }
    }
}

/// Appends a sample to the progress file; a failure to write it is reported and the run goes on.
fn append_line(file: &Path, s: &Sample) {
    let line = format!("{}\n", sample_json(s));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    if let Err(e) = written {
        eprintln!("  writing the progress file {}: {e}", file.display());
    }
}

/// The drift of one series: the mean of its last tenth against the mean of its first tenth
/// (after the warm-up), with the extremes.
fn drift(samples: &[Sample], warm_up: f64, value: impl Fn(&Sample) -> Option<u64>) -> Value {
    let series: Vec<f64> =
        samples.iter().filter(|s| s.seconds >= warm_up).filter_map(|s| value(s).map(|v| v as f64)).collect();
    if series.is_empty() {
        return Value::Null;
    }
    let tenth = (series.len() / 10).max(1);
    let mean = |part: &[f64]| part.iter().sum::<f64>() / part.len() as f64;
    let (first, last) = (mean(&series[..tenth]), mean(&series[series.len() - tenth..]));
    json!({
        "samples": series.len(),
        "first_tenth_mean": first,
        "last_tenth_mean": last,
        "min": series.iter().copied().fold(f64::INFINITY, f64::min),
        "max": series.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        "drift": if first > 0.0 { (last - first) / first } else { 0.0 },
    })
}

/// The ingest counters `/metrics` shows: items ingested, polls by outcome, updates posted.
async fn ingest_counters(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<BTreeMap<String, f64>> {
    let text = client
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("reading /metrics")?
        .text()
        .await
        .context("reading /metrics")?;
    let mut counters = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let Ok(value) = value.parse::<f64>() else { continue };
        let name = series.split('{').next().unwrap_or(series);
        let label = |label: &str| {
            series
                .split(&format!("{label}=\""))
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("all")
                .to_owned()
        };
        let key = match name {
            "freewire_updates_posted_total" => "updates_posted".to_owned(),
            "freewire_items_ingested_total" => format!("items_{}", label("kind")),
            "freewire_polls_total" => format!("polls_{}", label("outcome")),
            _ => continue,
        };
        *counters.entry(key).or_default() += value;
    }
    Ok(counters)
}

fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

fn figures(latencies: &mut [u32], errors: u64, refused: u64, seconds: f64) -> Value {
    latencies.sort_unstable();
    let answered = latencies.len() as u64;
    let round = |ms: f64| (ms * 100.0).round() / 100.0;
    json!({
        "requests": answered + errors + refused,
        "ok": answered,
        "per_second": round((answered + errors + refused) as f64 / seconds),
        "p50_ms": round(percentile_ms(latencies, 50.0)),
        "p99_ms": round(percentile_ms(latencies, 99.0)),
        "max_ms": round(percentile_ms(latencies, 100.0)),
        "errors": errors,
        "refused_by_rate_limit": refused,
    })
}

/// Signs every account in, four at a time, each from a loopback address of its own
/// (127.0.2.1, …) when the site is on loopback, as separate people: the sign-in limit counts
/// attempts per address.
async fn sign_in_all(
    options: &Options,
    base: &str,
    origin: &str,
    loopback: bool,
    article: &str,
) -> anyhow::Result<Vec<Account>> {
    let accounts: Vec<anyhow::Result<Account>> = futures_util::stream::iter(1..=options.accounts)
        .map(|n| {
            let name = format!("{}{n}", options.account_prefix);
            let local = loopback.then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 2, ((n - 1) % 250 + 1) as u8)));
            let password = &options.password;
            async move { sign_in(base, origin, &name, password, local, article).await }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    accounts.into_iter().collect()
}

/// Sends the mix until `deadline`: `connections` at a time, or `rate` a second.
async fn drive(
    shared: &Arc<Shared>,
    connections: usize,
    rate: Option<f64>,
    deadline: Instant,
) -> anyhow::Result<()> {
    match rate {
        None => {
            let mut workers = tokio::task::JoinSet::new();
            for _ in 0..connections.max(1) {
                let shared = shared.clone();
                workers.spawn(async move {
                    while Instant::now() < deadline {
                        let plan = shared.plan();
                        let sent = Instant::now();
                        let outcome = shared.run(&plan).await;
                        shared.record(&plan, outcome, sent.elapsed());
                    }
                });
            }
            while let Some(done) = workers.join_next().await {
                done.context("a load worker stopped")?;
            }
        }
        Some(rate) => {
            if !(rate > 0.0 && rate.is_finite()) {
                bail!("--rate must be a positive number of requests a second");
            }
            let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            loop {
                let due = tick.tick().await.into_std();
                if due >= deadline {
                    break;
                }
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    shared.fell_behind();
                    continue;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let plan = shared.plan();
                    let outcome = shared.run(&plan).await;
                    // From when it was due, not when it was sent: a slow answer that delays the
                    // next request is counted against the next one too.
                    shared.record(&plan, outcome, due.elapsed());
                    drop(slot);
                });
            }
            let all = u32::try_from(MAX_IN_FLIGHT).unwrap_or(u32::MAX);
            let _all = slots.acquire_many(all).await.context("waiting for the last requests")?;
        }
    }
    Ok(())
}

/// Runs the load and returns its figures as JSON; the Markdown summary goes where `options`
/// says.
pub async fn run(options: Options) -> anyhow::Result<Value> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = options.url.trim_end_matches('/').to_owned();
    let parsed = url::Url::parse(&base).with_context(|| format!("reading the address {base}"))?;
    let origin = parsed.origin().ascii_serialization();
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        _ => false,
    };
    let paths = Paths::read(&options.paths)?;
    if options.accounts == 0 {
        bail!("the mix needs at least one account (--accounts)");
    }

    let signing_in = Instant::now();
    let accounts = sign_in_all(&options, &base, &origin, loopback, &paths.articles[0].1).await?;
    eprintln!("  {} accounts signed in, {:.1} s", accounts.len(), signing_in.elapsed().as_secs_f64());

    let pool = options.connections.max(64);
    let shared = Arc::new(Shared {
        base: base.clone(),
        origin,
        paths,
        anonymous: client(None, false, pool)?,
        accounts,
        next_account: AtomicUsize::new(0),
        uploads: AtomicU64::new(0),
        tally: Mutex::new(Tally::default()),
        requests: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let counters_before = match &options.metrics_token {
        Some(token) => Some(ingest_counters(&shared.anonymous, &base, token).await?),
        None => None,
    };

    let started = Instant::now();
    let deadline = started + options.duration;
    let samples = Arc::new(Mutex::new(Vec::new()));
    let sampling = tokio::spawn(sampler(
        shared.clone(),
        options.pid,
        options.sample_every,
        options.progress.clone(),
        started,
        samples.clone(),
    ));

    drive(&shared, options.connections, options.rate, deadline).await?;
    let seconds = started.elapsed().as_secs_f64();
    // A last sample at the end, then the sampler stops.
    sampling.abort();
    let _ = sampling.await;
    let last = sample(&shared, options.pid, started);
    if let Some(file) = &options.progress {
        append_line(file, &last);
    }
    let samples = {
        let Ok(mut samples) = samples.lock() else { bail!("the samples were poisoned by a panic") };
        samples.push(last);
        std::mem::take(&mut *samples)
    };

    let ingest = match (&options.metrics_token, counters_before) {
        (Some(token), Some(before)) => {
            let after = ingest_counters(&shared.anonymous, &base, token).await?;
            let delta: BTreeMap<String, f64> =
                after.iter().map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0))).collect();
            json!(delta)
        }
        _ => Value::Null,
    };
    let report = report(&options, &shared, seconds, &samples, &ingest)?;
    let summary = summary(&report);
    match &options.summary {
        Some(file) => {
            std::fs::write(file, &summary).with_context(|| format!("writing {}", file.display()))?;
        }
        None => eprint!("{summary}"),
    }
    Ok(report)
}

fn report(
    options: &Options,
    shared: &Shared,
    seconds: f64,
    samples: &[Sample],
    ingest: &Value,
) -> anyhow::Result<Value> {
    let Ok(mut tally) = shared.tally.lock() else { bail!("the tally was poisoned by a panic") };
    let tally = std::mem::take(&mut *tally);
    let mut classes = serde_json::Map::new();
    let mut all = Vec::new();
    let (mut all_errors, mut all_refused) = (0, 0);
    for class in [Class::Anonymous, Class::SignedIn, Class::Update] {
        let mut kinds = serde_json::Map::new();
        let mut merged = Vec::new();
        let (mut errors, mut refused) = (0, 0);
        let mut names: Vec<&'static str> = tally
            .latencies
            .keys()
            .chain(tally.errors.keys())
            .chain(tally.refused.keys())
            .filter(|(c, _)| *c == class)
            .map(|(_, k)| *k)
            .collect();
        names.sort_unstable();
        names.dedup();
        for kind in names {
            let key = (class, kind);
            let mut latencies = tally.latencies.get(&key).cloned().unwrap_or_default();
            let (e, r) =
                (tally.errors.get(&key).copied().unwrap_or(0), tally.refused.get(&key).copied().unwrap_or(0));
            merged.extend_from_slice(&latencies);
            errors += e;
            refused += r;
            kinds.insert(kind.to_owned(), figures(&mut latencies, e, r, seconds));
        }
        all.extend_from_slice(&merged);
        all_errors += errors;
        all_refused += refused;
        let mut figures = figures(&mut merged, errors, refused, seconds);
        if class != Class::Update
            && let Some(map) = figures.as_object_mut()
        {
            map.insert("kinds".into(), Value::Object(kinds));
        }
        classes.insert(class.name().to_owned(), figures);
    }
    let fell_behind = shared.errors.load(Ordering::Relaxed).saturating_sub(all_errors);
    let mut overall = figures(&mut all, all_errors + fell_behind, all_refused, seconds);
    if let Some(map) = overall.as_object_mut() {
        map.insert("fell_behind".into(), json!(fell_behind));
    }
    let warm_up = options.warm_up.unwrap_or(options.duration / 10).as_secs_f64();
    Ok(json!({
        "mode": if options.rate.is_some() { "fixed rate" } else { "closed loop" },
        "rate": options.rate,
        "connections": if options.rate.is_none() { Some(options.connections) } else { None },
        "accounts": shared.accounts.len(),
        "mix_percent": {"anonymous": ANONYMOUS, "signed_in": SIGNED_IN, "update": 100 - ANONYMOUS - SIGNED_IN},
        "seconds": (seconds * 10.0).round() / 10.0,
        "overall": overall,
        "classes": classes,
        "statuses": tally.statuses.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "error_kinds": tally.error_kinds,
        "ingest_during_run": ingest,
        "server": {
            "pid": options.pid,
            "sample_every_seconds": options.sample_every.as_secs_f64(),
            "warm_up_seconds": warm_up,
            "rss": drift(samples, warm_up, |s| s.rss_kib),
            "anon": drift(samples, warm_up, |s| s.anon_kib),
            "fds": drift(samples, warm_up, |s| s.fds),
            "series": samples.iter().map(sample_json).collect::<Vec<_>>(),
        },
    }))
}

/// The Markdown summary of a report.
pub fn summary(report: &Value) -> String {
    let number = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let count = |v: &Value| v.as_u64().unwrap_or(0);
    let mut text = String::new();
    let mode = match report["rate"].as_f64() {
        Some(rate) => format!("fixed rate, {rate:.0} requests a second"),
        None => format!("closed loop, {} connections", count(&report["connections"])),
    };
    let overall = &report["overall"];
    let _ = writeln!(
        text,
        "Mixed load, {mode}, {:.0} s, {} accounts: {:.1} req/s overall, {} errors, {} uploads refused by the rate limit.\n",
        number(&report["seconds"]),
        count(&report["accounts"]),
        number(&overall["per_second"]),
        count(&overall["errors"]),
        count(&overall["refused_by_rate_limit"]),
    );
    text.push_str("| class | requests | req/s | p50 | p99 | max | errors | refused (rate limit) |\n");
    text.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    let row = |text: &mut String, label: &str, f: &Value| {
        let _ = writeln!(
            text,
            "| {label} | {} | {:.1} | {:.1} ms | {:.1} ms | {:.0} ms | {} | {} |",
            count(&f["requests"]),
            number(&f["per_second"]),
            number(&f["p50_ms"]),
            number(&f["p99_ms"]),
            number(&f["max_ms"]),
            count(&f["errors"]),
            count(&f["refused_by_rate_limit"]),
        );
    };
    for (class, label) in [
        ("anonymous", "anonymous pages"),
        ("signed_in", "signed-in pages"),
        ("update", "updates with a file"),
    ] {
        let f = &report["classes"][class];
        row(&mut text, label, f);
        if let Some(kinds) = f["kinds"].as_object() {
            for (kind, k) in kinds {
                row(&mut text, &format!("  · {kind}"), k);
            }
        }
    }
    row(&mut text, "all", overall);
    if let Some(ingest) = report["ingest_during_run"].as_object() {
        let get = |k: &str| ingest.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        let _ = writeln!(
            text,
            "\nDuring the run the poller made {:.0} polls ({:.0} updated, {:.0} not modified, {:.0} failed) and stored {:.0} new articles ({:.0} duplicates, {:.0} revised); {:.0} updates were posted.",
            get("polls_updated") + get("polls_not_modified") + get("polls_failed"),
            get("polls_updated"),
            get("polls_not_modified"),
            get("polls_failed"),
            get("items_new"),
            get("items_duplicate"),
            get("items_revised"),
            get("updates_posted"),
        );
    }
    let server = &report["server"];
    for (key, label, unit) in [
        ("rss", "resident memory (VmRSS)", "MiB"),
        ("anon", "of it the process's own (RssAnon)", "MiB"),
        ("fds", "open file descriptors", ""),
    ] {
        let s = &server[key];
        if s.is_null() {
            continue;
        }
        let scale = if unit == "MiB" { 1024.0 } else { 1.0 };
        let _ = writeln!(
            text,
            "\nServer {label}: {:.0}{unit} → {:.0}{unit} (means of the first and last tenth of {} samples after {:.0} s of warm-up), range {:.0}–{:.0}{unit}; drift {:+.1} %.",
            number(&s["first_tenth_mean"]) / scale,
            number(&s["last_tenth_mean"]) / scale,
            count(&s["samples"]),
            number(&server["warm_up_seconds"]),
            number(&s["min"]) / scale,
            number(&s["max"]) / scale,
            number(&s["drift"]) * 100.0,
        );
    }
    if let Some(kinds) = report["error_kinds"].as_object()
        && !kinds.is_empty()
    {
        text.push_str("\nErrors by kind:\n\n");
        for (what, n) in kinds {
            let _ = writeln!(text, "- {what}: {}", count(n));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_units() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_mins(1)));
        assert_eq!(parse_duration("3600"), Ok(Duration::from_hours(1)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_mins(15)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_hours(1)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn form_tokens_are_read_from_the_named_input() {
        let html = r#"<form class="upload"><input type="hidden" name="csrf" value="a-b_c"></form>"#;
        assert_eq!(hidden_value(html, "csrf", 0).as_deref(), Some("a-b_c"));
        assert_eq!(hidden_value(html, "csrf", html.len()), None);
        assert_eq!(hidden_value(html, "next", 0), None);
    }

    #[test]
    fn drift_compares_the_last_tenth_with_the_first_after_the_warm_up() {
        let samples: Vec<Sample> = (0..40u64)
            .map(|i| Sample {
                seconds: i as f64,
                requests: 0,
                errors: 0,
                refused: 0,
                // A spike in the warm-up is left out; then 100 rising to 139.
                rss_kib: Some(if i < 20 { 1000 } else { 100 + i - 20 + (i - 20) }),
                anon_kib: None,
                fds: Some(10),
                window: [(0.0, 0.0, 0); 3],
            })
            .collect();
        let rss = drift(&samples, 20.0, |s| s.rss_kib);
        assert_eq!(rss["samples"], 20);
        assert_eq!(rss["first_tenth_mean"], 101.0);
        assert_eq!(rss["last_tenth_mean"], 137.0);
        assert_eq!(drift(&samples, 20.0, |s| s.fds)["drift"], 0.0);
        assert!(drift(&samples, 20.0, |s| s.anon_kib).is_null());
    }
}
