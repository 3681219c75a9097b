const assert = require("node:assert");
const { add, multiply } = require("./src/math.js");
assert.strictEqual(add(2, 3), 5, "add(2, 3)");
assert.strictEqual(add(-1, 1), 0, "add(-1, 1)");
assert.strictEqual(multiply(2, 3), 6, "multiply(2, 3)");
assert.strictEqual(multiply(-4, 0.5), -2, "multiply(-4, 0.5)");
console.log("ok");
