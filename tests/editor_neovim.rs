//! A real editor against `nas lsp`: a headless Neovim loads `editors/neovim/nas.lua` (the file
//! the README tells Neovim users to add), opens a `.nas` file with an error and one to format,
//! and a probe script records what the editor's own LSP client received: the filetype, the
//! diagnostics, the buffer after formatting, and a hover. Needs Neovim 0.7 or later (`make
//! test` installs Debian's `neovim` when missing).

use std::path::Path;
use std::process::Command;

/// What the probe does inside Neovim, writing one line per finding to `probe.out`.
const PROBE: &str = r#"
local out = {}
local function say(s) table.insert(out, s) end
vim.cmd("edit bad.nas")
say("filetype=" .. vim.bo.filetype)
vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
for _, d in ipairs(vim.diagnostic.get(0)) do
  say(string.format("diagnostic %d:%d %s", d.lnum + 1, d.col + 1, (d.message:gsub("\n", " | "))))
end
vim.cmd("edit messy.nas")
vim.wait(20000, function() return #vim.lsp.buf_get_clients(0) > 0 end, 50)
local params = {
  textDocument = vim.lsp.util.make_text_document_params(),
  options = { tabSize = 4, insertSpaces = true },
}
for _, r in pairs(vim.lsp.buf_request_sync(0, "textDocument/formatting", params, 20000) or {}) do
  if r.result then vim.lsp.util.apply_text_edits(r.result, 0, "utf-16") end
end
for _, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
  say("formatted " .. line)
end
local hover = vim.lsp.util.make_position_params()
hover.position = { line = 0, character = 6 }
for _, r in pairs(vim.lsp.buf_request_sync(0, "textDocument/hover", hover, 20000) or {}) do
  if r.result then say("hover " .. (r.result.contents.value:gsub("\n", " | "))) end
end
vim.fn.writefile(out, "probe.out")
vim.cmd("qa!")
"#;

/// The folder holding the `nas` executable under test, for Neovim's PATH.
fn nas_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_nas"))
        .parent()
        .expect("the executable's folder")
}

#[test]
fn neovim_shows_diagnostics_formats_and_hovers_through_nas_lsp() {
    let version = Command::new("nvim").arg("--version").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "Neovim is not installed: `apt-get install neovim` (or `make test`, which installs it)"
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("bad.nas"),
        "space s {\n    input image(3, 8, 8)\n    conv(8, 3) >> nope\n}\n",
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("messy.nas"),
        "space   s {\n  input image(3, 8, 8)\n conv(8, 3 | 5)>>relu >> global_avg_pool >> linear(10)\n}\n",
    )
    .expect("writes");
    std::fs::write(dir.path().join("probe.lua"), PROBE).expect("writes");
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/neovim/nas.lua");
    let path = format!(
        "{}:{}",
        nas_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new("timeout")
        .args(["120", "nvim", "--headless", "--clean", "-c"])
        .arg(format!("luafile {}", plugin.display()))
        .args(["-c", "luafile probe.lua"])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("NAS_ALWAYS_ENGINE")
        .output()
        .expect("nvim runs");
    assert!(
        run.status.success(),
        "nvim failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let probe = std::fs::read_to_string(dir.path().join("probe.out"))
        .expect("the probe wrote its findings");
    let lines: Vec<&str> = probe.lines().collect();
    assert_eq!(lines.first(), Some(&"filetype=nas"), "{probe}");
    // `nas check` reports the unknown name at line 3, column 19, with its suggestion.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("diagnostic 3:19 unknown name `nope`")),
        "{probe}"
    );
    let formatted: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("formatted "))
        .collect();
    let fmt = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["fmt", "messy.nas"])
        .current_dir(dir.path())
        .output()
        .expect("nas fmt runs");
    let expected = String::from_utf8_lossy(&fmt.stdout).into_owned();
    assert_eq!(
        formatted,
        expected.lines().collect::<Vec<_>>(),
        "the editor's buffer after formatting is `nas fmt`'s layout"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("hover ") && l.contains("**2** architectures")),
        "{probe}"
    );
}
