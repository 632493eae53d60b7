"""The MCP server against the official MCP Python SDK (PyPI `mcp`, 1.x) as the client, over both
transports: stdio (`todo mcp`, a client of the running server with TODO_URL and a personal API
token) and Streamable HTTP (`/mcp` on the server, bearer token). For each: initialize, list the
tools (their schemas are the OpenAPI document's), call every tool, a bad argument, and a read-only
token's refusal — compared with what the API itself says.   BASE_URL, TODO_BIN"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

sys.path.insert(0, os.path.dirname(__file__))
from e2e_api import BASE, api, call, fail, ok  # noqa: E402

TOOLS = {"add_task", "list_tasks", "search_tasks", "get_task", "update_task", "complete_task", "reopen_task", "delete_task", "list_projects"}


def answer(result, label):
    """A tool result's JSON, failing the script on a tool error."""
    if result.isError:
        fail(f"{label}: tool error {result.content[0].text if result.content else ''}")
    data = json.loads(result.content[0].text)
    if result.structuredContent is not None and result.structuredContent != data:
        fail(f"{label}: structuredContent differs from the text content")
    return data


def refused(result, label, *words):
    if not result.isError:
        fail(f"{label}: expected a tool error, got {result.content[0].text[:200] if result.content else result}")
    text = result.content[0].text
    for w in words:
        if w not in text:
            fail(f"{label}: the error does not say {w!r}: {text[:300]}")
    return text


async def exercise(session, transport, token):
    init = await session.initialize()
    if init.serverInfo.name != "todo" or not init.capabilities.tools:
        fail(f"{transport}: initialize answered {init.serverInfo} {init.capabilities}")
    tools = {t.name: t for t in (await session.list_tools()).tools}
    if set(tools) != TOOLS:
        fail(f"{transport}: tools {sorted(tools)}")
    add = tools["add_task"].inputSchema
    spec = api("GET", "/openapi.json")["components"]["schemas"]
    if add["properties"]["title"] != spec["TaskCreate"]["properties"]["title"] or "$ref" in json.dumps(add):
        fail(f"{transport}: add_task's schema is not the API's TaskCreate, inlined: {json.dumps(add)[:300]}")
    if add["properties"]["priority"].get("enum") != spec["Priority"].get("enum"):
        fail(f"{transport}: add_task's priority does not take the API's values: {add['properties']['priority']}")
    if tools["get_task"].inputSchema["required"] != ["id"] or not tools["list_tasks"].annotations.readOnlyHint:
        fail(f"{transport}: get_task/list_tasks schema or annotations: {tools['get_task'].inputSchema} {tools['list_tasks'].annotations}")
    ok(f"{transport}: initialize, 9 tools whose input schemas are the OpenAPI document's (refs inlined), read-only ones marked")

    quick = answer(await session.call_tool("add_task", {"text": f"Buy milk tomorrow 9am #shopping !high ({transport})"}), "add_task text")
    if quick["title"] != f"Buy milk ({transport})" or quick["priority"] != "high" or quick["tags"] != ["shopping"] or not quick["due"]:
        fail(f"{transport}: quick add parsed {quick}")
    fields = answer(await session.call_tool("add_task", {"title": f"Water plants {transport}", "priority": "low", "tags": ["home"],
                                                         "due": {"date": "2031-05-01"}, "recurrence": {"rule": "FREQ=WEEKLY"}}), "add_task fields")
    same = api("GET", f"/api/v1/tasks/{fields['id']}", token=token)
    if same != answer(await session.call_tool("get_task", {"id": fields["id"]}), "get_task"):
        fail(f"{transport}: get_task differs from GET /api/v1/tasks/{{id}}")
    listed = answer(await session.call_tool("list_tasks", {"tag": ["home"], "sort": "due"}), "list_tasks")
    if [t["id"] for t in listed["items"]] != [t["id"] for t in api("GET", "/api/v1/tasks?tag=home&sort=due", token=token)["items"]]:
        fail(f"{transport}: list_tasks(tag=home) differs from the API's list")
    today = answer(await session.call_tool("list_tasks", {"view": "upcoming", "days": 3}), "list_tasks view")
    if quick["id"] not in [t["id"] for t in today["items"]]:
        fail(f"{transport}: view=upcoming does not hold tomorrow's task")
    found = answer(await session.call_tool("search_tasks", {"query": "milk"}), "search_tasks")
    if quick["id"] not in [t["id"] for t in found["items"]]:
        fail(f"{transport}: search_tasks('milk') does not find it")
    updated = answer(await session.call_tool("update_task", {"id": quick["id"], "description": "2 litres", "priority": "none"}), "update_task")
    if updated["description"] != "2 litres" or updated["priority"] != "none":
        fail(f"{transport}: update_task answered {updated}")
    done = answer(await session.call_tool("complete_task", {"id": fields["id"]}), "complete_task")
    if not done["completed_at"]:
        fail(f"{transport}: complete_task answered {done}")
    series = api("GET", f"/api/v1/tasks?tag=home&status=open&q={transport}", token=token)["items"]
    for _ in range(50):
        if any(t["due"] and t["due"].get("date") == "2031-05-08" for t in series):
            break
        await asyncio.sleep(0.1)
        series = api("GET", f"/api/v1/tasks?tag=home&status=open&q={transport}", token=token)["items"]
    else:
        fail(f"{transport}: completing the weekly task made no next occurrence: {series}")
    reopened = answer(await session.call_tool("reopen_task", {"id": fields["id"]}), "reopen_task")
    if reopened["completed_at"] is not None:
        fail(f"{transport}: reopen_task answered {reopened}")
    projects = answer(await session.call_tool("list_projects", {}), "list_projects")
    if "Inbox" not in [p["name"] for p in projects["items"]]:
        fail(f"{transport}: list_projects has no Inbox: {projects}")
    answer(await session.call_tool("delete_task", {"id": quick["id"]}), "delete_task")
    if call("GET", f"/api/v1/tasks/{quick['id']}", token=token)[0] != 404:
        fail(f"{transport}: the deleted task is still there")
    ok(f"{transport}: every tool — add (quick-add text and fields), get, list (filters, view), search, update, complete (next occurrence made), reopen, list_projects, delete — answers what the API answers")

    before = len(api("GET", "/api/v1/tasks?status=all&limit=200", token=token)["items"])
    refused(await session.call_tool("add_task", {"title": "x", "priority": "extreme"}), f"{transport} bad priority", "422", "priority")
    refused(await session.call_tool("get_task", {"id": "not-a-task"}), f"{transport} bad id", "id", "UUID")
    refused(await session.call_tool("add_task", {"description": "no title"}), f"{transport} no title", "title")
    refused(await session.call_tool("get_task", {"id": "00000000-0000-4000-8000-000000000000"}), f"{transport} unknown id", "404")
    if len(api("GET", "/api/v1/tasks?status=all&limit=200", token=token)["items"]) != before:
        fail(f"{transport}: a refused call created a task")
    ok(f"{transport}: bad arguments are tool errors with the API's problem text (field and reason), nothing created")


async def read_only(session, transport, task_id):
    await session.initialize()
    answer(await session.call_tool("get_task", {"id": task_id}), f"{transport} read-only get_task")
    text = refused(await session.call_tool("complete_task", {"id": task_id}), f"{transport} read-only complete", "403")
    ok(f"{transport}: a read-only token reads, and cannot complete ({text.splitlines()[0][:80]})")


async def main():
    status, _, _ = call("POST", "/api/v1/auth/signup", {"email": "mcp@example.com", "password": "mcp-pass-123", "display_name": "M", "time_zone": "UTC"})
    access = api("POST", "/api/v1/auth/login", {"email": "mcp@example.com", "password": "mcp-pass-123"})["access_token"]
    write = api("POST", "/api/v1/tokens", {"name": "assistant", "scopes": ["tasks:read", "tasks:write"]}, access, expect=201)["token"]
    read = api("POST", "/api/v1/tokens", {"name": "reader", "scopes": ["tasks:read"]}, access, expect=201)["token"]
    target = api("POST", "/api/v1/tasks", {"title": "Read me"}, access, expect=201)["id"]

    binary = os.environ["TODO_BIN"]

    def stdio(token):
        return stdio_client(StdioServerParameters(command=binary, args=["mcp"], env={"TODO_URL": BASE, "TODO_TOKEN": token, "PATH": os.environ["PATH"]}))

    async with stdio(write) as (r, w):
        async with ClientSession(r, w) as session:
            await exercise(session, "stdio", write)
    async with stdio(read) as (r, w):
        async with ClientSession(r, w) as session:
            await read_only(session, "stdio", target)

    def http(token):
        return streamablehttp_client(BASE + "/mcp", headers={"Authorization": f"Bearer {token}"})

    async with http(write) as (r, w, _):
        async with ClientSession(r, w) as session:
            await exercise(session, "http", write)
    async with http(read) as (r, w, _):
        async with ClientSession(r, w) as session:
            await read_only(session, "http", target)

    # Without a token the endpoint answers 401, and never runs a tool.
    status, _, body = call("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers={"accept": "application/json, text/event-stream"})
    if status != 401:
        fail(f"/mcp without a token answered {status}: {body[:200]!r}")
    ok("http: /mcp without a token answers 401")


asyncio.run(main())
