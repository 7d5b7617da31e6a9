-- `nas lsp` in Neovim (0.7 or later): `.nas` files get the nas filetype, and each one is
-- attached to one `nas lsp` client (started with the first). Put this file in
-- ~/.config/nvim/plugin/, or `dofile` it from init.lua. `vim.g.nas_path` names the nas
-- executable (default: `nas` on the PATH). tests/editor_neovim.rs runs this file in a
-- headless Neovim against the real server.
vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
  pattern = "*.nas",
  command = "setfiletype nas",
})

local client_id = nil

vim.api.nvim_create_autocmd("FileType", {
  pattern = "nas",
  callback = function(args)
    if client_id == nil or vim.lsp.get_client_by_id(client_id) == nil then
      client_id = vim.lsp.start_client({
        name = "nas",
        cmd = { vim.g.nas_path or "nas", "lsp" },
        root_dir = vim.fn.getcwd(),
      })
    end
    if client_id ~= nil then
      vim.lsp.buf_attach_client(args.buf, client_id)
    end
  end,
})
