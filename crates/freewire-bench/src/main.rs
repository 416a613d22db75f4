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
}

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
        Command::Agreement { python, dirs, table } => println!("{}", agreement::run(&python, &dirs, table)?),
    }
    Ok(())
}
