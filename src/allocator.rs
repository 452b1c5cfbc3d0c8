//! The binary's allocator: jemalloc, for Rust (the `#[global_allocator]` in main.rs) and for
//! tree-sitter's C, which allocates a node at a time while parsing and frees a whole tree after
//! each file.
//!
//! Why: measured on the standard library, a check took 16-22% less CPU than with glibc's
//! malloc, whose free lists and consolidation miss the cache far more than its instruction
//! count suggests (callgrind's cache simulation put `malloc_consolidate` first among the
//! check's D1 misses). Freed pages go back to the OS after 100 ms (`MALLOC_CONF` below), which
//! keeps the peak RSS near glibc's.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_void};

/// jemalloc's `const char *malloc_conf`, read once at its first allocation (before `main`).
/// Dirty pages decay after 100 ms: the default ten seconds raised the standard library's peak RSS
/// from about 87 to 105 MiB, but handing each freed page back at once (0 ms) made every file's
/// tree a storm of `madvise` calls and page faults, which the two threads serialize on in the
/// kernel. Measured side by side on the standard library (benches/compare.sh, 2 cores), 100 ms
/// against 0: a check's CPU 5.96 s against 6.60 (wall 3.29 against 3.63), peak RSS 90.0 against
/// 87.6 MiB (98.1 MiB for four copies); one thread to two went to 1.78x (1.60x at 0 ms in the
/// run before).
#[repr(transparent)]
pub struct MallocConf(*const c_char);

// SAFETY: the pointer is to a 'static C string that nothing writes.
unsafe impl Sync for MallocConf {}

const MALLOC_CONF_TEXT: &std::ffi::CStr = c"dirty_decay_ms:100,muzzy_decay_ms:0";

// SAFETY: jemalloc (prefixed `_rjem_`, as tikv-jemalloc-sys builds it off macOS and Windows)
// declares this symbol weak and reads it as a C string; nothing else defines it.
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: MallocConf = MallocConf(MALLOC_CONF_TEXT.as_ptr());

/// tree-sitter must never be handed a null for a non-zero size; its own default aborts too.
fn or_abort(ptr: *mut c_void, size: usize) -> *mut c_void {
    if ptr.is_null() && size != 0 {
        eprintln!("golint-guard: out of memory allocating {size} bytes");
        std::process::abort();
    }
    ptr
}

unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    // SAFETY: malloc has no preconditions.
    or_abort(unsafe { tikv_jemalloc_sys::malloc(size) }, size)
}

unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    // SAFETY: calloc has no preconditions (it checks the product for overflow).
    or_abort(unsafe { tikv_jemalloc_sys::calloc(count, size) }, count.saturating_mul(size))
}

unsafe extern "C" fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: tree-sitter passes null or a pointer from these functions.
    or_abort(unsafe { tikv_jemalloc_sys::realloc(ptr, size) }, size)
}

unsafe extern "C" fn free(ptr: *mut c_void) {
    // SAFETY: tree-sitter passes null or a pointer from these functions.
    unsafe { tikv_jemalloc_sys::free(ptr) }
}

/// Route tree-sitter's allocations to jemalloc. Call once, first thing in `main`, before any
/// parser or tree exists.
pub fn install() {
    let allocator = tree_sitter::Allocator { malloc, calloc, realloc, free };
    // SAFETY: called before any other tree-sitter call and before any thread starts; the four
    // functions are one family, never return null for a non-zero size, and jemalloc aligns as
    // malloc does.
    unsafe { tree_sitter::set_allocator(Some(allocator)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// jemalloc (linked into this test binary too) took `MALLOC_CONF`: a misspelt option or a
    /// symbol name it does not read would leave the decay at its default of 10 s.
    #[test]
    fn jemalloc_reads_the_decay_settings() {
        for (option, expected) in [(c"opt.dirty_decay_ms", 100), (c"opt.muzzy_decay_ms", 0)] {
            let mut value: isize = -2;
            let mut len = std::mem::size_of::<isize>();
            // SAFETY: `value` and `len` describe a writable ssize_t, which is what these
            // options hold; no new value is written.
            let status = unsafe {
                tikv_jemalloc_sys::mallctl(
                    option.as_ptr(),
                    (&raw mut value).cast(),
                    &raw mut len,
                    std::ptr::null_mut(),
                    0,
                )
            };
            assert_eq!(status, 0, "{option:?}");
            assert_eq!(value, expected, "{option:?}");
        }
    }

    /// The tree-sitter functions hand out usable memory and take it back.
    #[test]
    fn tree_sitter_functions_allocate_and_free() {
        // SAFETY: each pointer comes from these functions and is freed once.
        unsafe {
            let block = malloc(64).cast::<u8>();
            block.write_bytes(7, 64);
            let grown = realloc(block.cast(), 4096).cast::<u8>();
            assert_eq!(*grown.add(63), 7);
            free(grown.cast());
            let zeroed = calloc(16, 8).cast::<u8>();
            assert!((0..128).all(|i| *zeroed.add(i) == 0));
            free(zeroed.cast());
        }
    }
}
