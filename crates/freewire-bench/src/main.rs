//! `freewire-bench`: the measured runs behind `scripts/bench.sh`. Each subcommand prints its
//! figures (JSON for the script to tabulate, or Markdown for `search`). Measurements, not
//! tests: nothing fails on a number.
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]
#![expect(clippy::cast_precision_loss, reason = "figures for people to read")]

mod agreement;
mod facts;
mod feed_server;
mod feeds;
mod generate;
mod load;
mod measure;
mod populate;
mod search;
mod stories;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "freewire-bench", about = "freewire's benchmarks (see BENCHMARKS.md)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once, at start-up")]
enum Command {
    /// Reads feed documents with freewire and with Python feedparser and counts the fields on
    /// which they agree (feed title, link, updated; entry title, link, id, dates, author,
    /// summary, content, enclosures).
    Agreement {
        /// The Python that has feedparser.
        #[arg(long, default_value = "python3")]
        python: String,
        /// Folders of feed documents (JSON left out: feedparser reads none).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Also print every disagreeing field as a Markdown table.
        #[arg(long)]
        table: bool,
    },
    /// Write a generated corpus of feeds (a third each RSS 2.0, Atom 1.0, JSON Feed 1.1).
    Corpus {
        /// Where to write it.
        dir: PathBuf,
        /// How many items in all.
        #[arg(long, default_value_t = 10_000)]
        items: usize,
    },
    /// Parse the corpus with freewire's parse path; items per second as JSON.
    Parse {
        /// The corpus folder.
        dir: PathBuf,
        /// Sanitise every item's HTML too, as feedparser does.
        #[arg(long)]
        sanitise: bool,
        /// Only the RSS and Atom documents (released feedparser reads no JSON Feed).
        #[arg(long)]
        xml_only: bool,
        /// Keep passing over the corpus for at least this many seconds.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Import the corpus into a database and index it; items per second as JSON.
    Ingest {
        /// The corpus folder.
        dir: PathBuf,
        /// The database: `sqlite://PATH?mode=rwc` or `postgres://…` (a fresh one).
        #[arg(long)]
        database: String,
    },
    /// Index 1,000,000 generated articles and query them; a Markdown table.
    Search,
    /// Store generated articles in a fresh database, for the footprint benchmark.
    Populate {
        /// The database: `sqlite://PATH?mode=rwc` or `postgres://…` (a fresh one).
        #[arg(long)]
        database: String,
        /// How many articles.
        #[arg(long, default_value_t = 1_000_000)]
        articles: usize,
    },
    /// Group a labelled set of articles into stories and score the grouping (Markdown).
    Stories {
        /// The labelled set (JSON lines: id, story, title, text).
        corpus: PathBuf,
        /// Also try a grid of settings on half of the set (printed to stderr).
        #[arg(long)]
        sweep: bool,
    },
    /// Score the dates and names extractor on its labelled sets and time it on real articles
    /// (Markdown).
    Facts {
        /// Articles to time it on (JSON lines with `text`), such as the stories corpus.
        corpus: PathBuf,
    },
    /// Group every stored article without a story (a populated database), timed; JSON.
    Grouping {
        /// The database: `sqlite://PATH?mode=rwc` or `postgres://…`.
        #[arg(long)]
        database: String,
    },
    /// Serve many small feeds on loopback for the poll-cycle benchmark, until killed.
    FeedServer {
        /// How many feeds.
        #[arg(long, default_value_t = 10_000)]
        feeds: usize,
        /// How many loopback hosts serve them (at most 254).
        #[arg(long, default_value_t = 100)]
        hosts: u8,
        /// The port (0: any free one; the addresses are printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Drive a running site with the mixed load (80 % anonymous pages, 15 % signed-in pages,
    /// 5 % updates with a file), closed loop or at a fixed rate, the server's memory and open
    /// files sampled; JSON on standard output, a Markdown summary.
    Load {
        /// The site's address, `http://HOST:PORT` (as its base URL).
        #[arg(long)]
        url: String,
        /// The pages: lines `article PATH ID`, `front PATH`, `tag PATH`, `search PATH`.
        #[arg(long)]
        paths: PathBuf,
        /// The accounts' names: this and 1, 2, … (made with `freewire user add`), one password.
        #[arg(long, default_value_t = 100)]
        accounts: usize,
        #[arg(long, default_value = "load")]
        account_prefix: String,
        /// The accounts' password.
        #[arg(long, env = "FREEWIRE_BENCH_PASSWORD", hide_env_values = true)]
        password: String,
        /// How long: `60s`, `15m`, `1h`.
        #[arg(long, default_value = "60s", value_parser = load::parse_duration)]
        duration: Duration,
        /// Closed loop: this many requests at a time.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// A fixed rate instead: this many requests a second, each timed from when it was due.
        #[arg(long)]
        rate: Option<f64>,
        /// How often the server is sampled (and a progress line written).
        #[arg(long, default_value = "30s", value_parser = load::parse_duration)]
        sample_every: Duration,
        /// Samples before this are left out of the drift (default: a tenth of the run).
        #[arg(long, value_parser = load::parse_duration)]
        warm_up: Option<Duration>,
        /// The server's process id: its resident memory and open files are sampled.
        #[arg(long)]
        pid: Option<u32>,
        /// Append a JSON line per sample to this file as the run goes.
        #[arg(long)]
        progress: Option<PathBuf>,
        /// Read `/metrics` with this token before and after, for what the poller ingested.
        #[arg(long, env = "FREEWIRE_BENCH_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        /// Write the Markdown summary here (otherwise to standard error).
        #[arg(long)]
        summary: Option<PathBuf>,
    },
}

/// mimalloc rather than the system's allocator: a page served is many small short-lived
/// allocations made from many threads, where glibc's malloc took a quarter of the CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Corpus { dir, items } => {
            let files = feeds::write_corpus(&dir, items)?;
            eprintln!("wrote {items} items in {} documents to {}", files.len(), dir.display());
        }
        Command::Parse { dir, sanitise, xml_only, seconds } => {
            println!("{}", feeds::parse(&dir, sanitise, xml_only, Duration::from_secs(seconds))?);
        }
        Command::Ingest { dir, database } => println!("{}", feeds::ingest(&dir, &database).await?),
        Command::Search => tokio::task::spawn_blocking(search::run).await?,
        Command::Populate { database, articles } => populate::run(&database, articles).await?,
        Command::Stories { corpus, sweep } => print!("{}", stories::report(&corpus, sweep)?),
        Command::Facts { corpus } => print!("{}", facts::report(&corpus)?),
        Command::Grouping { database } => println!("{}", stories::grouping(&database).await?),
        Command::FeedServer { feeds, hosts, port } => feed_server::run(feeds, hosts, port).await?,
        Command::Load {
            url,
            paths,
            accounts,
            account_prefix,
            password,
            duration,
            connections,
            rate,
            sample_every,
            warm_up,
            pid,
            progress,
            metrics_token,
            summary,
        } => {
            let options = load::Options {
                url,
                paths,
                accounts,
                account_prefix,
                password,
                duration,
                connections,
                rate,
                sample_every,
                warm_up,
                pid,
                progress,
                metrics_token,
                summary,
            };
            println!("{}", serde_json::to_string_pretty(&load::run(options).await?)?);
        }
        Command::Agreement { python, dirs, table } => println!("{}", agreement::run(&python, &dirs, table)?),
    }
    Ok(())
}
