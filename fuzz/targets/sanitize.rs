//! Fuzz target `sanitize`: `sanitize_html` with and without a base; its output must hold no
//! active content and be a fixed point (`pipelines::sanitize` and `active_content` in the test
//! suite's support files, included by path so that `tests/fuzz_findings.rs` and the property
//! tests judge by the same rules).

#[path = "../../crates/freewire-ingest/tests/support/active_content.rs"]
#[allow(dead_code, reason = "shared with the tests, which use more of it")]
mod active_content;
#[path = "../../crates/freewire-ingest/tests/support/pipelines.rs"]
#[allow(dead_code, reason = "one pipeline per target")]
mod pipelines;

fn main() {
    afl::fuzz!(|data: &[u8]| pipelines::sanitize(data));
}
