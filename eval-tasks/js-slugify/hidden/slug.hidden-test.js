const assert = require("node:assert");
const { slugify } = require("./src/slug.js");
assert.strictEqual(slugify("Hello, World!"), "hello-world");
assert.strictEqual(slugify("  --Spark  2.0--  "), "spark-2-0");
assert.strictEqual(slugify("Crème Brûlée"), "creme-brulee");
assert.strictEqual(slugify(""), "");
console.log("ok");
