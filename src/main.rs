use std::process::ExitCode;

fn main() -> ExitCode {
    salesdojo::cli::main()
}
