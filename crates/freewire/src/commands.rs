//! The commands behind the command line.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use freewire_app::accounts::{self, Admission, NewAccount};
use freewire_app::{Actor, AppError};
use freewire_core::password::generate_password;
use freewire_core::store::prelude::*;
use freewire_core::{Licence, Role};
use freewire_ingest::SourceSpec;
use freewire_store::{ObjectBlobStore, SqlStore};
use freewire_web::{AppState, Application};

use crate::cli::{Cli, Command, FeedCommand, OpmlCommand, SearchCommand, SourceCommand, UserCommand};
use crate::config::{Config, Overrides, Storage};
use crate::feeds;
use crate::stories;

/// The sample feeds `freewire demo` imports: articles written for this project, about
/// invented places, so the demo republishes nobody's work.
const DEMO_FEEDS: &[(&str, &str, &str, &str, Licence)] = &[
    (
        "harbour-gazette.xml",
        include_str!("../demo/harbour-gazette.xml"),
        "Harbour Gazette",
        "https://harbour-gazette.example/",
        Licence::CcBy4,
    ),
    (
        "valley-dispatch.atom",
        include_str!("../demo/valley-dispatch.atom"),
        "Valley Dispatch",
        "https://valley-dispatch.example/",
        Licence::PublicDomain,
    ),
];

/// The Harbour Gazette's feed a day later: its ferry story edited (a corrected figure, the
/// council's timetable, a longer headline), imported after the others so the demo shows an
/// outlet's edit on the article page, its revisions page and the story's timeline.
const DEMO_EDIT: (&str, &str) =
    ("harbour-gazette-later.xml", include_str!("../demo/harbour-gazette-later.xml"));

/// The file that marks a folder as made by `freewire demo`, and so safe to replace.
const DEMO_MARKER: &str = ".freewire-demo";

/// Runs one command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides { data_dir: cli.data_dir.clone(), ..Overrides::default() };
    match cli.command {
        Command::Serve { listen } => {
            let config = Config::load(cli.config.as_deref(), &Overrides { listen, ..overrides })?;
            serve(config, None).await
        }
        Command::Import { file, source, source_url, licence } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            import(&config, &file, source, source_url, licence.as_deref()).await
        }
        Command::Source { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            match command {
                SourceCommand::Add { name, homepage, licence, credit } => {
                    feeds::source_add(&store, &name, &homepage, &licence, credit).await
                }
                SourceCommand::Edit { source, name, homepage, credit, licence, index_policy } => {
                    let edit = feeds::SourceEditArgs { name, homepage, credit, licence, index_policy };
                    feeds::source_edit(&store, &source, edit).await
                }
                SourceCommand::List => feeds::source_list(&store).await,
            }
        }
        Command::Feed { command: FeedCommand::Inspect { target, json } } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            feeds::feed_inspect(&config, &target, json).await
        }
        Command::Feed { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            match command {
                FeedCommand::Add { url, source } => feeds::feed_add(&store, &url, &source).await,
                FeedCommand::List => feeds::feed_list(&store).await,
                FeedCommand::Disable { id } => feeds::feed_set_enabled(&store, id, false).await,
                FeedCommand::Enable { id } => feeds::feed_set_enabled(&store, id, true).await,
                FeedCommand::PollNow { id } => feeds::feed_poll_now(&store, id).await,
                FeedCommand::Inspect { .. } => unreachable_inspect(),
            }
        }
        Command::Article { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            crate::articles::run(&config, store.as_ref(), command).await
        }
        Command::Story { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            stories::run(&config, store, command).await
        }
        Command::Opml { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            match command {
                OpmlCommand::Import { file, licence } => {
                    feeds::opml_import(&store, &file, licence.as_deref()).await
                }
                OpmlCommand::Export => feeds::opml_export(&store).await,
            }
        }
        Command::Poll { once: _ } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            feeds::poll_once(&config, store.clone()).await?;
            stories::group_stored(store.as_ref()).await.map(|_| ())
        }
        Command::Worker => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            worker(config).await
        }
        Command::Search { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            match command {
                SearchCommand::Rebuild => crate::search::rebuild(&config, store).await,
                SearchCommand::Query { words } => crate::search::query(&config, store, &words).await,
            }
        }
        Command::User { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            user_command(&config, command).await
        }
        Command::Demo { listen } => {
            let config = Config::load_demo(cli.config.as_deref(), &Overrides { listen, ..overrides })?;
            demo(config).await
        }
    }
}

fn unreachable_inspect() -> anyhow::Result<()> {
    bail!("feed inspect is handled before the store is opened")
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<SqlStore>> {
    if config.engine == freewire_store::Engine::Sqlite {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data folder {}", config.data_dir.display()))?;
    }
    let store = SqlStore::connect(&config.database_url).await.with_context(|| {
        format!(
            "cannot open the {} database at {}; check that it is running and that FREEWIRE_DATABASE_URL is right",
            config.engine,
            config.database_url_for_display()
        )
    })?;
    Ok(Arc::new(store))
}

/// Serves the site until interrupted (Ctrl-C or SIGTERM).
async fn serve(config: Config, banner: Option<String>) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let blobs = match &config.storage {
        Storage::Local(dir) => ObjectBlobStore::local(dir)
            .with_context(|| format!("cannot use {} for uploads", dir.display()))?,
        Storage::S3 { url, settings } => ObjectBlobStore::s3(url, settings).with_context(|| {
            format!("cannot use {url} for uploads; check the AWS_* variables and the endpoint")
        })?,
    };
    let blobs: Arc<dyn freewire_core::BlobStore> = Arc::new(blobs);
    tokio::spawn(sweep_uploads(store.clone(), blobs.clone(), config.storage_sweep_grace));
    let state = AppState::new(store.clone(), blobs, config.web.clone());
    state.prepare().await.context("making the site's secrets at start-up")?;
    let state_for_stories = state.clone();
    let state_for_metrics = state.clone();
    let state_for_websub = state.clone();
    let indexer = crate::search::open_indexer(&config, store.clone())?;
    state.attach_search(indexer.clone());
    let app = Application::build(state, config.listen).await.with_context(|| {
        format!(
            "cannot listen on {}: another program may be using it; choose another address with --listen",
            config.listen
        )
    })?;
    let addr = app.local_addr().context("reading the bound address")?;
    tokio::spawn(housekeeping(store.clone(), config.changes_keep));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(stories::follow(
        store.clone(),
        Some(state_for_stories),
        config.search_every,
        stop_rx.clone(),
    ));
    // Builds the index on first start (the site serves meanwhile), then follows the database.
    let mut search_stop = stop_rx.clone();
    tokio::spawn(indexer.follow(config.search_every, async move {
        let _ = search_stop.changed().await;
    }));
    // One poller: it polls (when `serve` polls) and stores what hubs push (WebSub).
    let (poller, fetcher) = make_poller(&config, store.clone())?;
    state_for_websub.attach_websub(freewire_web::websub::WebSubRuntime {
        fetcher,
        poller: config.websub.subscriber.then(|| poller.clone()),
    });
    let mut websub_stop = stop_rx.clone();
    tokio::spawn(freewire_web::websub::Distributor::run(state_for_websub, config.websub.every, async move {
        let _ = websub_stop.changed().await;
    }));
    if config.poll_in_serve {
        tokio::spawn(poller.run(config.poll_every, async move {
            let _ = stop_rx.changed().await;
        }));
    }
    if let Some(metrics_addr) = config.metrics_listen {
        serve_metrics(state_for_metrics, metrics_addr).await?;
    }
    println!("freewire is serving “{}” at http://{addr}/", config.web.site_name);
    println!("public address: {}", config.web.base_url);
    if let Some(banner) = banner {
        println!("{banner}");
    }
    println!("press Ctrl-C to stop");
    app.run(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    })
    .await
    .context("serving")?;
    println!("stopped");
    Ok(())
}

/// `/metrics` (and `/healthz`) on an address of their own, for a scraper on an internal network.
async fn serve_metrics(state: AppState, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen for metrics on {addr}: another program may be using it; change metrics.listen")
    })?;
    let bound = listener.local_addr().context("reading the metrics address")?;
    println!("metrics at http://{bound}/metrics");
    tokio::spawn(async move {
        if let Err(e) = freewire_web::health::serve_metrics(listener, state).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(())
}

/// The poller `serve` and `worker` run, subscribing at outlets' hubs when `websub.subscriber`
/// is on; with the client it fetches with.
fn make_poller(
    config: &Config,
    store: Arc<SqlStore>,
) -> anyhow::Result<(Arc<freewire_ingest::poll::Poller>, freewire_ingest::fetch::Fetcher)> {
    let fetcher = freewire_ingest::fetch::Fetcher::new(config.fetch.clone())?;
    let mut poller = freewire_ingest::poll::Poller::new(store, fetcher.clone(), config.poll.clone());
    if config.websub.subscriber {
        let callback_base = url::Url::parse(&config.web.urls().absolute("/websub/callback/"))
            .context("the site's address makes no WebSub callback address")?;
        poller = poller.with_subscriber(freewire_ingest::websub::SubscriberConfig {
            lease: config.websub.subscriber_lease,
            quiet_factor: config.websub.quiet_factor,
            ..freewire_ingest::websub::SubscriberConfig::new(callback_base)
        });
    }
    Ok((Arc::new(poller), fetcher))
}

/// `freewire worker`: polls, re-reads pages and groups stories until interrupted, serving
/// nothing. Any number run at once on one PostgreSQL database: each claims due feeds under a
/// lease of its own, and a host's request limit is shared through the database.
async fn worker(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let (poller, _fetcher) = make_poller(&config, store.clone())?;
    tokio::spawn(housekeeping(store.clone(), config.changes_keep));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(stories::follow(store.clone(), None, config.search_every, stop_rx.clone()));
    println!(
        "freewire worker: polling the {} database every {} s (lease {} s, {} request(s) per host across all workers)",
        config.engine,
        config.poll_every.as_secs(),
        config.poll.lease.as_secs(),
        config.poll.per_host
    );
    println!("press Ctrl-C to stop");
    let mut poll_stop = stop_rx.clone();
    let polling = tokio::spawn(poller.run(config.poll_every, async move {
        let _ = poll_stop.changed().await;
    }));
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    // A poll in progress finishes (within its budget) and records what it found.
    polling.await.context("the poller stopped unexpectedly")?;
    println!("stopped");
    Ok(())
}

/// Clears the upload storage of what uploads cut short left (a process killed between storing
/// a file and its update, or mid-write), in the background: the site serves meanwhile. A
/// failure is logged and retried at the next start.
async fn sweep_uploads(
    store: Arc<SqlStore>,
    blobs: Arc<dyn freewire_core::BlobStore>,
    grace: std::time::Duration,
) {
    let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    let swept = freewire_app::updates::sweep::sweep_storage(
        store.as_ref(),
        blobs.as_ref(),
        grace,
        chrono::Utc::now(),
    );
    if let Err(e) = swept.await {
        tracing::error!(error = %e, "could not sweep the upload storage; it is tried again at the next start");
    }
}

/// Changes pruned in one transaction, so that pruning a backlog never holds SQLite's one
/// writer for long.
const PRUNE_BATCH: u64 = 10_000;

/// Every hour: removes expired sessions, the rate-limit counters that have refilled and the
/// change sequence's entries older than `changes_keep`, and refreshes SQLite's statistics.
async fn housekeeping(store: Arc<SqlStore>, changes_keep: Duration) {
    let mut tick = tokio::time::interval(Duration::from_hours(1));
    loop {
        tick.tick().await;
        let now = chrono::Utc::now();
        match store.delete_expired_sessions(now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
        }
        match store.forget_attempts(now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "refilled rate-limit counters removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove rate-limit counters"),
        }
        let before =
            chrono::Duration::from_std(changes_keep).ok().and_then(|keep| now.checked_sub_signed(keep));
        let mut pruned = 0;
        while let Some(before) = before {
            match store.prune_changes(before, PRUNE_BATCH).await {
                Ok(n) => {
                    pruned += n;
                    if n < PRUNE_BATCH {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not prune the change sequence");
                    break;
                }
            }
        }
        if pruned > 0 {
            tracing::info!(removed = pruned, "old entries of the change sequence pruned");
        }
        if let Err(e) = store.optimize().await {
            tracing::warn!(error = %e, "could not update the query planner's statistics");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn import(
    config: &Config,
    file: &Path,
    source: String,
    source_url: Option<String>,
    licence: Option<&str>,
) -> anyhow::Result<()> {
    let licence = licence.map(str::parse::<Licence>).transpose()?;
    if let Some(url) = &source_url {
        url::Url::parse(url).with_context(|| {
            format!("--source-url {url:?} is not an address such as https://outlet.example/")
        })?;
    }
    let store = open_store(config).await?;
    let spec = SourceSpec { name: source, homepage: source_url, licence };
    let report = freewire_app::import::import_file(store.as_ref(), Actor::Operator, file, &spec).await?;
    stories::group_stored(store.as_ref()).await?;
    println!(
        "{}: {} item(s), {} new article(s) stored under “{}”, {} already stored",
        file.display(),
        report.items,
        report.inserted.len(),
        report.source.name,
        report.duplicates
    );
    if report.revised > 0 {
        println!(
            "{} article(s) edited by the outlet: the new text is shown, every version kept",
            report.revised
        );
    }
    let urls = config.web.urls();
    for article in &report.inserted {
        println!("  {}", urls.permalink(&article.permalink));
    }
    if licence.is_some_and(|l| l != report.source.licence) {
        println!(
            "note: “{}” already existed with licence {}; its licence was not changed",
            report.source.name, report.source.licence
        );
    }
    Ok(())
}

/// A password piped on standard input, or a generated one (`true`: print it once).
fn piped_or_generated_password() -> anyhow::Result<(String, bool)> {
    let mut given = String::new();
    if !std::io::stdin().is_terminal() {
        std::io::stdin().read_to_string(&mut given).context("reading the password from standard input")?;
    }
    let given = given.trim_end_matches(['\r', '\n']).to_owned();
    Ok(if given.is_empty() { (generate_password(), true) } else { (given, false) })
}

async fn reset_password(config: &Config, name: &str) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let (password, generated) = piped_or_generated_password()?;
    let ended = accounts::reset_password(store.as_ref(), name, password.clone()).await?;
    println!(
        "new password set for “{name}”; {} session(s) ended, {} API token(s) revoked",
        ended.sessions, ended.tokens
    );
    if generated {
        println!("password: {password}");
        println!("(shown once: pass it on safely)");
    }
    Ok(())
}

/// The `user` commands.
async fn user_command(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { name, role, email } => user_add(config, &name, &role, email).await,
        UserCommand::ResetPassword { name } => reset_password(config, &name).await,
        UserCommand::Token { name, scope, label } => user_token(config, &name, &scope, &label).await,
        UserCommand::Tokens { name } => user_tokens(config, &name).await,
        UserCommand::RevokeToken { name, id } => {
            let store = open_store(config).await?;
            let holder = account_named(&store, &name).await?;
            let id = freewire_core::ApiTokenId(id);
            freewire_app::tokens::revoke_token(store.as_ref(), Actor::Operator, &holder, id).await?;
            println!("token {id} of “{name}” revoked");
            Ok(())
        }
    }
}

/// The account `name`, or an error that says how to make one.
async fn account_named(store: &SqlStore, name: &str) -> anyhow::Result<freewire_core::User> {
    match store.user_by_name(name).await? {
        Some(user) => Ok(user),
        None => bail!(
            "there is no account named {name:?}; create it with `freewire user add {name} --role contributor`"
        ),
    }
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

async fn user_tokens(config: &Config, name: &str) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let holder = account_named(&store, name).await?;
    for t in store.api_tokens_for_user(holder.id).await? {
        let state = t.revoked_at.map_or_else(String::new, |at| format!("  revoked {}", when(Some(at))));
        println!(
            "{:>4}  {:<24}  {:<5}  {}…  made {}  last used {}{state}",
            t.id,
            t.label,
            t.scope,
            t.prefix,
            when(Some(t.created_at)),
            when(t.last_used_at)
        );
    }
    Ok(())
}

async fn user_token(config: &Config, name: &str, scope: &str, label: &str) -> anyhow::Result<()> {
    let scope: freewire_core::TokenScope = scope.parse().map_err(anyhow::Error::msg)?;
    let store = open_store(config).await?;
    let holder = account_named(&store, name).await?;
    let issued =
        freewire_app::tokens::create_token(store.as_ref(), Actor::Operator, &holder, label, scope).await?;
    println!(
        "token “{}” ({scope}) made for “{name}”; it is shown once, only its hash is kept",
        issued.token.label
    );
    println!(
        "use it as: Authorization: Bearer <token>; revoke it on {name}'s account page or with `freewire user revoke-token`"
    );
    println!("{}", issued.secret);
    Ok(())
}

async fn user_add(config: &Config, name: &str, role: &str, email: Option<String>) -> anyhow::Result<()> {
    freewire_core::check_username(name).map_err(anyhow::Error::msg)?;
    let role: Role = role.parse().map_err(anyhow::Error::msg)?;
    let (password, generated) = piped_or_generated_password()?;
    let store = open_store(config).await?;
    let account = NewAccount { username: name.to_owned(), email, role, password: password.clone() };
    accounts::create_user(store.as_ref(), account, Admission::Direct).await?;
    println!("created {role} “{name}”");
    if generated {
        println!("password: {password}");
        println!("(shown once: keep it somewhere safe)");
    }
    Ok(())
}

async fn demo(config: Config) -> anyhow::Result<()> {
    let dir = config.data_dir.clone();
    prepare_demo_dir(&dir)?;
    let store = open_store(&config).await?;
    let feeds_dir = dir.join("sample-feeds");
    std::fs::create_dir_all(&feeds_dir).with_context(|| format!("cannot create {}", feeds_dir.display()))?;
    for (file, body, source, homepage, licence) in DEMO_FEEDS {
        let path = feeds_dir.join(file);
        std::fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
        let spec = SourceSpec {
            name: (*source).to_owned(),
            homepage: Some((*homepage).to_owned()),
            licence: Some(*licence),
        };
        let report = freewire_app::import::import_file(store.as_ref(), Actor::Operator, &path, &spec).await?;
        println!("imported {} article(s) from {source}", report.inserted.len());
    }
    let (file, body) = DEMO_EDIT;
    let path = feeds_dir.join(file);
    std::fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
    let spec = SourceSpec { name: DEMO_FEEDS[0].2.to_owned(), homepage: None, licence: None };
    let report = freewire_app::import::import_file(store.as_ref(), Actor::Operator, &path, &spec).await?;
    println!(
        "{} later edited {} article(s): see “Edited by the outlet” on its page",
        spec.name, report.revised
    );
    stories::group_stored(store.as_ref()).await?;
    let password = generate_password();
    let account =
        NewAccount { username: "admin".into(), email: None, role: Role::Admin, password: password.clone() };
    match accounts::create_user(store.as_ref(), account, Admission::Direct).await {
        Ok(_) => {}
        Err(AppError::Conflict(_)) => {
            bail!(
                "the demo database already has an admin; use a fresh data folder (--data-dir) or an empty database"
            )
        }
        Err(e) => return Err(e.into()),
    }
    let banner = format!(
        "\nsign in at http://{}/login as “admin” with password: {password}\n(demo data lives in {}; delete the folder when done)",
        config.listen,
        dir.display()
    );
    drop(store);
    serve(config, Some(banner)).await
}

/// Makes `dir` an empty demo folder: replaces one an earlier demo made, refuses anything else.
fn prepare_demo_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let ours = dir.join(DEMO_MARKER).exists();
        let empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
        if ours {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot clear the earlier demo in {}", dir.display()))?;
        } else if !empty {
            bail!(
                "{} exists and was not made by `freewire demo`; choose another folder with --data-dir",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join(DEMO_MARKER), "made by freewire demo; the next demo replaces this folder\n")
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_folders_are_replaced_only_when_a_demo_made_them() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("demo");
        prepare_demo_dir(&dir).unwrap();
        std::fs::write(dir.join("leftover"), "x").unwrap();
        prepare_demo_dir(&dir).unwrap();
        assert!(!dir.join("leftover").exists(), "an earlier demo is replaced");
        let foreign = tmp.path().join("mine");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("precious"), "x").unwrap();
        let err = prepare_demo_dir(&foreign).unwrap_err().to_string();
        assert!(err.contains("--data-dir"), "{err}");
        assert!(foreign.join("precious").exists(), "nothing of someone else's is removed");
    }
}
