//! The text of `:help`: every command with what it does and an example.

/// One command's help: its usage, what it does, and an example.
pub struct Entry {
    /// The command's name (without `:`).
    pub name: &'static str,
    /// Its usage line.
    pub usage: &'static str,
    /// What it does.
    pub about: &'static str,
    /// An example.
    pub example: &'static str,
}

/// Every command, in the order `:help` lists them.
pub const ENTRIES: &[Entry] = &[
    Entry {
        name: "help",
        usage: ":help [COMMAND]",
        about: "this list, or one command",
        example: ":help sample",
    },
    Entry {
        name: "load",
        usage: ":load FILE",
        about: "import a file's definitions (they replace session definitions of the same names)",
        example: ":load stdlib/spaces/nb201.nas",
    },
    Entry {
        name: "reset",
        usage: ":reset",
        about: "forget every definition, architecture and Rhai variable",
        example: ":reset",
    },
    Entry {
        name: "list",
        usage: ":list",
        about: "the definitions in scope and the current space",
        example: ":list",
    },
    Entry {
        name: "use",
        usage: ":use SPACE",
        about: "make SPACE current (a session space, a stdlib space, or FILE.nas:NAME)",
        example: ":use darts",
    },
    Entry {
        name: "count",
        usage: ":count [SPACE] [unique]",
        about: "the exact number of architectures (unique: of different functions)",
        example: ":count nb201 unique",
    },
    Entry {
        name: "sample",
        usage: ":sample [SPACE] [N] [seed=S]",
        about: "N uniformly random architectures, numbered #1, #2, ...",
        example: ":sample 3 seed=7",
    },
    Entry {
        name: "mutate",
        usage: ":mutate [ARCH]",
        about: "a random one-decision change of ARCH (default: the last architecture)",
        example: ":mutate #1",
    },
    Entry {
        name: "show",
        usage: ":show [ARCH] [--dot]",
        about: "draw ARCH's cells as text (or Graphviz)",
        example: ":show #2",
    },
    Entry {
        name: "params",
        usage: ":params [ARCH]",
        about: "parameters and FLOPs of ARCH's network, on one example of the input",
        example: ":params #1",
    },
    Entry {
        name: "check",
        usage: ":check [FILE]",
        about: "all diagnostics of the session (or of FILE), warnings included",
        example: ":check scripts/nb201_table.nas",
    },
    Entry {
        name: "run",
        usage: ":run [EXPERIMENT] [nas run options]",
        about: "run an experiment with a progress bar; Ctrl-C stops it and returns here",
        example: ":run nb201_table --fresh",
    },
    Entry {
        name: "train",
        usage: ":train [ARCH] [nas train options]",
        about: "train ARCH (default: the last architecture) as `nas train` does, with its progress bar; Ctrl-C stops it and returns here",
        example: ":train #1 --epochs 1 --limit 2000",
    },
    Entry {
        name: "rhai",
        usage: ":rhai CODE",
        about: "run a Rhai snippet with `space` (the current space) and `rng`; variables persist",
        example: ":rhai let a = space.sample(); space.mutate(a).key",
    },
    Entry {
        name: "seed",
        usage: ":seed N",
        about: "reseed the session's generator (sample, mutate, rhai)",
        example: ":seed 42",
    },
    Entry {
        name: "quit",
        usage: ":quit",
        about: "leave (Ctrl-D too)",
        example: ":quit",
    },
];

/// The whole `:help` text.
pub fn all() -> String {
    let mut out = String::from(
        "Type definitions to add them to the session (a new definition of a name replaces the\n\
         old one); input continues while a bracket is open or a line ends in `>>`, `|`, `=` or `,`:\n\
         \n\
         \x20   op block(c: int) = relu >> conv(c, 3 | 5) >> batchnorm\n\
         \x20   space tiny { input image(3, 32, 32)  conv(16, 3) >> block(16) * 2 >> global_avg_pool >> linear(10) }\n\
         \n\
         A new space becomes the current one. ARCH is `#N` (an architecture the session printed),\n\
         a canonical string, or its JSON form. Commands (the `:` may be left out):\n\n",
    );
    for e in ENTRIES {
        out.push_str(&format!(
            "  {:<36} {}\n  {:<36} e.g. {}\n",
            e.usage, e.about, "", e.example
        ));
    }
    out.push_str(
        "\nTab completes keywords, names, spaces, commands and file paths after :load.\n\
         Ctrl-C clears the input (or stops a run or snippet); Ctrl-D leaves.\n",
    );
    out
}

/// The help of one command, if `name` is one.
pub fn one(name: &str) -> Option<String> {
    let name = super::input::command_name(name)?;
    let e = ENTRIES.iter().find(|e| e.name == name)?;
    Some(format!(
        "{}\n  {}\n  e.g. {}\n",
        e.usage, e.about, e.example
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_help_with_an_example() {
        for name in super::super::input::COMMANDS {
            let text = one(name).unwrap_or_else(|| panic!("no help for {name}"));
            assert!(text.contains("e.g. :"), "{text}");
        }
        assert_eq!(ENTRIES.len(), super::super::input::COMMANDS.len());
        assert!(all().contains(":sample [SPACE] [N] [seed=S]"));
        assert!(one("nope").is_none());
    }
}
