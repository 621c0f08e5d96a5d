//! Stage timings for performance work: with `ADHERE_TIMINGS=1` in the environment, each
//! stage's wall time goes to stderr. Off by default (and free when off).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("ADHERE_TIMINGS").is_some_and(|v| v != "0"))
}

/// Runs `f`, printing how long it took when timings are on.
pub fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let t = Instant::now();
    let out = f();
    eprintln!("timing: {name}: {:.3} s", t.elapsed().as_secs_f64());
    out
}
