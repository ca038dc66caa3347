//! The command's verbosity (`-v`, `-vv`) as the core's log set-up's default filter.

pub fn init(verbose: u8) {
    latchkey_core::logging::init(match verbose {
        0 => "warn",
        1 => "info,latchkey=debug",
        _ => "debug",
    });
}
