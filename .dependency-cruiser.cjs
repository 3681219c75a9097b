// The layer rules of ARCHITECTURE.md, checked by `npm run lint:layers` (dependency-cruiser) in CI:
// a folder may import its own layer or the layers below it, never above; nothing imports cli/;
// outside src/models nobody reaches into src/models/providers; no import cycles.
const layers = [
  ["core"],
  ["config", "store", "speed", "workspace"],
  ["edits", "models", "sandbox"],
  ["agent", "eval", "mcp", "model-bench"],
  ["runtime"],
  ["gateway", "lsp", "web"],
  ["cli"],
];

const folders = (names) => `^src/(${names.join("|")})/`;

const upwardImports = layers.slice(0, -1).map((names, level) => ({
  name: `layer-${names.join("-")}`,
  comment: `${names.join(", ")} may import only ${layers.slice(0, level + 1).flat().join(", ")} (ARCHITECTURE.md)`,
  severity: "error",
  from: { path: folders(names), pathNot: "\\.test\\.ts$" },
  to: { path: folders(layers.slice(level + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...upwardImports,
    {
      name: "providers-are-private",
      comment: "outside src/models, use the faces in src/models/index.ts, not src/models/providers/*",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/models/" },
      to: { path: "^src/models/providers/" },
    },
    {
      name: "no-cycles",
      comment: "imports point one way; a type-only cycle still ties two files together",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "every-folder-has-a-layer",
      comment: "a new folder under src/ gets a layer in .dependency-cruiser.cjs and a line in ARCHITECTURE.md",
      severity: "error",
      from: { path: "^src/", pathNot: `${folders(layers.flat())}|^src/[^/]+\\.ts$` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
