//! `nas lsp` driven over JSON-RPC as an editor drives it: the real binary on stdin and
//! stdout, messages framed by `Content-Length`. Initialize, open documents, read the
//! published diagnostics, ask for hover, definition, completion, formatting and symbols, and
//! shut down.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// A running `nas lsp` and the messages it has sent that nobody has asked for yet.
struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nas"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("nas lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (send, incoming) = channel();
        std::thread::spawn(move || {
            while let Some(message) = read_message(&mut stdout) {
                if send.send(message).is_err() {
                    return;
                }
            }
        });
        Server {
            child,
            stdin,
            incoming,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn next(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(60))
            .expect("nas lsp answers within a minute")
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result (failing on an error response); notifications
    /// that arrive first are dropped.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self.next();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "nas", "version": 1, "text": text}}),
        );
        self.diagnostics(uri)
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The position (line, UTF-16 column) of the first `needle` in `text`, plus `shift` columns.
fn position(text: &str, needle: &str, shift: u32) -> Value {
    let offset = text.find(needle).expect("needle in text");
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column: usize = text[start..offset].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": column as u32 + shift})
}

const LIB: &str = "\
choice pick(c: int) = conv(c, 3) | skip | max_pool(3)
";

/// A comment with characters outside the BMP before the code, so that UTF-16 columns and
/// byte offsets differ.
const MAIN: &str = "\
import \"lib.nas\"
import \"stdlib/ops.nas\"

# é𝕏: a small space
cell tiny(c: int) {
    input  x0
    node   x1 = x0 >> pick(c)
    node   x2 = sum(x0 >> pick(c), x1 >> pick(c))
    output x2
}

space small(c: int = 8) {
    input image(3, 32, 32)
    relu_conv_bn(c, 3) >> tiny(c) >> global_avg_pool >> linear(10)
}
";

#[test]
fn the_server_answers_an_editor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path().canonicalize().expect("canonical temp dir");
    std::fs::write(dir.join("lib.nas"), LIB).expect("write lib");
    std::fs::write(dir.join("main.nas"), MAIN).expect("write main");
    let main_uri = uri_of(&dir.join("main.nas"));
    let lib_uri = uri_of(&dir.join("lib.nas"));

    let mut server = Server::start();
    let init = server.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    for capability in [
        "hoverProvider",
        "definitionProvider",
        "completionProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
    ] {
        assert!(!caps[capability].is_null(), "{capability} missing: {init}");
    }
    server.notify("initialized", json!({}));

    // A clean file has no diagnostics.
    let clean = server.open(&main_uri, MAIN);
    assert!(clean.is_empty(), "{clean:?}");

    // An error: an import that is not there, after a non-BMP character on the same line
    // (the range is in UTF-16 units), and an unknown name with its hint.
    let bad_path = dir.join("bad.nas");
    let bad_uri = uri_of(&bad_path);
    let bad = "import \"é𝕏.nas\"\nop stem(c: int) = conv(c, 3) >> relx\n";
    let found = server.open(&bad_uri, bad);
    let import = found
        .iter()
        .find(|d| d["code"] == "import-not-found")
        .unwrap_or_else(|| panic!("no import error in {found:?}"));
    assert_eq!(
        import["range"],
        json!({"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 16}})
    );
    assert_eq!(import["severity"], 1);
    assert!(
        import["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot import `é𝕏.nas`"),
        "{import}"
    );
    let unknown = found
        .iter()
        .find(|d| d["code"] == "unknown-name")
        .unwrap_or_else(|| panic!("no unknown name in {found:?}"));
    let relx = position(bad, "relx", 0);
    assert_eq!(unknown["range"]["start"], relx);
    assert_eq!(
        unknown["range"]["end"]["character"],
        relx["character"].as_u64().unwrap() + 4
    );
    let message = unknown["message"].as_str().unwrap();
    assert!(
        message.contains("relx") && message.contains("help: "),
        "{message}"
    );

    // Fixing it clears the diagnostics.
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": bad_uri, "version": 2},
               "contentChanges": [{"text": "op stem(c: int) = conv(c, 3) >> relu\n"}]}),
    );
    assert!(server.diagnostics(&bad_uri).is_empty());

    // Hover over a space: its signature and the number of its architectures (3 choices on
    // each of 3 edges: 27).
    let hover = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main_uri}, "position": position(MAIN, "space small", 7)}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("space small(c: int = 8)"), "{text}");
    assert!(text.contains("**27** architectures"), "{text}");
    // Over an imported choice: its parameters and file; over a built-in: its parameters; in
    // the network: the shape after that stage.
    let hover = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main_uri}, "position": position(MAIN, "pick(c)", 2)}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("choice pick(c: int)"), "{text}");
    let hover = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main_uri}, "position": position(MAIN, "linear", 2)}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("linear(n: int)"), "{text}");
    assert!(text.contains("`vector(10)`"), "{text}");

    // Go to definition: into the import, and into the stdlib.
    let def = server.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": main_uri}, "position": position(MAIN, "pick(c)", 1)}),
    );
    assert_eq!(def["uri"], lib_uri, "{def}");
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 7}));
    let def = server.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": main_uri}, "position": position(MAIN, "relu_conv_bn", 3)}),
    );
    let stdlib_ops = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/ops.nas");
    assert_eq!(
        def["uri"],
        uri_of(&stdlib_ops.canonicalize().unwrap()),
        "{def}"
    );
    let ops = std::fs::read_to_string(&stdlib_ops).unwrap();
    assert_eq!(def["range"]["start"], position(&ops, "relu_conv_bn", 0));

    // Completion: keywords, names in scope, built-ins with their parameters, stdlib spaces.
    let items = server.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": main_uri}, "position": position(MAIN, "global_avg_pool", 0)}),
    );
    let items = items.as_array().cloned().unwrap_or_default();
    let item = |label: &str| {
        items
            .iter()
            .find(|i| i["label"] == label)
            .unwrap_or_else(|| panic!("no completion {label}"))
            .clone()
    };
    assert_eq!(item("cell")["kind"], 14); // keyword
    assert!(item("pick")["detail"]
        .as_str()
        .unwrap()
        .contains("pick(c: int)"));
    assert!(item("tiny")["detail"]
        .as_str()
        .unwrap()
        .contains("cell tiny"));
    assert_eq!(item("c")["detail"], "c: int = 8");
    assert_eq!(item("conv")["detail"], "conv(c: int, [k: int], stride: int = 1, dilation: int = 1, groups: int = 1, [kh: int], [kw: int])");
    assert_eq!(item("nb201")["detail"], "stdlib/spaces/nb201.nas");

    // Formatting: the `nas fmt` layout.
    let messy = "op   a(c:int)=conv(c,3)>>relu\n";
    let messy_uri = uri_of(&dir.join("messy.nas"));
    server.open(&messy_uri, messy);
    let edits = server.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": messy_uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], "op a(c: int) = conv(c, 3) >> relu\n");
    assert_eq!(
        edits[0]["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}})
    );

    // Document symbols: the items, with their parameters and bound names.
    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": main_uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tiny", "small"]);
    let tiny: Vec<&str> = symbols[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(tiny, ["c", "x0", "x1", "x2"]);
    assert_eq!(
        symbols[0]["selectionRange"]["start"],
        position(MAIN, "tiny", 0)
    );

    // Shutdown, then exit: the process ends with status 0.
    let result = server.request("shutdown", Value::Null);
    assert!(result.is_null());
    server.notify("exit", Value::Null);
    let status = server.child.wait().expect("nas lsp exits");
    assert!(status.success(), "{status}");
}
