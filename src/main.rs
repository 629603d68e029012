//! The netsleuth binary: GUI by default, headless subcommands (see `netsleuth --help`).

fn main() -> std::process::ExitCode {
    netsleuth::cli::main()
}
