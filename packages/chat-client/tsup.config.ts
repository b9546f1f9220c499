import { packageBuild } from "../../tsup.base.ts";

export default packageBuild({ index: "src/index.ts", "testing/tiny-gguf": "src/testing/tiny-gguf.ts" });
