//! The commands behind the command line.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use freewire_core::password::{generate_password, hash_password};
use freewire_core::store::prelude::*;
use freewire_core::{Licence, NewUser, Role, Store, StoreError};
use freewire_ingest::{SourceSpec, import_file};
use freewire_store::{ObjectBlobStore, SqlStore};
use freewire_web::{AppState, Application, WebConfig};

use crate::cli::{Cli, Command, FeedCommand, OpmlCommand, SearchCommand, SourceCommand, UserCommand};
use crate::config::{Config, Overrides, Storage};
use crate::feeds;

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
                FeedCommand::Inspect { .. } => unreachable_inspect(),
            }
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
            feeds::poll_once(&config, store).await
        }
        Command::Search { command } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            let store = open_store(&config).await?;
            match command {
                SearchCommand::Rebuild => crate::search::rebuild(&config, store).await,
                SearchCommand::Query { words } => crate::search::query(&config, store, &words).await,
            }
        }
        Command::User { command: UserCommand::Add { name, role, email } } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            user_add(&config, &name, &role, email).await
        }
        Command::User { command: UserCommand::ResetPassword { name } } => {
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            reset_password(&config, &name).await
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
    let spool_dir = config.spool_dir();
    std::fs::create_dir_all(&spool_dir)
        .with_context(|| format!("cannot create the upload spool folder {}", spool_dir.display()))?;
    let web = WebConfig {
        site_name: config.site_name.clone(),
        base_url: config.base_url.clone(),
        language: config.language.clone(),
        max_upload_bytes: config.max_upload_bytes,
        daily_upload_quota_bytes: config.daily_upload_quota_bytes,
        spool_dir,
        session_days: config.session_days,
        edit_window_minutes: config.edit_window_minutes,
        registration: config.registration,
        keep_pages_for: config.keep_pages_for,
    };
    let state = AppState::new(store.clone(), Arc::new(blobs), web);
    let indexer = crate::search::open_indexer(&config, store.clone())?;
    state.attach_search(indexer.clone());
    let app = Application::build(state, config.listen).await.with_context(|| {
        format!(
            "cannot listen on {}: another program may be using it; choose another address with --listen",
            config.listen
        )
    })?;
    let addr = app.local_addr().context("reading the bound address")?;
    tokio::spawn(expire_sessions(store.clone()));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    // Builds the index on first start (the site serves meanwhile), then follows the database.
    let mut search_stop = stop_rx.clone();
    tokio::spawn(indexer.follow(config.search_every, async move {
        let _ = search_stop.changed().await;
    }));
    if config.poll_in_serve {
        let fetcher = freewire_ingest::fetch::Fetcher::new(config.fetch.clone())?;
        let poller =
            Arc::new(freewire_ingest::poll::Poller::new(store.clone(), fetcher, config.poll.clone()));
        tokio::spawn(poller.run(config.poll_every, async move {
            let _ = stop_rx.changed().await;
        }));
    }
    println!("freewire is serving “{}” at http://{addr}/", config.site_name);
    println!("public address: {}", config.base_url);
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

/// Removes expired sessions every hour.
async fn expire_sessions(store: Arc<SqlStore>) {
    let mut tick = tokio::time::interval(Duration::from_hours(1));
    loop {
        tick.tick().await;
        match store.delete_expired_sessions(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
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
    let report = import_file(store.as_ref(), file, &spec).await?;
    println!(
        "{}: {} item(s), {} new article(s) stored under “{}”, {} already stored",
        file.display(),
        report.items,
        report.inserted.len(),
        report.source.name,
        report.duplicates
    );
    for article in &report.inserted {
        println!("  {}", article.permalink.url(config.base_url.as_str()));
    }
    if licence.is_some_and(|l| l != report.source.licence) {
        println!(
            "note: “{}” already existed with licence {}; its licence was not changed",
            report.source.name, report.source.licence
        );
    }
    Ok(())
}

/// A username people can type and read in a timeline.
fn check_username(name: &str) -> anyhow::Result<()> {
    freewire_core::check_username(name).map_err(anyhow::Error::msg)
}

async fn create_user(
    store: &dyn Store,
    name: &str,
    role: Role,
    email: Option<String>,
    password: String,
) -> anyhow::Result<()> {
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .context("hashing the password")??;
    match store.insert_user(NewUser { username: name.to_owned(), email, password_hash: hash, role }).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict(_)) => bail!("a user named {name:?} exists already; choose another name"),
        Err(e) => Err(e.into()),
    }
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
    let Some(user) = store.user_by_name(name).await? else {
        bail!("there is no user named {name:?}");
    };
    let (password, generated) = piped_or_generated_password()?;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password).map(|h| (h, password)))
        .await
        .context("hashing the password")??;
    store.update_password(user.id, hash.0).await?;
    let ended = store.delete_sessions_for_user(user.id, None).await?;
    println!("new password set for “{name}”; {ended} session(s) ended");
    if generated {
        println!("password: {}", hash.1);
        println!("(shown once: pass it on safely)");
    }
    Ok(())
}

async fn user_add(config: &Config, name: &str, role: &str, email: Option<String>) -> anyhow::Result<()> {
    check_username(name)?;
    let role: Role = role.parse().map_err(anyhow::Error::msg)?;
    let (password, generated) = piped_or_generated_password()?;
    let store = open_store(config).await?;
    create_user(store.as_ref(), name, role, email, password.clone()).await?;
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
        let report = import_file(store.as_ref(), &path, &spec).await?;
        println!("imported {} article(s) from {source}", report.inserted.len());
    }
    let password = generate_password();
    match create_user(store.as_ref(), "admin", Role::Admin, None, password.clone()).await {
        Ok(()) => {}
        Err(e) if e.to_string().contains("exists already") => {
            bail!(
                "the demo database already has an admin; use a fresh data folder (--data-dir) or an empty database"
            )
        }
        Err(e) => return Err(e),
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
    fn usernames_are_typeable() {
        assert!(check_username("ada.lovelace").is_ok());
        assert!(check_username("a").is_err());
        assert!(check_username("has space").is_err());
        assert!(check_username("<script>").is_err());
    }

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
