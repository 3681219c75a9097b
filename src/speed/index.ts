export { CallMeter } from "./call-meter.js";
