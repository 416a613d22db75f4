//! Fuzz target `feed`: a fetched feed's whole way in (parse, then sanitise, text and extract
//! every item's bodies). The steps are `pipelines::feed` in the test suite's support files,
//! included by path so that `tests/fuzz_findings.rs` replays findings through the same code.

#[path = "../../crates/freewire-ingest/tests/support/active_content.rs"]
#[allow(dead_code, reason = "shared with the tests, which use more of it")]
mod active_content;
#[path = "../../crates/freewire-ingest/tests/support/pipelines.rs"]
#[allow(dead_code, reason = "one pipeline per target")]
mod pipelines;

fn main() {
    // No panic hook: `extract_article` catches a panic of its article extractor on purpose;
    // any other panic still aborts, and AFL++ keeps the input as a crash.
    afl::fuzz_nohook!(|data: &[u8]| pipelines::feed(data));
}
