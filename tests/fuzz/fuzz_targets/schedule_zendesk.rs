//! Fuzzes the `zendesk` schedule reader: any bytes must give rows or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        adhere::schedule::fuzz_read("zendesk", text);
    }
});
