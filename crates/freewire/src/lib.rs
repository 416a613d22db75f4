//! The `freewire` binary's library half: the command line, configuration, and the commands,
//! the only place that knows every concrete type (which store engine, which object store).

mod articles;
pub mod cli;
mod commands;
pub mod config;
mod feeds;
mod search;
mod stories;

pub use commands::run;

/// Logs go to standard error, at the level `FREEWIRE_LOG` names (default: `info`), so that
/// standard output stays for what a command prints for its user.
pub fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("FREEWIRE_LOG").unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
