//! [`catch_silently`]: runs third-party code (cairo-vm on a class from elsewhere, cairo-lang's
//! hashing and compilation of untrusted classes) where a panic becomes an error value, without
//! the panic message that Rust's default hook prints.
//!
//! A caught panic is an expected outcome here (a malformed class, a hint dividing by zero:
//! rejected classes and reverted calls), so printing "thread … panicked" for it would tell a user
//! a bug happened when none did. Every other panic still reaches the hook that was installed
//! before: the first call installs one process-wide hook that stays silent only while the
//! panicking thread is inside `catch_silently`, and defers to the previous hook otherwise.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many `catch_silently` frames this thread is inside.
    static SILENT_DEPTH: Cell<u32> = const { Cell::new(0) };
}

static INSTALL: Once = Once::new();

fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if SILENT_DEPTH.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it returns `Err` with the panic's message instead of unwinding
/// further, and prints nothing. `f` must leave nothing half-updated that the caller uses after
/// an `Err` (the callers here drop the runner or class under construction).
pub(crate) fn catch_silently<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    SILENT_DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    SILENT_DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_silently(|| 7), Ok(7));
        assert_eq!(
            catch_silently(|| -> u32 { panic!("boom {}", 1) }),
            Err("boom 1".to_string())
        );
        let nested = catch_silently(|| catch_silently(|| -> () { panic!("inner") }));
        assert_eq!(nested, Ok(Err("inner".to_string())));
        // The depth is restored after a panic, so a later panic elsewhere is reported.
        assert_eq!(SILENT_DEPTH.with(Cell::get), 0);
    }
}
