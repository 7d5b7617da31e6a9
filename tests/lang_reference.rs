//! The language reference and the tool agree: every `.nas` example in grammar/README.md (each
//! fenced block without a language tag, or tagged `nas`) checks without a diagnostic, and each
//! space it defines is counted and sampled, every sample re-encoding to itself, and sampled
//! architectures build (image spaces also run on one example).

use nas::check::check_source;
use nas::compile::catalog::{build_arch, NetworkSize};
use nas::compile::shape_and_macs;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{nn, Device, Kind, Tensor};

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

/// A few sampled architectures of `space` build; an image space's also run on one example.
fn builds(space: &nas::space::Space, name: &str) {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for _ in 0..3 {
        let arch = space.sample(&mut rng).expect("samples");
        let key = space.encode(&arch);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = build_arch(&vs.root(), space, &arch, NetworkSize::default())
            .unwrap_or_else(|e| panic!("{name}: `{key}` does not build: {e}"));
        let Some(input) = space.skeleton().input.as_ref() else {
            continue;
        };
        if input.kind == "image" {
            let mut dims = vec![1];
            dims.extend(&input.dims);
            let x = Tensor::zeros(dims.as_slice(), (Kind::Float, Device::Cpu));
            let (shape, _) = shape_and_macs(net.as_ref(), &x)
                .unwrap_or_else(|e| panic!("{name}: `{key}` does not run: {e}"));
            assert_eq!(shape.len(), 2, "{name}: `{key}` gives {shape:?}");
        }
    }
}

#[test]
fn every_example_of_the_reference_checks_counts_samples_and_builds() {
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
            builds(&space, &name);
        }
    }
    assert!(spaces > 0, "no space among the examples");
}
