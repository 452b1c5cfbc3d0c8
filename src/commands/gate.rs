//! `gate`: build, vet, tests under -race, coverage, benchmarks and `check`, in one report.

use crate::app::AppError;
use crate::cli::GateArgs;

pub fn run(_args: GateArgs) -> Result<u8, AppError> {
    Err(AppError("gate is not implemented yet".into()))
}
