//! Following feeds unattended: claim the feeds that are due, fetch each politely (conditional
//! GET, at most a few requests per host at once), parse, fill in full text where a feed gives
//! only a summary, store, and schedule the next poll from what the feed and the server said.
//!
//! Scheduling: a feed's interval follows its own posting rate (the mean gap between its recent
//! items), kept between the configured bounds and never shorter than the freshness the server
//! declares (`Cache-Control: max-age`, `Expires`). Failures back off exponentially from the
//! shortest interval, capped; 429 and 503 answers wait as long as `Retry-After` asks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use freewire_core::model::{Feed, FeedPollUpdate, InsertOutcome, NewRetrieval, Source};
use freewire_core::{FeedId, Store, StoreError};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, Semaphore};
use url::Url;

use crate::extract::extract_article;
use crate::fetch::{FetchError, FetchOutcome, Fetched, Fetcher, Freshness, Validators};
use crate::import::article_from;
use crate::parse::{ParsedFeed, parse_feed_with_charset};

/// How the poller paces itself.
#[derive(Debug, Clone)]
pub struct PollConfig {
    /// Feeds fetched at once, across all hosts.
    pub concurrency: usize,
    /// Requests to one host at once.
    pub per_host: usize,
    /// The shortest interval between two polls of a feed (and the first backoff step).
    pub min_interval: Duration,
    /// The longest interval between two polls of a healthy feed.
    pub max_interval: Duration,
    /// The longest wait after failures.
    pub max_backoff: Duration,
    /// Feeds claimed per round.
    pub batch: u64,
    /// How long a claim keeps other processes off a feed while it is polled.
    pub lease: Duration,
    /// Fetch the article page when an item carries only a summary.
    pub full_text: bool,
    /// When articles' original pages are read again to see the outlet's edits.
    pub recheck: crate::recheck::RecheckSchedule,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            concurrency: 16,
            per_host: 2,
            min_interval: Duration::from_mins(15),
            max_interval: Duration::from_hours(24),
            max_backoff: Duration::from_hours(24),
            batch: 200,
            lease: Duration::from_mins(10),
            full_text: true,
            recheck: crate::recheck::RecheckSchedule::default(),
        }
    }
}

/// What one poll of one feed came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// 304: unchanged, nothing parsed.
    NotModified,
    /// Fetched and stored.
    Updated {
        /// Items in the feed.
        items: usize,
        /// New articles.
        new: usize,
        /// Items already stored.
        duplicates: usize,
        /// Items whose text changed at the source.
        revised: usize,
        /// Near-duplicates of other outlets' articles.
        near_duplicates: usize,
    },
    /// The feed failed; the reason is stored on the feed.
    Failed(String),
}

/// Counts a poll for `/metrics`: by outcome, how long it took, and what it brought.
fn record_poll(outcome: &PollOutcome, took: Duration) {
    let label = match outcome {
        PollOutcome::NotModified => "not_modified",
        PollOutcome::Updated { .. } => "updated",
        PollOutcome::Failed(_) => "failed",
    };
    metrics::counter!("freewire_polls_total", "outcome" => label).increment(1);
    metrics::histogram!("freewire_poll_duration_seconds").record(took.as_secs_f64());
    if let PollOutcome::Updated { new, duplicates, revised, near_duplicates, .. } = outcome {
        for (kind, count) in [
            ("new", new),
            ("duplicate", duplicates),
            ("revised", revised),
            ("near_duplicate", near_duplicates),
        ] {
            metrics::counter!("freewire_items_ingested_total", "kind" => kind).increment(*count as u64);
        }
    }
}

/// One feed's poll.
#[derive(Debug, Clone)]
pub struct FeedPollReport {
    /// The feed.
    pub feed_id: FeedId,
    /// Its address when polled.
    pub url: String,
    /// What happened.
    pub outcome: PollOutcome,
    /// When it is due next.
    pub next_poll_at: DateTime<Utc>,
}

/// An article page, read.
pub(crate) enum PageRead {
    /// Its text (sanitised by the extractor), the record of the fetch, and validators for the
    /// next one.
    Read { html: String, retrieval: NewRetrieval, validators: Validators },
    /// Unchanged since the validators given.
    NotModified,
}

/// How long one feed's poll may take under a claim of `lease`: well inside it, so the claim
/// never runs out while the poll is still fetching or storing (and no other poller takes the
/// feed meanwhile).
fn poll_budget(lease: Duration) -> Duration {
    if lease >= Duration::from_mins(2) {
        lease.saturating_sub(Duration::from_secs(30))
    } else {
        lease * 3 / 4
    }
}

/// A host's request slot shared by all pollers on the database: given back once the fetch is
/// done, or, when the fetch holding it is cancelled, by a task of its own as it is dropped.
struct SharedHostSlot {
    store: Arc<dyn Store>,
    /// The host, the slot and the holder's name, until given back.
    held: Option<(String, u32, String)>,
}

impl SharedHostSlot {
    async fn give_back(mut self) {
        if let Some((host, slot, holder)) = self.held.take() {
            give_back_slot(self.store.as_ref(), &host, slot, &holder).await;
        }
    }
}

async fn give_back_slot(store: &dyn Store, host: &str, slot: u32, holder: &str) {
    if let Err(e) = store.give_host_slot(host, slot, holder).await {
        // The slot frees itself when its time runs out.
        tracing::warn!(%host, error = %e, "could not give back a request slot");
    }
}

impl Drop for SharedHostSlot {
    fn drop(&mut self) {
        if let Some((host, slot, holder)) = self.held.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let store = self.store.clone();
            runtime.spawn(async move { give_back_slot(store.as_ref(), &host, slot, &holder).await });
        }
    }
}

/// robots.txt answers are kept this long per origin.
const ROBOTS_TTL: Duration = Duration::from_hours(12);

/// When robots.txt was read, and what it said (`None`: no robots.txt, everything allowed).
type RobotsEntry = Option<(Instant, Option<Arc<texting_robots::Robot>>)>;

/// The poller. Cheap to share behind an `Arc`; one per process.
pub struct Poller {
    pub(crate) store: Arc<dyn Store>,
    fetcher: Fetcher,
    pub(crate) config: PollConfig,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// One slot per origin; a task holding the slot's lock is fetching its robots.txt, and the
    /// others wait for that answer rather than fetching it again.
    robots: Mutex<HashMap<String, Arc<Mutex<RobotsEntry>>>>,
    /// Set when the poller subscribes to the hubs feeds advertise (WebSub).
    pub(crate) websub: Option<crate::websub::SubscriberConfig>,
}

impl Poller {
    /// A poller over a store, fetching with `fetcher`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, fetcher: Fetcher, config: PollConfig) -> Self {
        Poller {
            global: Arc::new(Semaphore::new(config.concurrency.max(1))),
            store,
            fetcher,
            config,
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            websub: None,
        }
    }

    /// Subscribes to the hubs that feeds advertise, and polls slowly while their pushes arrive.
    #[must_use]
    pub fn with_subscriber(mut self, config: crate::websub::SubscriberConfig) -> Self {
        self.websub = Some(config);
        self
    }

    /// The subscriber's settings, when WebSub subscriptions are on.
    #[must_use]
    pub fn subscriber(&self) -> Option<&crate::websub::SubscriberConfig> {
        self.websub.as_ref()
    }

    /// The store the poller writes to.
    #[must_use]
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The guarded client the poller fetches with.
    #[must_use]
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// Polls every feed due now, `concurrency` at a time, until none is due; returns what
    /// happened to each.
    pub async fn poll_due(&self) -> Result<Vec<FeedPollReport>, StoreError> {
        let mut reports = Vec::new();
        loop {
            let now = Utc::now();
            let lease =
                now + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::minutes(10));
            let token = freewire_core::password::random_token();
            let feeds = self.store.claim_due_feeds(now, self.config.batch, lease, &token).await?;
            if feeds.is_empty() {
                return Ok(reports);
            }
            let round = futures_util::future::join_all(feeds.into_iter().map(|f| self.poll_feed(f))).await;
            reports.extend(round);
        }
    }

    /// Polls due feeds every `every` until `shutdown` resolves.
    pub async fn run(self: Arc<Self>, every: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            match self.poll_due().await {
                Ok(reports) if !reports.is_empty() => {
                    let failed =
                        reports.iter().filter(|r| matches!(r.outcome, PollOutcome::Failed(_))).count();
                    tracing::info!(polled = reports.len(), failed, "poll round done");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "could not claim due feeds"),
            }
            self.renew_subscriptions(Utc::now()).await;
            match self.recheck_due_at(Utc::now()).await {
                Ok(visits) if !visits.is_empty() => {
                    let edited = visits.iter().filter(|v| v.outcome == crate::recheck::Visit::Edited).count();
                    tracing::info!(pages = visits.len(), edited, "re-read articles' pages");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "could not claim pages due a re-reading"),
            }
        }
    }

    async fn host_slot(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().await;
        hosts
            .entry(host.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(self.config.per_host.max(1))))
            .clone()
    }

    /// A GET within the global and per-host limits. The per-host limit holds across every
    /// process polling the same database: after this process's own semaphores, a slot for the
    /// host is taken in the store (see [`SharedHostSlot`]).
    pub(crate) async fn limited_get(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let local = self.host_slot(&host).await;
        let _global = self.global.acquire().await.map_err(|e| FetchError::Network(e.to_string()))?;
        let _host = local.acquire().await.map_err(|e| FetchError::Network(e.to_string()))?;
        let shared = self.shared_host_slot(&host).await?;
        let outcome = self.fetcher.get(url, validators).await;
        shared.give_back().await;
        outcome
    }

    /// Waits for one of the host's slots shared by all pollers, holding it at most as long as a
    /// fetch may take (so a poller that dies holding one frees it by that time).
    async fn shared_host_slot(&self, host: &str) -> Result<SharedHostSlot, FetchError> {
        let capacity = u32::try_from(self.config.per_host.max(1)).unwrap_or(u32::MAX);
        let hold = self.fetcher.config().timeout + Duration::from_secs(2);
        let holder = freewire_core::password::random_token();
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        loop {
            let now = Utc::now();
            let until = now + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::minutes(1));
            match self.store.take_host_slot(host, capacity, &holder, now, until).await {
                Ok(Some(slot)) => {
                    return Ok(SharedHostSlot {
                        store: self.store.clone(),
                        held: Some((host.to_owned(), slot, holder)),
                    });
                }
                Ok(None) if started.elapsed() < hold => {
                    // Every slot is busy elsewhere: wait a little longer each time, with jitter
                    // so waiting pollers do not ask in step.
                    let jitter = Duration::from_millis(rand::random::<u64>() % 20);
                    tokio::time::sleep(pause + jitter).await;
                    pause = (pause * 2).min(Duration::from_millis(500));
                }
                Ok(None) => {
                    return Err(FetchError::Network(format!(
                        "every request slot for {host} stayed busy for {} s (other pollers are fetching from it)",
                        hold.as_secs()
                    )));
                }
                Err(e) => {
                    return Err(FetchError::Network(format!("cannot take a request slot for {host}: {e}")));
                }
            }
        }
    }

    /// Polls one feed and records the result on it. Never fails: a failure is the feed's
    /// state, with its reason.
    pub async fn poll_feed(&self, feed: Feed) -> FeedPollReport {
        let now = Utc::now();
        let started = std::time::Instant::now();
        // Finish well inside the claim's lease, so no other process takes the feed meanwhile.
        let budget = poll_budget(self.config.lease);
        let (outcome, update) = match Url::parse(&feed.url) {
            Err(e) => {
                let reason = format!("the feed address is not a URL: {e}");
                (PollOutcome::Failed(reason.clone()), self.failure(&feed, now, reason, None, None))
            }
            Ok(url) => {
                if let Ok(done) = tokio::time::timeout(budget, self.fetch_and_store(&feed, &url, now)).await {
                    done
                } else {
                    let reason = format!("the poll took longer than {} s and was stopped", budget.as_secs());
                    (PollOutcome::Failed(reason.clone()), self.failure(&feed, now, reason, None, None))
                }
            }
        };
        let next_poll_at = update.next_poll_at;
        let url = update.new_url.clone().unwrap_or_else(|| feed.url.clone());
        let lease = feed.lease_token.as_deref();
        let recorded = match self.store.update_feed_after_poll(feed.id, lease, update.clone()).await {
            Err(StoreError::Conflict(_)) => {
                // Redirected to an address another feed already follows: keep the old one.
                let kept = FeedPollUpdate { new_url: None, ..update };
                self.store.update_feed_after_poll(feed.id, lease, kept).await
            }
            other => other,
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                feed = %feed.id,
                "the feed's lease ran out during the poll and another poller has it now; its schedule is left to that poll"
            ),
            Err(e) => tracing::error!(feed = %feed.id, error = %e, "could not record a poll"),
        }
        if let PollOutcome::Failed(reason) = &outcome {
            tracing::warn!(feed = %feed.id, url = %feed.url, %reason, "feed failing");
        }
        record_poll(&outcome, started.elapsed());
        FeedPollReport { feed_id: feed.id, url, outcome, next_poll_at }
    }

    async fn fetch_and_store(
        &self,
        feed: &Feed,
        url: &Url,
        now: DateTime<Utc>,
    ) -> (PollOutcome, FeedPollUpdate) {
        let validators = Validators { etag: feed.etag.clone(), last_modified: feed.last_modified.clone() };
        match self.limited_get(url, &validators).await {
            Ok(FetchOutcome::NotModified { freshness, moved_permanently_to }) => {
                let interval =
                    self.clamp(Duration::from_secs(feed.poll_interval_secs.max(0).cast_unsigned()));
                let next = next_after(now, interval, freshness, self.config.max_interval);
                let update = FeedPollUpdate {
                    new_url: moved_permanently_to.map(String::from),
                    title: None,
                    etag: feed.etag.clone(),
                    last_modified: feed.last_modified.clone(),
                    polled_at: now,
                    next_poll_at: self.pushed_schedule(feed, interval, next, now).await,
                    poll_interval_secs: secs(interval),
                    error_count: 0,
                    last_error: None,
                    success: true,
                    last_status: Some(304),
                };
                (PollOutcome::NotModified, update)
            }
            Ok(FetchOutcome::Fetched(fetched)) => match self.store_items(feed, &fetched, now).await {
                Ok((parsed_interval, outcome, title)) => {
                    let interval = self.clamp(
                        parsed_interval
                            .unwrap_or(Duration::from_secs(feed.poll_interval_secs.max(0).cast_unsigned())),
                    );
                    self.follow_hub(feed, &fetched, now).await;
                    let next = next_after(now, interval, fetched.freshness, self.config.max_interval);
                    let update = FeedPollUpdate {
                        new_url: fetched.moved_permanently_to.as_ref().map(ToString::to_string),
                        title,
                        etag: fetched.validators.etag.clone(),
                        last_modified: fetched.validators.last_modified.clone(),
                        polled_at: now,
                        next_poll_at: self.pushed_schedule(feed, interval, next, now).await,
                        poll_interval_secs: secs(interval),
                        error_count: 0,
                        last_error: None,
                        success: true,
                        last_status: Some(i32::from(fetched.status)),
                    };
                    (outcome, update)
                }
                Err(reason) => {
                    let status = Some(i32::from(fetched.status));
                    (PollOutcome::Failed(reason.clone()), self.failure(feed, now, reason, None, status))
                }
            },
            Err(e) => {
                let (retry_after, status) = match &e {
                    FetchError::Status { status, retry_after } => (*retry_after, Some(i32::from(*status))),
                    _ => (None, None),
                };
                let reason = e.to_string();
                (PollOutcome::Failed(reason.clone()), self.failure(feed, now, reason, retry_after, status))
            }
        }
    }

    /// Stores a document a WebSub hub pushed for `feed`, exactly as a poll stores what it
    /// fetched (parse, full text, dedup, revisions); the error is a reason for the log.
    pub async fn store_pushed(
        &self,
        feed: &Feed,
        body: bytes::Bytes,
        content_type: Option<String>,
    ) -> Result<PollOutcome, String> {
        let final_url = Url::parse(&feed.url).map_err(|e| format!("the feed address is not a URL: {e}"))?;
        let fetched = Fetched {
            status: 200,
            final_url,
            moved_permanently_to: None,
            validators: Validators::default(),
            charset: content_type.as_deref().and_then(crate::fetch::charset_of),
            content_type,
            freshness: Freshness::default(),
            link_header: None,
            body,
        };
        let (_, outcome, _) = self.store_items(feed, &fetched, Utc::now()).await?;
        record_poll(&outcome, Duration::ZERO);
        Ok(outcome)
    }

    /// Parses and stores a fetched feed; returns the interval its items suggest, the outcome
    /// and the feed's title. The error is a reason for editors.
    async fn store_items(
        &self,
        feed: &Feed,
        fetched: &Fetched,
        now: DateTime<Utc>,
    ) -> Result<(Option<Duration>, PollOutcome, Option<String>), String> {
        let body = fetched.body.clone();
        let charset = fetched.charset.clone();
        let location = fetched.final_url.clone();
        let parsed = tokio::task::spawn_blocking(move || {
            parse_feed_with_charset(&body, charset.as_deref(), Some(&location))
        })
        .await
        .map_err(|e| format!("parsing was interrupted: {e}"))?
        .map_err(|e| format!("unreadable feed: {e}"))?;
        let source = self
            .store
            .source_by_id(feed.source_id)
            .await
            .map_err(|e| format!("store: {e}"))?
            .ok_or_else(|| "the feed's source is gone".to_owned())?;
        let retrieval = NewRetrieval {
            location: fetched.final_url.to_string(),
            retrieved_at: now,
            http_status: Some(i32::from(fetched.status)),
            sha256: hex::encode(Sha256::digest(&fetched.body)),
        };
        let (batch, pages) = self.articles_with_full_text(feed, &parsed, &source, &retrieval, now).await?;
        let outcomes =
            self.store.insert_articles_with_retrieval(batch).await.map_err(|e| format!("store: {e}"))?;
        // Derived from what is stored: a failure here must not fail the poll, whose articles are
        // kept (and would be known items at the next poll).
        crate::facts::record_or_warn(self.store.as_ref(), &outcomes).await;
        if let Err(e) = self.schedule_rechecks(&outcomes, pages, now).await {
            tracing::warn!(feed = %feed.id, error = %e, "re-reading of new articles' pages not scheduled");
        }
        // Items repeating a GUID earlier in the same document were not stored at all.
        let repeated = parsed.items.len() - outcomes.len();
        let mut outcome = PollOutcome::Updated {
            items: parsed.items.len(),
            new: 0,
            duplicates: repeated,
            revised: 0,
            near_duplicates: 0,
        };
        if let PollOutcome::Updated { new, duplicates, revised, near_duplicates, .. } = &mut outcome {
            for o in &outcomes {
                match o {
                    InsertOutcome::Inserted(_) => *new += 1,
                    InsertOutcome::Duplicate(_) => *duplicates += 1,
                    InsertOutcome::Revised(_) => *revised += 1,
                    InsertOutcome::NearDuplicate { .. } => *near_duplicates += 1,
                }
            }
        }
        let title =
            parsed.title.as_deref().map(|t| freewire_core::xml::strip_forbidden_chars(t).into_owned());
        Ok((posting_interval(&parsed), outcome, title))
    }

    async fn articles_with_full_text(
        &self,
        feed: &Feed,
        parsed: &ParsedFeed,
        source: &Source,
        retrieval: &NewRetrieval,
        now: DateTime<Utc>,
    ) -> Result<(Vec<(freewire_core::NewArticle, NewRetrieval)>, Vec<Option<Validators>>), String> {
        let feed_base =
            parsed.link.as_deref().and_then(|l| Url::parse(l).ok()).or_else(|| Url::parse(&feed.url).ok());
        let guids: Vec<String> = parsed.items.iter().map(|i| i.guid.clone()).collect();
        let known: std::collections::HashSet<String> = if self.config.full_text {
            self.store
                .existing_guids(source.id, &guids)
                .await
                .map_err(|e| format!("store: {e}"))?
                .into_iter()
                .collect()
        } else {
            std::collections::HashSet::new()
        };
        let mut batch = Vec::with_capacity(parsed.items.len());
        // For each item, whether its text came from its page, and the page's validators.
        let mut pages = Vec::with_capacity(parsed.items.len());
        for item in crate::import::first_of_each_guid(parsed) {
            let summary_only = self.config.full_text && item.content_html.is_none();
            if summary_only && known.contains(&item.guid) {
                // Stored already with its page's text: the feed's summary must not replace it
                // (it would look like an edit at the source). Counted as a known item.
                continue;
            }
            let mut item = item.clone();
            let mut item_retrieval = retrieval.clone();
            let wants_page = summary_only;
            let mut page = None;
            if let (true, Some(link)) = (wants_page, item.link.as_deref().and_then(|l| Url::parse(l).ok()))
                && let Some(read) = self.full_text(&link, now, &Validators::default()).await
                && let PageRead::Read { html, retrieval, validators } = read
            {
                item.content_html = Some(html);
                item_retrieval = retrieval;
                page = Some(validators);
            }
            let mut article = article_from(&item, parsed, source, feed_base.as_ref(), now);
            article.feed_id = Some(feed.id);
            batch.push((article, item_retrieval));
            pages.push(page);
        }
        Ok((batch, pages))
    }

    /// The article page's text, when robots.txt lets us fetch it and it reads as an article;
    /// `validators` make the request conditional.
    pub(crate) async fn full_text(
        &self,
        page: &Url,
        now: DateTime<Utc>,
        validators: &Validators,
    ) -> Option<PageRead> {
        if !self.robots_allow(page).await {
            tracing::debug!(%page, "robots.txt disallows the article page");
            return None;
        }
        let fetched = match self.limited_get(page, validators).await {
            Ok(FetchOutcome::Fetched(fetched)) => fetched,
            Ok(FetchOutcome::NotModified { .. }) => return Some(PageRead::NotModified),
            Err(e) => {
                tracing::debug!(%page, error = %e, "the article page could not be read");
                return None;
            }
        };
        let text = crate::decode::to_utf8(&fetched.body, fetched.charset.as_deref()).text;
        let url = fetched.final_url.clone();
        // Readability is CPU work on a whole page: off the async threads.
        let extracted = tokio::task::spawn_blocking(move || extract_article(&text, &url)).await.ok()?.ok()?;
        let retrieval = NewRetrieval {
            location: fetched.final_url.to_string(),
            retrieved_at: now,
            http_status: Some(i32::from(fetched.status)),
            sha256: hex::encode(Sha256::digest(&fetched.body)),
        };
        Some(PageRead::Read { html: extracted.content_html, retrieval, validators: fetched.validators })
    }

    /// Whether robots.txt lets freewire fetch `page`. A missing robots.txt (4xx) allows all;
    /// one that cannot be fetched (5xx, network) allows nothing for now.
    pub(crate) async fn robots_allow(&self, page: &Url) -> bool {
        let origin = page.origin().ascii_serialization();
        let slot = self.robots.lock().await.entry(origin).or_default().clone();
        let mut entry = slot.lock().await;
        if let Some((at, robot)) = entry.as_ref()
            && at.elapsed() < ROBOTS_TTL
        {
            return robot.as_ref().is_none_or(|r| r.allowed(page.as_str()));
        }
        let robot = match page.join("/robots.txt") {
            Ok(robots_url) => match self.limited_get(&robots_url, &Validators::default()).await {
                Ok(FetchOutcome::Fetched(f)) => {
                    texting_robots::Robot::new("freewire", &f.body).ok().map(Arc::new)
                }
                Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => None,
                _ => Some(Arc::new(disallow_all())),
            },
            Err(_) => Some(Arc::new(disallow_all())),
        };
        let allowed = robot.as_ref().is_none_or(|r| r.allowed(page.as_str()));
        *entry = Some((Instant::now(), robot));
        allowed
    }

    fn clamp(&self, d: Duration) -> Duration {
        d.clamp(self.config.min_interval, self.config.max_interval)
    }

    /// A failed poll: exponential backoff from the shortest interval, or as long as the server
    /// asked, capped.
    fn failure(
        &self,
        feed: &Feed,
        now: DateTime<Utc>,
        reason: String,
        retry_after: Option<Duration>,
        status: Option<i32>,
    ) -> FeedPollUpdate {
        let errors = feed.error_count.saturating_add(1);
        // Retry-After can only lengthen the wait: `Retry-After: 0` must not make us hammer.
        let backed_off = backoff(self.config.min_interval, errors);
        let wait = retry_after
            .map_or(backed_off, |asked| asked.max(self.config.min_interval))
            .min(self.config.max_backoff);
        FeedPollUpdate {
            new_url: None,
            title: None,
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
            polled_at: now,
            next_poll_at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(24)),
            poll_interval_secs: feed.poll_interval_secs,
            error_count: errors,
            last_error: Some(reason),
            success: false,
            last_status: status,
        }
    }
}

fn disallow_all() -> texting_robots::Robot {
    // A robots.txt we could not read is taken as "not now": the page is not fetched.
    texting_robots::Robot::new("freewire", b"User-agent: *\nDisallow: /\n")
        .unwrap_or_else(|_| unreachable_robot())
}

#[expect(clippy::panic, reason = "a constant robots.txt that always parses")]
fn unreachable_robot() -> texting_robots::Robot {
    panic!("the built-in robots.txt parses")
}

/// `min × 2^(errors−1)`: 15 min, 30 min, 1 h, 2 h …
#[must_use]
pub fn backoff(min: Duration, errors: i32) -> Duration {
    let steps = u32::try_from(errors.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    min.saturating_mul(1 << steps)
}

/// The mean gap between a feed's most recent dated items, if it has two or more.
#[must_use]
pub fn posting_interval(parsed: &ParsedFeed) -> Option<Duration> {
    let mut dates: Vec<DateTime<Utc>> =
        parsed.items.iter().filter_map(|i| i.published.or(i.updated)).collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    dates.dedup();
    dates.truncate(20);
    let (newest, oldest) = (*dates.first()?, *dates.last()?);
    let gaps = u32::try_from(dates.len().checked_sub(1).filter(|n| *n > 0)?).ok()?;
    (newest - oldest).to_std().ok().map(|span| span / gaps)
}

fn next_after(now: DateTime<Utc>, interval: Duration, fresh: Freshness, cap: Duration) -> DateTime<Utc> {
    let mut wait = interval;
    if let Some(max_age) = fresh.max_age {
        wait = wait.max(max_age);
    }
    if let Some(expires) = fresh.expires
        && let Ok(until) = (expires - now).to_std()
    {
        wait = wait.max(until);
    }
    now + chrono::Duration::from_std(wait.min(cap)).unwrap_or(chrono::Duration::hours(24))
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_shortest_interval() {
        let min = Duration::from_mins(15);
        assert_eq!(backoff(min, 1), min);
        assert_eq!(backoff(min, 2), Duration::from_mins(30));
        assert_eq!(backoff(min, 4), Duration::from_hours(2));
        assert!(backoff(min, 1000) >= Duration::from_hours(24), "large counts saturate, no overflow");
    }

    #[test]
    fn freshness_never_shortens_and_the_cap_always_holds() {
        let now = Utc::now();
        let fresh = Freshness { max_age: Some(Duration::from_hours(3)), expires: None };
        let next = next_after(now, Duration::from_hours(1), fresh, Duration::from_hours(24));
        assert_eq!((next - now).num_hours(), 3);
        let far = Freshness { max_age: Some(Duration::from_hours(100)), expires: None };
        assert_eq!(
            (next_after(now, Duration::from_hours(1), far, Duration::from_hours(24)) - now).num_hours(),
            24
        );
    }
}
