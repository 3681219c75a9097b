/** Turns a title into a URL slug. */
function slugify(text) {
  throw new Error("not implemented");
}

module.exports = { slugify };
