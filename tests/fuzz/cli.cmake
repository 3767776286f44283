# Parsers of `notme mcp` (cli/sse_parser.h, cli/mcp_relay.h): client lines, SSE and JSON
# answers.
notme_add_fuzzer(mcp_relay LIBS notme_cli)
