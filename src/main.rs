use std::process::ExitCode;

#[cfg(all(feature = "jemalloc", not(windows)))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    #[cfg(all(feature = "jemalloc", not(windows)))]
    golint_guard::allocator::install();
    ExitCode::from(golint_guard::app::main())
}
