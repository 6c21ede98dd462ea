//! Counting the heap a thread allocates, so a script's memory can be bounded.
//!
//! rhai's size limits bound one string, array or map, but not how many of them a script keeps
//! (it checks a map's size when the map is built, not when `m[key] = v` adds to it). The
//! global allocator counts, per thread, the bytes allocated minus the bytes freed; a hook
//! call notes the count when it starts and the engine stops the script once it has grown by
//! more than [`Limits::memory`](super::Limits::memory). The cost is one thread-local add per
//! allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread (frees of other threads' memory make
    /// it smaller; only differences over one call on one thread are read).
    static NET: Cell<isize> = const { Cell::new(0) };
}

fn add(n: isize) {
    // `try_with`: never touch a thread-local that is being torn down.
    let _ = NET.try_with(|c| c.set(c.get().wrapping_add(n)));
}

/// This thread's net allocated bytes so far.
pub fn net_bytes() -> isize {
    NET.try_with(Cell::get).unwrap_or(0)
}

/// The system allocator, counting per thread.
pub struct Counting;

fn size(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counting touches no
// memory the caller owns and never allocates (the thread-local is const-initialised and has
// no destructor).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout, under the caller's guarantees.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(size(layout.size()));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(size(layout.size()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator (that is, by `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        add(-size(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc` for `ptr` and `layout`; `new_size` is the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(size(new_size) - size(layout.size()));
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::net_bytes;

    #[test]
    fn allocations_on_this_thread_are_counted_and_frees_subtracted() {
        let before = net_bytes();
        let v: Vec<u8> = Vec::with_capacity(1 << 20);
        let during = net_bytes();
        drop(v);
        let after = net_bytes();
        assert!(during - before >= 1 << 20, "{before} → {during}");
        assert!(after - before < 1 << 10, "{before} → {after}");
    }
}
