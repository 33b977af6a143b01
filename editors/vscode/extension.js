// The onus extension: starts `onus lsp` for .onus files and shows the
// standard library's read-only documents (onus-std:///models.onus), whose
// text the server sends on request.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("onus");
  const command = config.get("path") || "onus";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "onus",
    "onus",
    { run: server, debug: server },
    {
      documentSelector: [
        { scheme: "file", language: "onus" },
        { scheme: "onus-std", language: "onus" },
      ],
      initializationOptions: { facts: config.get("facts") || [] },
    }
  );
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider("onus-std", {
      provideTextDocumentContent: async (uri) => {
        const reply = await client.sendRequest("onus/stdSource", { uri: uri.toString() });
        return reply ? reply.text : "";
      },
    })
  );
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.uri.scheme === "onus-std" && doc.languageId !== "onus") {
        vscode.languages.setTextDocumentLanguage(doc, "onus");
      }
    })
  );
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
