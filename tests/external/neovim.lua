-- Driven by tests/external.rs: headless Neovim loads the documented
-- config (editors/neovim/onus.lua), opens a policy, waits for the language
-- server's diagnostics, asks for a hover and a definition, and writes what
-- it got as JSON to $ONUS_OUT. Neovim's own LSP client does all the talking.
vim.cmd("filetype on")
vim.g.onus_cmd = os.getenv("ONUS_BIN")
dofile(os.getenv("ONUS_CONFIG"))
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("ONUS_FILE")))
local buf = vim.api.nvim_get_current_buf()
local result = { filetype = vim.bo[buf].filetype, diagnostics = {} }
vim.wait(30000, function()
  return #vim.diagnostic.get(buf) > 0
end, 50)
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(result.diagnostics, {
    code = d.code or lsp.code,
    line = d.lnum,
    severity = d.severity,
    source = d.source,
    message = d.message,
  })
end
-- Hover over the layer of the first control (`layer   = identity`).
local line = vim.fn.search("= identity", "n") - 1
local col = vim.fn.getline(line + 1):find("identity") + 1
local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = line, character = col },
}
local replies = vim.lsp.buf_request_sync(buf, "textDocument/hover", params, 10000) or {}
for _, reply in pairs(replies) do
  if reply.result then
    result.hover = reply.result.contents.value
  end
end
-- Go to the definition of `identity`: std's layers, opened read-only
-- through the config's onus-std:// reader.
replies = vim.lsp.buf_request_sync(buf, "textDocument/definition", params, 10000) or {}
for _, reply in pairs(replies) do
  local found = reply.result
  if found and found[1] then
    found = found[1]
  end
  if found and found.uri then
    vim.cmd("edit " .. vim.fn.fnameescape(found.uri))
    local std = vim.api.nvim_get_current_buf()
    result.definition = {
      uri = found.uri,
      line = vim.api.nvim_buf_get_lines(std, found.range.start.line, found.range.start.line + 1, false)[1],
      modifiable = vim.bo[std].modifiable,
    }
  end
end
vim.fn.writefile({ vim.fn.json_encode(result) }, os.getenv("ONUS_OUT"))
vim.cmd("qall!")
