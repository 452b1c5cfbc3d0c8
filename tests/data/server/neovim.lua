-- Driven by tests/server.rs: Neovim's own LSP client opens a Go file with golint-guard server,
-- waits for its diagnostics, applies the preferred quick fix and checks the buffer. Writes "ok"
-- or what went wrong to $GG_RESULT, then quits.
local function run()
  local root, bin = vim.env.GG_ROOT, vim.env.GG_BIN
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/main.go'))
  local bufnr = vim.api.nvim_get_current_buf()
  local config = { name = 'golint-guard', cmd = { bin, 'server' }, root_dir = root }
  -- vim.lsp.start (0.8+) finds or starts the client and attaches it; Debian 12 ships 0.7.
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = bufnr })
  else
    local client_id = vim.lsp.start_client(config)
    assert(client_id, 'the client did not start')
    vim.lsp.buf_attach_client(bufnr, client_id)
  end

  local found = vim.wait(30000, function() return #vim.diagnostic.get(bufnr) > 0 end, 20)
  assert(found, 'no diagnostics arrived')
  local diagnostic = vim.diagnostic.get(bufnr)[1]
  local code = diagnostic.code or (diagnostic.user_data and diagnostic.user_data.lsp and diagnostic.user_data.lsp.code)
  assert(code == 'signal-unbuffered', 'unexpected diagnostic: ' .. vim.inspect(diagnostic))
  assert(diagnostic.source == 'golint-guard', 'source: ' .. tostring(diagnostic.source))

  vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = {}, only = { 'quickfix' } }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 20000)
  local chosen
  for _, response in pairs(responses or {}) do
    for _, action in ipairs(response.result or {}) do
      if action.isPreferred then chosen = action end
    end
  end
  assert(chosen, 'no preferred quick fix: ' .. vim.inspect(responses))
  vim.lsp.util.apply_workspace_edit(chosen.edit, 'utf-16')

  local line = vim.api.nvim_buf_get_lines(bufnr, 8, 9, false)[1]
  assert(line == '\tc := make(chan os.Signal, 1)', 'the buffer after the fix: ' .. vim.inspect(line))
  -- The edit reaches the server as a change to the unsaved buffer, which lints clean.
  local cleared = vim.wait(30000, function() return #vim.diagnostic.get(bufnr) == 0 end, 20)
  assert(cleared, 'the diagnostic did not clear: ' .. vim.inspect(vim.diagnostic.get(bufnr)))
end

local ok, err = pcall(run)
local out = io.open(vim.env.GG_RESULT, 'w')
out:write(ok and 'ok' or tostring(err))
out:close()
vim.cmd('qa!')
