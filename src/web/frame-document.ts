/**
 * The document an interactive block runs in: the block's content behind a CSP that allows only inline
 * script and style and data:/blob: images, so nothing in it can reach the network (WebRTC, which CSP does
 * not govern, is removed before the block's code runs), plus a small reporter
 * that tells the page whether it rendered, its errors and its height. The gateway serves the frame's
 * shell (/sandbox.html) under the same policy as a header, so the meta tag is a second lock, not the only.
 * A document the block navigates its frame to would lack the WebRTC removal: the page's frame-src 'self'
 * refuses such navigations, and SandboxFrame removes a frame that loads anything it did not give it.
 */
export type Theme = "light" | "dark";

export const FRAME_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; media-src data: blob:";

const REPORTER = `(function () {
  // CSP does not govern WebRTC: a peer connection could reach STUN/TURN servers (or leak data through
  // their DNS names). Remove it before the block's own code runs, beyond its reach to restore.
  ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel", "RTCSessionDescription", "RTCIceCandidate"].forEach(function (name) {
    Object.defineProperty(window, name, { value: undefined, writable: false, configurable: false });
  });
  var failed = false;
  function post(message) { message.type = "spark-frame"; parent.postMessage(message, "*"); }
  function height() { return Math.ceil(document.body.getBoundingClientRect().bottom + 8); }
  function fail(message) { failed = true; post({ kind: "error", message: message }); }
  window.sparkFail = fail;
  addEventListener("error", function (event) { fail(String(event.message || "script error")); });
  addEventListener("unhandledrejection", function (event) { post({ kind: "error", message: "unhandled rejection: " + String(event.reason) }); });
  addEventListener("load", function () {
    post({ kind: failed ? "failed" : "rendered", height: height() });
    if (typeof ResizeObserver === "function") new ResizeObserver(function () { post({ kind: "height", height: height() }); }).observe(document.documentElement);
  });
})();`;

function baseStyle(theme: Theme, centred: boolean): string {
  const colours = theme === "dark" ? "background:#15171c;color:#e6e6e6" : "background:#ffffff;color:#1d1f24";
  const layout = centred ? "display:flex;justify-content:center;align-items:flex-start;" : "";
  return `:root{color-scheme:${theme}}body{margin:8px;font-family:system-ui,sans-serif;${colours};${layout}}body>svg{max-width:100%;height:auto}`;
}

/** A complete HTML document for the frame; `centred` suits a single image (SVG, diagram). */
export function frameDocument(body: string, theme: Theme, centred: boolean): string {
  return [
    "<!doctype html><html><head><meta charset=\"utf-8\">",
    `<meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}">`,
    `<script>${REPORTER}</script>`,
    `<style>${baseStyle(theme, centred)}</style>`,
    "</head><body>",
    body,
    "</body></html>",
  ].join("");
}

/** Text as a JavaScript string literal that cannot end the <script> element it sits in. */
function scriptString(text: string): string {
  return JSON.stringify(text).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * A body that checks the SVG inside the frame (as XML: a cut-off or malformed image fails there and the
 * page keeps its last good render) and shows it. The page never parses the model's SVG itself.
 */
export function svgFrameBody(svg: string): string {
  return `<script>(function () {
  var parsed = new DOMParser().parseFromString(${scriptString(svg)}, "image/svg+xml");
  var problem = parsed.querySelector("parsererror");
  if (problem || parsed.documentElement.localName !== "svg") {
    sparkFail("the SVG is not well-formed: " + (problem ? (problem.textContent.match(/error on line.*?(?=Below is a rendering|$)/) || [problem.textContent])[0].trim() : "no <svg> root"));
    return;
  }
  document.body.append(document.importNode(parsed.documentElement, true));
})();</script>`;
}
