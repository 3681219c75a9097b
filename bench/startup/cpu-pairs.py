#!/usr/bin/env python3
"""Start-up before/after on a machine that other work loads, where wall times swing with the load (issue 23):
CPU time (user + sys from wait4: the process and the children it waited for, e.g. git) and wall time of
whole processes of two builds of the CLI, interleaved in the same rounds (each round runs every case of
every build once, the builds' order alternating), medians, and ratios to `node -e 0` of the same rounds.
The quiet figures are `npm run bench -- startup`'s; this prints a Markdown table for bench/results/.

usage: python3 bench/startup/cpu-pairs.py ROUNDS LABEL=BIN [LABEL=BIN...]
  e.g. python3 bench/startup/cpu-pairs.py 25 main=/tmp/main/bin/spark.js branch=bin/spark.js
  env CASES: the cases to run, separated by ";" (default: all of them)"""
import os, sys, time, statistics, tempfile, json, subprocess, re, shutil
rounds = int(sys.argv[1])
bins = [a.split("=", 1) for a in sys.argv[2:]]
ws = tempfile.mkdtemp(prefix="spark-cpu-ws-")
open(ws + "/big.ts", "w").write("".join(f"export const value{i} = {i};\n" for i in range(1000)))
open(ws + "/edit.patch", "w").write("*** Begin Patch\n*** Update File: big.ts\n@@\n export const value499 = 499;\n-export const value500 = 500;\n+export const value500 = 5000;\n export const value501 = 501;\n*** End Patch\n")
home = tempfile.mkdtemp(prefix="spark-cpu-home-")
cfg_home = tempfile.mkdtemp(prefix="spark-cpu-cfg-")
os.makedirs(cfg_home + "/.spark")
open(cfg_home + "/.spark/config.toml", "w").write('[aliases]\nfast = "gpt-4o-mini"\n[sandbox]\nprotected = ["secrets/**"]\n')
env = {"PATH": os.environ["PATH"], "HOME": home, "SPARK_HOME": home + "/.spark"}
cenv = {"PATH": os.environ["PATH"], "HOME": cfg_home, "SPARK_HOME": cfg_home + "/.spark"}
def lsp_frame(msg):
    body = json.dumps(msg); return f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
init = {"jsonrpc": "2.0", "id": 1, "method": "initialize"}
LSP_IN = lsp_frame({**init, "params": {"processId": None, "rootUri": None, "capabilities": {}}})
MCP_IN = json.dumps({**init, "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}) + "\n"
def cases(b):
    return {
        "--version": ([b, "--version"], env, None),
        "--help": ([b, "--help"], env, None),
        "exec --help": ([b, "exec", "--help"], env, None),
        "apply --check": ([b, "apply", "--check", "edit.patch"], env, None),
        "apply --check with a user config": ([b, "apply", "--check", "edit.patch"], cenv, None),
        "lsp initialize": ([b, "lsp", "-m", "local:/nonexistent/model.gguf"], env, (LSP_IN, rb'"id":1,"result":\{"capabilities"')),
        "mcp initialize": ([b, "mcp"], env, (MCP_IN, rb'"serverInfo"')),
    }
want = [c for c in os.environ.get("CASES", "").split(";") if c] or list(cases("x").keys())
def run(args, e, server):
    t0 = time.perf_counter()
    if server is None:
        pid = os.fork()
        if pid == 0:
            fd = os.open("/dev/null", os.O_RDWR); os.dup2(fd, 0); os.dup2(fd, 1); os.dup2(fd, 2)
            os.chdir(ws); os.execvpe("node", ["node"] + args, e)
    else:
        p = subprocess.Popen(["node"] + args, cwd=ws, env=e, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdin.write(server[0].encode()); p.stdin.flush(); out = b""
        while not re.search(server[1], out):
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk: raise SystemExit(f"no answer: {args}")
            out += chunk
        p.stdin.close(); pid = p.pid
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if server is None and status != 0: raise SystemExit(f"failed: {args} status {status}")
    return (ru.ru_utime + ru.ru_stime) * 1000, wall * 1000
res = {}
def add(k, v): res.setdefault(k, []).append(v)
start = time.strftime("%H:%M:%S", time.gmtime()); loads = []
for r in range(rounds):
    add("node -e 0", run(["-e", "0"], env, None))
    for label, b in (bins if r % 2 == 0 else bins[::-1]):
        for name in want:
            args, e, server = cases(b)[name]
            add((name, label), run(args, e, server))
    add("node -e 0", run(["-e", "0"], env, None))
    loads.append(os.getloadavg()[0])
end = time.strftime("%H:%M:%S", time.gmtime())
for folder in (ws, home, cfg_home): shutil.rmtree(folder, ignore_errors=True)
base_cpu = statistics.median(v[0] for v in res["node -e 0"])
base_wall = statistics.median(v[1] for v in res["node -e 0"])
labels = [l for l, _ in bins]
print(f"{rounds} rounds, {start}-{end} UTC, load average (1 min) {min(loads):.1f}-{max(loads):.1f}; node -e 0: CPU {base_cpu:.1f} ms, wall {base_wall:.1f} ms (medians)\n")
print("| command | " + " | ".join(f"CPU {l}" for l in labels) + " | CPU ratio " + " → ".join(labels) + " | wall ratio " + " → ".join(labels) + " |")
print("| --- |" + " ---: |" * (len(labels) + 2))
for name in want:
    cpu = [statistics.median(x[0] for x in res[(name, l)]) for l in labels]
    wall = [statistics.median(x[1] for x in res[(name, l)]) for l in labels]
    print(f"| `spark {name}` | " + " | ".join(f"{c:.1f} ms" for c in cpu) + " | " + " → ".join(f"{c/base_cpu:.2f}x" for c in cpu) + " | " + " → ".join(f"{w/base_wall:.2f}x" for w in wall) + " |")
