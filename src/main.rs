//! The netsleuth binary: GUI by default, headless subcommands (see `netsleuth --help`).

fn main() -> std::process::ExitCode {
    keep_large_blocks_returnable();
    netsleuth::cli::main()
}

/// glibc raises its mmap threshold each time a large block is freed, after which blocks of up
/// to 32 MB come from the main heap and stay resident when freed. Parsing and scoring free
/// many such column buffers, so a fixed threshold keeps peak memory near what is live.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_blocks_returnable() {
    // SAFETY: mallopt only changes allocator tuning; it is called before any other thread
    // exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_blocks_returnable() {}
