import { packageBuild } from "../../tsup.base.ts";

export default packageBuild({
  index: "src/index.ts",
  "karpenter/index": "src/karpenter/index.ts",
  "aks/index": "src/aks/index.ts",
  "byo/index": "src/byo/index.ts",
  "client-node/index": "src/client-node/index.ts",
  "testing/index": "src/testing/index.ts",
  "aks-emulator/index": "src/aks-emulator/index.ts",
});
