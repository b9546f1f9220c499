import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "karpenter/index": "src/karpenter/index.ts",
    "aks/index": "src/aks/index.ts",
    "byo/index": "src/byo/index.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
  outDir: "dist",
});
