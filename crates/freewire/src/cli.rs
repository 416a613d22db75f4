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
    /// Manage sources (outlets).
    Source {
        /// The source command.
        #[command(subcommand)]
        command: SourceCommand,
    },
    /// Manage the feeds freewire follows, and look inside a feed.
    Feed {
        /// The feed command.
        #[command(subcommand)]
        command: FeedCommand,
    },
    /// Stories: articles of several outlets about one event.
    Story {
        /// The story command.
        #[command(subcommand)]
        command: StoryCommand,
    },
    /// One article: where it came from, its story, the outlet's edits, its names and dates.
    Article {
        /// The article command.
        #[command(subcommand)]
        command: ArticleCommand,
    },
    /// Import or export the list of followed feeds as OPML.
    Opml {
        /// The OPML command.
        #[command(subcommand)]
        command: OpmlCommand,
    },
    /// Poll the feeds that are due.
    Poll {
        /// Poll once and exit (the only mode; `serve` polls continuously).
        #[arg(long)]
        once: bool,
    },
    /// Follow feeds without serving pages: poll the feeds that are due, re-read articles'
    /// pages for the outlets' edits and group new articles into stories, until stopped. Run
    /// one or several beside `serve` replicas that have `poll.enabled = false`; on PostgreSQL
    /// the workers share the feeds through leases and each host's request limit.
    Worker,
    /// Look after this process's search index.
    Search {
        /// The search command.
        #[command(subcommand)]
        command: SearchCommand,
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

/// Search commands.
#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Rebuild the index from the database, showing progress. Stop `serve` first if it uses
    /// the same index folder; readers keep the old index until the new one is complete.
    Rebuild,
    /// Search the index from the command line, with the same words and filters as the site
    /// (`"a phrase"`, `-word`, `source:`, `tag:`, `from:`, `to:`).
    Query {
        /// What to search for.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
        words: Vec<String>,
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
    /// Set a new password for an account (no mail server needed) and end all its sessions.
    /// The password is read from standard input when it is piped, or generated and printed once.
    ResetPassword {
        /// The username.
        name: String,
    },
    /// Make an API token for an account. It is printed once (the last line of the output); only
    /// its hash is kept. Revoke it on the account page.
    Token {
        /// The username.
        name: String,
        /// What it may do: read, write (includes read) or admin (includes write). A call is also
        /// bounded by the account's role.
        #[arg(long, value_name = "SCOPE", default_value = "read")]
        scope: String,
        /// A name to tell it apart ("newsroom bot").
        #[arg(long, value_name = "TEXT", default_value = "command line")]
        label: String,
    },
    /// List an account's API tokens: id, label, scope, first characters, made, last used,
    /// revoked.
    Tokens {
        /// The username.
        name: String,
    },
    /// Revoke one of an account's API tokens (see `user tokens`).
    RevokeToken {
        /// The username.
        name: String,
        /// The token's id.
        id: i64,
    },
}

/// Source commands.
#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Add an outlet.
    Add {
        /// The outlet's name, as credited on every article.
        name: String,
        /// The outlet's homepage.
        #[arg(long, value_name = "URL")]
        homepage: String,
        /// The licence its articles are republished under (CC-BY-4.0, public-domain, permission,
        /// excerpt-only …).
        #[arg(long, value_name = "ID")]
        licence: String,
        /// How the outlet asks to be credited, if not by its name.
        #[arg(long, value_name = "TEXT")]
        credit: Option<String>,
    },
    /// Change a source's name, homepage, credit line, licence or search policy (what is not
    /// given stays). A new licence applies to its articles already published; a new name moves
    /// its page, and the old address sends visitors on. Recorded in the audit log.
    Edit {
        /// The source's current name, or its id (see `source list`).
        source: String,
        /// A new name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// A new homepage ("" removes it).
        #[arg(long, value_name = "URL")]
        homepage: Option<String>,
        /// A new credit line ("" removes it).
        #[arg(long, value_name = "TEXT")]
        credit: Option<String>,
        /// A new licence (CC-BY-4.0, public-domain, permission, excerpt-only …).
        #[arg(long, value_name = "ID")]
        licence: Option<String>,
        /// What search engines are told: ours (our copy is canonical), original (point at the
        /// outlet's), or noindex.
        #[arg(long, value_name = "POLICY")]
        index_policy: Option<String>,
    },
    /// List sources.
    List,
}

/// Feed commands.
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Follow a feed.
    Add {
        /// The feed's address.
        url: String,
        /// The source it belongs to.
        #[arg(long, value_name = "NAME")]
        source: String,
    },
    /// List followed feeds with their state, last success, last error and next poll.
    List,
    /// Stop polling a feed.
    Disable {
        /// The feed's id (see `feed list`).
        id: i64,
    },
    /// Poll a disabled feed again.
    Enable {
        /// The feed's id.
        id: i64,
    },
    /// Poll a feed at the next round (of `serve` or `poll`), rather than when it is due.
    PollNow {
        /// The feed's id.
        id: i64,
    },
    /// Parse a feed file or URL and show what freewire reads in it.
    Inspect {
        /// A file path, or an http(s) URL.
        target: String,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// OPML commands.
#[derive(Debug, Subcommand)]
pub enum OpmlCommand {
    /// Follow every feed in an OPML file, one source per feed.
    Import {
        /// The OPML file.
        file: PathBuf,
        /// The licence for sources the file creates (default: excerpt-only, the safe choice
        /// until an editor records the outlet's terms).
        #[arg(long, value_name = "ID")]
        licence: Option<String>,
    },
    /// Print the followed feeds as OPML.
    Export,
}

/// Article commands.
#[derive(Debug, Subcommand)]
pub enum ArticleCommand {
    /// Show an article: its source and original, its story, every version the outlet published
    /// (with the retrieval that brought it and what changed), and the people, places,
    /// organisations and dates it names.
    Show {
        /// The article's id, permalink path (`2021/03/08/slug`) or address.
        article: String,
        /// An object with `id`, `permalink`, `title`, `source`, `original_url`, `story`,
        /// `revisions` (`[{at, retrieval, summary}]`), `entities` (`{people, places,
        /// organisations}`) and `dates` (`[{date, text, sentence, ahead}]`).
        #[arg(long)]
        json: bool,
    },
    /// Find again the people, places, organisations and dates of every published article
    /// (after upgrading from a version that kept none), showing progress.
    Facts,
}

/// Story commands.
#[derive(Debug, Subcommand)]
pub enum StoryCommand {
    /// List stories, newest first.
    List {
        /// An array of `{id, title, url, articles: [{id, permalink, source, original_url, published}]}`.
        #[arg(long)]
        json: bool,
        /// At most this many (the newest); all without it.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
    /// Show one story and its articles.
    Show {
        /// The story's id.
        id: i64,
        /// As a JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Regroup every article into stories again (editors' placements are kept).
    Rebuild,
    /// Merge story FROM into story INTO (FROM's address leads to INTO).
    Merge {
        /// The story that goes.
        from: i64,
        /// The story that stays.
        into: i64,
    },
    /// Move an article to another story.
    Move {
        /// The article's id.
        article: i64,
        /// The story's id.
        story: i64,
    },
    /// Split an article off into a story of its own.
    Split {
        /// The article's id.
        article: i64,
    },
    /// Give a story a name of your own.
    Rename {
        /// The story's id.
        id: i64,
        /// The new name.
        #[arg(required = true, num_args = 1..)]
        title: Vec<String>,
    },
}
