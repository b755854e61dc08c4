"""A real MCP client for tests/mcp: the official Python SDK (`mcp`, pinned in requirements.txt)
over streamable HTTP against a running Taskwire gateway.

    client.py tools   --url URL --token T [--mode auto|legacy]
    client.py run     --url URL [--url URL2 ...] --token T [--mode auto|legacy]  < calls.json
    client.py refused --url URL [--token T]

`tools` lists the tools; `run` makes the calls read from stdin (a JSON array of
{"tool", "arguments"}) with one client, its HTTP requests going round-robin over the URLs;
`refused` connects with a missing or bad token and follows the 401 to the resource metadata,
as an OAuth-capable client would. Each prints one JSON object on stdout for the Rust test to
check, and exits non-zero with a message when something the SDK itself checks fails.
"""

import argparse
import asyncio
import json
import sys
from collections import Counter

import httpx2
from mcp import Client
from mcp.client.auth.utils import (
    build_protected_resource_metadata_discovery_urls,
    extract_resource_metadata_from_www_auth,
)
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import ProtectedResourceMetadata
from mcp.shared.auth_utils import check_resource_allowed


class RoundRobin(httpx2.AsyncBaseTransport):
    """Sends each HTTP request to the next of several gateways, as a load balancer without
    sticky sessions would, and remembers where each went and what it answered."""

    def __init__(self, urls):
        self.targets = [httpx2.URL(u) for u in urls]
        self.inner = httpx2.AsyncHTTPTransport()
        self.next = 0
        self.answers = []

    async def handle_async_request(self, request):
        target = self.targets[self.next % len(self.targets)]
        self.next += 1
        request.url = request.url.copy_with(host=target.host, port=target.port)
        request.headers["Host"] = f"{target.host}:{target.port}"
        response = await self.inner.handle_async_request(request)
        self.answers.append({"port": target.port, "status": response.status_code})
        return response

    async def aclose(self):
        await self.inner.aclose()


def client(args, transport=None):
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    http = httpx2.AsyncClient(headers=headers, transport=transport, timeout=30)
    return Client(streamable_http_client(args.url[0], http_client=http), mode=args.mode, cache=None)


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def tools(args):
    async with client(args) as c:
        listed = await c.list_tools()
        return {
            "protocol_version": c.protocol_version,
            "server": dump(c.server_info) if c.server_info else None,
            "instructions": c.instructions,
            "tools": [dump(t) for t in listed.tools],
        }


def text_of(result):
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def run(args):
    calls = json.load(sys.stdin)
    transport = RoundRobin(args.url)
    results = []
    async with client(args, transport) as c:
        for call in calls:
            # The SDK checks structuredContent against the tool's outputSchema and raises on a
            # mismatch, so every successful result here matched its schema.
            result = await c.call_tool(call["tool"], call.get("arguments"))
            results.append(
                {
                    "tool": call["tool"],
                    "is_error": bool(result.is_error),
                    "structured": result.structured_content,
                    "text": text_of(result),
                }
            )
        version = c.protocol_version
    return {
        "protocol_version": version,
        "results": results,
        "answers": transport.answers,
        "ports": dict(Counter(str(a["port"]) for a in transport.answers)),
    }


async def metadata(http, url):
    response = await http.get(url)
    entry = {"url": url, "status": response.status_code}
    if response.status_code == 200:
        document = ProtectedResourceMetadata.model_validate_json(response.content)
        entry["document"] = document.model_dump(mode="json", exclude_none=True)
    return entry


async def refused(args):
    outcome = {}
    try:
        async with client(args) as c:
            await c.list_tools()
        outcome["connected"] = True
    except Exception as e:  # the SDK's error for a 401, whatever its class
        while getattr(e, "exceptions", None):  # task groups wrap it
            e = e.exceptions[0]
        outcome["connected"] = False
        outcome["error"] = f"{type(e).__name__}: {e}"
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    async with httpx2.AsyncClient(timeout=30) as http:
        ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        response = await http.post(
            args.url[0],
            json=ping,
            headers={**headers, "Accept": "application/json, text/event-stream"},
        )
        outcome["status"] = response.status_code
        outcome["www_authenticate"] = response.headers.get("WWW-Authenticate")
        named = extract_resource_metadata_from_www_auth(response)
        outcome["resource_metadata"] = named
        urls = build_protected_resource_metadata_discovery_urls(named, args.url[0])
        outcome["metadata"] = [await metadata(http, url) for url in urls]
        for entry in outcome["metadata"]:
            if "document" in entry:
                resource = entry["document"]["resource"]
                entry["resource_allowed"] = check_resource_allowed(args.url[0], resource)
    return outcome


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["tools", "run", "refused"])
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--token")
    parser.add_argument("--mode", default="auto")
    args = parser.parse_args()
    scenario = {"tools": tools, "run": run, "refused": refused}[args.scenario]
    print(json.dumps(asyncio.run(scenario(args))))


if __name__ == "__main__":
    main()
