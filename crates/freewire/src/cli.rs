//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// freewire: follow independent outlets' feeds and republish their articles in full, with
/// credit, a citation and a timeline of readers' updates.
#[derive(Debug, Parser)]
#[command(name = "freewire", version, about, long_about = None)]
pub struct Cli {
    /// A TOML configuration file; `FREEWIRE_*` environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data folder (SQLite file, uploads); overrides `FREEWIRE_DATA_DIR`.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site.
    Serve {
        /// Address to listen on (overrides `FREEWIRE_LISTEN`); port 0 picks a free one.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Import a local RSS, Atom or JSON Feed file as articles of a source.
    Import {
        /// The feed file.
        file: PathBuf,
        /// The outlet the articles come from; created if new.
        #[arg(long, value_name = "NAME")]
        source: String,
        /// The outlet's homepage, for a new source.
        #[arg(long, value_name = "URL")]
        source_url: Option<String>,
        /// The licence for a new source (for example CC-BY-4.0, public-domain, permission).
        #[arg(long, value_name = "ID")]
        licence: Option<String>,
    },
    /// Manage accounts.
    User {
        /// The account command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Start a demonstration site: a fresh data folder, sample articles, an admin account.
    Demo {
        /// Address to listen on.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input when it is piped, or
    /// generated and printed once.
    Add {
        /// The username (letters, digits, `.`, `_`, `-`).
        name: String,
        /// admin, editor or contributor.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// An e-mail address to keep with the account.
        #[arg(long)]
        email: Option<String>,
    },
}
