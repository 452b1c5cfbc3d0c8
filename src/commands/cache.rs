//! `cache dir` and `cache clean`: where the result cache lives, and emptying it.

use crate::app::{AppError, EXIT_CLEAN, print_stdout};
use crate::cli::CacheAction;

pub fn run(action: &CacheAction) -> Result<u8, AppError> {
    let root = crate::cache::default_dir()
        .ok_or_else(|| AppError(format!("no cache directory: set {} or HOME", crate::cache::DIR_ENV)))?;
    match action {
        CacheAction::Dir => print_stdout(&format!("{}\n", root.display()))?,
        CacheAction::Clean => {
            let removed = crate::cache::clean(&root)
                .map_err(|err| AppError(format!("cannot remove the cache in {}: {err}", root.display())))?;
            let what = if removed { "removed the cached results in" } else { "no cached results in" };
            print_stdout(&format!("{what} {}\n", root.display()))?;
        }
    }
    Ok(EXIT_CLEAN)
}
