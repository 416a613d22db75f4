//! The `freewire` command: see `freewire --help`.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system's allocator: a page served is many small short-lived
/// allocations made from many threads, where glibc's malloc took a quarter of the CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // TLS through ring, chosen once for the process (no aws-lc in the build).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = freewire::cli::Cli::parse();
    freewire::init_logging();
    // On the heap: every command's future together, with the configuration each holds, is
    // larger than is good for the stack it would otherwise live on.
    match Box::pin(freewire::run(cli)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
