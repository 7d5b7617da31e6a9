// A check of `nas lsp` through the protocol library the extension's client is built on
// (vscode-languageserver-protocol, under vscode-languageclient): start the server, open a
// file with an error, wait for its diagnostics, hover, format, shut down. Usage, from this
// folder after `npm install`: `node scripts/smoke.js [path/to/nas]` (default: `nas`).
// Exits 0 when every answer is what `nas check` and `nas fmt` would say, 1 otherwise.

const { spawn } = require("child_process");
const path = require("path");
const { pathToFileURL } = require("url");
const protocol = require("vscode-languageserver-protocol/node");

const nas = process.argv[2] || "nas";
const file = path.resolve("smoke-example.nas");
const uri = pathToFileURL(file).href;
const text = "op   stem(c:int)=conv(c,3)>>relx\n";

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

async function main() {
  const server = spawn(nas, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
  server.on("error", (e) => fail(`cannot start ${nas}: ${e.message}`));
  const connection = protocol.createProtocolConnection(
    new protocol.StreamMessageReader(server.stdout),
    new protocol.StreamMessageWriter(server.stdin),
  );
  const published = new Promise((resolve) => {
    connection.onNotification(protocol.PublishDiagnosticsNotification.type, (params) => {
      if (params.uri === uri) resolve(params.diagnostics);
    });
  });
  connection.listen();
  const init = await connection.sendRequest(protocol.InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
  });
  if (!init.capabilities.hoverProvider) fail("no hover capability");
  await connection.sendNotification(protocol.InitializedNotification.type, {});
  await connection.sendNotification(protocol.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: "nas", version: 1, text },
  });
  const diagnostics = await published;
  const unknown = diagnostics.find((d) => d.code === "unknown-name");
  if (!unknown) fail(`no unknown-name diagnostic in ${JSON.stringify(diagnostics)}`);
  const column = text.indexOf("relx");
  if (unknown.range.start.line !== 0 || unknown.range.start.character !== column) {
    fail(`unknown-name at ${JSON.stringify(unknown.range)}, expected column ${column}`);
  }
  const hover = await connection.sendRequest(protocol.HoverRequest.type, {
    textDocument: { uri },
    position: { line: 0, character: text.indexOf("conv") + 1 },
  });
  if (!hover || !hover.contents.value.includes("conv(c: int")) {
    fail(`hover over conv: ${JSON.stringify(hover)}`);
  }
  const edits = await connection.sendRequest(protocol.DocumentFormattingRequest.type, {
    textDocument: { uri },
    options: { tabSize: 4, insertSpaces: true },
  });
  if (!edits || edits[0].newText !== "op stem(c: int) = conv(c, 3) >> relx\n") {
    fail(`formatting: ${JSON.stringify(edits)}`);
  }
  await connection.sendRequest(protocol.ShutdownRequest.type);
  await connection.sendNotification(protocol.ExitNotification.type);
  server.on("exit", (code) => {
    if (code !== 0) fail(`nas lsp exited with ${code}`);
    console.log(`ok: diagnostics, hover and formatting from ${nas} lsp`);
    process.exit(0);
  });
}

main().catch((e) => fail(e.stack || String(e)));
