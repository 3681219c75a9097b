/**
 * Answers the scripted upstream streams to the web UI's tests and benchmark: markdown with a live SVG, a
 * Mermaid diagram and an HTML app; an HTML app that probes its sandbox; a diagram that breaks at the end.
 */

const fence = "```";

export const BLOCKS_ANSWER = [
  "Here is the **design**, drawn three ways.",
  "",
  `${fence}svg`,
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">',
  '  <circle id="dot" cx="60" cy="60" r="50" fill="#f5a524"/>',
  "</svg>",
  fence,
  "",
  "The request path:",
  "",
  `${fence}mermaid`,
  "graph LR",
  "  Browser --> Gateway",
  "  Gateway --> Upstream",
  fence,
  "",
  "And a counter to play with:",
  "",
  `${fence}html`,
  '<button id="inc">Add one</button>',
  '<p id="count">clicked 0</p>',
  "<script>",
  "  let clicks = 0;",
  '  document.getElementById("inc").addEventListener("click", () => {',
  '    document.getElementById("count").textContent = "clicked " + (++clicks);',
  "  });",
  "</script>",
  fence,
  "",
  "- one `inline` item",
  "- and another",
  "",
  `${fence}ts`,
  "export const answer: number = 42;",
  fence,
  "",
  "That is all.",
].join("\n");

/** An app that tries to reach the page, its cookies and storage, and `probeUrl`, and shows what happened. */
export function probeAnswer(probeUrl: string): string {
  return [
    "A probing app:",
    "",
    `${fence}html`,
    '<p id="probe">running</p>',
    "<script>",
    "  const result = {};",
    '  const attempt = (name, read) => { try { result[name] = String(read()); } catch (error) { result[name] = "blocked:" + error.name; } };',
    '  attempt("parent", () => parent.document.title);',
    '  attempt("cookie", () => document.cookie);',
    '  attempt("storage", () => localStorage.getItem("secret"));',
    '  attempt("webrtc", () => new RTCPeerConnection({ iceServers: [{ urls: "stun:127.0.0.1:9" }] }));',
    `  const image = new Promise((resolve) => { const img = new Image(); img.onload = () => resolve("loaded"); img.onerror = () => resolve("blocked"); img.src = ${JSON.stringify(`${probeUrl}?image`)}; });`,
    `  const request = fetch(${JSON.stringify(probeUrl)}).then((response) => "reached:" + response.status, (error) => "blocked:" + error.name);`,
    "  Promise.all([request, image]).then(([fetched, loaded]) => {",
    "    result.fetch = fetched; result.image = loaded; result.done = true;",
    '    document.getElementById("probe").textContent = JSON.stringify(result);',
    "  });",
    "</script>",
    fence,
  ].join("\n");
}

/**
 * Apps that navigate their own frame away from the sandbox's shell: once rendered, one to a data: document
 * that tries WebRTC (which only the shell's reporter removes) and reports what it got to the page by
 * postMessage, one to `probeUrl` on another origin with a secret in the URL; a third to the same data:
 * document while its own is still loading.
 */
export function navigatingAnswer(probeUrl: string): string {
  const escapee = [
    "<script>",
    "let webrtc;",
    `try { const peer = new RTCPeerConnection({ iceServers: [{ urls: "stun:${new URL(probeUrl).host}" }] }); peer.createDataChannel("leak"); webrtc = "created"; }`,
    'catch (error) { webrtc = "blocked:" + error.name; }',
    'parent.postMessage({ type: "spark-escapee", webrtc }, "*");',
    "</scr" + "ipt>",
  ].join("");
  const leave = (url: string) => [
    `${fence}html`,
    "<p>leaving</p>",
    "<script>",
    `  addEventListener("load", () => setTimeout(() => { location.href = ${JSON.stringify(url)}; }));`,
    "</script>",
    fence,
  ];
  return [
    "Three apps that leave:",
    "",
    ...leave(`data:text/html,${encodeURIComponent(escapee)}`),
    "",
    ...leave(`${probeUrl}?navigated=secret`),
    "",
    `${fence}html`,
    "<script>",
    `  location.href = ${JSON.stringify(`data:text/html,${encodeURIComponent(escapee)}`)};`,
    "</script>",
    fence,
    "",
    "Done.",
  ].join("\n");
}

/** A diagram that is valid, then gets a line Mermaid cannot parse, then ends: three chunks. */
export const BREAKING_DIAGRAM_CHUNKS = [
  `A diagram:\n\n${fence}mermaid\ngraph LR\n  Alpha --> Beta\n`,
  "  Beta --> ((((\n",
  `${fence}\n\nDone.`,
];

/** Cuts text into pieces of `size` characters, as a fast model's deltas. */
export function splitForStreaming(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}
