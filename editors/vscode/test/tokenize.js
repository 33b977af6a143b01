// Tokenizes policy files with the onus TextMate grammar, as VS Code does
// (vscode-textmate on the Oniguruma regex engine), and prints, per file, the
// tokens of every line with their scopes as JSON on standard output:
//   node tokenize.js FILE... > tokens.json
// [{ "file": F, "lines": [[{ "start": 0, "end": 3, "scopes": [...] }, ...], ...] }]
// Columns count UTF-16 code units, as JavaScript strings do.
"use strict";
const fs = require("fs");
const path = require("path");
const textmate = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const grammarPath = path.join(__dirname, "..", "syntaxes", "onus.tmLanguage.json");
const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;

async function main() {
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.onus"
        ? textmate.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
        : null,
  });
  const grammar = await registry.loadGrammar("source.onus");
  const out = [];
  for (const file of process.argv.slice(2)) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    let state = textmate.INITIAL;
    const tokenized = [];
    for (const line of lines) {
      const result = grammar.tokenizeLine(line.replace(/\r$/, ""), state);
      tokenized.push(result.tokens.map((t) => ({ start: t.startIndex, end: t.endIndex, scopes: t.scopes })));
      state = result.ruleStack;
    }
    out.push({ file, lines: tokenized });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
