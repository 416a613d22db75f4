//! What a run measures besides time: this process's memory, folder sizes, percentiles.

use std::time::Duration;

/// A `/proc/self/status` figure, in MiB.
pub fn status_mib(name: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resident memory as "N MiB (A MiB own, F MiB mapped index files)": the mapped pages are the
/// kernel's page cache, shared and given back under memory pressure.
pub fn resident() -> String {
    format!(
        "{:.0} MiB ({:.0} MiB own, {:.0} MiB mapped index files)",
        status_mib("VmRSS:"),
        status_mib("RssAnon:"),
        status_mib("RssFile:")
    )
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
pub fn memory() -> (f64, f64) {
    (status_mib("VmRSS:"), status_mib("VmHWM:"))
}

pub fn folder_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => folder_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}
