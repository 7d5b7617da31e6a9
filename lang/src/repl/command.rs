//! Parsing `:command` lines into [`Command`]s. A malformed command is a [`Problem`] with a
//! hint, never a panic.

use super::input::command_name;

/// A parsed command.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `:help [COMMAND]`
    Help(Option<String>),
    /// `:load FILE`
    Load(String),
    /// `:reset`
    Reset,
    /// `:list`
    List,
    /// `:use SPACE`
    Use(String),
    /// `:count [SPACE] [unique]`
    Count {
        /// The space (default: the current one).
        space: Option<String>,
        /// Count architectures that differ as functions instead.
        unique: bool,
    },
    /// `:sample [SPACE] [N] [seed=S]`
    Sample {
        /// The space (default: the current one).
        space: Option<String>,
        /// How many.
        n: usize,
        /// A seed of their own (default: the session's generator).
        seed: Option<u64>,
    },
    /// `:mutate [ARCH]`
    Mutate(Option<String>),
    /// `:show [ARCH] [--dot]`
    Show {
        /// The architecture (default: the last one).
        arch: Option<String>,
        /// Graphviz instead of text.
        dot: bool,
    },
    /// `:params [ARCH]`
    Params(Option<String>),
    /// `:check [FILE]`
    Check(Option<String>),
    /// `:run [EXPERIMENT] [nas run options]`
    Run {
        /// The experiment (default: the session's only one).
        experiment: Option<String>,
        /// Options passed on to `nas run` (`--fresh`, `--resume`, `--seeds 3`, ...).
        options: Vec<String>,
    },
    /// `:train [ARCH] [nas train options]`
    Train {
        /// The architecture (default: the last one).
        arch: Option<String>,
        /// Options passed on to `nas train` (`--epochs 2`, `--data synthetic`, ...).
        options: Vec<String>,
    },
    /// `:rhai CODE`
    Rhai(String),
    /// `:seed N`
    Seed(u64),
    /// `:quit`
    Quit,
}

/// A command that could not be parsed: what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl Problem {
    /// A problem with `message` and `hint`.
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// The problem as the command line prints errors: `error: ...` and `  hint: ...`.
    pub fn render(&self) -> String {
        format!("error: {}\n  hint: {}\n", self.message, self.hint)
    }
}

/// Parses a command line (`:name args`, or `name args` for a command name).
pub fn parse(line: &str) -> Result<Command, Problem> {
    let body = line.trim().trim_start_matches(':');
    let word_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let (word, rest) = body.split_at(word_end);
    let rest = rest.trim();
    let Some(name) = command_name(word) else {
        let known = super::input::COMMANDS.join(" :");
        let hint = match crate::syntax::suggest::did_you_mean(
            word,
            super::input::COMMANDS.iter().copied(),
        ) {
            Some(close) => format!("did you mean `:{close}`? (`:help` lists every command)"),
            None => format!("the commands are :{known}"),
        };
        return Err(Problem::new(format!("unknown command `:{word}`"), hint));
    };
    let args: Vec<&str> = rest.split_whitespace().collect();
    let optional = |rest: &str| (!rest.is_empty()).then(|| rest.to_string());
    Ok(match name {
        "help" => Command::Help(args.first().map(|a| a.trim_start_matches(':').to_string())),
        "load" => match rest {
            "" => {
                return Err(Problem::new(
                    "`:load` needs a file",
                    "for example `:load my_space.nas`",
                ))
            }
            file => Command::Load(unquote(file).to_string()),
        },
        "reset" => no_args(name, &args, Command::Reset)?,
        "list" => no_args(name, &args, Command::List)?,
        "quit" => no_args(name, &args, Command::Quit)?,
        "use" => match args.as_slice() {
            [space] => Command::Use(space.to_string()),
            _ => {
                return Err(Problem::new(
                    "`:use` needs one space",
                    "for example `:use nb201`",
                ))
            }
        },
        "count" => {
            let mut space = None;
            let mut unique = false;
            for a in &args {
                match *a {
                    "unique" | "--unique" => unique = true,
                    other if space.is_none() && is_name(other) => space = Some(other.to_string()),
                    other => {
                        return Err(Problem::new(
                            format!("`:count` does not take `{other}`"),
                            "write `:count [SPACE] [unique]`, e.g. `:count nb201 unique`",
                        ))
                    }
                }
            }
            Command::Count { space, unique }
        }
        "sample" => parse_sample(&args)?,
        "mutate" => Command::Mutate(optional(rest)),
        "show" => {
            let (dot, arch) = match rest.strip_suffix("--dot") {
                Some(before) => (true, before.trim()),
                None => (false, rest),
            };
            Command::Show {
                arch: optional(arch),
                dot,
            }
        }
        "params" => Command::Params(optional(rest)),
        "check" => Command::Check(optional(rest).map(|f| unquote(&f).to_string())),
        "run" => {
            let (experiment, options) = match args.split_first() {
                Some((first, more)) if !first.starts_with('-') => {
                    (Some(first.to_string()), more.to_vec())
                }
                _ => (None, args.clone()),
            };
            Command::Run {
                experiment,
                options: options.into_iter().map(String::from).collect(),
            }
        }
        "train" => {
            let (arch, options) = match args.split_first() {
                Some((first, more)) if !first.starts_with('-') => {
                    (Some(first.to_string()), more.to_vec())
                }
                _ => (None, args.clone()),
            };
            Command::Train {
                arch,
                options: options.into_iter().map(String::from).collect(),
            }
        }
        "rhai" => match rest {
            "" => {
                return Err(Problem::new(
                    "`:rhai` needs a snippet",
                    "for example `:rhai let a = space.sample(); a.key`",
                ))
            }
            code => Command::Rhai(code.to_string()),
        },
        "seed" => match args.as_slice() {
            [n] => Command::Seed(n.parse().map_err(|_| {
                Problem::new(
                    format!("`{n}` is not a seed"),
                    "a seed is a whole number, e.g. `:seed 7`",
                )
            })?),
            _ => {
                return Err(Problem::new(
                    "`:seed` needs a number",
                    "for example `:seed 7`",
                ))
            }
        },
        _ => {
            return Err(Problem::new(
                format!("`:{name}` is not handled"),
                "`:help` lists every command",
            ))
        }
    })
}

fn parse_sample(args: &[&str]) -> Result<Command, Problem> {
    let mut space = None;
    let mut n = None;
    let mut seed = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        let seed_text = if let Some(v) = a.strip_prefix("seed=").or(a.strip_prefix("--seed=")) {
            Some(v)
        } else if a == "seed" || a == "--seed" {
            i += 1;
            Some(args.get(i).copied().unwrap_or(""))
        } else {
            None
        };
        if let Some(v) = seed_text {
            seed = Some(v.parse::<u64>().map_err(|_| {
                Problem::new(
                    format!("`{v}` is not a seed"),
                    "a seed is a whole number, e.g. `seed=7`",
                )
            })?);
        } else if let Ok(count) = a.parse::<usize>() {
            if n.is_some() {
                return Err(Problem::new(
                    "`:sample` takes one count",
                    "write `:sample [SPACE] [N] [seed=S]`",
                ));
            }
            n = Some(count);
        } else if space.is_none() && is_name(a) {
            space = Some(a.to_string());
        } else {
            return Err(Problem::new(
                format!("`:sample` does not take `{a}`"),
                "write `:sample [SPACE] [N] [seed=S]`, e.g. `:sample nb201 3 seed=7`",
            ));
        }
        i += 1;
    }
    Ok(Command::Sample {
        space,
        n: n.unwrap_or(1),
        seed,
    })
}

fn no_args(name: &str, args: &[&str], command: Command) -> Result<Command, Problem> {
    if args.is_empty() {
        Ok(command)
    } else {
        Err(Problem::new(
            format!("`:{name}` takes no arguments"),
            format!("write just `:{name}`"),
        ))
    }
}

/// Whether `text` is a name (letters, digits, `_`, not starting with a digit) or a
/// `FILE.nas:NAME` space reference.
fn is_name(text: &str) -> bool {
    let name = text.rsplit_once(':').map_or(text, |(_, n)| n);
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `text` without surrounding double quotes.
fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse(":quit"), Ok(Command::Quit));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(
            parse(":sample nb201 3 seed=7"),
            Ok(Command::Sample {
                space: Some("nb201".into()),
                n: 3,
                seed: Some(7)
            })
        );
        assert_eq!(
            parse(":sample 2 --seed 4"),
            Ok(Command::Sample {
                space: None,
                n: 2,
                seed: Some(4)
            })
        );
        assert_eq!(
            parse(":count unique"),
            Ok(Command::Count {
                space: None,
                unique: true
            })
        );
        assert_eq!(
            parse(":show #2 --dot"),
            Ok(Command::Show {
                arch: Some("#2".into()),
                dot: true
            })
        );
        assert_eq!(
            parse(":mutate a=1 b=relu"),
            Ok(Command::Mutate(Some("a=1 b=relu".into())))
        );
        assert_eq!(
            parse(":run nb201_table --fresh"),
            Ok(Command::Run {
                experiment: Some("nb201_table".into()),
                options: vec!["--fresh".into()]
            })
        );
        assert_eq!(
            parse(":load \"a b.nas\""),
            Ok(Command::Load("a b.nas".into()))
        );
        assert_eq!(parse(":rhai 1 + 2"), Ok(Command::Rhai("1 + 2".into())));
    }

    #[test]
    fn bad_commands_are_problems_with_hints() {
        let unknown = parse(":cuont").expect_err("typo");
        assert!(unknown.hint.contains(":count"), "{unknown:?}");
        assert!(parse(":sample x y").is_err());
        assert!(parse(":sample seed=z").is_err());
        assert!(parse(":seed").is_err());
        assert!(parse(":reset now").is_err());
        assert!(parse(":load").is_err());
        assert!(parse(":use").is_err());
        assert!(parse(":rhai").is_err());
        assert!(parse(":count 3").is_err());
    }
}
