//! Stage timings for performance work: with `ADHERE_TIMINGS=1` in the environment, each
//! stage's wall time goes to stderr, with the CPU time the whole process spent meanwhile
//! (on Linux; stages side by side share it) and their ratio, how many cores were busy.
//! Off by default (and free when off).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("ADHERE_TIMINGS").is_some_and(|v| v != "0"))
}

/// User plus system time of the process so far, in seconds.
#[cfg(target_os = "linux")]
fn cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage writes the struct it is given and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(secs(usage.ru_utime) + secs(usage.ru_stime))
}

#[cfg(not(target_os = "linux"))]
fn cpu_seconds() -> Option<f64> {
    None
}

/// Runs `f`, printing how long it took when timings are on.
pub fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let out = f();
    let wall = t.elapsed().as_secs_f64();
    match (cpu, cpu_seconds()) {
        (Some(a), Some(b)) => eprintln!("timing: {name}: {wall:.3} s (cpu {:.3} s, {:.1} cores)", b - a, (b - a) / wall.max(1e-9)),
        _ => eprintln!("timing: {name}: {wall:.3} s"),
    }
    out
}

/// Prints `text()` as a timing line when timings are on (how a stage went: its parts).
pub fn note(text: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("timing: {}", text());
    }
}
