import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { listAllTools } from "./mcp-connections.js";
import { StderrTail } from "./stderr-tail.js";
import { uniqueToolNames } from "./tool-names.js";

const tool = (name: string) => ({ name, inputSchema: { type: "object" } });

describe("listAllTools", () => {
  it("follows nextCursor until the last page", async () => {
    const pages: Record<string, { tools: ReturnType<typeof tool>[]; nextCursor?: string }> = {
      first: { tools: [tool("a"), tool("b")], nextCursor: "p2" },
      p2: { tools: [tool("c")], nextCursor: "p3" },
      p3: { tools: [tool("d")] },
    };
    const cursors: (string | undefined)[] = [];
    const client = {
      listTools: async (params?: { cursor?: string }) => {
        cursors.push(params?.cursor);
        return pages[params?.cursor ?? "first"] as { tools: ReturnType<typeof tool>[]; nextCursor?: string };
      },
    };
    const listed = await listAllTools(client as never, 1000);
    expect(listed.tools.map((each) => each.name)).toEqual(["a", "b", "c", "d"]);
    expect(listed.cut).toBe(false);
    expect(cursors).toEqual([undefined, "p2", "p3"]);
  });

  it("stops a server that pages in a circle or forever, and says so", async () => {
    let calls = 0;
    const circle = { listTools: async () => ({ tools: [tool(`t${++calls}`)], nextCursor: "again" }) };
    const listed = await listAllTools(circle as never, 1000);
    expect(listed.cut).toBe(true);
    expect(calls).toBe(2);
    let page = 0;
    const endless = { listTools: async () => ({ tools: [tool(`t${page}`)], nextCursor: `p${++page}` }) };
    const bounded = await listAllTools(endless as never, 1000);
    expect(bounded.cut).toBe(true);
    expect(page).toBeLessThanOrEqual(50);
  });
});

describe("uniqueToolNames", () => {
  it("keeps distinct names and gives colliding ones a stable hash suffix, reported", () => {
    const long = "x".repeat(80);
    const tools = [
      { server: "docs", tool: "search" },
      { server: "docs", tool: `${long}_one` },
      { server: "docs", tool: `${long}_two` },
      { server: "a.b", tool: "run" },
      { server: "a_b", tool: "run" },
    ];
    const { names, renamed } = uniqueToolNames(tools);
    const all = names.map((each) => each.name);
    expect(new Set(all).size).toBe(all.length);
    expect(all[0]).toBe("mcp__docs__search");
    expect(all.every((name) => name.length <= 64 && /^[A-Za-z0-9_-]+$/.test(name))).toBe(true);
    expect(renamed.map((each) => each.tool)).toEqual([`${long}_two`, "run"]);
    expect(renamed[1]?.server).toBe("a_b");
    expect(uniqueToolNames(tools).names).toEqual(names);
  });
});

describe("StderrTail", () => {
  it("keeps only the last lines, each bounded", async () => {
    const stream = new PassThrough();
    const tail = new StderrTail(stream, 3, 10);
    stream.write("one\ntwo\nthree\n");
    stream.write(`four\n${"y".repeat(50)}\nfive`);
    stream.end();
    await tail.settled(1000);
    expect(tail.text()).toEqual(["four", `${"y".repeat(10)}…`, "five"]);
  });
});
