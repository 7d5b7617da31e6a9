//! The `nas` command line: a thin shell over [`nas::cli`].

fn main() -> std::process::ExitCode {
    nas::cli::main()
}
