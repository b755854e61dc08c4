//! The MCP server at `/mcp`, end to end: the real gateway on a real socket, driven by the
//! official MCP Python SDK (`tests/mcp/client.py`, in the venv `tests/mcp/.venv`), by the MCP
//! Inspector's CLI (`tests/mcp/node_modules`), and by plain HTTP for what a well-behaved
//! client never sends. `scripts/test.sh` installs both tools (`ensure_mcp_tools`); when they
//! are missing these tests fail and say so: they never pass without having run the client.

mod auth;
mod clients;
mod inspector;
mod protocol;
mod sdk;
mod visibility;
