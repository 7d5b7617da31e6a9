//! `nas check FILE...`: parse and check `.nas` files (with their imports) and print every
//! diagnostic. Exits 1 when any file has an error; warnings alone do not fail.

use crate::check::{check_file, dump};
use crate::syntax::diagnostic::stdout_wants_color;
use crate::syntax::Severity;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `nas check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The `.nas` files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Also print each file's checked form: what every name resolved to and the shapes
    /// inferred through each space.
    #[arg(long)]
    dump: bool,
}

/// Runs `nas check`.
pub fn run(args: Args) -> ExitCode {
    let color = stdout_wants_color();
    let (mut errors, mut warnings) = (0usize, 0usize);
    for path in &args.files {
        let program = match check_file(path) {
            Ok(program) => program,
            Err(error) => {
                println!("error: cannot read {}: {error}", path.display());
                errors += 1;
                continue;
            }
        };
        print!("{}", program.render_diagnostics(color));
        for diagnostic in &program.diagnostics {
            match diagnostic.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
        }
        if args.dump {
            print!("{}", dump(&program));
        }
    }
    let files = args.files.len();
    println!(
        "checked {files} file{}: {errors} error{}, {warnings} warning{}",
        if files == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    );
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
