-- Neovim 0.7 headless: start `cilint server` with the built-in LSP client, open a pipeline file, wait
-- for cilint's diagnostics and print them one per line (`CODE line:col message`), then quit.
-- Run: nvim --headless -u NONE -c "luafile tests/editors/nvim_diagnostics.lua" -- PYTHON FILE
local python, file = arg and arg[1], arg and arg[2]
python = python or vim.env.CILINT_PYTHON
file = file or vim.env.CILINT_FILE
local client_id = vim.lsp.start_client({
  name = "cilint",
  cmd = { python, "-m", "cilint", "server" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
})
vim.cmd("edit " .. vim.fn.fnameescape(file))
vim.bo.filetype = "yaml"
vim.lsp.buf_attach_client(0, client_id)
local found = vim.wait(20000, function()
  return #vim.diagnostic.get(0) > 0
end, 100)
if not found then
  io.stdout:write("no diagnostics\n")
  vim.cmd("cquit 1")
end
for _, d in ipairs(vim.diagnostic.get(0)) do
  io.stdout:write(string.format("%s %d:%d %s\n", d.code or "?", d.lnum + 1, d.col + 1,
    (d.message:gsub("\n.*", ""))))
end
vim.lsp.stop_client(client_id)
vim.cmd("qall!")
