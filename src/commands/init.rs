//! `init`: write a commented default golint-guard.toml.

use crate::app::{AppError, EXIT_CLEAN};
use crate::cli::InitArgs;

pub fn run(_args: &InitArgs) -> Result<u8, AppError> {
    Ok(EXIT_CLEAN)
}
