export { CallMeter } from "./call-meter.js";
// Speculative decoding lives in ./speculation: it loads node-llama-cpp, which remote-only paths never need.
