// The VS Code client of `nas lsp`: starts the server for `.nas` files and lets
// vscode-languageclient carry diagnostics, hover, definitions, completion, formatting and
// the outline between the editor and it. Highlighting is the TextMate grammar in
// grammar/nas.tmLanguage.json (copied into syntaxes/ by `npm run compile`).

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(_context: vscode.ExtensionContext): Promise<void> {
  const command = vscode.workspace.getConfiguration("nas").get<string>("path", "nas");
  const server: ServerOptions = { command, args: ["lsp"] };
  const options: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "nas" }],
  };
  client = new LanguageClient("nas", "nas language server", server, options);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
