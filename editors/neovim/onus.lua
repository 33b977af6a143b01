-- onus in Neovim (0.7 or later), with its built-in LSP client: the `onus`
-- filetype, `onus lsp` started once per project (the nearest folder with an
-- onus.toml, else the file's folder), and the standard library's read-only
-- documents (onus-std:///models.onus) that go-to-definition opens.
--
-- Install: copy this file to ~/.config/nvim/plugin/onus.lua. Set
-- `vim.g.onus_cmd` first to use an onus that is not on PATH.

vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
  pattern = "*.onus",
  command = "setfiletype onus",
})

local clients = {}

local function project_root(file)
  local dir = vim.fn.fnamemodify(file, ":p:h")
  local found = vim.fn.findfile("onus.toml", dir .. ";")
  if found ~= "" then
    return vim.fn.fnamemodify(found, ":p:h")
  end
  return dir
end

local function start(buf)
  local root = project_root(vim.api.nvim_buf_get_name(buf))
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({
      name = "onus",
      cmd = { vim.g.onus_cmd or "onus", "lsp" },
      root_dir = root,
    })
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(buf, id)
  end
end

vim.api.nvim_create_autocmd("FileType", {
  pattern = "onus",
  callback = function(args)
    start(args.buf)
  end,
})

-- A std location (onus-std:///...) is not a file: ask the server for its
-- text and show it read-only.
vim.api.nvim_create_autocmd("BufReadCmd", {
  pattern = "onus-std://*",
  callback = function(args)
    for _, client in ipairs(vim.lsp.get_active_clients()) do
      if client.name == "onus" then
        local reply = client.request_sync("onus/stdSource", { uri = args.match }, 5000, args.buf)
        if reply and reply.result then
          local lines = vim.split(reply.result.text, "\n", { plain = true })
          if lines[#lines] == "" then
            table.remove(lines)
          end
          vim.api.nvim_buf_set_lines(args.buf, 0, -1, false, lines)
          vim.bo[args.buf].modifiable = false
          vim.bo[args.buf].buftype = "nofile"
          vim.bo[args.buf].filetype = "onus"
          vim.lsp.buf_attach_client(args.buf, client.id)
          return
        end
      end
    end
  end,
})
