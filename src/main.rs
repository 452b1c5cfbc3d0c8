use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(golint_guard::app::main())
}
