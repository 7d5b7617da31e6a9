//! The language reference and the tool agree: every `.nas` example in grammar/README.md (each
//! fenced block without a language tag, or tagged `nas`) checks without a diagnostic, and each
//! space it defines is counted and sampled, every sample re-encoding to itself.

use nas::check::check_source;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The `.nas` examples of `text` (a Markdown file): (first line, block).
fn examples(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut open: Option<(usize, String)> = None;
    let mut in_other = false;
    for (i, line) in text.lines().enumerate() {
        match line.trim_start().strip_prefix("```") {
            Some(tag) if open.is_none() && !in_other => match tag.trim() {
                "" | "nas" => open = Some((i + 2, String::new())),
                _ => in_other = true,
            },
            Some(_) if in_other => in_other = false,
            Some(_) => found.extend(open.take()),
            None => {
                if let Some((_, block)) = open.as_mut() {
                    block.push_str(line);
                    block.push('\n');
                }
            }
        }
    }
    found
}

#[test]
fn every_example_of_the_reference_checks_counts_and_samples() {
    let text = std::fs::read_to_string("grammar/README.md").expect("grammar/README.md");
    let blocks = examples(&text);
    assert!(!blocks.is_empty(), "no examples found");
    let mut spaces = 0;
    for (line, block) in blocks {
        let name = format!("grammar/README.md:{line}");
        let program = check_source(&name, &block);
        assert!(
            program.diagnostics.is_empty(),
            "{}",
            program.render_diagnostics(false)
        );
        for item in &program.main().ast.items {
            let nas::syntax::ast::ItemKind::Space(def) = &item.kind else {
                continue;
            };
            spaces += 1;
            let space = nas::space::lower_space(&program, &def.name.name)
                .unwrap_or_else(|d| panic!("{name}: {}: {}", def.name.name, d.message));
            let count = space.count().expect("counts");
            assert!(count > 0u32.into(), "{name}: empty space");
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            for _ in 0..20 {
                let arch = space.sample(&mut rng).expect("samples");
                let key = space.encode(&arch);
                let back = space.decode(&key).expect("decodes");
                assert_eq!(space.encode(&back), key, "{name}: {key}");
            }
        }
    }
    assert!(spaces > 0, "no space among the examples");
}
